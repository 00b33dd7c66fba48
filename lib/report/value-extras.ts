/**
 * Parts of the report's Customer value section beyond the purchase models:
 * the simple CLV formulas (comparison, and the fallback when no model can be
 * fitted), the contractual (subscription) variant fitted with the
 * shifted-beta-geometric model, and the Methods entries of each.
 */
import { exactAvg, exactSum, type Database } from '../engine/database.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { UserError } from '../errors.ts';
import { clvHistogramSpec } from '../charts/value-charts.ts';
import { survivalSpec } from '../charts/survival-chart.ts';
import { simpleClv, simpleClvInputs, type SimpleClv, type SimpleClvInputs } from '../clv/simple-clv.ts';
import { contractualData, fitContractual, periodHorizon, pooledSurvival, scoreSubscribers, survivalCurve } from '../clv/contractual.ts';
import { discountedExpectedLifetime, type SbgParams } from '../models/sbg.ts';
import { explainSbg, modelParamRows, modelParamsTable } from '../clv/fit-report.ts';
import type { Formatters } from './format.ts';
import type { SectionDraft } from './cohort-sections.ts';

export interface SimpleFigures {
  inputs: SimpleClvInputs;
  result: SimpleClv;
}

/** The simple formulas over all customers, with the report's margin (1 = revenue) and discount rate. */
export async function simpleFigures(db: Database, o: { period: PeriodUnit; asOf: string; margin?: number; annualDiscountRate: number }): Promise<SimpleFigures> {
  const { overall } = await simpleClvInputs(db, { period: o.period, asOf: o.asOf });
  return { inputs: overall, result: simpleClv(overall, { margin: o.margin ?? 1, annualDiscountRate: o.annualDiscountRate }) };
}

/** Sentences stating the simple formulas with their numbers (or why they cannot be computed). */
export function simpleSentences(s: SimpleFigures, fmt: Formatters, o: { margin?: number; annualDiscountRate: number }): string[] {
  const r = s.result;
  const year = `${s.inputs.labelFrom} to ${s.inputs.labelTo}`;
  const out: string[] = [];
  if (r.aov !== null && r.frequencyPerYear !== null) {
    out.push(
      `In the last full year (${year}), ${fmt.integer(s.inputs.activeCustomers)} customers placed ${fmt.integer(s.inputs.orders)} orders: ${fmt.decimal(r.frequencyPerYear, 2)} orders per customer at an average of ${fmt.moneyPrecise(r.aov)}.`,
    );
  }
  if (r.retention !== null) {
    out.push(`${fmt.percent(r.retention)} of the ${fmt.integer(s.inputs.previousYearCustomers)} customers who ordered in the year before ordered again in that year (yearly retention).`);
  }
  const marginWord = o.margin === undefined ? '' : ` × ${fmt.percent(o.margin)} margin`;
  if (r.simpleClv !== null && r.lifespanYears !== null && r.aov !== null && r.frequencyPerYear !== null) {
    out.push(
      `Simple formula: ${fmt.moneyPrecise(r.aov)} per order × ${fmt.decimal(r.frequencyPerYear, 2)} orders a year × ${fmt.decimal(r.lifespanYears, 2)} years of expected lifespan (1 ÷ (1 − retention))${marginWord} = ${fmt.moneyPrecise(r.simpleClv)} per customer, undiscounted.`,
    );
  }
  if (r.retentionFormClv !== null && r.yearlyMargin !== null && r.retention !== null) {
    out.push(
      `Retention form: m × r ÷ (1 + d − r) = ${fmt.moneyPrecise(r.yearlyMargin)} × ${fmt.percent(r.retention)} ÷ (1 + ${fmt.percent(o.annualDiscountRate)} − ${fmt.percent(r.retention)}) = ${fmt.moneyPrecise(r.retentionFormClv)} per customer: the value of the years after the current one, discounted.`,
    );
  }
  for (const reason of r.reasons) out.push(`Simple formula not computed: ${reason}.`);
  return out;
}

/** Cards for the simple formulas (only the figures that exist). */
function simpleCards(s: SimpleFigures, fmt: Formatters, revenueOnly: boolean) {
  const detail = revenueOnly ? 'revenue, not profit' : 'gross margin';
  return [
    ...(s.result.simpleClv !== null ? [{ label: 'Simple CLV', value: fmt.moneyPrecise(s.result.simpleClv), detail: `AOV × frequency × lifespan; ${detail}` }] : []),
    ...(s.result.retentionFormClv !== null ? [{ label: 'Simple CLV, retention form', value: fmt.moneyPrecise(s.result.retentionFormClv), detail: `m·r/(1+d−r); ${detail}` }] : []),
  ];
}

