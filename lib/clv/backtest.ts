/**
 * Holdout backtest of the purchase models (every model of lib/models/registry.ts;
 * Gamma-Gamma for spend): fit on the calibration period (orders up to the as-of date minus
 * N calendar months), predict the holdout (calibration end, as-of], compare
 * with what happened, and choose the model with the smaller holdout error.
 *
 * Counting is the models' own: a purchase is a distinct purchase day of a
 * customer (same-day orders are one purchase); repeat purchases are the
 * purchase days after the first. Only customers whose first purchase is in the
 * calibration period take part (their holdout purchases are all repeat
 * purchases); customers first seen in the holdout are left out of every figure.
 *
 * Data: each customer's calibration and holdout counts are columns of `customer_base`
 * ({@link backtestAggregates}, computed in the pass that builds it: no second pass over the
 * customer-days), and the temp table `backtest_days` (customer_id, day), one row per customer
 * purchase day up to the as-of date, built by {@link prepareBacktestDays} while the order facts
 * are still loaded, gives the weekly tracking. The per-customer rows stay in DuckDB; JavaScript
 * sees the distinct calibration histories (x, t_x, T) only.
 *
 * Figures per model:
 *   predicted holdout purchases = Σ over customers of E[Y(h) | x, t_x, T] (h = holdout length);
 *   aggregate error % = (predicted − actual) ÷ actual × 100;
 *   MAE per customer = mean over customers of |E[Y(h) | x, t_x, T] − actual holdout purchases|;
 *   spend (Gamma-Gamma fitted on the calibration period): predicted E[Z | x, z̄] × E[Y(h) | x, t_x, T]
 *     against the customer's actual holdout purchase revenue, over all calibration customers
 *     (those without a holdout purchase count with 0);
 *   tracking: expected cumulative repeat purchases by day τ = Σ over first-purchase days d ≤ τ of
 *     (customers first buying on d) × E[X(τ − d)] (the new-customer expectation), against the count.
 */
import { exactAvg, exactSum, literal, type Database } from '../engine/database.ts';
import { DAYS_PER_UNIT, frequencyDataFrom, historySql, spendDataFrom, type TimeUnit } from '../engine/customer-base.ts';
import { UserError } from '../errors.ts';
import { fitPurchase, fitSpend, modelTitle, PURCHASE_MODEL_IDS, PURCHASE_MODELS, spendModel, type PurchaseModelId } from '../models/registry.ts';
import { addDays, calibrationEnd, daysBetween } from './backtest-options.ts';
import type { FitResult } from '../models/model.ts';
import { fitOutcome } from '../models/limits.ts';
import type { Progress } from '../progress.ts';

export type BacktestModel = PurchaseModelId;
/** Every purchase model of the registry takes part. */
export const BACKTEST_MODELS: readonly BacktestModel[] = PURCHASE_MODEL_IDS;

/** When the two models' absolute aggregate errors are within this many percentage points, the lower MAE decides. */
export const TIE_POINTS = 1;
/** Calibration frequencies shown separately in the frequency chart; higher ones are pooled as "7+". */
export const MAX_FREQUENCY_BIN = 7;

/** CSV contract columns (other tools rely on these names; new ones are added at the end). */
export const BACKTEST_COLUMNS = ['model', 'period', 'actual_cumulative', 'predicted_cumulative'] as const;
export const BACKTEST_SUMMARY_COLUMNS = ['model', 'log_likelihood', 'aic', 'aggregate_error_pct', 'mae_per_customer', 'chosen', 'converged', 'limit'] as const;

export interface ModelBacktest {
  model: BacktestModel;
  /** The calibration fit, or null when the model could not be fitted (see `reason`). */
  fit: FitResult | null;
  /** Why the model was not fitted or not used, in plain words. */
  reason?: string;
  predicted: number | null;
  aggregateErrorPct: number | null;
  mae: number | null;
  spendPredicted: number | null;
  spendErrorPct: number | null;
  spendMae: number | null;
}

