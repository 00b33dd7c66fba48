/**
 * Growth accounting, computing half: per period (the run's --period), where
 * the active customers came from and whom the business lost, for customers
 * and for net revenue. One SQL definition ({@link lifecycleSql}) over the
 * run's `customer_periods` (lib/engine/summarize.ts: one row per customer and
 * period with orders and net revenue):
 *
 *   customer_periods (orders > 0) ─► each customer's active periods, with the
 *     previous active period (lag) and the next one (lead)
 *     ─► new          first active period = the cohort's period
 *     ─► retained     also active in the period before
 *     ─► reactivated  active, not in the period before, not new
 *     ─► churned      active in the period before, not in this one (counted in the period after the last active one)
 *   revenue of a customer in a period = its net revenue there (refunds included);
 *   expansion / contraction = a retained customer's revenue_t − revenue_{t−1}, split by sign;
 *   churned revenue = the churned customers' revenue of the period before.
 *
 * Identities (exact, as the sums are DECIMAL):
 *   active_t  = new + retained + reactivated
 *   active_{t−1} = retained + churned
 *   revenue_t − revenue_{t−1} = new + reactivated + expansion − contraction − churned (revenue)
 * where revenue_t is the net revenue of the customers active in t.
 */
import { lastCompletePeriod, periodLabel, parseIsoDate, periodIndex, type PeriodUnit } from '../../engine/periods.ts';
import type { Database } from '../../engine/database.ts';
import { parseBound } from '../../cohorts/cohort-range.ts';
import type { RunContext } from '../../run/run-context.ts';

/** Columns of data/lifecycle.csv (a contract: add, never rename). */
export const LIFECYCLE_COLUMNS = [
  'period',
  'active',
  'new',
  'retained',
  'reactivated',
  'churned',
  'quick_ratio',
  'revenue',
  'new_revenue',
  'expansion_revenue',
  'contraction_revenue',
  'reactivated_revenue',
  'churned_revenue',
  'revenue_quick_ratio',
] as const;

export interface LifecycleRow {
  period: string;
  period_index: number;
  active: number;
  new: number;
  retained: number;
  reactivated: number;
  churned: number;
  /** (new + reactivated) ÷ churned; null when churned = 0. */
  quick_ratio: number | null;
  /** Revenue columns: null for orders without amounts. */
  revenue: number | null;
  new_revenue: number | null;
  expansion_revenue: number | null;
  contraction_revenue: number | null;
  reactivated_revenue: number | null;
  churned_revenue: number | null;
  /** (new + reactivated + expansion) ÷ (churned + contraction) revenue; null when that is not positive. */
  revenue_quick_ratio: number | null;
}

export interface LifecycleFigures {
  period: PeriodUnit;
  asOf: string;
  /** False for a purchase log without amounts: the revenue columns are empty. */
  money: boolean;
  /** Every complete period from the first cohort's to the last complete one (or the --from/--to range). */
  rows: LifecycleRow[];
  /** The period of the as-of date when it is not over (left out: churn in it is not known yet). */
  partial: string | null;
  /** Set when --from/--to limit the periods shown. */
  range?: { from?: string; to?: string };
  /** Trailing window (periods) of the report's CRR, for the Methods entry relating the two. */
  activeWindow: number;
  /** Refunds booked in a period where the customer placed no order: in no movement (their count and amount). */
  outside: { rows: number; revenue: number };
}

/**
 * The growth-accounting table for periods `first` … `last` (period indices)
 * from `customer_periods`. Revenue columns are DOUBLE cast from exact DECIMAL
 * sums. Periods without any movement appear with zeros.
 */
