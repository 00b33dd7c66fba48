/**
 * Simple CLV: the plain business formulas of docs/formulas.md ("Plain business
 * metrics"), shown next to the probabilistic models' CLV and used as the
 * fallback when a model cannot be identified. Every figure is a finite number
 * or `null` with a reason in plain words; never NaN or Infinity.
 *
 * Definitions (quoted by the report's Methods section):
 *
 * - Periods. P is the last complete period at the as-of date: the as-of
 *   date's own period when the as-of date is that period's last day, else the
 *   period before it. With n = periods per year (12 months, 4 quarters or 52
 *   ISO weeks), the last year Y1 is periods P−n+1 … P and the year before,
 *   Y0, is periods P−2n+1 … P−n.
 * - An order is an order row with amount ≥ 0; revenue is net (refunds, rows
 *   with amount < 0, are included); a customer "has an order" in a year when
 *   they have at least one order row in it (a refund alone does not count).
 * - AOV (average order value) = net revenue in Y1 / orders in Y1.
 * - Purchase frequency per year = orders in Y1 / customers with an order in Y1.
 * - Yearly retention r = customers with an order in both Y0 and Y1 /
 *   customers with an order in Y0.
 * - Expected lifespan = 1 / (1 − r) years.
 * - Yearly margin per customer m = AOV × frequency per year × gross margin
 *   (gross margin 1 means CLV is expressed in revenue).
 * - Simple CLV = AOV × frequency per year × expected lifespan × gross margin
 *   (= m / (1 − r)); undiscounted.
 * - Simple CLV, retention form = m × r / (1 + d − r), with d the yearly
 *   discount rate (infinite horizon; the margin of the years after the
 *   current one, discounted).
 * - Groups: with a grouping column of `customer_base` (e.g.
 *   `acquisition_channel` or `seg_0`), each customer belongs to the group of
 *   their `customer_base` row (an empty value is the group "(none)"), and
 *   every figure above is computed over the group's customers only. Every
 *   value present in `customer_base` is a group, sorted by name (code-point
 *   order).
 *
 * A figure is `null`, with a reason, when: there are no orders in Y1 (no AOV,
 * frequency or CLV); nobody ordered in Y0 (needs two full years of history: no
 * retention, lifespan or CLV); r = 1 (every customer of Y0 ordered again, so
 * the lifespan 1 / (1 − r) is not finite: no lifespan or simple CLV; the
 * retention form m / d is still finite when d > 0); AOV ≤ 0 (net revenue not
 * positive, e.g. refunds exceed purchases: no CLV).
 *
 * {@link simpleClv} is the pure arithmetic; {@link simpleClvInputs} counts the
 * inputs in DuckDB from the temp tables `customer_periods` and
 * `customer_base` built by lib/engine/summarize.ts.
 */
import { exactSum, type Database } from '../engine/database.ts';
import { segmentValueSql } from '../engine/summarize.ts';
import {
  formatIsoDate,
  lastCompletePeriod,
  periodEnd,
  periodLabel,
  periodStart,
  periodsPerYear,
  type PeriodUnit,
} from '../engine/periods.ts';

/** The last complete period P and the two trailing years, Y1 (last) and Y0 (the year before). */
export interface SimpleClvYears {
  /** Index of P, the last complete period. */
  lastPeriod: number;
  /** First period index of Y1 (P − n + 1); Y0 is firstPeriod − n … firstPeriod − 1. */
  firstPeriod: number;
  /** Periods per year, n. */
  periods: number;
  /** Y1: first day, last day (`YYYY-MM-DD`) and the labels of its first and last periods. */
  periodFrom: string;
  periodTo: string;
  labelFrom: string;
  labelTo: string;
  /** Y0: first and last day (`YYYY-MM-DD`). */
  previousFrom: string;
  previousTo: string;
}