export interface TrackingPoint {
  /** Week start date (YYYY-MM-DD); weeks are 7-day periods from the first calibration purchase day. */
  week: string;
  /** Last day counted in the week (the as-of date for the last, possibly short, week). */
  end: string;
  holdout: boolean;
  actualWeekly: number;
  actualCumulative: number;
  /** Per model (fitted ones only). */
  predictedWeekly: Partial<Record<BacktestModel, number>>;
  predictedCumulative: Partial<Record<BacktestModel, number>>;
}

export interface FrequencyPoint {
  /** Calibration repeat purchases, 0..7 (7 = 7 or more). */
  frequency: number;
  customers: number;
  actual: number;
  predicted: Partial<Record<BacktestModel, number>>;
}

export interface BacktestResult {
  asOf: string;
  calibrationStart: string;
  calibrationEnd: string;
  holdoutMonths: number;
  /** Holdout length in the time unit (days ÷ 7 for weeks). */
  holdoutLength: number;
  holdoutDays: number;
  timeUnit: TimeUnit;
  customers: number;
  /** Customers first seen in the holdout (left out). */
  holdoutNewCustomers: number;
  actualPurchases: number;
  actualSpend: number;
  models: ModelBacktest[];
  /** Gamma-Gamma on the calibration period, or null with `spendReason`. */
  spendFit: FitResult | null;
  spendReason?: string;
  /** The model the figures favour, or null when neither could be fitted. */
  best: BacktestModel | null;
  /** Why `best` was chosen, in plain words. */
  why: string;
  tracking: TrackingPoint[];
  frequency: FrequencyPoint[];
}

/**
 * Builds `backtest_days` from `customer_days` (lib/engine/summarize.ts), which
 * holds one row per customer and day: call it from summarize's afterFactsRead.
 * A purchase day is a day with at least one order (amount ≥ 0).
 */
export async function prepareBacktestDays(db: Database): Promise<void> {
  await db.run('DROP TABLE IF EXISTS backtest_days');
  await db.run(`
    CREATE TEMP TABLE backtest_days AS
    SELECT customer_id, CAST(order_date AS DATE) AS day
    FROM customer_days WHERE n_orders > 0`);
}

/** The columns {@link backtestAggregates} adds to `customer_base` ({@link dropBacktestInputs} drops them). */
const CALIBRATION_COLUMNS = ['bt_last_day', 'bt_n_cal', 'bt_rev_cal', 'bt_n_hold', 'bt_rev_hold'] as const;

/** Drops what the backtest read from the order rows: `backtest_days` and the columns {@link backtestAggregates} added to `customer_base`. */
export async function dropBacktestInputs(db: Database): Promise<void> {
  await db.run('DROP TABLE IF EXISTS backtest_days');
  for (const c of CALIBRATION_COLUMNS) await db.run(`ALTER TABLE customer_base DROP COLUMN IF EXISTS ${c}`);
}

/**
 * Select items over `customer_days` grouped by customer (summarize adds them to `customer_base`,
 * lib/engine/summarize.ts `customerAggregates`): the customer's last purchase day, purchase days and
 * purchase revenue up to the end of the calibration period of a holdout of `holdoutMonths` before
 * `asOf`, and their purchase days and revenue after it. A purchase day is a day with at least one
 * order (amount ≥ 0); its value is the sum of that day's orders. The first purchase day and its
 * value are customer_base's own (first_date, first_day_purchases).
 */
export function backtestAggregates(asOf: string, holdoutMonths: number): string[] {
  const cal = `DATE ${literal(calibrationEnd(asOf, holdoutMonths))}`;
  const inCal = `n_orders > 0 AND order_date <= ${cal}`;
  const inHold = `n_orders > 0 AND order_date > ${cal}`;
  const [last, nCal, revCal, nHold, revHold] = CALIBRATION_COLUMNS;
  return [
    `CAST(max(order_date) FILTER (WHERE ${inCal}) AS DATE) AS ${last}`,
    `count(*) FILTER (WHERE ${inCal}) AS ${nCal}`,
    `sum(purchases) FILTER (WHERE ${inCal}) AS ${revCal}`,
    `count(*) FILTER (WHERE ${inHold}) AS ${nHold}`,
    `coalesce(sum(purchases) FILTER (WHERE ${inHold}), 0) AS ${revHold}`,
  ];
}

