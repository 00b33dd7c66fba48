/**
 * Contractual mode (`--business contractual`): retention measured from
 * activity and modelled with the shifted-beta-geometric (sBG, sbg.ts).
 *
 * A customer's periods are those of the report (month, week or quarter); the
 * period of the first order is period 0 of their cohort. A customer is
 * retained at period k when they ordered in every period 1..k; the first
 * period without an order ends their "subscription" for good (a later order
 * does not bring them back). Only complete periods count: the last one is
 * {@link lastCompletePeriod} of the as-of date, so cohort c is observed for
 * P − c periods after its first.
 *
 * From the per-cohort counts of customers still retained after each period,
 * one pooled sBG is fitted (all cohorts share α and β). Then every customer
 * still retained at P (n = P − c renewals so far) is valued over the horizon:
 *   expected periods = Σ_{k=1..H} S(n+k)/S(n),
 *   CLV = margin × value per period × Σ_{k=1..H} S(n+k)/S(n) / (1+d)^k,
 * with H the horizon in periods, d the discount rate per period, and the
 * value per period the customer's own net revenue per period so far (revenue
 * in periods 0..n divided by n + 1). Customers no longer retained are worth 0.
 * Survival is computed once per distinct n, in JavaScript; the per-customer
 * table is built by DuckDB.
 */
import { double, type Database } from '../engine/database.ts';
import { lastCompletePeriod, periodLabel, periodsPerYear, type PeriodUnit } from '../engine/periods.ts';
import { ModelNotIdentifiedError, type FitResult } from '../models/model.ts';
import { CONTRACTUAL_MODEL_ID } from '../models/registry.ts';

const SBG_NAME = CONTRACTUAL_MODEL_ID;
import { fitSbg, projectSurvival, retentionRate, survival, survivalFromActivity, type SbgParams, type SurvivalData } from '../models/sbg.ts';

export interface ContractualCohort {
  /** Period index of the cohort (its first orders). */
  index: number;
  label: string;
  /** Customers retained at the start of each period 0..P−c (alive[0] = cohort size). */
  alive: number[];
}

export interface ContractualData {
  period: PeriodUnit;
  /** Last complete period (index) and its label. */
  lastComplete: number;
  lastCompleteLabel: string;
  /** Cohorts observed for at least one period after their first. */
  cohorts: ContractualCohort[];
}

/**
 * Retention from activity per cohort, read from `customer_periods` (see
 * lib/engine/summarize.ts). Cohorts of the last complete period and later
 * are left out (nothing observed after their first period yet).
 */
export async function contractualData(db: Database, o: { period: PeriodUnit; asOf: string }): Promise<ContractualData> {
  const P = lastCompletePeriod(o.period, o.asOf);
  const rows = await db.rows<{ cohort_index: number; run: number; customers: number }>(`
    SELECT cohort_index, run, CAST(count(*) AS INTEGER) AS customers FROM (${runsSql(P)}) GROUP BY ALL ORDER BY ALL`);
  const byCohort = new Map<number, number[]>();
  for (const r of rows) {
    const observed = P - r.cohort_index;
    if (observed < 1) continue;
    const counts = byCohort.get(r.cohort_index) ?? new Array<number>(observed + 1).fill(0);
    counts[r.run] += r.customers;
    byCohort.set(r.cohort_index, counts);
  }
  const cohorts = [...byCohort.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, counts]) => ({ index, label: periodLabel(o.period, index), alive: survivalFromActivity(counts, P - index).alive }));
  return { period: o.period, lastComplete: P, lastCompleteLabel: periodLabel(o.period, P), cohorts };
}

/**
 * Per customer of a cohort up to P: run = the number of consecutive periods
 * with orders right after the first (0 = no order in period 1). Active
 * periods are numbered k = period − cohort; the first k periods form an
 * unbroken run exactly while k equals the row number.
 */
function runsSql(P: number): string {
  return `
    SELECT customer_id, any_value(cohort_index) AS cohort_index, CAST(count(*) FILTER (WHERE k = rn) - 1 AS INTEGER) AS run,
           sum(revenue) FILTER (WHERE k = rn) AS run_revenue
    FROM (SELECT customer_id, cohort_index, revenue, period_index - cohort_index AS k,
                 row_number() OVER (PARTITION BY customer_id ORDER BY period_index) - 1 AS rn
          FROM customer_periods WHERE orders > 0 AND period_index <= ${P} AND cohort_index <= ${P})
    GROUP BY customer_id`;
}

/** Pooled share retained after k periods over the cohorts observed that long: the product of pooled retention rates. */
export function pooledSurvival(data: ContractualData): { k: number; survival: number; retention: number | null; customers: number }[] {
  const maxK = Math.max(0, ...data.cohorts.map((c) => c.alive.length - 1));
  const out = [{ k: 0, survival: 1, retention: null as number | null, customers: data.cohorts.reduce((s, c) => s + c.alive[0], 0) }];
  let s = 1;
  for (let k = 1; k <= maxK; k++) {
    let atRisk = 0;
    let kept = 0;
    for (const c of data.cohorts) {
      if (c.alive.length > k) {
        atRisk += c.alive[k - 1];
        kept += c.alive[k];
      }
    }
    if (atRisk === 0) break;
    s *= kept / atRisk;
    out.push({ k, survival: s, retention: kept / atRisk, customers: atRisk });
  }
  return out;
}

