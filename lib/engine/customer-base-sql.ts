/**
 * The customer base in SQL, defined once and rendered for each engine (lib/engine/dialect.ts):
 *
 *   order rows ──► customer_days (customer × day: orders, purchases, net, channel of the day's first order)
 *              ──► customer_base (first and last purchase day, orders, purchase days, revenue, first-day
 *                                 purchases, acquisition channel) ──► x, t_x, T, z̄ (customer-base.ts historySql)
 *
 * summarize.ts builds the tool's own tables from {@link customerDayColumns} and
 * {@link customerBaseColumns}; {@link customerBaseSql} renders the whole path as one query that a
 * user runs where the orders live (`clv sql --dialect trino|postgres|duckdb`): its result has the
 * first columns of data/customers.csv. docs/scale.md describes what differs between the renderings.
 */
import { historySql } from './customer-base.ts';
import type { Dialect } from './dialect.ts';
import { periodIndexSql, type PeriodUnit } from './periods.ts';
import { ident, literal } from './sql.ts';

/** Name used when a customer's attribute (or channel) is empty. */
export const NO_VALUE = '(none)';

/**
 * Select items of customer_days over order rows grouped by customer and day: n_orders, purchases,
 * net, and the channel of the day's first order row (by `rowOrder`; NULL when that row has none).
 * An order is a row with amount ≥ 0; a refund (amount < 0) counts in net only.
 */
export function customerDayColumns(d: Dialect, rowOrder: string): string {
  return `count(*) FILTER (WHERE amount >= 0) AS n_orders,
           sum(amount) FILTER (WHERE amount >= 0) AS purchases,
           sum(amount) AS net,
           ${d.firstBy('channel', rowOrder, 'amount >= 0')} AS channel`;
}

/** The column of customer_days that holds a segment's value on the day's first order (`segment` as --segment-by names it). */
export function dayValueColumn(segment: string): string {
  return ident(`day:${segment}`);
}

/**
 * Select item of customer_days: the value of the order-row expression `value` on the day's first
 * order row (by `rowOrder`; NULL when that row has none), as {@link dayValueColumn}(segment).
 */
export function dayValueSql(d: Dialect, value: string, rowOrder: string, segment: string): string {
  return `${d.firstBy(value, rowOrder, 'amount >= 0')} AS ${dayValueColumn(segment)}`;
}

/**
 * Select items of customer_base over customer_days grouped by customer: first_date, last_date,
 * orders, purchase_days, revenue (net), purchase_revenue, first_day_purchases and
 * acquisition_channel (the channel of the first purchase day, "(none)" when it has none).
 */
export function customerBaseColumns(d: Dialect): string {
  return `min(order_date) FILTER (WHERE n_orders > 0) AS first_date,
           max(order_date) FILTER (WHERE n_orders > 0) AS last_date,
           CAST(sum(n_orders) AS BIGINT) AS orders,
           count(*) FILTER (WHERE n_orders > 0) AS purchase_days,
           sum(net) AS revenue,
           sum(purchases) AS purchase_revenue,
           ${d.firstBy('purchases', 'order_date', 'n_orders > 0')} AS first_day_purchases,
           coalesce(${d.firstBy('channel', 'order_date', 'n_orders > 0')}, ${literal(NO_VALUE)}) AS acquisition_channel`;
}

/**
 * Select items of the per-customer summary over customer_base as of `asOf`, in the `customers.csv`
 * contract order: customer_id, cohort_index, first_order_date, acquisition_channel, orders,
 * frequency, recency_days, T_days, revenue, mean_repeat_order_value.
 */
export function customerSummaryColumns(d: Dialect, asOf: string, cohortIndex = 'cohort_index'): string {
  const h = historySql(
    { purchaseDays: 'purchase_days', firstDay: 'first_date', lastDay: 'last_date', end: `DATE ${literal(asOf)}`, revenue: 'purchase_revenue', firstDayRevenue: 'first_day_purchases' },
    d,
  );
  return `customer_id,
           ${cohortIndex === 'cohort_index' ? 'cohort_index' : `${cohortIndex} AS cohort_index`},
           ${d.isoDate('first_date')} AS first_order_date,
           acquisition_channel,
           CAST(orders AS INTEGER) AS orders,
           ${h.x} AS frequency,
           ${h.txDays} AS recency_days,
           ${h.TDays} AS T_days,
           revenue,
           ${h.zbar} AS mean_repeat_order_value`;
}

