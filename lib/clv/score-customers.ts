/**
 * Scores every customer of `customer_base` (see lib/engine/summarize.ts) with
 * any purchase model of the registry (lib/models/registry.ts) and the spend
 * model: computes the expected and discounted purchases of an active customer
 * once per distinct (x, T) in JavaScript, loads them into DuckDB and builds the
 * table `customer_scores` there, P(alive) included:
 *   customer_id, frequency, recency, T (in the time unit), monetary_value (z̄),
 *   p_alive, expected_purchases, expected_avg_spend, clv.
 * Millions of customers never pass through JavaScript one by one.
 */
import { double, type Database } from '../engine/database.ts';
import { baseHistoriesSelect, DAYS_PER_UNIT, type TimeUnit } from '../engine/customer-base.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { spendModel, type PurchaseModelId } from '../models/registry.ts';
import { DAYS_PER_MONTH, horizonIfAlive, monthlyRate, type HorizonOptions, type PurchaseModel } from './discounted-clv.ts';

export interface ScoreCustomersOptions {
  asOf: string;
  model: PurchaseModelId;
  timeUnit: TimeUnit;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin multiplier (1 = revenue). */
  margin: number;
  progress?: Progress;
}

/**
 * Scores every customer of `customer_base` with fitted models: builds the
 * table `customer_scores` (see the top of this file).
 */
export async function scoreFittedCustomers(
  db: Database,
  o: Omit<ScoreCustomersOptions, 'model'> & {
    purchaseModel: PurchaseModel;
    /** Gamma-Gamma's parameters; absent for a purchase log (expected_avg_spend and clv are then NULL). */
    spend: Record<string, number> | undefined;
    /** Only the customers of customer_base that meet this SQL condition. */
    where?: string;
    /** Add their rows to an existing customer_scores (else create it). */
    append?: boolean;
  },
): Promise<void> {
  const unitDays = DAYS_PER_UNIT[o.timeUnit];
  o.progress?.step('scoring every customer');
  const { pAliveSql, termJoin } = await prepareScoreTables(db, o.purchaseModel, {
    histories: baseHistoriesSelect(o.asOf, o.where),
    unitDays,
    horizon: { horizonMonths: o.horizonMonths, monthLength: DAYS_PER_MONTH / unitDays, monthlyDiscount: monthlyRate(o.annualDiscountRate) },
  });
  const ez = o.spend ? spendModel.expectedSpendSql(o.spend, 'h.x', 'h.zbar') : 'CAST(NULL AS DOUBLE)';
  await db.run(`
    ${o.append ? 'INSERT INTO customer_scores' : 'CREATE TEMP TABLE customer_scores AS'}
    SELECT customer_id, x AS frequency, tx_days / ${unitDays}.0 AS recency, T_days / ${unitDays}.0 AS T, zbar AS monetary_value,
           p_alive, expected * p_alive AS expected_purchases, ez AS expected_avg_spend, ${double(o.margin)} * ez * discounted * p_alive AS clv
    FROM (SELECT h.*, s.expected, s.discounted, ${pAliveSql} AS p_alive, ${ez} AS ez
          FROM (${baseHistoriesSelect(o.asOf, o.where)}) h JOIN score_xT s ON s.x = h.x AND s.T_days = h.T_days ${termJoin})`);
  for (const t of ['score_xT', 'score_terms', 'score_alive']) await db.run(`DROP TABLE IF EXISTS ${t}`);
}

/**
 * Builds the small tables scoring joins every customer with, and returns the
 * SQL of P(alive) over a customer's history `h` (x, tx_days, T_days):
 *
 * Every purchase model factors E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] ×
 * P(alive | x, t_x, T). The first factor (a hypergeometric function per month
 * of the horizon for BG/NBD) depends on (x, T) only: `score_xT` holds it, with
 * its discounted sum over the horizon, once per distinct (x, T), computed in
 * JavaScript. P(alive) is the model's SQL fast path (PurchaseModel.pAliveSql,
 * with its per-(x, T) term `c` in score_xT and its per-(x, t) terms in
 * `score_terms`), or else computed once per distinct history in `score_alive`.
 * So JavaScript sees tens of thousands of pairs, not millions of customers.
 */
