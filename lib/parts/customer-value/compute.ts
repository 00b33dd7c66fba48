/**
 * The Customer value part, computing half: the run's fits and scores
 * (products of lib/run/run-context.ts) summarised for the section: totals,
 * the CLV histogram, P(alive) by frequency and time since the last purchase,
 * and the value per acquisition channel; or the contractual (sBG) figures;
 * or why no model could be fitted. The simple formulas always come along.
 */
import { exactAvg, exactSum } from '../../engine/database.ts';
import { DAYS_PER_UNIT } from '../../engine/customer-base.ts';
import type { ValueOptions } from '../../clv/value-options.ts';
import type { SimpleFigures } from '../../clv/simple-clv.ts';
import type { ContractualFigures } from '../../clv/contractual-value.ts';
import type { CustomerFits } from '../../clv/customer-fit.ts';
import type { BacktestOutcome, ChosenModel, RunContext } from '../../run/run-context.ts';

const HISTOGRAM_BINS = 25;
/** Bands of time since the last purchase in the P(alive) chart: [from, to) months and their label. */
const SINCE = [
  [0, 1, 'under 1 month'],
  [1, 3, '1–3 months'],
  [3, 6, '3–6 months'],
  [6, 12, '6–12 months'],
  [12, 24, '1–2 years'],
  [24, 1e9, '2 years or more'],
] as const;
/** Channels with fewer customers are not named in the narrative. */
export const MIN_NAMED_CHANNEL = 30;

export interface PurchaseValueFigures {
  kind: 'purchase';
  options: ValueOptions;
  simple: SimpleFigures;
  model: ChosenModel;
  /** The backtest, when it ran for this report (its section or the model choice). */
  backtest: BacktestOutcome | null;
  fits: CustomerFits;
  /** False for a purchase log without amounts: P(alive) and expected orders only (totals in money are null). */
  money: boolean;
  totals: { customers: number; total: number; mean: number; median: number; p_alive: number; purchases: number; p99: number; top10_share: number };
  histogram: { start: number; end: number; customers: number; last: boolean }[];
  heat: { frequency: string; frequency_order: number; since: string; since_order: number; p_alive: number; customers: number }[];
  byChannel: { channel: string; customers: number; clv_mean: number }[];
  /** What a reader should check against the backtest: a projection above last year, P(alive) high among the long inactive. */
  sanity: SanityFigures;
  /** The bootstrap interval of the total projected value (the row for all customers of Projected value by segment), when it ran. */
  interval?: { low: number; high: number; level: number };
}

/** The figures behind the sanity checks of a projection (lib/parts/customer-value/present.ts says when they fail). */
export interface SanityFigures {
  /** Σ expected purchases × expected spend per purchase over the horizon (undiscounted revenue, no margin); null without amounts. */
  projectedRevenue: number | null;
  /** Net revenue of the last full year (the simple formula's year), with its first and last day. */
  lastYearRevenue: number;
  lastYearFrom: string;
  lastYearTo: string;
  /** Share of customers with no purchase for more than a year. */
  inactiveShare: number;
  /** The orders cover the whole last year (else its revenue is not a fair comparison). */
  fullYear: boolean;
}

/** Mean P(alive) above this, while at least {@link SANITY_INACTIVE_SHARE} of customers have not bought for a year, is flagged. */
export const SANITY_P_ALIVE = 0.95;
export const SANITY_INACTIVE_SHARE = 0.25;

export type CustomerValueFigures =
  | PurchaseValueFigures
  | { kind: 'fallback'; options: ValueOptions; simple: SimpleFigures; model: ChosenModel; backtest: BacktestOutcome | null; reason: string }
  | { kind: 'contractual'; options: ValueOptions; simple: SimpleFigures; contractual: ContractualFigures | { failed: string } };

