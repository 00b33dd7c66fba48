/**
 * The report's "Customer value" section: fits the purchase model and
 * Gamma-Gamma on the customers, scores them (lib/clv/score-customers.ts) and
 * shows the distribution of projected CLV, P(alive) by frequency and time
 * since the last purchase, and the parameters with their intervals, with a
 * written explanation. When the data cannot identify a model, the section says
 * so in plain words instead.
 */
import { exactAvg, exactSum, type Database } from '../engine/database.ts';
import type { TimeUnit } from '../engine/model-inputs.ts';
import { UserError } from '../errors.ts';
import { clvHistogramSpec, pAliveHeatmapSpec } from '../charts/value-charts.ts';
import { scoreCustomers } from '../clv/score-customers.ts';
import { explainFit, modelParamRows, modelParamsTable } from '../clv/fit-report.ts';
import type { Progress } from '../progress.ts';
import type { ValueOptions } from '../clv/value-options.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { CONTRACTUAL_DEFINITIONS, contractualValueSection, fallbackSection, SIMPLE_DEFINITIONS, simpleComparison, simpleFigures } from './value-extras.ts';
import type { Formatters } from './format.ts';
import type { SectionDraft } from './cohort-sections.ts';

export { BUSINESS_TYPES, DEFAULT_VALUE_OPTIONS, type Business, type ValueOptions } from '../clv/value-options.ts';

/** Fewer customers than this: no model is fitted for the report (the simple formulas are shown instead). */
export const MIN_CUSTOMERS = 50;

const HISTOGRAM_BINS = 25;

/** Definitions entries for the models (the report's Definitions / Methods section). */
export const VALUE_DEFINITIONS = [
  { term: 'BG/NBD', definition: 'Purchase model (Fader, Hardie & Lee 2005): while active, a customer buys at a steady rate that differs between customers (gamma distribution); after each purchase they may leave for good with a probability that also differs (beta distribution).' },
  { term: 'Pareto/NBD', definition: 'Purchase model (Schmittlein, Morrison & Colombo 1987): like BG/NBD, but customers can leave at any moment, at a rate that differs between customers.' },
  { term: 'Gamma-Gamma', definition: "Spend model (Fader, Hardie & Lee 2005): each customer's orders vary around their own average, and averages differ between customers; a customer's expected spend mixes their own average with the population's, trusting their own more the more they bought. It assumes spend does not depend on how often a customer buys." },
  { term: 'P(alive)', definition: 'Probability that a customer has not left, given how often and how recently they bought.' },
  { term: 'CLV (projected)', definition: 'Σ over the months of the horizon of margin × expected spend per order × expected orders in that month ÷ (1 + monthly discount rate)^month.' },
];

export interface ValueSectionResult {
  section: SectionDraft;
  /** model_params.csv rows (empty when no model could be fitted). */
  params: Record<string, unknown>[];
  /** What the manifest records about the models. */
  manifest: Record<string, unknown>;
  /** Methods entries for the formulas the section used. */
  definitions: { term: string; definition: string }[];
}

