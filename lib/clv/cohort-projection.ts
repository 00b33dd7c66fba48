/**
 * The projected cells of the cohort table: for each cohort, the net revenue per customer the run's
 * models expect in each of the next periods after the as-of date. A customer's expected purchases in
 * (T, T + t] are E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) × E[Y(t) | x, T, alive] (lib/clv/discounted-clv.ts),
 * each worth Gamma-Gamma's E[Z | x, z̄]; undiscounted and without margin, like the observed cells
 * (net revenue). Each customer is projected with the fits that score them in Customer value (their
 * channel's, or the fits on all customers). Customers are compressed into cells (lib/clv/segment-value.ts),
 * so the slow part, E[Y(t) | x, T, alive], is computed once per distinct (x, T) and period.
 */
import type { Database } from '../engine/database.ts';
import { periodIndex, periodStart, parseIsoDate, type PeriodUnit } from '../engine/periods.ts';
import { fitted, spendModel } from '../models/registry.ts';
import { FIT_GROUP_COLUMN, type CustomerFits } from './customer-fit.ts';
import { pAlive } from './discounted-clv.ts';
import { segmentCells } from './segment-value.ts';

const DAY_MS = 86_400_000;

/** Periods projected at most (the cohort table shows at most this many offsets anyway). */
export const MAX_PROJECTED_PERIODS = 48;

/**
 * Per cohort index: the expected net revenue per customer of the cohort from the end of the as-of
 * day to the end of the j-th period after the as-of date's period (index j − 1), j = 1 … periods.
 * Needs `customer_base` and fits with a spend model.
 */
export async function projectCohorts(db: Database, o: { asOf: string; period: PeriodUnit; periods: number; fits: CustomerFits }): Promise<Map<number, Float64Array>> {
  const J = Math.max(0, Math.min(MAX_PROJECTED_PERIODS, Math.floor(o.periods)));
  const { fits } = o;
  const own = fits.groups.map((g) => g.value);
  const cells = await segmentCells(db, { asOf: o.asOf, timeUnit: fits.timeUnit, columns: [{ name: 'cohort', sql: 'b.cohort_index' }], fitGroup: own.length > 0 ? `b.${FIT_GROUP_COLUMN}` : undefined });
  // Time from the end of the as-of day to the end of each coming period, in the model's time unit.
  const dayAfter = parseIsoDate(o.asOf) + DAY_MS;
  const P = periodIndex(o.period, o.asOf);
  const t = Array.from({ length: J }, (_, j) => (periodStart(o.period, P + j + 2) - dayAfter) / DAY_MS / cells.unitDays);
  const units = [fits.all, ...fits.groups].map((u) => ({ model: fitted(fits.model, u.purchase.params), spend: u.spend?.params }));
  const fitIndex = own.length > 0 ? cells.segments[1] : undefined;
  const perPair = units.map(() => new Map<number, Float64Array>());
  const perHist = units.map(() => new Map<number, number>());
  const sums = new Map<number, { n: number; revenue: Float64Array }>();
  for (let c = 0; c < cells.n.length; c++) {
    const u = fitIndex ? own.indexOf(fitIndex.names[fitIndex.index[c]]) + 1 : 0;
    const unit = units[u];
    const cohort = Number(cells.segments[0].names[cells.segments[0].index[c]]);
    const s = sums.get(cohort) ?? { n: 0, revenue: new Float64Array(J) };
    sums.set(cohort, s);
    s.n += cells.n[c];
    if (!unit.spend) continue;
    const { model } = unit;
    const pair = cells.pair[c];
    let alive = perPair[u].get(pair);
    if (!alive) {
      const x = cells.pairs.x[pair];
      const T = cells.pairs.T[pair];
      alive = Float64Array.from(t, (tj) => model.model.expectedIfAlive(model.params, tj, x, T));
      perPair[u].set(pair, alive);
    }
    const h = cells.hist[c];
    let a = perHist[u].get(h);
    if (a === undefined) perHist[u].set(h, (a = pAlive(model, cells.histories.x[h], cells.histories.tx[h], cells.histories.T[h])));
    const ez = spendModel.conditionalExpectedSpend(unit.spend, cells.x[c], cells.zbar[c]);
    for (let j = 0; j < J; j++) s.revenue[j] += cells.n[c] * a * ez * alive[j];
  }
  return new Map([...sums].map(([cohort, s]) => [cohort, s.revenue.map((r) => (s.n > 0 ? r / s.n : 0))]));
}
