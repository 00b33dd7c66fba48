/**
 * The projected cells of the cohort table: for each cohort, the net revenue per customer the run's
 * models expect in each of the coming periods after the as-of date. A customer's expected purchases in
 * (T, T + t] are E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) × E[Y(t) | x, T, alive] (lib/clv/discounted-clv.ts),
 * each worth Gamma-Gamma's E[Z | x, z̄]; undiscounted and without margin, like the observed cells
 * (net revenue). P(alive) and E[Z | x, z̄] are the customer's own scores (`customer_scores`, with the
 * fits that score them in Customer value); DuckDB adds up P(alive) × E[Z] per fit unit and distinct
 * (x, T), so JavaScript evaluates E[Y(t) | x, T, alive], the slow part, once per such row and period.
 */
import { exactSum, literal, type Database } from '../engine/database.ts';
import { baseHistory, DAYS_PER_UNIT } from '../engine/customer-base.ts';
import { periodIndex, periodStart, parseIsoDate, type PeriodUnit } from '../engine/periods.ts';
import { fitted } from '../models/registry.ts';
import type { ScoresTable } from '../run/run-context.ts';
import { FIT_GROUP_COLUMN, type CustomerFits } from './customer-fit.ts';

const DAY_MS = 86_400_000;

/** Periods projected at most (the cohort table shows at most this many offsets anyway). */
export const MAX_PROJECTED_PERIODS = 48;

/**
 * Per cohort index: the expected net revenue per customer of the cohort from the end of the as-of
 * day to the end of the j-th period after the as-of date's period (index j − 1), j = 1 … J, where
 * J reaches the cohort's offset `throughOffset` (the last column of the cohort table) and at least
 * `minPeriods` (a year, for data/cohort_projection.csv): older cohorts need fewer periods.
 * Needs `customer_base` and the run's scores with expected_avg_spend.
 */
export async function projectCohorts(
  db: Database,
  o: { asOf: string; period: PeriodUnit; throughOffset: number; minPeriods: number; fits: CustomerFits; scores: ScoresTable },
): Promise<Map<number, Float64Array>> {
  const { fits } = o;
  const own = fits.groups.map((g) => g.value);
  const h = baseHistory(o.asOf, 'b.');
  const unitSql = own.length > 0 ? `CASE WHEN b.${FIT_GROUP_COLUMN} IN (${own.map(literal).join(', ')}) THEN b.${FIT_GROUP_COLUMN} END` : 'NULL';
  const rows = await db.rows<{ cohort: number; unit: string | null; x: number; T_days: number; weight: number | null; customers: number }>(`
    SELECT b.cohort_index AS cohort, ${unitSql} AS unit, ${h.x} AS x, ${h.TDays} AS T_days,
           ${exactSum('s.p_alive * s.expected_avg_spend')} AS weight, CAST(count(*) AS INTEGER) AS customers
    FROM ${o.scores.name} s JOIN customer_base b USING (customer_id) GROUP BY ALL ORDER BY ALL`);
  // Time from the end of the as-of day to the end of each coming period, in the model's time unit.
  const unitDays = DAYS_PER_UNIT[fits.timeUnit];
  const dayAfter = parseIsoDate(o.asOf) + DAY_MS;
  const P = periodIndex(o.period, o.asOf);
  const periodsOf = (cohort: number) => Math.max(0, Math.min(MAX_PROJECTED_PERIODS, Math.max(o.minPeriods, o.throughOffset - (P - cohort))));
  const J = Math.max(0, ...rows.map((r) => periodsOf(r.cohort)));
  const t = Array.from({ length: J }, (_, j) => (periodStart(o.period, P + j + 2) - dayAfter) / DAY_MS / unitDays);
  const models = [fits.all, ...fits.groups].map((u) => fitted(fits.model, u.purchase.params));
  const sums = new Map<number, { n: number; revenue: Float64Array }>();
  for (const r of rows) {
    let s = sums.get(r.cohort);
    if (!s) sums.set(r.cohort, (s = { n: 0, revenue: new Float64Array(periodsOf(r.cohort)) }));
    s.n += r.customers;
    if (r.weight === null || r.weight === 0) continue;
    const model = models[r.unit === null ? 0 : own.indexOf(r.unit) + 1];
    const T = r.T_days / unitDays;
    for (let j = 0; j < s.revenue.length; j++) s.revenue[j] += r.weight * model.model.expectedIfAlive(model.params, t[j], r.x, T);
  }
  return new Map([...sums].map(([cohort, s]) => [cohort, s.revenue.map((v) => (s.n > 0 ? v / s.n : 0))]));
}