export interface CustomerBaseSqlOptions {
  /** Report date `YYYY-MM-DD`: later rows are left out; T runs to it. */
  asOf: string;
  /** Cohort period of cohort_index. */
  period: PeriodUnit;
  /** The relation of order rows (a table name, as SQL). */
  table: string;
  /** The column (SQL) that orders the rows of a day: the first order's channel is the day's. */
  rowOrder: string;
}

/**
 * One query from order rows (columns customer_id, order_date DATE, amount, channel, and the row
 * order column) to one row per customer: customer_id, cohort_index, first_order_date,
 * acquisition_channel, orders, frequency (x), recency_days (t_x), T_days (T), revenue,
 * mean_repeat_order_value (z̄), ordered by customer_id. It leaves out rows without a customer,
 * rows after the as-of date and refunds before the customer's first order, as the loader does;
 * it expects one row per order (no repeated order_id; order lines summed).
 */
export function customerBaseSql(d: Dialect, o: CustomerBaseSqlOptions): string {
  return `${header(d, o, "the first ten columns of clv's data/customers.csv (cohort as its index)")}
${baseCtes(d, o)}
SELECT ${customerSummaryColumns(d, o.asOf, `CAST(${periodIndexSql(o.period, 'first_date', d)} AS INTEGER)`)}
FROM customer_base
WHERE first_date IS NOT NULL
ORDER BY customer_id
`;
}

/**
 * Select items of the cohort cells over customer_periods (customer × period: cohort_index,
 * period_index, orders, revenue) grouped by cohort and period: customers active (with an order),
 * orders and net revenue.
 */
export function cohortCellColumns(d: Dialect): string {
  return `CAST(count(*) FILTER (WHERE orders > 0) AS INTEGER) AS active_customers,
           CAST(sum(orders) AS INTEGER) AS orders,
           CAST(sum(revenue) AS ${d.double}) AS revenue`;
}

/**
 * One query from order rows (as for {@link customerBaseSql}) to the cohort cells: cohort_index,
 * period_index, active_customers, orders, revenue, one row per cohort and period with activity,
 * ordered by cohort and period (the retention triangle's counts).
 */
export function cohortCellsSql(d: Dialect, o: CustomerBaseSqlOptions): string {
  const period = periodIndexSql(o.period, 'd.order_date', d);
  return `${header(d, o, 'the cohort cells (customers active, orders and net revenue per cohort and period; indexes as clv numbers periods)')}
${baseCtes(d, o)},
customer_periods AS (
  SELECT d.customer_id, CAST(${periodIndexSql(o.period, 'c.first_date', d)} AS INTEGER) AS cohort_index,
         CAST(${period} AS INTEGER) AS period_index,
         sum(d.n_orders) AS orders, sum(d.net) AS revenue
  FROM customer_days d JOIN customer_base c ON c.customer_id = d.customer_id
  WHERE c.first_date IS NOT NULL
  GROUP BY d.customer_id, c.first_date, ${period}
)
SELECT cohort_index, period_index,
           ${cohortCellColumns(d)}
FROM customer_periods
GROUP BY cohort_index, period_index
ORDER BY cohort_index, period_index
`;
}

function header(d: Dialect, o: CustomerBaseSqlOptions, result: string): string {
  return `-- clv (${d.id}): as of ${o.asOf}, cohorts by ${o.period}.
-- Input: ${o.table} (customer_id, order_date DATE, amount, channel, ${o.rowOrder}), one row per order,
-- dates as UTC calendar dates. Result: ${result}.`;
}

/** The common path: kept rows ──► customer_days ──► customer_base, as WITH items. */
function baseCtes(d: Dialect, o: CustomerBaseSqlOptions): string {
  const asOf = `DATE ${literal(o.asOf)}`;
  return `WITH kept AS (
  SELECT customer_id, order_date, amount, channel, row_order
  FROM (
    SELECT customer_id, CAST(order_date AS DATE) AS order_date, amount, channel, ${o.rowOrder} AS row_order,
           min(CASE WHEN amount >= 0 THEN CAST(order_date AS DATE) END) OVER (PARTITION BY customer_id) AS first_purchase
    FROM ${o.table}
    WHERE customer_id IS NOT NULL AND customer_id <> '' AND CAST(order_date AS DATE) <= ${asOf}
  ) rows_to_as_of
  -- A refund before the customer's first order has no cohort to be charged to.
  WHERE amount >= 0 OR order_date >= first_purchase
),
customer_days AS (
  SELECT customer_id, order_date,
           ${customerDayColumns(d, 'row_order')}
  FROM kept
  GROUP BY customer_id, order_date
),
customer_base AS (
  SELECT customer_id,
           ${customerBaseColumns(d)}
  FROM customer_days
  GROUP BY customer_id
)`;
}