async function prepareScoreTables(db: Database, fit: PurchaseModel, o: { histories: string; unitDays: number; horizon: HorizonOptions }): Promise<{ pAliveSql: string; termJoin: string }> {
  const unit = (days: number) => days / o.unitDays;
  const histories = o.histories;
  const fast = fit.model.pAliveSql?.(fit.params, o.unitDays);
  const pairs = await db.rows<{ x: number; T_days: number }>(`SELECT DISTINCT x, T_days FROM (${histories}) ORDER BY ALL`);
  const n = pairs.length;
  const cols = { x: new Int32Array(n), T_days: new Int32Array(n), expected: new Float64Array(n), discounted: new Float64Array(n), c: new Float64Array(n) };
  pairs.forEach(({ x, T_days: days }, i) => {
    const T = unit(days);
    const h = horizonIfAlive(fit, x, T, o.horizon);
    const c = fast?.pairTerm?.(x, T) ?? 0;
    if (![h.expected, h.discounted, c].every(Number.isFinite)) {
      throw new UserError(`the ${fit.model.title} model gives no finite prediction for customers with x = ${x}, T = ${T} (${o.unitDays === 7 ? 'week' : 'day'}s); the fit is not usable for scoring`, 1);
    }
    cols.x[i] = x;
    cols.T_days[i] = days;
    cols.expected[i] = h.expected;
    cols.discounted[i] = h.discounted;
    cols.c[i] = c;
  });
  await db.loadColumns('score_xT', [
    { name: 'x', type: 'INTEGER', values: cols.x },
    { name: 'T_days', type: 'INTEGER', values: cols.T_days },
    { name: 'expected', type: 'DOUBLE', values: cols.expected },
    { name: 'discounted', type: 'DOUBLE', values: cols.discounted },
    { name: 'c', type: 'DOUBLE', values: cols.c },
  ]);
  if (fast && !fast.pointTerm) return { pAliveSql: fast.sql, termJoin: '' };
  if (fast?.pointTerm) {
    const term = fast.pointTerm;
    const terms = await db.rows<{ x: number; t_days: number }>(`SELECT DISTINCT x, tx_days AS t_days FROM (${histories}) UNION SELECT DISTINCT x, T_days FROM (${histories}) ORDER BY ALL`);
    await db.loadColumns('score_terms', [
      { name: 'x', type: 'INTEGER', values: terms.map((t) => t.x) },
      { name: 't_days', type: 'INTEGER', values: terms.map((t) => t.t_days) },
      { name: 'g', type: 'DOUBLE', values: terms.map((t) => term(t.x, unit(t.t_days))) },
    ]);
    return { pAliveSql: fast.sql, termJoin: 'JOIN score_terms u ON u.x = h.x AND u.t_days = h.tx_days JOIN score_terms v ON v.x = h.x AND v.t_days = h.T_days' };
  }
  // No fast path: P(alive) once per distinct history.
  const hist = await db.rows<{ x: number; tx_days: number; T_days: number }>(`SELECT DISTINCT x, tx_days, T_days FROM (${histories}) ORDER BY ALL`);
  await db.loadColumns('score_alive', [
    { name: 'x', type: 'INTEGER', values: hist.map((r) => r.x) },
    { name: 'tx_days', type: 'INTEGER', values: hist.map((r) => r.tx_days) },
    { name: 'T_days', type: 'INTEGER', values: hist.map((r) => r.T_days) },
    { name: 'p', type: 'DOUBLE', values: hist.map((r) => fit.model.pAlive(fit.params, r.x, unit(r.tx_days), unit(r.T_days))) },
  ]);
  return { pAliveSql: 'a.p', termJoin: 'JOIN score_alive a ON a.x = h.x AND a.tx_days = h.tx_days AND a.T_days = h.T_days' };
}
