/**
 * The aggregations over `facts` (see lib/load/load-orders.ts) that every
 * later step starts from. Runs inside DuckDB; what comes back to JavaScript
 * is small (arquero tables per cohort cell and period, and totals). The
 * per-customer table stays in DuckDB (`customer_base`), read by
 * {@link customerTable} or written by lib/engine/export-customers.ts.
 *
 *   facts ──► customer_days    (customer × day: orders, purchases, net amount)
 *         ──► customer_base    (first order, cohort, channel, x, t_x, T, revenue, z̄) ──► sizes, totals
 *         ──► customer_periods (customer × period) ──► cohort cells, active base (CRR)
 *
 * Definitions (docs/formulas.md): an order is a row with amount ≥ 0
 * (a refund is a row with amount < 0: it counts in revenue, not as an order
 * or as activity). x = distinct purchase days − 1; t_x = last purchase day −
 * first purchase day; T = as-of − first purchase day (days). The mean repeat
 * order value z̄ is the mean of the purchase days after the first, each day's
 * orders summed into one transaction.
 */
import { FIRST_ORDER_ORIGIN } from '../report/labels.ts';
import type * as aq from 'arquero';
import { cohortCellColumns, customerBaseColumns, customerDayColumns, customerSummaryColumns, dayValueColumn, dayValueSql, NO_VALUE } from './customer-base-sql.ts';
import { DUCKDB } from './dialect.ts';
import { ident, literal, type Database } from './database.ts';
import { periodIndexSql, periodsPerYear, type PeriodUnit } from './periods.ts';
import { attributeColumn, lineValuesColumn } from '../load/load-orders.ts';

export { NO_VALUE };

export interface SummaryOptions {
  period: PeriodUnit;
  /** As-of date `YYYY-MM-DD` (facts are already cut at it). */
  asOf: string;
  /** Attribute columns of `facts` to segment by; `channel` means the acquisition channel. */
  segmentBy: string[];
  /** Trailing window, in periods, in which a customer must have ordered to count as active (CRR). */
  activeWindow?: number;
  /** True when the load made customer_days itself (LoadedOrders `aggregated`: no `facts`). */
  customerDaysLoaded?: boolean;
  /** Called once `facts` has been read for the last time, e.g. to free its memory. */
  afterFactsRead?: () => Promise<void>;
  /**
   * More select items over `customer_days` grouped by customer, added to `customer_base` in the same
   * pass (what a product needs per customer, e.g. the backtest's calibration counts, lib/clv/backtest.ts).
   */
  customerAggregates?: string[];
  /**
   * Segment columns that come from the customers file (table `customer_attributes`,
   * lib/load/load-customers.ts) rather than from the orders: one value per customer,
   * "(none)" for customers missing from the file or with an empty value.
   */
  customerColumns?: string[];
  /** Segment columns read from other per-customer tables (e.g. the survey band, lib/load/load-surveys.ts). */
  customerTables?: CustomerTableColumn[];
  /**
   * `first:<column>` segments: segment name → the column of the orders (`channel` or an
   * attribute). A customer's values are those of their first order (the first row, in file
   * order, of their first purchase day), and, when the orders are summed from lines
   * (`lineValues`), of every purchased line of that order: a customer whose first order has
   * several values counts under each (see {@link firstValuesSql}).
   */
  firstColumns?: Record<string, string>;
  /** Columns whose values on every line of an order `facts` has (lib/load/load-orders.ts lineValuesColumn). */
  lineValues?: string[];
}

/** A segment column whose value per customer is `value` in `table` (keyed by customer_id); `missing` for customers not in it. */
/** SQL of a segment value: the text of the column, NO_VALUE when missing or empty. */
export function segmentValueSql(sql: string): string {
  return `coalesce(nullif(CAST(${sql} AS VARCHAR), ''), ${literal(NO_VALUE)})`;
}

export interface CustomerTableColumn {
  column: string;
  table: string;
  value: string;
  missing: string;
  /** Where a customer's value comes from, in words (e.g. "their latest survey answer"). */
  origin: string;
}