/** The comparison cards and sentence added to a fitted model's section. */
export function simpleComparison(s: SimpleFigures, fmt: Formatters, o: { margin?: number; annualDiscountRate: number; horizonMonths: number; modelMean: number }) {
  const r = s.result;
  const parts = [
    ...(r.simpleClv !== null ? [`${fmt.moneyPrecise(r.simpleClv)} with the simple formula (whole expected lifetime, undiscounted)`] : []),
    ...(r.retentionFormClv !== null ? [`${fmt.moneyPrecise(r.retentionFormClv)} with its retention form`] : []),
  ];
  const sentence =
    parts.length > 0
      ? `For comparison, the rule-of-thumb formulas give ${parts.join(' and ')}; the model's ${fmt.moneyPrecise(o.modelMean)} covers only the next ${o.horizonMonths} months and accounts for each customer's own history.`
      : undefined;
  return { cards: simpleCards(s, fmt, o.margin === undefined), sentence, bullets: simpleSentences(s, fmt, o) };
}

/** The section when no purchase model can be fitted: the reason in plain words, and the simple formulas instead. */
export function fallbackSection(err: UserError, s: SimpleFigures, fmt: Formatters, o: { margin?: number; annualDiscountRate: number }): SectionDraft {
  const reason = err.message.replace(/^[A-Za-z/-]+ cannot be fitted: /, '');
  const simple = simpleSentences(s, fmt, o);
  return {
    id: 'customer-value',
    title: 'Customer value',
    narrative: [
      `No projection from a purchase model: ${reason}.`,
      s.result.simpleClv !== null || s.result.retentionFormClv !== null
        ? 'The simple formulas below use only averages (order value, orders per year, yearly retention), so they say nothing about individual customers; treat them as a rough guide.'
        : 'The simple formulas cannot be computed either; the cohort tables above still show the value customers brought so far.',
      ...(o.margin === undefined ? ['No gross margin was given (--margin), so these values are revenue, not profit.'] : []),
    ],
    cards: simpleCards(s, fmt, o.margin === undefined),
    bullets: simple,
  };
}

/** Methods entries of the simple formulas. */
export const SIMPLE_DEFINITIONS = [
  {
    term: 'Simple CLV',
    definition:
      'AOV × orders per customer per year × expected lifespan in years × gross margin, with AOV and orders per year from the last full year of complete periods, expected lifespan = 1 ÷ (1 − r) and r the share of the previous year\'s customers who ordered again in the last year. Undiscounted.',
  },
  {
    term: 'Simple CLV, retention form',
    definition: 'm × r ÷ (1 + d − r), with m the yearly margin per customer (AOV × orders per year × gross margin), r the yearly retention and d the yearly discount rate: the discounted value of the years after the current one, over an unlimited horizon.',
  },
];

/** Methods entries of the contractual model. */
export const CONTRACTUAL_DEFINITIONS = [
  {
    term: 'Retained (contractual)',
    definition: 'A customer is retained at period k when they ordered in every period from their first through k; the first period without an order ends the subscription for good. Only complete periods count.',
  },
  {
    term: 'sBG (shifted-beta-geometric)',
    definition: "Retention model for subscriptions (Fader & Hardie 2007): at the end of every period each customer stops with their own fixed probability, and these probabilities vary between customers as a beta distribution (α, β). Survival S(t) = B(α, β+t) ÷ B(α, β); retention in period t = (β+t−1) ÷ (α+β+t−1).",
  },
  {
    term: 'CLV (contractual)',
    definition: 'For a customer still retained after n renewals: margin × their net revenue per period so far × Σ over the periods k = 1…H of the horizon of S(n+k) ÷ S(n) ÷ (1 + d)^k, with d the discount rate per period. Customers no longer retained are worth 0.',
  },
];

export interface ContractualValueResult {
  section: SectionDraft;
  params: Record<string, unknown>[];
  manifest: Record<string, unknown>;
}