/** Fits one sBG to all cohorts; throws ModelNotIdentifiedError in plain words when the data cannot identify it. */
export function fitContractual(data: ContractualData): FitResult {
  const customers = data.cohorts.reduce((s, c) => s + c.alive[0], 0);
  if (data.cohorts.length === 0) {
    throw new ModelNotIdentifiedError(SBG_NAME, `sBG cannot be fitted: no cohort has a complete ${data.period} after its first (last complete ${data.period}: ${data.lastCompleteLabel})`);
  }
  if (customers < 50) {
    throw new ModelNotIdentifiedError(SBG_NAME, `sBG cannot be fitted: only ${customers} customers in cohorts with a complete ${data.period} after their first; at least 50 are needed`);
  }
  const renewed = data.cohorts.reduce((s, c) => s + c.alive[1], 0);
  if (renewed === 0) throw new ModelNotIdentifiedError(SBG_NAME, `sBG cannot be fitted: no customer ordered again in the ${data.period} after their first`);
  const lost = data.cohorts.reduce((s, c) => s + c.alive[0] - c.alive[c.alive.length - 1], 0);
  if (lost === 0) throw new ModelNotIdentifiedError(SBG_NAME, `sBG cannot be fitted: every customer ordered in every ${data.period} since their first, so there is no churn to learn from`);
  return fitSbg(data.cohorts.map((c): SurvivalData => ({ alive: c.alive })));
}

/** Model survival S(k) next to the pooled observed one, projected `beyond` periods past the longest observation. */
export function survivalCurve(data: ContractualData, params: SbgParams, beyond: number) {
  const observed = pooledSurvival(data);
  const last = observed[observed.length - 1].k;
  const rows: { k: number; observed: number | null; model: number; model_retention: number | null; projected: boolean }[] = [];
  for (let k = 0; k <= last + beyond; k++) {
    rows.push({ k, observed: observed[k]?.survival ?? null, model: survival(params, k), model_retention: k > 0 ? retentionRate(params, k) : null, projected: k > last });
  }
  return rows;
}

export interface ContractualScoreOptions {
  period: PeriodUnit;
  asOf: string;
  horizonMonths: number;
  annualDiscountRate: number;
  margin: number;
}

/** Horizon in the report's periods and the matching per-period discount rate. */
export function periodHorizon(period: PeriodUnit, horizonMonths: number, annualDiscountRate: number): { periods: number; discount: number } {
  const perYear = periodsPerYear(period);
  return { periods: Math.max(1, Math.round((horizonMonths * perYear) / 12)), discount: Math.pow(1 + annualDiscountRate, 1 / perYear) - 1 };
}

/**
 * Builds the temp table `subscriber_scores` (customer_id, renewals, retained,
 * value_per_period, expected_periods, clv) for every customer of a cohort up
 * to the last complete period, from a fitted sBG, and the view
 * `customer_scores` (customer_id, clv) over it.
 */
export async function scoreSubscribers(db: Database, params: SbgParams, o: ContractualScoreOptions): Promise<void> {
  const P = lastCompletePeriod(o.period, o.asOf);
  const h = periodHorizon(o.period, o.horizonMonths, o.annualDiscountRate);
  const runs = await db.rows<{ run: number }>(`SELECT DISTINCT run FROM (${runsSql(P)}) ORDER BY run`);
  const cols = { renewals: [] as number[], expected: [] as number[], discounted: [] as number[] };
  for (const { run } of runs) {
    const s = projectSurvival(params, run, h.periods, { conditional: true });
    let discounted = 0;
    s.forEach((v, i) => (discounted += v / Math.pow(1 + h.discount, i + 1)));
    cols.renewals.push(run);
    cols.expected.push(s.reduce((a, b) => a + b, 0));
    cols.discounted.push(discounted);
  }
  await db.loadColumns('subscriber_runs', [
    { name: 'renewals', type: 'INTEGER', values: cols.renewals },
    { name: 'expected_periods', type: 'DOUBLE', values: cols.expected },
    { name: 'discounted_periods', type: 'DOUBLE', values: cols.discounted },
  ]);
  await db.run(`
    CREATE TEMP TABLE subscriber_scores AS
    SELECT r.customer_id, r.run AS renewals, r.run = ${P} - r.cohort_index AS retained,
           CAST(r.run_revenue AS DOUBLE) / (r.run + 1) AS value_per_period,
           CASE WHEN r.run = ${P} - r.cohort_index THEN e.expected_periods ELSE 0 END AS expected_periods,
           CASE WHEN r.run = ${P} - r.cohort_index THEN ${double(o.margin)} * greatest(CAST(r.run_revenue AS DOUBLE) / (r.run + 1), 0) * e.discounted_periods ELSE 0 END AS clv
    FROM (${runsSql(P)}) r
    JOIN subscriber_runs e ON e.renewals = r.run`);
  await db.run('DROP TABLE subscriber_runs');
  // Per-customer projected value under the name other sections read (CAC's projected LTV).
  await db.run('CREATE TEMP VIEW customer_scores AS SELECT customer_id, clv FROM subscriber_scores');
}