export async function valueSection(
  db: Database,
  args: { asOf: string; period: PeriodUnit; options: ValueOptions; fmt: Formatters; currency: string; scratchDir: string; progress?: Progress },
): Promise<ValueSectionResult> {
  const { options: o, fmt, currency } = args;
  const simple = await simpleFigures(db, { period: args.period, asOf: args.asOf, margin: o.margin, annualDiscountRate: o.annualDiscountRate });
  if (o.business === 'contractual') {
    const c = await contractualValueSection(db, { ...args, ...o, simple });
    return { ...c, definitions: c.params.length > 0 ? [...CONTRACTUAL_DEFINITIONS, ...SIMPLE_DEFINITIONS] : SIMPLE_DEFINITIONS };
  }
  const modelTitle = o.model === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD';
  let scored;
  const [{ customers }] = await db.rows<{ customers: number }>('SELECT CAST(count(*) AS INTEGER) AS customers FROM customer_base');
  try {
    if (customers < MIN_CUSTOMERS) {
      throw new UserError(`${modelTitle} cannot be fitted: only ${customers} customers; at least ${MIN_CUSTOMERS} are needed for a reliable fit`);
    }
    scored = await scoreCustomers(db, {
      asOf: args.asOf,
      model: o.model,
      timeUnit: o.timeUnit,
      horizonMonths: o.horizonMonths,
      annualDiscountRate: o.annualDiscountRate,
      margin: o.margin ?? 1,
      scratchDir: args.scratchDir,
      progress: args.progress,
    });
    const failed = ([[modelTitle, scored.purchaseFit], ['Gamma-Gamma', scored.spendFit]] as const).find(([, f]) => !f.converged);
    if (failed) {
      // Nothing downstream (CAC's projected LTV) may use scores from a fit that did not converge.
      await db.run('DROP TABLE IF EXISTS customer_scores');
      throw new UserError(`${failed[0]} cannot be fitted: the optimizer did not converge (${failed[1].message ?? `gradient norm ${failed[1].gradientNorm}`}), so its parameters are not reliable`);
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return {
      section: fallbackSection(err, simple, fmt, o),
      params: [],
      manifest: { fitted: false, reason: err.message, simple: simple.result },
      definitions: SIMPLE_DEFINITIONS,
    };
  }
  const { purchaseFit, spendFit } = scored;
  const valueWord = o.margin === undefined ? 'revenue' : `gross margin at ${fmt.percent(o.margin)} of revenue`;
  const [t] = await db.rows<{ customers: number; total: number; mean: number; median: number; p_alive: number; purchases: number; p99: number; top10_share: number }>(`
    WITH ranked AS (SELECT clv, ntile(10) OVER (ORDER BY clv DESC, customer_id) AS decile FROM customer_scores)
    SELECT CAST(count(*) AS INTEGER) AS customers, ${exactSum('clv')} AS total, ${exactAvg('clv')} AS mean, quantile_disc(clv, 0.5) AS median,
           (SELECT ${exactAvg('p_alive')} FROM customer_scores) AS p_alive, (SELECT ${exactSum('expected_purchases')} FROM customer_scores) AS purchases,
           quantile_disc(clv, 0.99) AS p99,
           ${exactSum('CASE WHEN decile = 1 THEN clv ELSE 0 END')} / nullif(${exactSum('clv')}, 0) AS top10_share
    FROM ranked`);
  const width = t.p99 > 0 ? t.p99 / HISTOGRAM_BINS : 1;
  const bins = await db.rows<{ bin: number; customers: number }>(`
    SELECT CAST(least(floor(clv / ${width}), ${HISTOGRAM_BINS}) AS INTEGER) AS bin, CAST(count(*) AS INTEGER) AS customers
    FROM customer_scores GROUP BY ALL ORDER BY ALL`);
  const histogram = bins.map((b) => ({ start: b.bin * width, end: (b.bin + 1) * width, customers: b.customers, last: b.bin === HISTOGRAM_BINS }));
  const SINCE = [
    [0, 1, 'under 1 month'],
    [1, 3, '1–3 months'],
    [3, 6, '3–6 months'],
    [6, 12, '6–12 months'],
    [12, 24, '1–2 years'],
    [24, 1e9, '2 years or more'],
  ] as const;
  const sinceCase = `CASE ${SINCE.map(([lo, hi, label], i) => `WHEN months >= ${lo} AND months < ${hi} THEN '${i}|${label}'`).join(' ')} END`;
  const cells = await db.rows<{ f: number; since: string; p_alive: number; customers: number }>(`
    SELECT least(frequency, 10) AS f, ${sinceCase} AS since, ${exactAvg('p_alive')} AS p_alive, CAST(count(*) AS INTEGER) AS customers
    FROM (SELECT frequency, p_alive, (T - recency) * ${o.timeUnit === 'week' ? 7 : 1} / (365.25 / 12) AS months FROM customer_scores)
    GROUP BY ALL ORDER BY ALL`);
  const heat = cells.map((c) => {
    const [order, label] = c.since.split('|');
    return { frequency: c.f >= 10 ? '10 or more' : String(c.f), frequency_order: c.f, since: label, since_order: Number(order), p_alive: c.p_alive, customers: c.customers };
  });
  const byChannel = await db.rows<{ channel: string; customers: number; clv_mean: number }>(`
    SELECT c.acquisition_channel AS channel, CAST(count(*) AS INTEGER) AS customers, ${exactAvg('s.clv')} AS clv_mean
    FROM customer_scores s JOIN customer_base c USING (customer_id) GROUP BY ALL HAVING count(*) >= 30 ORDER BY clv_mean DESC, channel`);
  const lapsed = heat.filter((h) => h.frequency_order >= 3 && h.since_order >= 4);
  const lapsedAlive = lapsed.reduce((s, h) => s + h.p_alive * h.customers, 0) / Math.max(1, lapsed.reduce((s, h) => s + h.customers, 0));

  const narrative = [
    `Over the next ${o.horizonMonths} months, the ${fmt.integer(t.customers)} customers are expected to place ${fmt.integer(t.purchases)} more orders, worth ${fmt.money(t.total)} in today's money (${valueWord}, discounted at ${fmt.percent(o.annualDiscountRate)} a year).`,
    ...(o.margin === undefined ? ['No gross margin was given (--margin), so these values are revenue, not profit.'] : []),
    `The average customer is worth ${fmt.moneyPrecise(t.mean)} and the median one ${fmt.moneyPrecise(t.median)}; the most valuable tenth of customers holds ${fmt.percent(t.top10_share)} of the projected value.`,
  ];
  if (byChannel.length >= 2) {
    const best = byChannel[0];
    const worst = byChannel[byChannel.length - 1];
    narrative.push(`By acquisition channel, customers from "${best.channel}" are worth the most (${fmt.moneyPrecise(best.clv_mean)} on average) and those from "${worst.channel}" the least (${fmt.moneyPrecise(worst.clv_mean)}).`);
  }
  if (lapsed.length > 0) {
    narrative.push(`Customers who bought often but not for a year or more are probably gone: their mean probability of still being active is ${fmt.percent(lapsedAlive)}.`);
  }
  const comparison = simpleComparison(simple, fmt, { ...o, modelMean: t.mean });
  if (comparison.sentence) narrative.push(comparison.sentence);
  narrative.push(...explainFit(o.model, purchaseFit, o.timeUnit, fmt, {}), ...explainFit('gamma-gamma', spendFit, o.timeUnit, fmt, {}));
  const params = [...modelParamRows(o.model, purchaseFit), ...modelParamRows('gamma-gamma', spendFit)];
  const diagnostics = [purchaseFit, spendFit].map(
    (f, i) =>
      `${i === 0 ? modelTitle : 'Gamma-Gamma'}: fitted on ${fmt.integer(f.customers)} customers, log-likelihood ${fmt.decimal(f.logLikelihood, 2)}, AIC ${fmt.decimal(f.aic, 2)}, ${f.converged ? 'converged' : `did NOT converge (${f.message ?? 'see the manifest'})`}.`,
  );
  return {
    section: {
      id: 'customer-value',
      title: 'Customer value',
      narrative,
      cards: [
        { label: `Projected value, ${o.horizonMonths} months`, value: fmt.money(t.total), detail: o.margin === undefined ? 'revenue, not profit' : 'gross margin' },
        { label: 'Mean CLV', value: fmt.moneyPrecise(t.mean), detail: `median ${fmt.moneyPrecise(t.median)}` },
        { label: 'Mean P(alive)', value: fmt.percent(t.p_alive), detail: 'chance a customer is still active' },
        ...comparison.cards,
      ],
      chart: {
        spec: clvHistogramSpec(histogram, { currency }),
        caption: `Customers by projected ${o.horizonMonths}-month value; the last bar collects the top 1%.`,
      },
      extraCharts: [
        {
          spec: pAliveHeatmapSpec(heat),
          caption: `Mean probability of still being active, by repeat purchases and time since the last purchase.${o.model === 'bgnbd' ? ' BG/NBD counts customers without a repeat purchase as active: they have not yet had a chance to drop out.' : ''}`,
        },
      ],
      bullets: [
        ...diagnostics,
        `CLV = Σ over months k = 1…${o.horizonMonths} of margin × expected spend per purchase × expected purchases in month k ÷ (1 + d)^k; expected purchases from ${modelTitle}, spend from Gamma-Gamma.`,
        ...comparison.bullets,
      ],
      table: modelParamsTable(params, { withModel: true }),
    },
    params,
    manifest: {
      fitted: true,
      options: { model: o.model, time_unit: o.timeUnit, horizon_months: o.horizonMonths, annual_discount_rate: o.annualDiscountRate, margin: o.margin ?? null },
      models: [purchaseFit, spendFit].map((f, i) => ({
        name: i === 0 ? o.model : 'gamma-gamma',
        customers_used: f.customers,
        log_likelihood: f.logLikelihood,
        aic: f.aic,
        converged: f.converged,
        message: f.message ?? null,
      })),
      totals: t,
      simple: simple.result,
    },
    definitions: [...VALUE_DEFINITIONS, ...SIMPLE_DEFINITIONS],
  };
}
