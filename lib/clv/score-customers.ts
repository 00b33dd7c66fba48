/**
 * Scores every customer of `customer_base` (see lib/engine/summarize.ts):
 * fits the purchase model and Gamma-Gamma, computes the expected and
 * discounted purchases of an active customer once per distinct (x, T) in
 * JavaScript (see prepareScoreTables), loads them into DuckDB and builds the
 * table `customer_scores` there, P(alive) included:
 *   customer_id, frequency, recency, T (in the time unit), monetary_value (z̄),
 *   p_alive, expected_purchases, expected_avg_spend, clv.
 * Millions of customers never pass through JavaScript one by one.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { double, literal, type Database } from '../engine/database.ts';
import { DAYS_PER_UNIT, frequencyData, spendData, type TimeUnit } from '../engine/model-inputs.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { fitBgNbd, type BgNbdParams } from '../models/bg-nbd.ts';
import { fitParetoNbd, lnA0TermParetoNbd, type ParetoNbdParams } from '../models/pareto-nbd.ts';
import { fitGammaGamma, type GammaGammaParams } from '../models/gamma-gamma.ts';
import { DAYS_PER_MONTH, horizonIfAlive, monthlyRate, type HorizonOptions, type PurchaseModel } from './discounted-clv.ts';
import type { FitResult } from '../models/model.ts';

export interface ScoreCustomersOptions {
  asOf: string;
  model: 'bgnbd' | 'pareto-nbd';
  timeUnit: TimeUnit;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin multiplier (1 = revenue). */
  margin: number;
  /** Directory for the intermediate file of per-history scores. */
  scratchDir: string;
  progress?: Progress;
}

export interface ScoredCustomers {
  purchaseFit: FitResult;
  spendFit: FitResult;
  /** Repeat buyers left out of the spend fit (no positive z̄). */
  spendLeftOut: number;
  /** Distinct (x, t_x, T) histories scored. */
  histories: number;
}

export async function scoreCustomers(db: Database, o: ScoreCustomersOptions): Promise<ScoredCustomers> {
  const model = o.model;
  const timeUnit = o.timeUnit;
  const freq = await frequencyData(db, { asOf: o.asOf, unit: timeUnit });
  const purchaseFit = model === 'bgnbd' ? fitBgNbd(freq) : fitParetoNbd(freq);
  const spend = await spendData(db);
  const spendFit = fitGammaGamma(spend.data);
  const purchaseModel: PurchaseModel =
    model === 'bgnbd'
      ? { name: 'bgnbd', params: purchaseFit.params as unknown as BgNbdParams }
      : { name: 'pareto-nbd', params: purchaseFit.params as unknown as ParetoNbdParams };
  await scoreFittedCustomers(db, {
    purchaseModel,
    spend: spendFit.params as unknown as GammaGammaParams,
    asOf: o.asOf,
    timeUnit,
    horizonMonths: o.horizonMonths,
    annualDiscountRate: o.annualDiscountRate,
    margin: o.margin,
    scratchDir: o.scratchDir,
    progress: o.progress,
  });
  return { purchaseFit, spendFit, spendLeftOut: spend.left_out, histories: freq.x.length };
}

/**
 * Scores every customer of `customer_base` with fitted models: builds the
 * table `customer_scores` (see the top of this file).
 */
export async function scoreFittedCustomers(
  db: Database,
  o: Omit<ScoreCustomersOptions, 'model'> & { purchaseModel: PurchaseModel; spend: GammaGammaParams },
): Promise<void> {
  const unitDays = DAYS_PER_UNIT[o.timeUnit];
  o.progress?.step('scoring every customer');
  const asOf = literal(o.asOf);
  // Each customer's history in whole days (the join keys of the per-(x, T) and per-(x, t) tables) and z̄.
  const histories = `
    SELECT customer_id, CAST(purchase_days - 1 AS INTEGER) AS x,
           CAST(date_diff('day', first_date, last_date) AS INTEGER) AS tx_days,
           CAST(date_diff('day', first_date, DATE ${asOf}) AS INTEGER) AS T_days,
           CASE WHEN purchase_days > 1 THEN CAST(purchase_revenue - first_day_purchases AS DOUBLE) / (purchase_days - 1) END AS zbar
    FROM customer_base`;
  const { pAliveSql, termJoin } = await prepareScoreTables(db, o.purchaseModel, {
    asOf: o.asOf,
    unitDays,
    horizon: { horizonMonths: o.horizonMonths, monthLength: DAYS_PER_MONTH / unitDays, monthlyDiscount: monthlyRate(o.annualDiscountRate) },
    scratchDir: o.scratchDir,
  });
  // E[Z | x, z̄] (Gamma-Gamma posterior mean) = (pγ + p·x·z̄) / (p·x + q − 1); z̄ only for x ≥ 1.
  const [p, q, gamma] = [double(o.spend.p), double(o.spend.q), double(o.spend.gamma)];
  const ez = `((${p} * ${gamma} + ${p} * h.x * coalesce(h.zbar, 0)) / (${p} * h.x + ${q} - 1))`;
  await db.run(`
    CREATE TEMP TABLE customer_scores AS
    SELECT customer_id, x AS frequency, tx_days / ${unitDays}.0 AS recency, T_days / ${unitDays}.0 AS T, zbar AS monetary_value,
           p_alive, expected * p_alive AS expected_purchases, ez AS expected_avg_spend, ${double(o.margin)} * ez * discounted * p_alive AS clv
    FROM (SELECT h.*, s.expected, s.discounted, ${pAliveSql} AS p_alive, ${ez} AS ez
          FROM (${histories}) h JOIN score_xT s ON s.x = h.x AND s.T_days = h.T_days ${termJoin})`);
  await db.run('DROP TABLE score_xT');
  if (o.purchaseModel.name === 'pareto-nbd') await db.run('DROP TABLE score_terms');
}