/** Counts behind the simple CLV of one group of customers (or all of them). */
export interface SimpleClvInputs extends SimpleClvYears {
  /** Orders (rows with amount ≥ 0) in Y1. */
  orders: number;
  /** Net revenue in Y1 (refunds included). */
  revenue: number;
  /** Customers with an order in Y1. */
  activeCustomers: number;
  /** Customers with an order in Y0. */
  previousYearCustomers: number;
  /** Customers with an order in both Y0 and Y1. */
  retainedCustomers: number;
}

export interface SimpleClvOptions {
  /** Gross margin as a fraction of revenue, 0 < margin ≤ 1 (1 = CLV in revenue). */
  margin: number;
  /** Yearly discount rate d ≥ 0 (for the retention form). */
  annualDiscountRate: number;
}

export interface SimpleClv {
  /** Average order value: revenue / orders in Y1. */
  aov: number | null;
  /** Orders per active customer in Y1. */
  frequencyPerYear: number | null;
  /** Yearly retention r. */
  retention: number | null;
  /** 1 / (1 − r), in years. */
  lifespanYears: number | null;
  /** m = AOV × frequency × margin. */
  yearlyMargin: number | null;
  /** AOV × frequency × lifespan × margin. */
  simpleClv: number | null;
  /** m × r / (1 + d − r). */
  retentionFormClv: number | null;
  /** Why a figure is null, in plain words (empty when all are numbers). */
  reasons: string[];
}

export interface SimpleClvGroupInputs extends SimpleClvInputs {
  group: string;
}