function errorPct(predicted: number, actual: number): number | null {
  return actual > 0 ? ((predicted - actual) / actual) * 100 : null;
}

function fitOrReason(f: () => FitResult): { fit: FitResult | null; reason?: string } {
  try {
    const fit = f();
    if (![fit.logLikelihood, ...Object.values(fit.params)].every(Number.isFinite)) return { fit: null, reason: 'the fit gave no finite parameters' };
    return { fit };
  } catch (err) {
    if (err instanceof UserError) return { fit: null, reason: err.message };
    throw err;
  }
}

/** Per-(x, T) cache of E[Y(h) | x, T, alive] times P(alive | x, t_x, T). */
function predictor(id: BacktestModel, params: Record<string, number>, h: number): (x: number, tx: number, T: number) => number {
  const model = PURCHASE_MODELS[id];
  const ifAlive = new Map<string, number>();
  return (x, tx, T) => {
    const key = `${x}|${T}`;
    let e = ifAlive.get(key);
    if (e === undefined) ifAlive.set(key, (e = model.expectedIfAlive(params, h, x, T)));
    return e * model.pAlive(params, x, tx, T);
  };
}

function newCustomerExpectation(id: BacktestModel, params: Record<string, number>): (t: number) => number {
  return (t) => PURCHASE_MODELS[id].expectedNew(params, t);
}

/**
 * Chooses by holdout error: the smallest absolute aggregate error % wins; the
 * models within {@link TIE_POINTS} percentage points of it are tied, and among
 * them the smaller MAE per customer decides. Only fitted, converged models
 * with figures take part: a model whose calibration fit did not converge is
 * never chosen over one that did, whatever its error (a fit that took its
 * limit at the edge of the parameter space, lib/models/limits.ts, converged
 * when the limiting model's fit did).
 */
export function chooseModel(models: ModelBacktest[]): { best: BacktestModel | null; why: string } {
  const ok = models.filter((m) => m.fit?.converged && m.aggregateErrorPct !== null && m.mae !== null);
  if (ok.length === 0) return { best: null, why: 'no purchase model could be fitted and checked on the calibration period' };
  if (ok.length === 1) return { best: ok[0].model, why: `${modelTitle(ok[0].model)} is the only purchase model that could be fitted and checked on the calibration period` };
  const err = (m: ModelBacktest) => Math.abs(m.aggregateErrorPct!);
  const order = (p: ModelBacktest, q: ModelBacktest) => (p.model < q.model ? -1 : 1);
  const sorted = [...ok].sort((p, q) => err(p) - err(q) || p.mae! - q.mae! || order(p, q));
  const [a, b] = sorted;
  const tied = sorted.filter((m) => err(m) - err(a) < TIE_POINTS);
  if (tied.length === 1) {
    return { best: a.model, why: `its total holdout purchases were closer to the actual count (off by ${err(a).toFixed(1)}% against ${err(b).toFixed(1)}% for the next best, ${modelTitle(b.model)})` };
  }
  const [c, ...others] = [...tied].sort((p, q) => p.mae! - q.mae! || order(p, q));
  return {
    best: c.model,
    why: `${tied.length === 2 ? 'the two' : `${tied.length}`} totals were within ${TIE_POINTS} percentage point of the best (${tied.map((m) => `${modelTitle(m.model)} ${err(m).toFixed(1)}%`).join(', ')}), so the per-customer error decided: ${c.mae!.toFixed(3)} against ${others.map((m) => m.mae!.toFixed(3)).join(' and ')} purchases`,
  };
}

/** The spend reason of a purchase log (no amounts: nothing to check). */
export const NO_AMOUNTS = 'the orders have no amounts';

export interface RunBacktestOptions {
  asOf: string;
  /** First order date of the data (YYYY-MM-DD). */
  firstDate: string;
  holdoutMonths: number;
  timeUnit: TimeUnit;
  /** --verbose: each calibration fit's time and outcome. */
  progress?: Progress;
  /** False for a purchase log without amounts: spend is not checked. */
  money?: boolean;
}

