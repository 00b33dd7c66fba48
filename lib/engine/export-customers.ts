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

/** SQL: a number with at most `decimals` (default 4) decimals and no trailing zeros. */
export function decimalTextSql(expr: string, decimals = 4): string {
  // A DECIMAL(p,d) always prints d decimals, so trimming zeros, then a bare point, is exact. DECIMAL(18,d)
  // (a 64-bit integer) is three times faster than DECIMAL(38,d) (128 bits) and prints the same text; it holds
  // 18 − d integer digits (at least 9, as d ≤ 9), so values under 10^8, which rounding cannot carry past
  // 10^9, take it and larger ones the wide type.
  if (decimals > 9) throw new Error(`decimalTextSql: at most 9 decimals, not ${decimals}`);
  const text = (digits: number) => `rtrim(rtrim(CAST(CAST(round(${expr}, ${decimals}) AS DECIMAL(${digits},${decimals})) AS VARCHAR), '0'), '.')`;
  return `CASE WHEN abs(${expr}) < 100000000 THEN ${text(18)} ELSE ${text(38)} END`;
}

/** The columns of customers.csv (a contract: add, never rename). */
export const CUSTOMERS_COLUMNS = [
  'customer_id',
  'cohort',
  'first_order_date',
  'acquisition_channel',
  'orders',
  'frequency',
  'recency_days',
  'T_days',
  'revenue',
  'mean_repeat_order_value',
  // From the run's purchase model (empty when no model was fitted), over the CLV horizon.
  'p_alive',
  'expected_purchases',
  'clv',
  // RFM scores (empty when RFM is switched off).
  'rfm_segment',
  'r',
  'f',
  'm',
] as const;

/**
 * Writes the customer summary (table `customer_base`) as CSV to `path`, with each customer's
 * scores (`customer_scores`, when given) and RFM scores (`customer_rfm`, when given); returns the number of rows.
 */
export async function writeCustomersCsv(
  db: Database,
  options: { path: string; period: PeriodUnit; asOf: string; scores?: { name: 'customer_scores'; columns: readonly string[] } | null; rfm?: { name: 'customer_rfm' } | null },
): Promise<number> {
  const has = (c: string) => options.scores?.columns.includes(c) ?? false;
  const score = (c: string) => (has(c) ? decimalTextSql(`s.${c}`, 9) : 'NULL');
  await db.run(`
    COPY (
      SELECT ${neutraliseSql('c.customer_id')} AS customer_id,
             ${periodLabelSql(options.period, 'CAST(c.first_order_date AS DATE)')} AS cohort,
             c.first_order_date,
             ${neutraliseSql('c.acquisition_channel')} AS acquisition_channel,
             c.orders, c.frequency, c.recency_days, c.T_days,
             ${decimalTextSql('c.revenue')} AS revenue,
             ${decimalTextSql('c.mean_repeat_order_value')} AS mean_repeat_order_value,
             ${score('p_alive')} AS p_alive, ${score('expected_purchases')} AS expected_purchases, ${score('clv')} AS clv,
             ${options.rfm ? `${neutraliseSql('r.rfm_segment')} AS rfm_segment, r.r, r.f, r.m` : 'NULL AS rfm_segment, NULL AS r, NULL AS f, NULL AS m'}
      FROM (SELECT ${customerColumnsSql(options.asOf)} FROM customer_base) c
      ${options.scores ? `LEFT JOIN ${options.scores.name} s USING (customer_id)` : ''}
      ${options.rfm ? `LEFT JOIN ${options.rfm.name} r USING (customer_id)` : ''}
      ORDER BY c.customer_id
    ) TO ${literal(options.path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\\n')`);
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM customer_base`);
  return n;
}
