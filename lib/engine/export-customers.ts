/**
 * Writes `customers.csv` straight from DuckDB (COPY), so that millions of
 * customers never pass through JavaScript. Follows the same CSV rules as
 * lib/report/csv.ts: LF line ends, a header, empty cells for undefined
 * values, money with up to 4 decimals and no trailing zeros, and text cells
 * that start with = + - @ tab or CR prefixed with a single quote.
 */
import { literal, type Database } from './database.ts';
import { customerColumnsSql } from './summarize.ts';
import { periodLabelSql, type PeriodUnit } from './periods.ts';

/** SQL: neutralises a text value a spreadsheet would read as a formula. */
export function neutraliseSql(expr: string): string {
  return `CASE WHEN left(${expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${expr} ELSE ${expr} END`;
}

/** SQL: a number with at most 4 decimals and no trailing zeros. */
export function decimalTextSql(expr: string): string {
  // A DECIMAL(38,4) always prints 4 decimals, so trimming zeros, then a bare point, is exact.
  return `rtrim(rtrim(CAST(CAST(round(${expr}, 4) AS DECIMAL(38,4)) AS VARCHAR), '0'), '.')`;
}

/** Writes the customer summary (table `customer_base`) as CSV to `path`; returns the number of rows. */
export async function writeCustomersCsv(db: Database, options: { path: string; period: PeriodUnit; asOf: string }): Promise<number> {
  await db.run(`
    COPY (
      SELECT ${neutraliseSql('customer_id')} AS customer_id,
             ${periodLabelSql(options.period, 'CAST(first_order_date AS DATE)')} AS cohort,
             first_order_date,
             ${neutraliseSql('acquisition_channel')} AS acquisition_channel,
             orders, frequency, recency_days, T_days,
             ${decimalTextSql('revenue')} AS revenue,
             ${decimalTextSql('mean_repeat_order_value')} AS mean_repeat_order_value
      FROM (SELECT ${customerColumnsSql(options.asOf)} FROM customer_base)
      ORDER BY customer_id
    ) TO ${literal(options.path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\\n')`);
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM customer_base`);
  return n;
}