export async function runBacktest(db: Database, o: RunBacktestOptions): Promise<BacktestResult> {
  const calEnd = calibrationEnd(o.asOf, o.holdoutMonths);
  if (calEnd < o.firstDate) {
    throw new UserError(
      `--holdout-months ${o.holdoutMonths}: the holdout would start before the first order: the calibration period would end on ${calEnd}, but the orders run from ${o.firstDate} to ${o.asOf}; use fewer months, or 0 to switch the backtest off`,
    );
  }
  const unitDays = DAYS_PER_UNIT[o.timeUnit];
  const holdoutDays = daysBetween(calEnd, o.asOf);
  const h = holdoutDays / unitDays;
  const cal = `DATE ${literal(calEnd)}`;
  // The calibration history, by the one definition of lib/engine/customer-base.ts.
  const [last, nCal, revCal, nHold, revHold] = CALIBRATION_COLUMNS;
  const firstDay = 'CAST(first_date AS DATE)';
  const hc = historySql({ purchaseDays: nCal, firstDay, lastDay: last, end: cal, revenue: revCal, firstDayRevenue: 'first_day_purchases' });
  await db.run('DROP TABLE IF EXISTS backtest_customers');
  await db.run(`
    CREATE TEMP TABLE backtest_customers AS
    SELECT customer_id, ${firstDay} AS first_day,
           ${hc.x} AS x, ${hc.txDays} AS tx_days, ${hc.TDays} AS T_days, ${hc.zbar} AS zbar,
           CAST(${nHold} AS INTEGER) AS n_hold, CAST(${revHold} AS DOUBLE) AS rev_hold
    FROM customer_base
    WHERE ${firstDay} <= ${cal}`);
  const [tot] = await db.rows<{ customers: number; actual: number; spend: number; start: string | null; late: number }>(`
    SELECT CAST(count(*) AS INTEGER) AS customers, CAST(coalesce(sum(n_hold), 0) AS INTEGER) AS actual, coalesce(${exactSum('rev_hold')}, 0) AS spend,
           strftime(min(first_day), '%Y-%m-%d') AS start,
           (SELECT CAST(count(*) AS INTEGER) FROM customer_base WHERE purchase_days > 0) - count(*) AS late
    FROM backtest_customers`);
  const start = tot.start ?? o.firstDate;

  // Calibration histories and fits.
  const freq = await frequencyDataFrom(db, 'SELECT * FROM backtest_customers', o.timeUnit);
  const hist = freq.x.map((x, i) => ({ x, tx_days: freq.txDays[i], T_days: freq.TDays[i] }));
  const spend = o.money === false ? undefined : (await spendDataFrom(db, 'SELECT * FROM backtest_customers')).data;
  const gg: { fit: FitResult | null; reason?: string } = spend
    ? fitOrReason(() => fitSpend(spend, { skipStdErrors: true }))
    : { fit: null, reason: NO_AMOUNTS };
  const ggParams = gg.fit && gg.fit.params.q > 1 ? gg.fit.params : null;
  const spendReason = gg.reason ?? (gg.fit && !ggParams ? 'the fitted Gamma-Gamma model has no finite mean spend (q ≤ 1)' : undefined);

  const fits = BACKTEST_MODELS.map((model) => {
    const t0 = performance.now();
    const f = { model, ...fitOrReason(() => fitPurchase(model, freq, { skipStdErrors: true })) };
    o.progress?.detail?.(`backtest: ${modelTitle(model)} fitted on the calibration period in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${fitOutcome(f.fit, f.reason)}`);
    return f;
  });
  const pred: { model: number[]; x: number[]; tx_days: number[]; T_days: number[]; pred: number[] } = { model: [], x: [], tx_days: [], T_days: [], pred: [] };
  for (const [k, f] of fits.entries()) {
    if (!f.fit) continue;
    const predict = predictor(f.model, f.fit.params, h);
    const preds = hist.map((r) => predict(r.x, r.tx_days / unitDays, r.T_days / unitDays));
    if (!preds.every(Number.isFinite)) {
      f.reason = 'the fitted model gives no finite prediction for some customers';
      f.fit = null;
      continue;
    }
    hist.forEach((r, i) => {
      pred.model.push(k);
      pred.x.push(r.x);
      pred.tx_days.push(r.tx_days);
      pred.T_days.push(r.T_days);
      pred.pred.push(preds[i]);
    });
  }
  await db.run('DROP TABLE IF EXISTS backtest_predictions');
  await db.loadColumns('backtest_predictions', [
    { name: 'model', type: 'INTEGER', values: pred.model },
    { name: 'x', type: 'INTEGER', values: pred.x },
    { name: 'tx_days', type: 'INTEGER', values: pred.tx_days },
    { name: 'T_days', type: 'INTEGER', values: pred.T_days },
    { name: 'pred', type: 'DOUBLE', values: pred.pred },
  ]);
  const byIndex = (k: number) => fits[k].model;

  // E[Z | x, z̄] · E[Y], with the spend model's expectation (NULL without a usable spend fit).
  const ez = ggParams ? spendModel.expectedSpendSql(ggParams, 'c.x', 'c.zbar') : 'NULL';
  const aggRows = await db.rows<{ model: number; predicted: number; mae: number; spend_predicted: number | null; spend_mae: number | null }>(`
    SELECT p.model, ${exactSum('p.pred')} AS predicted, ${exactAvg('abs(p.pred - c.n_hold)')} AS mae,
           ${exactSum(`${ez} * p.pred`)} AS spend_predicted, ${exactAvg(`abs(${ez} * p.pred - c.rev_hold)`)} AS spend_mae
    FROM backtest_customers c JOIN backtest_predictions p USING (x, tx_days, T_days)
    GROUP BY p.model ORDER BY p.model`);
  const agg = aggRows.map((r) => ({ ...r, model: byIndex(r.model) }));
  const models: ModelBacktest[] = fits.map((f) => {
    const a = agg.find((r) => r.model === f.model);
    if (!f.fit || !a) return { model: f.model, fit: null, reason: f.reason, predicted: null, aggregateErrorPct: null, mae: null, spendPredicted: null, spendErrorPct: null, spendMae: null };
    return {
      model: f.model,
      fit: f.fit,
      reason: f.fit.converged ? undefined : `the fit did not converge (${f.fit.message ?? 'see the manifest'})`,
      predicted: a.predicted,
      aggregateErrorPct: errorPct(a.predicted, tot.actual),
      mae: a.mae,
      spendPredicted: a.spend_predicted,
      spendErrorPct: a.spend_predicted === null ? null : errorPct(a.spend_predicted, tot.spend),
      spendMae: a.spend_mae,
    };
  });

  // Frequency chart: mean holdout purchases by calibration frequency.
  const byFRows = await db.rows<{ model: number; f: number; customers: number; actual: number; predicted: number }>(`
    SELECT p.model, least(c.x, ${MAX_FREQUENCY_BIN}) AS f, CAST(count(*) AS INTEGER) AS customers, ${exactAvg('c.n_hold')} AS actual, ${exactAvg('p.pred')} AS predicted
    FROM backtest_customers c JOIN backtest_predictions p USING (x, tx_days, T_days) GROUP BY ALL ORDER BY ALL`);
  const byF = byFRows.map((r) => ({ ...r, model: byIndex(r.model) }));
  const actualByF = await db.rows<{ f: number; customers: number; actual: number }>(`
    SELECT least(x, ${MAX_FREQUENCY_BIN}) AS f, CAST(count(*) AS INTEGER) AS customers, ${exactAvg('n_hold')} AS actual FROM backtest_customers GROUP BY ALL ORDER BY ALL`);
  const frequency: FrequencyPoint[] = actualByF.map((r) => ({
    frequency: r.f,
    customers: r.customers,
    actual: r.actual,
    predicted: Object.fromEntries(byF.filter((b) => b.f === r.f).map((b) => [b.model, b.predicted])),
  }));

  // Tracking: weekly repeat purchases (purchase days after the first) of the calibration customers.
  const span = daysBetween(start, o.asOf);
  const weeks = Math.floor(span / 7) + 1;
  const weekly = await db.rows<{ w: number; n: number }>(`
    SELECT CAST(floor(date_diff('day', DATE ${literal(start)}, b.day) / 7) AS INTEGER) AS w, CAST(count(*) AS INTEGER) AS n
    FROM backtest_days b JOIN backtest_customers c USING (customer_id) WHERE b.day > c.first_day GROUP BY ALL ORDER BY ALL`);
  const cohorts = await db.rows<{ d: number; n: number }>(`
    SELECT CAST(date_diff('day', DATE ${literal(start)}, first_day) AS INTEGER) AS d, CAST(count(*) AS INTEGER) AS n FROM backtest_customers GROUP BY ALL ORDER BY ALL`);
  const actualWeekly = new Array<number>(weeks).fill(0);
  for (const r of weekly) actualWeekly[r.w] += r.n;
  const curves = models
    .filter((m) => m.fit)
    .map((m) => {
      const ex = newCustomerExpectation(m.model, m.fit!.params);
      const cache = new Map<number, number>();
      const at = (days: number) => {
        let v = cache.get(days);
        if (v === undefined) cache.set(days, (v = ex(days / unitDays)));
        return v;
      };
      const cumulative: number[] = [];
      for (let k = 0; k < weeks; k++) {
        const end = Math.min(7 * k + 6, span);
        let s = 0;
        for (const c of cohorts) if (c.d <= end) s += c.n * at(end - c.d);
        cumulative.push(s);
      }
      return { model: m.model, cumulative };
    });
  const holdoutFrom = daysBetween(start, calEnd) + 1;
  const tracking: TrackingPoint[] = [];
  let cum = 0;
  for (let k = 0; k < weeks; k++) {
    cum += actualWeekly[k];
    const endDay = Math.min(7 * k + 6, span);
    tracking.push({
      week: addDays(start, 7 * k),
      end: addDays(start, endDay),
      holdout: endDay >= holdoutFrom,
      actualWeekly: actualWeekly[k],
      actualCumulative: cum,
      predictedWeekly: Object.fromEntries(curves.map((c) => [c.model, c.cumulative[k] - (k > 0 ? c.cumulative[k - 1] : 0)])),
      predictedCumulative: Object.fromEntries(curves.map((c) => [c.model, c.cumulative[k]])),
    });
  }
  await db.run('DROP TABLE backtest_predictions; DROP TABLE backtest_customers');

  const { best, why } = chooseModel(models);
  return {
    asOf: o.asOf,
    calibrationStart: start,
    calibrationEnd: calEnd,
    holdoutMonths: o.holdoutMonths,
    holdoutLength: h,
    holdoutDays,
    timeUnit: o.timeUnit,
    customers: tot.customers,
    holdoutNewCustomers: tot.late,
    actualPurchases: tot.actual,
    actualSpend: tot.spend,
    models,
    spendFit: ggParams ? gg.fit : null,
    spendReason,
    best,
    why,
    tracking,
    frequency,
  };
}