/** Totals over all customers, for the headline KPIs. */
export interface Totals {
  customers: number;
  /** Order rows (amount ≥ 0). */
  orders: number;
  /** Net revenue (refunds included). */
  revenue: number;
  /** Revenue of order rows only. */
  purchase_revenue: number;
  /** Customers with at least one repeat purchase day (x ≥ 1). */
  repeat_customers: number;
  /** Customers whose first order has no channel. */
  no_channel: number;
}

export interface Summary {
  /** Customers per cohort: cohort_index, customers. */
  sizes: aq.ColumnTable;
  /** Cohort cells: cohort_index, period_index, active_customers, orders, revenue. */
  cells: aq.ColumnTable;
  totals: Totals;
  /** Per segment column: cells with a leading `segment` column, and customers per cohort and segment. */
  segments: SegmentSummary[];
  /** Per period index: active customers at the end of it (trailing window), as a delta stream. */
  activeDeltas: aq.ColumnTable;
  /** Trailing window used for `activeDeltas`, in periods. */
  activeWindow: number;
  /** Per cohort: customers who ordered on two or more days by the as-of date. */
  cohortRepeat: { cohort_index: number; repeat_customers: number }[];
}

export interface SegmentSummary {
  column: string;
  /** Where a customer's value comes from, in words: "the value on their first order", "their row of the customers file"… */
  origin: string;
  /** `first:` segments whose customers can count under several values: how many customers have more than one. */
  multiValued?: number;
  /** segment, cohort_index, period_index, active_customers, orders, revenue. */
  cells: aq.ColumnTable;
  /** segment, cohort_index, customers. */
  sizes: aq.ColumnTable;
}

/**
 * The per-customer summary stays in DuckDB (table `customer_base`): at
 * millions of customers, moving it into JavaScript would cost more than the
 * whole scan. This is its SELECT, in the `customers.csv` contract order.
 *   customer_id, cohort_index, first_order_date, acquisition_channel, orders,
 *   frequency, recency_days, T_days, revenue, mean_repeat_order_value
 */
export function customerColumnsSql(asOf: string): string {
  return customerSummaryColumns(DUCKDB, asOf);
}

/** The per-customer summary as an arquero table (tests and small data; see {@link customerColumnsSql}). */
export async function customerTable(db: Database, asOf: string): Promise<aq.ColumnTable> {
  return db.table(`
    SELECT * REPLACE (CAST(revenue AS DOUBLE) AS revenue) FROM (SELECT ${customerColumnsSql(asOf)} FROM customer_base)
    ORDER BY customer_id`);
}

/** Customers per cohort (and segment: an SQL expression over `from`, which reads customer_base). */
export function cohortSizesSql(segment?: string, from = 'customer_base'): string {
  return `
    SELECT ${segment ? `${segment} AS segment, ` : ''}cohort_index, CAST(count(*) AS INTEGER) AS customers
    FROM ${from} GROUP BY ALL ORDER BY ALL`;
}

/** Cohort cells (active customers, orders, revenue per cohort and period, and segment) from `from`, which reads customer_periods. */
export function cohortCellsSql(segment?: string, from = 'customer_periods'): string {
  return `
    SELECT ${segment ? `${segment} AS segment, ` : ''}cohort_index, period_index,
           ${cohortCellColumns(DUCKDB)}
    FROM ${from}
    GROUP BY ALL ORDER BY ALL`;
}

/** The SQL expression for a segment column's value per customer-day. */
function segmentSource(column: string): string {
  return column === 'channel' ? 'channel' : attributeColumn(column);
}

/** The values of an order row for a `first:` segment: a list (the lines' values, or the row's own), without NULLs. */
export function firstValuesSql(column: string, lineValues: readonly string[]): string {
  const own = `list_filter(list_value(${segmentSource(column)}), v -> v IS NOT NULL)`;
  return lineValues.includes(column) ? `coalesce(${lineValuesColumn(column)}, ${own})` : own;
}

/** FROM clause over a table whose segment column `alias` may hold lists: one row per value. */
export function segmentRows(table: string, alias: string, list: boolean): string {
  return list ? `(SELECT * REPLACE (unnest(${alias}) AS ${alias}) FROM ${table})` : table;
}