export async function computeCustomerValue(ctx: RunContext): Promise<CustomerValueFigures> {
  const o = ctx.value;
  const simple = await ctx.product('simple');
  if (o.business === 'contractual') return { kind: 'contractual', options: o, simple, contractual: await ctx.product('contractual') };
  const model = await ctx.product('model');
  const fits = await ctx.product('fits');
  const backtest = ctx.plan.shows('backtest') || model.source !== 'fixed' ? await ctx.product('backtest') : null;
  if ('failed' in fits) return { kind: 'fallback', options: o, simple, model, backtest, reason: fits.failed };
  await ctx.product('scores');
  const db = ctx.db;
  const money = ctx.orders.money !== 'none';
  // One pass over the scores: the totals and the figures of the sanity checks.
  const [{ projected, inactive, ...totals }] = await db.rows<PurchaseValueFigures['totals'] & { projected: number | null; inactive: number }>(`
    WITH ranked AS (SELECT *, ntile(10) OVER (ORDER BY clv DESC, customer_id) AS decile FROM customer_scores)
    SELECT CAST(count(*) AS INTEGER) AS customers, ${exactSum('clv')} AS total, ${exactAvg('clv')} AS mean, quantile_disc(clv, 0.5) AS median,
           ${exactAvg('p_alive')} AS p_alive, ${exactSum('expected_purchases')} AS purchases,
           quantile_disc(clv, 0.99) AS p99,
           ${exactSum('CASE WHEN decile = 1 THEN clv ELSE 0 END')} / nullif(${exactSum('clv')}, 0) AS top10_share,
           ${money ? exactSum('expected_purchases * expected_avg_spend') : 'NULL'} AS projected,
           count(*) FILTER (WHERE (T - recency) * ${DAYS_PER_UNIT[fits.timeUnit]} > 365) / greatest(count(*), 1) AS inactive
    FROM ranked`);
  const sanity: SanityFigures = {
    projectedRevenue: projected,
    lastYearRevenue: simple.inputs.revenue,
    lastYearFrom: simple.inputs.periodFrom,
    lastYearTo: simple.inputs.periodTo,
    inactiveShare: inactive,
    fullYear: ctx.orders.firstDate <= simple.inputs.periodFrom,
  };
  const width = totals.p99 > 0 ? totals.p99 / HISTOGRAM_BINS : 1;
  const bins = !money ? [] : await db.rows<{ bin: number; customers: number }>(`
    SELECT CAST(least(floor(clv / ${width}), ${HISTOGRAM_BINS}) AS INTEGER) AS bin, CAST(count(*) AS INTEGER) AS customers
    FROM customer_scores GROUP BY ALL ORDER BY ALL`);
  const sinceCase = `CASE ${SINCE.map(([lo, hi, label], i) => `WHEN months >= ${lo} AND months < ${hi} THEN '${i}|${label}'`).join(' ')} END`;
  const cells = await db.rows<{ f: number; since: string; p_alive: number; customers: number }>(`
    SELECT least(frequency, 10) AS f, ${sinceCase} AS since, ${exactAvg('p_alive')} AS p_alive, CAST(count(*) AS INTEGER) AS customers
    FROM (SELECT frequency, p_alive, (T - recency) * ${DAYS_PER_UNIT[fits.timeUnit]} / (365.25 / 12) AS months FROM customer_scores)
    GROUP BY ALL ORDER BY ALL`);
  const byChannel = !money ? [] : await db.rows<{ channel: string; customers: number; clv_mean: number }>(`
    SELECT c.acquisition_channel AS channel, CAST(count(*) AS INTEGER) AS customers, ${exactAvg('s.clv')} AS clv_mean
    FROM customer_scores s JOIN customer_base c USING (customer_id) GROUP BY ALL HAVING count(*) >= ${MIN_NAMED_CHANNEL} ORDER BY clv_mean DESC, channel`);
  // The interval of the total comes from the segment-value product when the report computes it anyway (one bootstrap per run).
  const segments = ctx.needed.has('segment-value') ? await ctx.product('segment-value') : undefined;
  const all = segments && !('failed' in segments) && segments.result.bootstrap.requested > 0 ? segments.result.rows[0] : undefined;
  const interval = all && all.clv_total_low !== null && all.clv_total_high !== null ? { low: all.clv_total_low, high: all.clv_total_high, level: segments && !('failed' in segments) ? segments.result.bootstrap.level : 0 } : undefined;
  return {
    kind: 'purchase',
    options: o,
    ...(interval ? { interval } : {}),
    simple,
    model,
    backtest,
    fits,
    money,
    totals,
    histogram: bins.map((b) => ({ start: b.bin * width, end: (b.bin + 1) * width, customers: b.customers, last: b.bin === HISTOGRAM_BINS })),
    heat: cells.map((c) => {
      const [order, label] = c.since.split('|');
      return { frequency: c.f >= 10 ? '10 or more' : String(c.f), frequency_order: c.f, since: label, since_order: Number(order), p_alive: c.p_alive, customers: c.customers };
    }),
    byChannel,
    sanity,
  };
}
