/**
 * Loads a per-customer summary (`--summary FILE`: CSV or Parquet of `clv sql --result customers`,
 * computed where the orders live: Trino, Spark, PostgreSQL) into the table `customer_base`, so that
 * the report starts from it instead of from order rows.
 *
 *   customer_id               text, not empty, once per file
 *   first_order_date          YYYY-MM-DD
 *   acquisition_channel       optional text (empty or missing: "(none)")
 *   orders                    whole number ≥ 1
 *   frequency                 x: whole number, 0 ≤ x < orders (repeat purchase days)
 *   recency_days              t_x: whole number; 0 when x = 0, else x ≤ t_x ≤ T
 *   T_days                    T: whole number ≥ 0; first_order_date + T is the as-of date, the same on every row
 *   revenue                   net revenue, a number
 *   mean_repeat_order_value   z̄: a number when x ≥ 1, empty when x = 0
 *
 * `cohort_index` (or data/customers.csv's `cohort`) may be present; the cohort is recomputed from
 * first_order_date for the report's --period. Every problem is reported as file:line:column
 * (exit code 2), like an orders file; no row is dropped.
 *
 * customer_base holds what summarize.ts builds from order rows, rebuilt from the summary:
 * purchase_days = x + 1, last_date = first + t_x, and the revenue of the repeat purchase days,
 * z̄ × x, kept to 4 decimals as the loader keeps amounts (DECIMAL(18,4)), so that the history SQL
 * (lib/engine/customer-base.ts) gives back the file's z̄. A summary holds net revenue only:
 * purchase_revenue is set to it (refunds are not known).
 */
import { InputError, MAX_LISTED_PROBLEMS, UserError, type InputProblem } from '../errors.ts';
import { ident, literal, type Database } from '../engine/database.ts';
import { NO_VALUE } from '../engine/customer-base-sql.ts';
import { periodIndexSql, type PeriodUnit } from '../engine/periods.ts';
import type { LoadedOrders } from './load-orders.ts';
import { findColumn, readTextTable } from './read-table.ts';
import type { PgTarget } from '../sources/pg-connection.ts';

/** The columns of a summary, in the order of `clv sql --result customers` (cohort_index left out: recomputed). */
export const SUMMARY_COLUMNS = ['customer_id', 'first_order_date', 'acquisition_channel', 'orders', 'frequency', 'recency_days', 'T_days', 'revenue', 'mean_repeat_order_value'] as const;
const OPTIONAL = new Set(['acquisition_channel']);

const INTEGER = `'^[+-]?[0-9]+$'`;
const NUMBER = `'^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$'`;
const ISO_DAY = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;

export interface SummaryLoadOptions {
  /** The report's cohort period (cohort_index of customer_base). */
  period: PeriodUnit;
  /** The as-of date the user gave: it must be the summary's. */
  asOf?: string;
  /** Segment columns: `channel` (the acquisition channel) is the only one a summary has. */
  segmentBy: string[];
}

export interface LoadedSummary extends LoadedOrders {
  /** Customers in the summary. */
  customers: number;
}