/**
 * Builds the small tables scoring joins every customer with, and returns the
 * SQL of P(alive) over a customer's history `h` (x, tx_days, T_days):
 *
 * Both purchase models factor E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] ×
 * P(alive | x, t_x, T). The first factor (a hypergeometric function per month
 * of the horizon for BG/NBD) depends on (x, T) only: `score_xT` holds it, with
 * its discounted sum over the horizon, once per distinct (x, T), computed in
 * JavaScript. P(alive) is plain arithmetic on (x, t_x, T) that DuckDB does per
 * customer; for Pareto/NBD from the terms of A0 in `score_terms`, once per
 * distinct (x, t) with t = t_x or T. So JavaScript sees tens of thousands of
 * pairs, not millions of customers.
 */
async function prepareScoreTables(
  db: Database,
  model: PurchaseModel,
  o: { asOf: string; unitDays: number; horizon: HorizonOptions; scratchDir: string },
): Promise<{ pAliveSql: string; termJoin: string }> {
  const unit = (days: number) => days / o.unitDays;
  const x = 'CAST(purchase_days - 1 AS INTEGER)';
  const txDays = "CAST(date_diff('day', first_date, last_date) AS INTEGER)";
  const TDays = `CAST(date_diff('day', first_date, DATE ${literal(o.asOf)}) AS INTEGER)`;
  const pairs = await db.rows<{ x: number; T_days: number }>(`SELECT DISTINCT ${x} AS x, ${TDays} AS T_days FROM customer_base ORDER BY ALL`);
  const xT = ['x,T_days,expected,discounted,c'];
  for (const { x, T_days: days } of pairs) {
    const T = unit(days);
    const h = horizonIfAlive(model, x, T, o.horizon);
    let c = 0;
    if (model.name === 'pareto-nbd') {
      const { r, alpha, s, beta } = model.params;
      c = Math.log(s) - Math.log(r + s + x) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T);
    }
    if (![h.expected, h.discounted, c].every(Number.isFinite)) {
      throw new UserError(`the ${model.name} model gives no finite prediction for customers with x = ${x}, T = ${T} (${o.unitDays === 7 ? 'week' : 'day'}s); the fit is not usable for scoring`, 1);
    }
    xT.push(`${x},${days},${h.expected},${h.discounted},${c}`);
  }
  await loadCsv(db, join(o.scratchDir, 'scores-xT.csv'), xT, 'score_xT', "'x': 'INTEGER', 'T_days': 'INTEGER', 'expected': 'DOUBLE', 'discounted': 'DOUBLE', 'c': 'DOUBLE'");

  if (model.name === 'bgnbd') {
    const { r, alpha, a, b } = model.params;
    // 1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    const [dr, dalpha, days] = [double(r), double(alpha), double(o.unitDays)];
    return {
      pAliveSql: `CASE WHEN h.x = 0 THEN 1.0 ELSE 1.0 / (1.0 + exp(ln(${double(a)}) - ln(${double(b)} + h.x - 1) + (${dr} + h.x) * (ln(${dalpha} + h.T_days / ${days}) - ln(${dalpha} + h.tx_days / ${days})))) END`,
      termJoin: '',
    };
  }
  // 1 / (1 + e^(c(x,T) + ln A0)), ln A0 = u + ln(1 − e^(v−u)), u = term(x, t_x), v = term(x, T)
  const terms = await db.rows<{ x: number; t_days: number }>(
    `SELECT DISTINCT ${x} AS x, ${txDays} AS t_days FROM customer_base UNION SELECT DISTINCT ${x}, ${TDays} FROM customer_base ORDER BY ALL`,
  );
  const lines = ['x,t_days,g'];
  for (const { x: xi, t_days: days } of terms) lines.push(`${xi},${days},${lnA0TermParetoNbd(model.params, xi, unit(days))}`);
  await loadCsv(db, join(o.scratchDir, 'scores-terms.csv'), lines, 'score_terms', "'x': 'INTEGER', 't_days': 'INTEGER', 'g': 'DOUBLE'");
  return {
    pAliveSql: 'CASE WHEN h.tx_days = h.T_days OR u.g <= v.g THEN 1.0 ELSE 1.0 / (1.0 + exp(s.c + u.g + ln(1.0 - exp(v.g - u.g)))) END',
    termJoin: 'JOIN score_terms u ON u.x = h.x AND u.t_days = h.tx_days JOIN score_terms v ON v.x = h.x AND v.t_days = h.T_days',
  };
}

async function loadCsv(db: Database, path: string, lines: string[], table: string, columns: string): Promise<void> {
  await writeFile(path, `${lines.join('\n')}\n`);
  await db.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_csv(${literal(path)}, header = true, auto_detect = false, columns = {${columns}})`);
  await rm(path);
}
