/**
 * Scores every customer of `customer_base` (see lib/engine/summarize.ts):
 * fits the purchase model and Gamma-Gamma, computes P(alive), expected and
 * discounted purchases once per distinct (x, t_x, T) in JavaScript, loads
 * them back into DuckDB and builds the table `customer_scores` there:
 *   customer_id, frequency, recency, T (in the time unit), monetary_value (z̄),
 *   p_alive, expected_purchases, expected_avg_spend, clv.
 * Millions of customers never pass through JavaScript one by one.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { literal, type Database } from '../engine/database.ts';
import { DAYS_PER_UNIT, frequencyData, spendData, type TimeUnit } from '../engine/model-inputs.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { fitBgNbd, pAliveBgNbd, type BgNbdParams } from './bg-nbd.ts';
import { fitParetoNbd, pAliveParetoNbd, type ParetoNbdParams } from './pareto-nbd.ts';
import { fitGammaGamma } from './gamma-gamma.ts';
import { DAYS_PER_MONTH, horizonPurchases, monthlyRate, type PurchaseModel } from './discounted-clv.ts';
import type { FitResult } from './model.ts';

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
  const gg = spendFit.params;

  o.progress?.step(`scoring ${freq.x.length} distinct customer histories`);
  const unitDays = DAYS_PER_UNIT[timeUnit];
  const horizon = { horizonMonths: o.horizonMonths, monthLength: DAYS_PER_MONTH / unitDays, monthlyDiscount: monthlyRate(o.annualDiscountRate) };
  const lines = ['x,tx_days,T_days,p_alive,expected_purchases,discounted_purchases'];
  for (let i = 0; i < freq.x.length; i++) {
    const [x, tx, T] = [freq.x[i], freq.tx[i], freq.T[i]];
    const pAlive = purchaseModel.name === 'bgnbd' ? pAliveBgNbd(purchaseModel.params, x, tx, T) : pAliveParetoNbd(purchaseModel.params, x, tx, T);
    const h = horizonPurchases(purchaseModel, x, tx, T, horizon);
    if (![pAlive, h.expected, h.discounted].every(Number.isFinite)) {
      throw new UserError(`the ${model} model gives no finite prediction for customers with x = ${x}, t_x = ${tx}, T = ${T} (${timeUnit}s); the fit is not usable for scoring`, 1);
    }
    lines.push(`${x},${freq.txDays[i]},${freq.TDays[i]},${pAlive},${h.expected},${h.discounted}`);
  }
  const triplesPath = join(o.scratchDir, 'triples.csv');
  await writeFile(triplesPath, `${lines.join('\n')}\n`);
  await db.run(`
    CREATE TEMP TABLE triple_scores AS SELECT * FROM read_csv(${literal(triplesPath)}, header = true, auto_detect = false,
      columns = {'x': 'INTEGER', 'tx_days': 'INTEGER', 'T_days': 'INTEGER', 'p_alive': 'DOUBLE', 'expected_purchases': 'DOUBLE', 'discounted_purchases': 'DOUBLE'})`);

  // E[Z | x, z̄] (Gamma-Gamma posterior mean) = (pγ + p·x·z̄) / (p·x + q − 1); z̄ only for x ≥ 1.
  const zbar = `CASE WHEN c.purchase_days > 1 THEN CAST(c.purchase_revenue - c.first_day_purchases AS DOUBLE) / (c.purchase_days - 1) END`;
  const ez = `((${gg.p} * ${gg.gamma} + ${gg.p} * (c.purchase_days - 1) * coalesce(${zbar}, 0)) / (${gg.p} * (c.purchase_days - 1) + ${gg.q} - 1))`;
  await db.run(`
    CREATE TEMP TABLE customer_scores AS
    SELECT c.customer_id,
           CAST(c.purchase_days - 1 AS INTEGER) AS frequency,
           date_diff('day', c.first_date, c.last_date) / ${unitDays}.0 AS recency,
           date_diff('day', c.first_date, DATE ${literal(o.asOf)}) / ${unitDays}.0 AS T,
           ${zbar} AS monetary_value,
           s.p_alive, s.expected_purchases,
           ${ez} AS expected_avg_spend,
           ${o.margin} * ${ez} * s.discounted_purchases AS clv
    FROM customer_base c JOIN triple_scores s
      ON s.x = c.purchase_days - 1
     AND s.tx_days = date_diff('day', c.first_date, c.last_date)
     AND s.T_days = date_diff('day', c.first_date, DATE ${literal(o.asOf)})`);
  return { purchaseFit, spendFit, spendLeftOut: spend.left_out, histories: freq.x.length };
}