export async function loadSummary(db: Database, input: string | PgTarget, o: SummaryLoadOptions): Promise<LoadedSummary> {
  const table = await readTextTable(db, input, 'summary_in', 'customers (one row per customer, as `clv sql --result customers` gives)');
  const file = table.path;
  const missing = SUMMARY_COLUMNS.filter((c) => !OPTIONAL.has(c) && !findColumn(table.columns, c));
  if (missing.length > 0) {
    throw new InputError(file, [
      {
        line: table.format === 'csv' ? 1 : undefined,
        message: `missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.map((m) => `"${m}"`).join(', ')}; the header has ${table.columns.map((c) => JSON.stringify(c.name)).join(', ')} (a summary is the result of clv sql --result customers: ${SUMMARY_COLUMNS.join(', ')})`,
      },
    ]);
  }
  const col = Object.fromEntries(SUMMARY_COLUMNS.map((c) => [c, findColumn(table.columns, c)]));
  const text = (c: (typeof SUMMARY_COLUMNS)[number]) => (col[c] ? `trim(${col[c]!.sql})` : 'NULL');
  // Typed values beside the text, NULL where the text does not parse (the checks below name those).
  await db.run(`
    CREATE OR REPLACE TEMP TABLE summary_typed AS
    SELECT rowid AS rec, ${SUMMARY_COLUMNS.map((c) => `${text(c)} AS ${ident(`t_${c}`)}`).join(', ')},
           CASE WHEN regexp_full_match(${text('first_order_date')}, ${ISO_DAY}) THEN try_cast(${text('first_order_date')} AS DATE) END AS first_date,
           ${['orders', 'frequency', 'recency_days', 'T_days'].map((c) => `CASE WHEN regexp_full_match(${text(c as 'orders')}, ${INTEGER}) THEN try_cast(${text(c as 'orders')} AS BIGINT) END AS ${ident(`v_${c}`)}`).join(',\n           ')},
           ${['revenue', 'mean_repeat_order_value'].map((c) => `CASE WHEN regexp_full_match(${text(c as 'revenue')}, ${NUMBER}) THEN try_cast(${text(c as 'revenue')} AS DOUBLE) END AS ${ident(`v_${c}`)}`).join(',\n           ')}
    FROM summary_in`);
  await db.run('DROP TABLE summary_in');
  const [first] = await db.rows<{ as_of: string | null }>(`
    SELECT strftime(first_date + CAST(v_T_days AS INTEGER), '%Y-%m-%d') AS as_of FROM summary_typed
    WHERE first_date IS NOT NULL AND v_T_days BETWEEN 0 AND 100000 ORDER BY rec LIMIT 1`);
  const asOf = o.asOf ?? first?.as_of ?? undefined;
  const integer = (c: 'orders' | 'frequency' | 'recency_days' | 'T_days', what: string) => ({ column: c, bad: `v_${c} IS NULL`, message: `not a whole number; expected ${what}` });
  const checks: { column: (typeof SUMMARY_COLUMNS)[number]; bad: string; message: string }[] = [
    { column: 'customer_id', bad: `coalesce(t_customer_id, '') = ''`, message: 'empty customer_id; every row is one customer' },
    { column: 'customer_id', bad: `t_customer_id <> '' AND count(*) OVER (PARTITION BY t_customer_id) > 1 AND rec > min(rec) OVER (PARTITION BY t_customer_id)`, message: 'customer_id repeated; a summary has one row per customer' },
    { column: 'first_order_date', bad: 'first_date IS NULL', message: 'not a valid date; expected YYYY-MM-DD (a UTC calendar date)' },
    integer('orders', 'the number of orders, 1 or more'),
    { column: 'orders', bad: 'v_orders < 1', message: 'expected 1 or more orders (a customer in the summary has ordered)' },
    integer('frequency', 'x, the repeat purchase days (0 or more)'),
    { column: 'frequency', bad: 'v_frequency < 0 OR v_frequency >= v_orders', message: 'expected 0 ≤ frequency < orders (x counts purchase days after the first; each has an order)' },
    integer('recency_days', 't_x, days from the first to the last purchase day'),
    { column: 'recency_days', bad: 'v_frequency = 0 AND v_recency_days <> 0', message: 'expected 0 when frequency is 0 (t_x of a one-time buyer)' },
    { column: 'recency_days', bad: 'v_frequency > 0 AND (v_recency_days < v_frequency OR v_recency_days > v_T_days)', message: 'expected frequency ≤ recency_days ≤ T_days (x purchase days after the first fall in the t_x days up to the last one, which is no later than the as-of date)' },
    integer('T_days', 'T, days from the first purchase to the as-of date'),
    { column: 'T_days', bad: 'v_T_days < 0', message: 'expected 0 or more days' },
    ...(asOf === undefined
      ? []
      : [{ column: 'T_days' as const, bad: `first_date IS NOT NULL AND v_T_days BETWEEN 0 AND 100000 AND first_date + CAST(v_T_days AS INTEGER) <> DATE ${literal(asOf)}`, message: `first_order_date + T_days is not the as-of date ${asOf}${o.asOf ? ' (--as-of)' : ' (that of the first row)'}; a summary is computed as of one date` }]),
    { column: 'revenue', bad: 'v_revenue IS NULL', message: 'not a number; expected the net revenue, e.g. 1250.5' },
    { column: 'revenue', bad: 'abs(v_revenue) >= 1e14', message: 'too large; expected an amount below 100,000,000,000,000' },
    { column: 'mean_repeat_order_value', bad: `v_frequency > 0 AND v_mean_repeat_order_value IS NULL`, message: 'not a number; expected z̄, the mean value of the repeat purchase days, when frequency ≥ 1' },
    { column: 'mean_repeat_order_value', bad: `v_frequency = 0 AND coalesce(t_mean_repeat_order_value, '') <> ''`, message: 'expected an empty value when frequency is 0 (no repeat purchase days)' },
    { column: 'mean_repeat_order_value', bad: 'abs(v_mean_repeat_order_value) >= 1e14', message: 'too large; expected an amount below 100,000,000,000,000' },
  ];
  const found = await db.rows<{ rec: number; chk: number; value: string | null; total: number }>(`
    WITH bad AS (
      ${checks.map((c, i) => `SELECT rec, ${i} AS chk, ${ident(`t_${c.column}`)} AS value FROM (SELECT *, (${c.bad}) AS is_bad FROM summary_typed) WHERE is_bad`).join('\n      UNION ALL ')}
    )
    SELECT rec, chk, value, CAST(count(*) OVER () AS INTEGER) AS total FROM bad ORDER BY rec, chk LIMIT ${MAX_LISTED_PROBLEMS}`);
  if (found.length > 0) {
    const lines = await table.lines(found.map((f) => f.rec));
    const problems: InputProblem[] = found.map((f) => {
      const c = col[checks[f.chk].column]!;
      return { line: lines.get(f.rec) ?? f.rec + 2, column: c.position, columnName: c.name, value: f.value ?? '', message: checks[f.chk].message };
    });
    throw new InputError(file, problems, found[0].total, table.unit);
  }
  if (asOf === undefined) throw new InputError(file, [{ message: 'no row gives an as-of date (first_order_date + T_days)' }]);
  for (const s of o.segmentBy) {
    if (s !== 'channel') throw new UserError(`--segment-by ${s}: a --summary has no column ${JSON.stringify(s)}; a per-customer summary can be segmented by channel (its acquisition_channel) only`);
  }
  const channel = col.acquisition_channel ? `coalesce(nullif(t_acquisition_channel, ''), ${literal(NO_VALUE)})` : literal(NO_VALUE);
  // The revenue of the repeat purchase days, to 4 decimals (the amounts' precision): z̄ × x.
  const repeat = 'CAST(round(v_mean_repeat_order_value * v_frequency, 4) AS DECIMAL(38,4))';
  await db.run('DROP TABLE IF EXISTS customer_base');
  await db.run(`
    CREATE TEMP TABLE customer_base AS
    SELECT *, CAST(${periodIndexSql(o.period, 'first_date')} AS INTEGER) AS cohort_index FROM (
      SELECT t_customer_id AS customer_id, first_date, CAST(first_date + CAST(v_recency_days AS INTEGER) AS DATE) AS last_date,
             v_orders AS orders, v_frequency + 1 AS purchase_days,
             CAST(v_revenue AS DECIMAL(38,4)) AS revenue, CAST(v_revenue AS DECIMAL(38,4)) AS purchase_revenue,
             CAST(v_revenue AS DECIMAL(38,4)) - CASE WHEN v_frequency > 0 THEN ${repeat} ELSE 0 END AS first_day_purchases,
             ${channel} AS acquisition_channel
             ${o.segmentBy.map((_, i) => `, ${channel} AS ${ident(`seg_${i}`)}`).join('')}
      FROM summary_typed ORDER BY rec)`);
  await db.run('DROP TABLE summary_typed');
  const [s] = await db.rows<{ customers: number; orders: number; first: string; last: string; channels: number }>(`
    SELECT CAST(count(*) AS INTEGER) AS customers, CAST(sum(orders) AS BIGINT) AS orders,
           strftime(min(first_date), '%Y-%m-%d') AS first, strftime(max(last_date), '%Y-%m-%d') AS last,
           CAST(count(*) FILTER (WHERE acquisition_channel <> ${literal(NO_VALUE)}) AS INTEGER) AS channels
    FROM customer_base`);
  return {
    input: { path: file, format: table.format, sha256: table.sha256, bytes: table.bytes, rows_read: table.rows, rows_kept: table.rows, dropped: [], orders: s.orders },
    asOf,
    firstDate: s.first,
    lastDate: s.last,
    hasOrderId: false,
    hasChannel: col.acquisition_channel !== undefined && s.channels > 0,
    attributes: [],
    money: 'amount',
    lines: false,
    aggregated: false,
    lineValues: [],
    warnings: [],
    customers: s.customers,
  };
}