/** backtest.csv rows: per fitted model and week, cumulative repeat purchases since the calibration start. */
export function backtestRows(r: BacktestResult): Record<string, unknown>[] {
  return r.models
    .filter((m) => m.fit)
    .flatMap((m) => r.tracking.map((t) => ({ model: m.model, period: t.week, actual_cumulative: t.actualCumulative, predicted_cumulative: t.predictedCumulative[m.model] })));
}

/**
 * backtest_summary.csv rows: one per model (figures empty when it could not be fitted); `converged`
 * is false for a model that could not be fitted, `limit` names the limit its calibration fit took at
 * the edge of its parameter space (`nbd`, `common_dropout`; empty for none). `chosen` marks the model
 * the backtest chose or --clv-model set; when no model could be checked, Customer value uses the
 * default model but no row is `chosen` (a fit that did not converge is never chosen).
 */
export function backtestSummaryRows(r: BacktestResult, chosen: BacktestModel | null): Record<string, unknown>[] {
  return r.models.map((m) => ({
    model: m.model,
    log_likelihood: m.fit?.logLikelihood ?? null,
    aic: m.fit?.aic ?? null,
    aggregate_error_pct: m.aggregateErrorPct,
    mae_per_customer: m.mae,
    chosen: m.model === chosen,
    converged: m.fit?.converged ?? false,
    limit: m.fit?.limit?.id ?? null,
  }));
}