export interface SimpleClvInputsResult {
  overall: SimpleClvInputs;
  /** One entry per value of the grouping column, sorted by name; empty without `groupBy`. */
  groups: SimpleClvGroupInputs[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A finite number or null (guards against overflow to ±Infinity). */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The simple CLV figures from their inputs (pure; see the file comment for the definitions). */
export function simpleClv(inputs: SimpleClvInputs, o: SimpleClvOptions): SimpleClv {
  const out: SimpleClv = {
    aov: null,
    frequencyPerYear: null,
    retention: null,
    lifespanYears: null,
    yearlyMargin: null,
    simpleClv: null,
    retentionFormClv: null,
    reasons: [],
  };
  const reasons = out.reasons;
  const y1 = `the last year (${inputs.periodFrom} to ${inputs.periodTo})`;
  const y0 = `the year before (${inputs.previousFrom} to ${inputs.previousTo})`;

  const count = (x: number) => Number.isInteger(x) && x >= 0;
  if (
    ![inputs.orders, inputs.activeCustomers, inputs.previousYearCustomers, inputs.retainedCustomers].every(count) ||
    !Number.isFinite(inputs.revenue) ||
    inputs.retainedCustomers > inputs.previousYearCustomers ||
    inputs.retainedCustomers > inputs.activeCustomers
  ) {
    reasons.push('the input counts are inconsistent (not whole non-negative numbers, or more retained customers than customers)');
    return out;
  }

  const marginOk = Number.isFinite(o.margin) && o.margin > 0 && o.margin <= 1;
  const discountOk = Number.isFinite(o.annualDiscountRate) && o.annualDiscountRate >= 0;
  if (!marginOk) reasons.push(`the gross margin must be a fraction above 0 and at most 1 (got ${o.margin})`);
  if (!discountOk) reasons.push(`the yearly discount rate must be 0 or more (got ${o.annualDiscountRate})`);

  // AOV and frequency (Y1).
  if (inputs.orders === 0 || inputs.activeCustomers === 0) {
    reasons.push(`no orders in ${y1}: no average order value or purchase frequency`);
  } else {
    out.aov = finite(inputs.revenue / inputs.orders);
    out.frequencyPerYear = finite(inputs.orders / inputs.activeCustomers);
  }
  const aovPositive = out.aov !== null && out.aov > 0;
  if (out.aov !== null && !aovPositive) {
    reasons.push(`net revenue in ${y1} is not positive (refunds at least equal purchases), so the average order value is not positive: no CLV`);
  }
  if (out.aov !== null && out.frequencyPerYear !== null && marginOk) {
    out.yearlyMargin = finite(out.aov * out.frequencyPerYear * o.margin);
  }

  // Retention and lifespan (Y0 → Y1).
  if (inputs.previousYearCustomers === 0) {
    reasons.push(`needs two full years of history: no customer ordered in ${y0}, so there is no yearly retention`);
  } else {
    const r = inputs.retainedCustomers / inputs.previousYearCustomers;
    out.retention = r;
    if (r >= 1) {
      reasons.push(
        `every customer who ordered in ${y0} ordered again in ${y1} (retention ${pct(r)}): the expected lifespan 1 / (1 − r) is not finite, so there is no simple CLV`,
      );
    } else {
      out.lifespanYears = finite(1 / (1 - r));
    }
  }

  if (!aovPositive || out.yearlyMargin === null) return out;
  const m = out.yearlyMargin;
  if (out.lifespanYears !== null) out.simpleClv = finite(m * out.lifespanYears);
  if (out.retention !== null && discountOk) {
    const r = out.retention;
    const denominator = 1 + o.annualDiscountRate - r;
    if (denominator > 0) out.retentionFormClv = finite((m * r) / denominator);
    else reasons.push(`retention ${pct(r)} with a discount rate of 0: the retention-form CLV m × r / (1 + d − r) is not finite`);
  }
  return out;
}

/** P, Y1 and Y0 for a period unit and an as-of date (see the file comment). */
export function simpleClvYears(unit: PeriodUnit, asOf: string): SimpleClvYears {
  const lastPeriod = lastCompletePeriod(unit, asOf);
  const n = periodsPerYear(unit);
  const firstPeriod = lastPeriod - n + 1;
  return {
    lastPeriod,
    firstPeriod,
    periods: n,
    periodFrom: formatIsoDate(periodStart(unit, firstPeriod)),
    periodTo: formatIsoDate(periodEnd(unit, lastPeriod)),
    labelFrom: periodLabel(unit, firstPeriod),
    labelTo: periodLabel(unit, lastPeriod),
    previousFrom: formatIsoDate(periodStart(unit, firstPeriod - n)),
    previousTo: formatIsoDate(periodEnd(unit, firstPeriod - 1)),
  };
}

interface CountRow {
  group?: string;
  orders: number;
  revenue: number | null;
  active_customers: number;
  previous_year_customers: number;
  retained_customers: number;
}

/** The temp table {@link simpleClvInputs} keeps the per-customer rows of its overall count in (SimpleFigures.customers). */
const SIMPLE_CUSTOMERS = 'simple_clv_customers';

/**
 * Counts the inputs of {@link simpleClv} in DuckDB, from the temp tables
 * `customer_periods` and `customer_base` (lib/engine/summarize.ts), for all
 * customers and, with `groupBy` (SQL over `customer_base b` and the tables of
 * `from`, e.g. `b."seg_0"`), per group. The per-customer rows of the overall
 * count stay in the temp table {@link SIMPLE_CUSTOMERS}.
 */
export async function simpleClvInputs(
  db: Database,
  o: { period: PeriodUnit; asOf: string; groupBy?: string; from?: string },
): Promise<SimpleClvInputsResult> {
  const q = simpleClvQuery(o);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${SIMPLE_CUSTOMERS} AS ${q.perCustomer}`);
  const [overallRow] = await db.rows<CountRow>(`SELECT ${q.measures} FROM ${SIMPLE_CUSTOMERS} pc`);
  return { overall: q.toInputs(overallRow), groups: o.groupBy === undefined ? [] : await simpleClvGroups(db, { ...o, groupBy: o.groupBy }) };
}

/** {@link simpleClvInputs} per group only (the overall counts are the run's `simple` product). */
export async function simpleClvGroups(db: Database, o: { period: PeriodUnit; asOf: string; groupBy: string; from?: string }): Promise<SimpleClvGroupInputs[]> {
  const q = simpleClvQuery(o);
  const rows = await db.rows<CountRow>(`
    SELECT ${segmentValueSql(o.groupBy)} AS "group", ${q.measures}
    FROM ${o.from ?? 'customer_base b'} LEFT JOIN (${q.perCustomer}) pc USING (customer_id)
    GROUP BY 1`);
  // Customers with no row in Y0 or Y1 join with NULLs: the FILTERs leave them out of every count.
  const groups = rows.map((r) => ({ group: String(r.group), ...q.toInputs(r) }));
  return groups.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/**
 * The SQL of the simple formula's counts: one row per customer of the last two full years (`perCustomer`), and
 * the measures over such rows joined as `pc` (`measures`; customers with no such row join with NULLs and are
 * left out of every count), turned into inputs by `toInputs`.
 */
export function simpleClvQuery(o: { period: PeriodUnit; asOf: string }) {
  const years = simpleClvYears(o.period, o.asOf);
  const y1 = years.firstPeriod;
  const y0 = y1 - years.periods;
  const last = years.lastPeriod;
  // One row per customer with any row in Y0 or Y1: Y1 orders and net revenue, and whether they ordered in each year.
  const perCustomer = `
    SELECT customer_id,
           coalesce(sum(orders) FILTER (WHERE period_index >= ${y1}), 0) AS orders_1,
           sum(revenue) FILTER (WHERE period_index >= ${y1}) AS revenue_1,
           coalesce(bool_or(orders > 0 AND period_index >= ${y1}), false) AS active_1,
           coalesce(bool_or(orders > 0 AND period_index < ${y1}), false) AS active_0
    FROM customer_periods
    WHERE period_index BETWEEN ${y0} AND ${last}
    GROUP BY customer_id`;
  const measures = `
           CAST(coalesce(sum(pc.orders_1), 0) AS BIGINT) AS orders,
           ${exactSum('pc.revenue_1')} AS revenue,
           CAST(count(*) FILTER (WHERE pc.active_1) AS BIGINT) AS active_customers,
           CAST(count(*) FILTER (WHERE pc.active_0) AS BIGINT) AS previous_year_customers,
           CAST(count(*) FILTER (WHERE pc.active_0 AND pc.active_1) AS BIGINT) AS retained_customers`;
  const toInputs = (r: CountRow): SimpleClvInputs => ({
    ...years,
    orders: Number(r.orders ?? 0),
    revenue: r.revenue === null ? 0 : Number(r.revenue),
    activeCustomers: Number(r.active_customers ?? 0),
    previousYearCustomers: Number(r.previous_year_customers ?? 0),
    retainedCustomers: Number(r.retained_customers ?? 0),
  });
  return { perCustomer, measures, toInputs };
}

export interface SimpleFigures {
  inputs: SimpleClvInputs;
  result: SimpleClv;
  /**
   * The temp table of {@link simpleClvQuery}'s per-customer rows that {@link simpleFigures} counted (the
   * segment rows of lib/clv/segment-value.ts read it instead of grouping customer_periods again); none
   * when the figures were not counted here (a report from a per-customer summary).
   */
  customers?: string;
}

/** The simple formulas over all customers, with the report's margin (1 = revenue) and discount rate. */
export async function simpleFigures(db: Database, o: { period: PeriodUnit; asOf: string; margin?: number; annualDiscountRate: number }): Promise<SimpleFigures> {
  const { overall } = await simpleClvInputs(db, { period: o.period, asOf: o.asOf });
  return { inputs: overall, result: simpleClv(overall, { margin: o.margin ?? 1, annualDiscountRate: o.annualDiscountRate }), customers: SIMPLE_CUSTOMERS };
}