export async function summarize(db: Database, options: SummaryOptions): Promise<Summary> {
  const { period, asOf } = options;
  const segCols = options.segmentBy.map((c, i) => ({ column: c, alias: `seg_${i}` }));
  const window = options.activeWindow ?? periodsPerYear(period);

  // Customer × day. Attribute values are taken from the first row of the day (file order).
  const fromCustomers = new Set([...(options.customerColumns ?? []), ...(options.customerTables ?? []).map((t) => t.column)]);
  const firsts = options.firstColumns ?? {};
  const daySegments = segCols.filter((s) => s.column !== 'channel' && !fromCustomers.has(s.column));
  // Orders aggregated where they live (lib/sources/pg-pushdown.ts) arrive as customer_days, with the day values of the segments asked for.
  if (!options.customerDaysLoaded) {
    const dayAttrs = daySegments
      .map((s) =>
        firsts[s.column] !== undefined
          ? `, arg_min(${firstValuesSql(firsts[s.column], options.lineValues ?? [])}, seq) FILTER (WHERE amount >= 0) AS ${dayValueColumn(s.column)}`
          : `, ${dayValueSql(DUCKDB, segmentSource(s.column), 'seq', s.column)}`,
      )
      .join('');
    await db.run(`DROP TABLE IF EXISTS customer_days`);
    await db.run(`
      CREATE TEMP TABLE customer_days AS
      SELECT customer_id, order_date,
             ${customerDayColumns(DUCKDB, 'seq')}
             ${dayAttrs}
      FROM facts GROUP BY customer_id, order_date`);
  }
  await options.afterFactsRead?.();

  const custAttrs = segCols
    .map((s) =>
      fromCustomers.has(s.column)
        ? `, ${literal(NO_VALUE)} AS ${s.alias}`
        : firsts[s.column] !== undefined
        ? `, coalesce(nullif(arg_min(${dayValueColumn(s.column)}, order_date) FILTER (WHERE n_orders > 0), []), [${literal(NO_VALUE)}]) AS ${s.alias}`
        : s.column === 'channel'
        ? `, coalesce(arg_min_null(channel, order_date) FILTER (WHERE n_orders > 0), ${literal(NO_VALUE)}) AS ${s.alias}`
        : `, coalesce(arg_min_null(${dayValueColumn(s.column)}, order_date) FILTER (WHERE n_orders > 0), ${literal(NO_VALUE)}) AS ${s.alias}`,
    )
    .join('');
  await db.run(`DROP TABLE IF EXISTS customer_base`);
  const cohortIdx = periodIndexSql(period, 'first_date');
  await db.run(`
    CREATE TEMP TABLE customer_base AS
    SELECT *, CAST(${cohortIdx} AS INTEGER) AS cohort_index FROM (
    SELECT customer_id,
           ${customerBaseColumns(DUCKDB)}
           ${custAttrs}${(options.customerAggregates ?? []).map((a) => `,
           ${a}`).join('')}
    FROM customer_days GROUP BY customer_id)`);
  for (const t of options.customerTables ?? []) {
    const alias = segCols.find((s) => s.column === t.column)!.alias;
    await db.run(`
      CREATE OR REPLACE TEMP TABLE customer_base AS
      SELECT b.* REPLACE (coalesce(j.${ident(t.value)}, ${literal(t.missing)}) AS ${alias})
      FROM customer_base b LEFT JOIN ${ident(t.table)} j USING (customer_id)`);
  }
  const customerSegs = segCols.filter((s) => (options.customerColumns ?? []).includes(s.column));
  if (customerSegs.length > 0) {
    await db.run(`
      CREATE OR REPLACE TEMP TABLE customer_base AS
      SELECT b.* REPLACE (${customerSegs.map((s) => `coalesce(a.${ident(s.column)}, ${literal(NO_VALUE)}) AS ${s.alias}`).join(', ')})
      FROM customer_base b LEFT JOIN customer_attributes a USING (customer_id)`);
  }
  // first: segments stay lists only where some customer's first order has several values.
  const lists = new Map<string, number>();
  for (const s of segCols.filter((c) => firsts[c.column] !== undefined)) {
    const [{ multi }] = await db.rows<{ multi: number }>(`SELECT CAST(count(*) FILTER (WHERE len(${s.alias}) > 1) AS INTEGER) AS multi FROM customer_base`);
    if (multi > 0) lists.set(s.alias, multi);
    else await db.run(`CREATE OR REPLACE TEMP TABLE customer_base AS SELECT * REPLACE (${s.alias}[1] AS ${s.alias}) FROM customer_base`);
  }
  const [totals] = await db.rows<Totals>(`
    SELECT CAST(count(*) AS INTEGER) AS customers,
           CAST(coalesce(sum(orders), 0) AS BIGINT) AS orders,
           CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue,
           CAST(coalesce(sum(purchase_revenue), 0) AS DOUBLE) AS purchase_revenue,
           CAST(count(*) FILTER (WHERE purchase_days > 1) AS INTEGER) AS repeat_customers,
           CAST(count(*) FILTER (WHERE acquisition_channel = ${literal(NO_VALUE)}) AS INTEGER) AS no_channel
    FROM customer_base`);
  const sizeSql = (segment?: string) => cohortSizesSql(segment, segment ? segmentRows('customer_base', segment, lists.has(segment)) : 'customer_base');
  const sizes = await db.table(sizeSql());
  const cohortRepeat = await db.rows<{ cohort_index: number; repeat_customers: number }>(`
    SELECT cohort_index, CAST(count(*) FILTER (WHERE purchase_days > 1) AS INTEGER) AS repeat_customers
    FROM customer_base GROUP BY ALL ORDER BY ALL`);

  // Customer × period, with the customer's cohort and segments: the days summed into periods
  // first (exact: counts and decimals), then one join of the fewer customer-periods.
  const periodIdx = periodIndexSql(period, 'order_date');
  await db.run(`DROP TABLE IF EXISTS customer_periods`);
  await db.run(`
    CREATE TEMP TABLE customer_periods AS
    SELECT p.customer_id, c.cohort_index, p.period_index, p.orders, p.revenue
           ${segCols.map((s) => `, c.${s.alias}`).join('')}
    FROM (SELECT customer_id, CAST(${periodIdx} AS INTEGER) AS period_index, sum(n_orders) AS orders, sum(net) AS revenue
          FROM customer_days GROUP BY customer_id, period_index) p
    JOIN customer_base c USING (customer_id)`);
  await db.run(`DROP TABLE customer_days`);

  const cellSql = (segment?: string) => cohortCellsSql(segment, segment ? segmentRows('customer_periods', segment, lists.has(segment)) : 'customer_periods');
  const cells = await db.table(cellSql());
  const segments: SegmentSummary[] = [];
  for (const s of segCols) {
    const table = (options.customerTables ?? []).find((t) => t.column === s.column);
    const origin = table ? table.origin : (options.customerColumns ?? []).includes(s.column) ? 'the value of their row in the customers file' : lists.has(s.alias) ? 'every value on their first order' : FIRST_ORDER_ORIGIN;
    segments.push({ column: s.column, origin, cells: await db.table(cellSql(s.alias)), sizes: await db.table(sizeSql(s.alias)), ...(lists.has(s.alias) ? { multiValued: lists.get(s.alias) } : {}) });
  }

  // Active base for CRR: a customer is active at the end of period p when they
  // ordered in one of the periods p−window+1 … p. Each purchase period opens
  // membership until the next purchase period or `window` periods later.
  const activeDeltas = await db.table(`
    WITH p AS (
      SELECT customer_id, period_index,
             lead(period_index) OVER (PARTITION BY customer_id ORDER BY period_index) AS next_index
      FROM customer_periods WHERE orders > 0),
    ev AS (
      SELECT period_index AS period_index, 1 AS delta FROM p
      UNION ALL
      SELECT least(coalesce(next_index, period_index + ${window}), period_index + ${window}), -1 FROM p)
    SELECT CAST(period_index AS INTEGER) AS period_index, CAST(sum(delta) AS INTEGER) AS delta
    FROM ev GROUP BY ALL ORDER BY ALL`);

  return { sizes, cells, totals, segments, activeDeltas, activeWindow: window, cohortRepeat };
}