/** Customer value of a subscription business: sBG retention, projected survival and the value of current subscribers. */
export async function contractualValueSection(
  db: Database,
  args: { period: PeriodUnit; asOf: string; horizonMonths: number; annualDiscountRate: number; margin?: number; fmt: Formatters; currency: string; scratchDir: string; simple: SimpleFigures },
): Promise<ContractualValueResult> {
  const { period, fmt } = args;
  const data = await contractualData(db, { period, asOf: args.asOf });
  let fit;
  try {
    fit = fitContractual(data);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { section: fallbackSection(err, args.simple, fmt, args), params: [], manifest: { fitted: false, business: 'contractual', reason: err.message } };
  }
  const params = fit.params as unknown as SbgParams;
  await scoreSubscribers(db, params, { period, asOf: args.asOf, horizonMonths: args.horizonMonths, annualDiscountRate: args.annualDiscountRate, margin: args.margin ?? 1, scratchDir: args.scratchDir });
  const [t] = await db.rows<{ customers: number; retained: number; total: number; mean: number; median: number | null; p99: number | null; periods: number }>(`
    SELECT CAST(count(*) AS INTEGER) AS customers, CAST(count(*) FILTER (WHERE retained) AS INTEGER) AS retained,
           ${exactSum('clv')} AS total, coalesce(${exactAvg('CASE WHEN retained THEN clv END')}, 0) AS mean,
           quantile_disc(clv, 0.5) FILTER (WHERE retained) AS median, quantile_disc(clv, 0.99) FILTER (WHERE retained) AS p99,
           coalesce(${exactAvg('CASE WHEN retained THEN expected_periods END')}, 0) AS periods
    FROM subscriber_scores`);
  const bins = 25;
  const width = (t.p99 ?? 0) > 0 ? (t.p99 as number) / bins : 1;
  const hist = await db.rows<{ bin: number; customers: number }>(`
    SELECT CAST(least(floor(clv / ${width}), ${bins}) AS INTEGER) AS bin, CAST(count(*) AS INTEGER) AS customers
    FROM subscriber_scores WHERE retained GROUP BY ALL ORDER BY ALL`);
  const histogram = hist.map((b) => ({ start: b.bin * width, end: (b.bin + 1) * width, customers: b.customers, last: b.bin === bins }));
  const curve = survivalCurve(data, params, 12);
  const observed = pooledSurvival(data);
  const h = periodHorizon(period, args.horizonMonths, args.annualDiscountRate);
  const del = discountedExpectedLifetime(params, h.discount);
  const valueWord = args.margin === undefined ? 'revenue' : `gross margin at ${fmt.percent(args.margin)} of revenue`;
  const lastObserved = observed[observed.length - 1];
  const rows = modelParamRows('sbg', fit);
  const narrative = [
    `${fmt.integer(t.retained)} of ${fmt.integer(t.customers)} customers are still subscribed: they ordered in every ${period} since their first, through ${data.lastCompleteLabel}.`,
    ...(lastObserved.k > 0 ? [`Across all cohorts, ${fmt.percent(observed[1]?.survival ?? null)} kept ordering into their second ${period} and ${lastObserved.survival > 0 && lastObserved.survival < 0.001 ? 'fewer than 0.1%' : fmt.percent(lastObserved.survival)} were still ordering after ${lastObserved.k} ${period}s.`] : []),
    ...explainSbg(fit, period, fmt),
    `Over the next ${args.horizonMonths} months${period === 'month' ? '' : ` (${h.periods} ${period}s)`}, the current subscribers are expected to stay ${fmt.decimal(t.periods, 1)} ${period}s on average and are worth ${fmt.money(t.total)} in today's money (${valueWord}, discounted at ${fmt.percent(args.annualDiscountRate)} a year), ${fmt.moneyPrecise(t.mean)} per subscriber.`,
    `A new subscriber is expected to pay for ${fmt.decimal(del, 1)} ${period}s in today's money (discounted expected lifetime, including the first ${period}; no horizon).`,
    ...(args.margin === undefined ? ['No gross margin was given (--margin), so these values are revenue, not profit.'] : []),
  ];
  return {
    section: {
      id: 'customer-value',
      title: 'Customer value',
      narrative,
      cards: [
        { label: 'Current subscribers', value: fmt.integer(t.retained), detail: `of ${fmt.integer(t.customers)} customers` },
        { label: `Projected value, ${args.horizonMonths} months`, value: fmt.money(t.total), detail: args.margin === undefined ? 'revenue, not profit' : 'gross margin' },
        { label: 'Mean CLV per subscriber', value: fmt.moneyPrecise(t.mean), detail: t.median !== null ? `median ${fmt.moneyPrecise(t.median)}` : undefined },
        ...simpleCards(args.simple, fmt, args.margin === undefined),
      ],
      chart: {
        spec: survivalSpec(curve, { period }),
        caption: `Share of customers still ordering every ${period} since their first: observed (points; all cohorts pooled), the sBG fit, and 12 ${period}s of projection (dashed).`,
      },
      extraCharts: histogram.length > 0 ? [{ spec: clvHistogramSpec(histogram, { currency: args.currency }), caption: `Current subscribers by projected ${args.horizonMonths}-month value; the last bar collects the top 1%.` }] : [],
      bullets: [
        `sBG fitted on ${fmt.integer(fit.customers)} customers in ${fmt.integer(data.cohorts.length)} cohorts (${period}s up to ${data.lastCompleteLabel}), log-likelihood ${fmt.decimal(fit.logLikelihood, 2)}, AIC ${fmt.decimal(fit.aic, 2)}, ${fit.converged ? 'converged' : `did NOT converge (${fit.message ?? 'see the manifest'})`}.`,
        `CLV of a subscriber = margin × their net revenue per ${period} so far × Σ over the next ${h.periods} ${period}s of the chance they are still subscribed ÷ (1 + d)^k, d = ${fmt.percent(h.discount)} per ${period}.`,
        ...simpleSentences(args.simple, fmt, args),
      ],
      table: modelParamsTable(rows, { withModel: true }),
    },
    params: rows,
    manifest: {
      fitted: true,
      business: 'contractual',
      options: { period, horizon_months: args.horizonMonths, annual_discount_rate: args.annualDiscountRate, margin: args.margin ?? null },
      models: [{ name: 'sbg', customers_used: fit.customers, cohorts: data.cohorts.length, log_likelihood: fit.logLikelihood, aic: fit.aic, converged: fit.converged, message: fit.message ?? null }],
      totals: t,
      discounted_expected_lifetime_periods: del,
      simple: args.simple.result,
    },
  };
}