export function lifecycleSql(first: number, last: number): string {
  return `
    WITH act AS (
      SELECT customer_id, cohort_index, period_index AS p, revenue AS r,
             lag(period_index) OVER w AS prev_p, lag(revenue) OVER w AS prev_r,
             lead(period_index) OVER w AS next_p
      FROM customer_periods WHERE orders > 0 AND period_index <= ${last}
      WINDOW w AS (PARTITION BY customer_id ORDER BY period_index)),
    moved AS (
      SELECT p, r, prev_r,
             CASE WHEN p = cohort_index THEN 'new' WHEN prev_p = p - 1 THEN 'retained' ELSE 'reactivated' END AS state
      FROM act),
    gained AS (
      SELECT p,
             count(*) AS active,
             count(*) FILTER (WHERE state = 'new') AS new,
             count(*) FILTER (WHERE state = 'retained') AS retained,
             count(*) FILTER (WHERE state = 'reactivated') AS reactivated,
             sum(r) AS revenue,
             coalesce(sum(r) FILTER (WHERE state = 'new'), 0) AS new_revenue,
             coalesce(sum(greatest(r - prev_r, 0)) FILTER (WHERE state = 'retained'), 0) AS expansion_revenue,
             coalesce(sum(greatest(prev_r - r, 0)) FILTER (WHERE state = 'retained'), 0) AS contraction_revenue,
             coalesce(sum(r) FILTER (WHERE state = 'reactivated'), 0) AS reactivated_revenue
      FROM moved GROUP BY p),
    lost AS (
      SELECT p + 1 AS p, count(*) AS churned, sum(r) AS churned_revenue
      FROM act WHERE (next_p IS NULL OR next_p > p + 1) AND p + 1 <= ${last}
      GROUP BY p + 1),
    t AS (
      SELECT s.p,
             CAST(coalesce(g.active, 0) AS INTEGER) AS active,
             CAST(coalesce(g.new, 0) AS INTEGER) AS new,
             CAST(coalesce(g.retained, 0) AS INTEGER) AS retained,
             CAST(coalesce(g.reactivated, 0) AS INTEGER) AS reactivated,
             CAST(coalesce(l.churned, 0) AS INTEGER) AS churned,
             coalesce(g.revenue, 0) AS revenue,
             coalesce(g.new_revenue, 0) AS new_revenue,
             coalesce(g.expansion_revenue, 0) AS expansion_revenue,
             coalesce(g.contraction_revenue, 0) AS contraction_revenue,
             coalesce(g.reactivated_revenue, 0) AS reactivated_revenue,
             coalesce(l.churned_revenue, 0) AS churned_revenue
      FROM (SELECT CAST(range AS INTEGER) AS p FROM range(${first}, ${last + 1})) s
      LEFT JOIN gained g USING (p) LEFT JOIN lost l USING (p))
    SELECT p AS period_index, active, new, retained, reactivated, churned,
           CASE WHEN churned > 0 THEN (new + reactivated) / churned END AS quick_ratio,
           CAST(revenue AS DOUBLE) AS revenue,
           CAST(new_revenue AS DOUBLE) AS new_revenue,
           CAST(expansion_revenue AS DOUBLE) AS expansion_revenue,
           CAST(contraction_revenue AS DOUBLE) AS contraction_revenue,
           CAST(reactivated_revenue AS DOUBLE) AS reactivated_revenue,
           CAST(churned_revenue AS DOUBLE) AS churned_revenue,
           CASE WHEN churned_revenue + contraction_revenue > 0
                THEN CAST((new_revenue + reactivated_revenue + expansion_revenue) AS DOUBLE) / CAST((churned_revenue + contraction_revenue) AS DOUBLE) END AS revenue_quick_ratio
    FROM t ORDER BY p`;
}

/**
 * The growth-accounting rows of the complete periods up to the as-of date
 * (`range`, --from/--to, limits the periods returned, not the history they
 * use), and the refunds of the same periods that fall outside every movement.
 */
export async function lifecycleTable(
  db: Database,
  o: { period: PeriodUnit; asOf: string; money: boolean; range?: { from?: string; to?: string } },
): Promise<Pick<LifecycleFigures, 'rows' | 'outside'>> {
  const [{ first }] = await db.rows<{ first: number | null }>('SELECT CAST(min(cohort_index) AS INTEGER) AS first FROM customer_base');
  const last = lastCompletePeriod(o.period, o.asOf);
  if (first === null || last < first) return { rows: [], outside: { rows: 0, revenue: 0 } };
  const lo = o.range?.from !== undefined ? Math.max(first, parseBound(o.range.from, o.period, 'from')) : first;
  const hi = o.range?.to !== undefined ? Math.min(last, parseBound(o.range.to, o.period, 'to')) : last;
  const all = await db.rows<Omit<LifecycleRow, 'period'>>(lifecycleSql(first, last));
  const rows = all
    .filter((r) => r.period_index >= lo && r.period_index <= hi)
    .map((r) => {
      const row: LifecycleRow = { period: periodLabel(o.period, r.period_index), ...r };
      if (!o.money) {
        for (const k of ['revenue', 'new_revenue', 'expansion_revenue', 'contraction_revenue', 'reactivated_revenue', 'churned_revenue', 'revenue_quick_ratio'] as const) row[k] = null;
      }
      return row;
    });
  const [outside] = await db.rows<{ rows: number; revenue: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS rows, CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue
     FROM customer_periods WHERE orders = 0 AND period_index BETWEEN ${lo} AND ${hi}`,
  );
  return { rows, outside: o.money ? outside : { rows: 0, revenue: 0 } };
}

export async function computeLifecycle(ctx: RunContext): Promise<LifecycleFigures> {
  const period = ctx.options.period;
  const asOf = ctx.orders.asOf;
  const money = ctx.orders.money !== 'none';
  const { rows, outside } = await lifecycleTable(ctx.db, { period, asOf, money, range: ctx.options.cohortRange });
  const asOfIndex = periodIndex(period, parseIsoDate(asOf));
  const partial = lastCompletePeriod(period, asOf) < asOfIndex ? periodLabel(period, asOfIndex) : null;
  return { period, asOf, money, rows, partial, outside, activeWindow: ctx.analysis.activeWindow, ...(ctx.options.cohortRange ? { range: ctx.options.cohortRange } : {}) };
}
