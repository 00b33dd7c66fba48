/**
 * The Customer value part, presenting half (pure: figures in, section out):
 * the purchase-model projection with the simple formulas as a cross-check,
 * the contractual (sBG) variant, or the fallback when no model could be
 * fitted, with the Methods entries of each, data/model_params.csv and the
 * manifest's customer_value.
 */
import { clvHistogramSpec, pAliveHeatmapSpec } from '../../charts/value-charts.ts';
import { survivalSpec } from '../../charts/survival-chart.ts';
import type { SimpleFigures } from '../../clv/simple-clv.ts';
import type { ContractualFigures } from '../../clv/contractual-value.ts';
import { FIT_GROUP_COLUMN, GROUP_FIT_FACTOR, MIN_GROUP_CUSTOMERS, MIN_GROUP_REPEAT_BUYERS } from '../../clv/customer-fit.ts';
import { CONTRACTUAL_MODEL_ID, contractualModel, modelTitle, PURCHASE_MODELS, SPEND_MODEL_ID, spendModel, type PurchaseModelId } from '../../models/registry.ts';
import { explainFit, explainSbg, fitManifestEntry, modelParamRows, modelParamsTable, MODEL_PARAMS_COLUMNS } from '../../report/model-params.ts';
import { limitName } from '../../models/limits.ts';
import type { Formatters } from '../../report/format.ts';
import type { SectionDraft } from '../../report/section.ts';
import type { PartOutput } from '../part.ts';
import { SANITY_INACTIVE_SHARE, SANITY_P_ALIVE, type CustomerValueFigures, type PurchaseValueFigures } from './compute.ts';

/** Methods entries of the run's purchase model (named once), the spend model and the projection. */
export const valueDefinitions = (model: PurchaseModelId) => [
  PURCHASE_MODELS[model].definition,
  spendModel.definition,
  { term: 'P(alive)', definition: 'Probability that a customer has not left, given how often and how recently they bought.' },
  { term: 'CLV (projected)', definition: 'Σ over the months of the horizon of margin × expected spend per order × expected orders in that month ÷ (1 + monthly discount rate)^month.' },
  {
    term: 'Fits per acquisition channel',
    definition: `The purchase model and ${spendModel.title} are fitted on all customers and, when the orders have a channel, on each acquisition channel with at least ${MIN_GROUP_CUSTOMERS} customers and ${MIN_GROUP_REPEAT_BUYERS} repeat buyers whose fits converge within a factor ${GROUP_FIT_FACTOR} of the all-customer parameters (channels differ in how often their customers buy, how long they stay and what they spend; one fit on everyone would pull each channel towards the average). Each customer is scored once, with their channel's fits or else the fits on all customers, and every figure of the report (Customer value, Projected value by segment, LTV:CAC, RFM, Win back, data/customers.csv) adds up these scores.`,
  },
];

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
  const marginWord = o.margin === undefined ? '' : ` × ${fmt.setting(o.margin)} margin`;
  if (r.simpleClv !== null && r.lifespanYears !== null && r.aov !== null && r.frequencyPerYear !== null) {
    out.push(
      `Simple formula: ${fmt.moneyPrecise(r.aov)} per order × ${fmt.decimal(r.frequencyPerYear, 2)} orders a year × ${fmt.decimal(r.lifespanYears, 2)} years of expected lifespan (1 ÷ (1 − retention))${marginWord} = ${fmt.moneyPrecise(r.simpleClv)} per customer, undiscounted.`,
    );
  }
  if (r.retentionFormClv !== null && r.yearlyMargin !== null && r.retention !== null) {
    out.push(
      `Retention form: m × r ÷ (1 + d − r) = ${fmt.moneyPrecise(r.yearlyMargin)} × ${fmt.percent(r.retention)} ÷ (1 + ${fmt.setting(o.annualDiscountRate)} − ${fmt.percent(r.retention)}) = ${fmt.moneyPrecise(r.retentionFormClv)} per customer: the value of the years after the current one, discounted.`,
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

/** The simple formulas as a cross-check of the model's figure, for Methods. */
function crossCheck(c: ReturnType<typeof simpleComparison>): { term: string; definition: string }[] {
  if (!c.sentence && c.bullets.length === 0) return [];
  return [{ term: 'Cross-check: simple formulas', definition: [c.sentence, ...c.bullets].filter(Boolean).join(' ') }];
}

/** The section when no purchase model can be fitted: the reason in plain words, and the simple formulas instead. */
export function fallbackSection(why: string, s: SimpleFigures, fmt: Formatters, o: { margin?: number; annualDiscountRate: number }): SectionDraft {
  const reason = why.replace(/^[A-Za-z/-]+ cannot be fitted: /, '');
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
  contractualModel.definition,
  {
    term: 'CLV (contractual)',
    definition: 'For a customer still retained after n renewals: margin × their net revenue per period so far × Σ over the periods k = 1…H of the horizon of S(n+k) ÷ S(n) ÷ (1 + d)^k, with d the discount rate per period. Customers no longer retained are worth 0.',
  },
];


/** A line saying which purchase model is used and why. */
function modelBullet(f: Extract<CustomerValueFigures, { model: unknown }>): string | undefined {
  const t = modelTitle(f.model.id);
  const bt = f.backtest?.state === 'ran' ? f.backtest.result : undefined;
  if (f.model.source === 'fixed') return `Purchase model ${t}: set with --clv-model (or clv.model)${bt ? `, overriding the holdout backtest${bt.best ? `, which favours ${modelTitle(bt.best)}` : ''}` : ''}.`;
  if (f.model.source === 'backtest') return `Purchase model ${t}: chosen by the holdout backtest (see Holdout backtest), refitted here on all orders.`;
  return bt ? `Purchase model ${t}: the default; the holdout backtest could not check the models.` : undefined;
}

/** model_params.csv rows: the fits on all customers, then each channel's own. */
export function fitParamRows(f: PurchaseValueFigures): Record<string, unknown>[] {
  const { fits } = f;
  return [
    ...modelParamRows(fits.model, fits.all.purchase),
    ...(fits.all.spend ? modelParamRows(SPEND_MODEL_ID, fits.all.spend) : []),
    ...fits.groups.flatMap((g) => [...modelParamRows(fits.model, g.purchase, g.value), ...(g.spend ? modelParamRows(SPEND_MODEL_ID, g.spend, g.value) : [])]),
  ];
}

/** The fits of the run, each with its model's name: the purchase model, and the spend model when the orders have amounts. */
function fitList(fits: PurchaseValueFigures['fits']) {
  return [{ name: fits.model, title: modelTitle(fits.model), fit: fits.all.purchase }, ...(fits.all.spend ? [{ name: SPEND_MODEL_ID, title: spendModel.title, fit: fits.all.spend }] : [])];
}

/** The Methods entries of the limits the purchase fits took at the edge of the parameter space (lib/models/limits.ts), each once. */
function limitDefinitions(fits: PurchaseValueFigures['fits']) {
  const ids = [...new Set([fits.all.purchase, ...fits.groups.map((g) => g.purchase)].flatMap((x) => (x.limit ? [x.limit.id] : [])))];
  return ids.flatMap((id) => PURCHASE_MODELS[fits.model].limitDefinition?.(id) ?? []);
}

/** Customer value of a purchase log (no amounts): how many more orders, and who is still active; nothing in money. */
function presentCounts(f: PurchaseValueFigures, fmt: Formatters): PartOutput {
  const { options: o, totals: t, fits } = f;
  const model = PURCHASE_MODELS[fits.model];
  const params = fitParamRows(f);
  const bullet = modelBullet(f);
  return {
    sections: [
      {
        id: 'customer-value',
        title: 'Customer value',
        narrative: [
          `Over the next ${o.horizonMonths} months, the ${fmt.integer(t.customers)} customers are expected to place ${fmt.integer(t.purchases)} more orders.`,
          `On average a customer is still active with probability ${fmt.percent(t.p_alive)}. The orders have no amounts, so value is counted in orders, not money.`,
          ...sanityWarnings(f, fmt),
          ...explainFit(fits.model, fits.all.purchase, fits.timeUnit, fmt, {}),
        ],
        cards: [
          { label: `Expected orders, ${o.horizonMonths} months`, value: fmt.integer(t.purchases), detail: `${fmt.decimal(t.purchases / Math.max(1, t.customers), 2)} per customer` },
          { label: 'Mean P(alive)', value: fmt.percent(t.p_alive), detail: 'chance a customer is still active' },
        ],
        chart: {
          spec: pAliveHeatmapSpec(f.heat),
          caption: `Mean probability of still being active, by repeat purchases and time since the last purchase.${model.pAliveCaveat ? ` ${model.pAliveCaveat}` : ''}`,
        },
        bullets: [...diagnosticLines(f, fmt), ...(bullet ? [bullet] : [])],
        table: modelParamsTable(params, { withModel: true, withGroup: fits.groups.length > 0 }),
        definitions: [model.definition, ...limitDefinitions(fits)],
      },
    ],
    files: [{ name: 'model_params.csv', columns: MODEL_PARAMS_COLUMNS, rows: params }],
    manifest: { customer_value: { fitted: true, money: false, ...fitManifest(f), totals: { customers: t.customers, p_alive: t.p_alive, purchases: t.purchases } } },
  };
}

/** The fit diagnostics: one line per model, then the channels with their own fits and those pooled. */
function diagnosticLines(f: PurchaseValueFigures, fmt: Formatters): string[] {
  const { fits } = f;
  const lines = fitList(fits).map(
    ({ title, fit: x }) =>
      `${title}: fitted on ${fmt.integer(x.customers)} customers, log-likelihood ${fmt.decimal(x.logLikelihood, 2)}, AIC ${fmt.decimal(x.aic, 2)}, ${x.converged ? (x.limit ? `converged at its ${limitName(x.limit.id)} limit (see above)` : 'converged') : `did NOT converge (${x.message ?? 'see the manifest'})`}.`,
  );
  if (fits.groups.length > 0) {
    lines.push(
      `Fitted separately on the customers of ${fits.groups.length === 1 ? 'the acquisition channel' : `${fits.groups.length} acquisition channels`} ${fits.groups.map((g) => `"${g.value}" (${fmt.integer(g.customers)})`).join(', ')}; their customers are scored with their channel's fits.`,
    );
  }
  for (const g of fits.groups.filter((x) => x.purchase.limit && !fits.all.purchase.limit)) {
    lines.push(`The fit on the customers of "${g.value}" took its ${limitName(g.purchase.limit!.id)} limit: ${g.purchase.limit!.reason}`);
  }
  if (fits.pooled.length > 0) {
    lines.push(`Scored with the fits on all customers: ${fits.pooled.map((p) => `"${p.value}" (${fmt.integer(p.customers)} customers; ${p.reason})`).join(', ')}.`);
  }
  return lines;
}

/** The manifest's description of the fits. */
function fitManifest(f: PurchaseValueFigures) {
  const { options: o, fits } = f;
  return {
    options: { model: fits.model, time_unit: fits.timeUnit, horizon_months: o.horizonMonths, annual_discount_rate: o.annualDiscountRate, margin: o.margin ?? null },
    model_source: f.model.source,
    models: fitList(fits).map(({ name, fit }) => fitManifestEntry(name, fit)),
    fit_groups: { column: FIT_GROUP_COLUMN, own: fits.groups.map((g) => ({ value: g.value, customers: g.customers })), pooled: fits.pooled },
  };
}

/**
 * Sentences that flag a projection to check against the backtest: existing customers projected to
 * spend more in the next year than all customers did in the last one, or a mean P(alive) above
 * 95% while many customers have not bought for more than a year.
 */
export function sanityWarnings(f: Pick<PurchaseValueFigures, 'sanity' | 'totals' | 'options' | 'backtest'>, fmt: Formatters): string[] {
  const s = f.sanity;
  const out: string[] = [];
  const see = f.backtest?.state === 'ran' ? 'compare with the Holdout backtest below before relying on it' : 'no holdout backtest checked the model in this run (--holdout-months)';
  if (s.projectedRevenue !== null && s.fullYear && s.lastYearRevenue > 0) {
    const yearly = (s.projectedRevenue * 12) / f.options.horizonMonths;
    if (yearly > s.lastYearRevenue) {
      out.push(
        `Check this projection: the existing customers are projected to buy ${fmt.money(yearly)} a year (undiscounted revenue), more than all customers, new ones included, bought in the last full year (${fmt.money(s.lastYearRevenue)}, ${s.lastYearFrom} to ${s.lastYearTo}); ${see}.`,
      );
    }
  }
  if (f.totals.p_alive > SANITY_P_ALIVE && s.inactiveShare >= SANITY_INACTIVE_SHARE) {
    out.push(
      `Check this projection: the model says ${fmt.percent(f.totals.p_alive)} of customers are still active on average, yet ${fmt.percent(s.inactiveShare)} have not bought for more than a year; ${see}.`,
    );
  }
  return out;
}

function presentPurchase(f: PurchaseValueFigures, fmt: Formatters, currency: string): PartOutput {
  const spend = f.fits.all.spend;
  if (!f.money || !spend) return presentCounts(f, fmt);
  const { options: o, totals: t, fits } = f;
  const title = modelTitle(fits.model);
  const model = PURCHASE_MODELS[fits.model];
  const valueWord = o.margin === undefined ? 'revenue' : `gross margin at ${fmt.setting(o.margin)} of revenue`;
  const narrative = [
    `Over the next ${o.horizonMonths} months, the ${fmt.integer(t.customers)} customers are expected to place ${fmt.integer(t.purchases)} more orders, worth ${fmt.money(t.total)} in today's money (${valueWord}, discounted at ${fmt.setting(o.annualDiscountRate)} a year).`,
    ...sanityWarnings(f, fmt),
    ...(o.margin === undefined ? ['No gross margin was given (--margin), so these values are revenue, not profit.'] : []),
    `The average customer is worth ${fmt.moneyPrecise(t.mean)} and the median one ${fmt.moneyPrecise(t.median)}; the most valuable tenth of customers holds ${fmt.percent(t.top10_share)} of the projected value.`,
  ];
  if (f.byChannel.length >= 2) {
    const best = f.byChannel[0];
    const worst = f.byChannel[f.byChannel.length - 1];
    narrative.push(`By acquisition channel, customers from "${best.channel}" are worth the most (${fmt.moneyPrecise(best.clv_mean)} on average) and those from "${worst.channel}" the least (${fmt.moneyPrecise(worst.clv_mean)}).`);
  }
  const lapsed = f.heat.filter((h) => h.frequency_order >= 3 && h.since_order >= 4);
  if (lapsed.length > 0) {
    const alive = lapsed.reduce((s, h) => s + h.p_alive * h.customers, 0) / Math.max(1, lapsed.reduce((s, h) => s + h.customers, 0));
    narrative.push(
      alive < 0.5
        ? `Customers who bought often but not for a year or more are probably gone: their mean probability of still being active is ${fmt.percent(alive)}.`
        : `Customers who bought often but not for a year or more still count as active: their mean probability of still being active is ${fmt.percent(alive)}${fits.all.purchase.limit?.id === 'nbd' ? ', as the model found no dropout in these data' : ''}.`,
    );
  }
  // One CLV figure for leadership (the model's, discounted, over the horizon); the simple formulas are a cross-check in Methods.
  const comparison = simpleComparison(f.simple, fmt, { ...o, modelMean: t.mean });
  const analysts = [...explainFit(fits.model, fits.all.purchase, fits.timeUnit, fmt, {}), ...explainFit(SPEND_MODEL_ID, spend, fits.timeUnit, fmt, {})];
  const params = fitParamRows(f);
  const diagnostics = diagnosticLines(f, fmt);
  const bullet = modelBullet(f);
  const interval = f.interval ? `${fmt.percent(f.interval.level).replace(/[.,]0(?=\D*$)/, '')} interval ${fmt.money(f.interval.low)} to ${fmt.money(f.interval.high)}` : undefined;
  const valueDetail = o.margin === undefined ? 'revenue, not profit' : 'gross margin';
  return {
    summary: [
      {
        topic: 'value',
        section: 'customer-value',
        sentence: `The ${fmt.integer(t.customers)} customers are projected to bring ${fmt.money(t.total)} of ${o.margin === undefined ? 'revenue' : 'gross margin'} over the next ${o.horizonMonths} months${interval ? ` (${interval})` : ''}, in today's money at ${fmt.setting(o.annualDiscountRate)} a year; the average customer is worth ${fmt.moneyPrecise(t.mean)}.`,
        card: { label: `Projected value, ${o.horizonMonths} months`, value: fmt.money(t.total), detail: interval ?? valueDetail },
      },
    ],
    sections: [
      {
        id: 'customer-value',
        title: 'Customer value',
        narrative,
        cards: [
          { label: `Projected value, ${o.horizonMonths} months`, value: fmt.money(t.total), detail: interval ? `${valueDetail}; ${interval}` : valueDetail },
          { label: `CLV per customer, ${o.horizonMonths} months`, value: fmt.moneyPrecise(t.mean), detail: `mean, discounted; median ${fmt.moneyPrecise(t.median)}` },
          { label: 'Mean P(alive)', value: fmt.percent(t.p_alive), detail: model.pAliveCaveat ? 'chance still active; one-time buyers count as active' : 'chance a customer is still active' },
        ],
        analysts: [...analysts, ...diagnostics, `CLV = Σ over months k = 1…${o.horizonMonths} of margin × expected spend per purchase × expected purchases in month k ÷ (1 + d)^k; expected purchases from ${title}, spend from ${spendModel.title}.`, ...(bullet ? [bullet] : [])],
        chart: {
          spec: clvHistogramSpec(f.histogram, { currency }),
          caption: `Customers by projected ${o.horizonMonths}-month value; the last bar collects the top 1%.`,
        },
        extraCharts: [
          {
            spec: pAliveHeatmapSpec(f.heat),
            caption: `Mean probability of still being active, by repeat purchases and time since the last purchase.${model.pAliveCaveat ? ` ${model.pAliveCaveat}` : ''}`,
          },
        ],
        table: modelParamsTable(params, { withModel: true, withGroup: fits.groups.length > 0 }),
        definitions: [...valueDefinitions(fits.model), ...limitDefinitions(fits), ...SIMPLE_DEFINITIONS, ...crossCheck(comparison)],
      },
    ],
    files: [{ name: 'model_params.csv', columns: MODEL_PARAMS_COLUMNS, rows: params }],
    manifest: {
      customer_value: {
        fitted: true,
        ...fitManifest(f),
        totals: t,
        simple: f.simple.result,
      },
    },
  };
}

function presentContractual(o: CustomerValueFigures & { kind: 'contractual' }, fmt: Formatters, currency: string, period: string): PartOutput {
  const { options: v, simple } = o;
  if ('failed' in o.contractual) {
    return {
      sections: [{ ...fallbackSection(o.contractual.failed, simple, fmt, v), definitions: SIMPLE_DEFINITIONS }],
      manifest: { customer_value: { fitted: false, business: 'contractual', reason: o.contractual.failed } },
    };
  }
  const { data, fit, totals: t, histogram, curve, observed, horizon: h, lifetime } = o.contractual as ContractualFigures;
  const valueWord = v.margin === undefined ? 'revenue' : `gross margin at ${fmt.setting(v.margin)} of revenue`;
  const lastObserved = observed[observed.length - 1];
  const rows = modelParamRows(CONTRACTUAL_MODEL_ID, fit);
  const narrative = [
    `${fmt.integer(t.retained)} of ${fmt.integer(t.customers)} customers are still subscribed: they ordered in every ${period} since their first, through ${data.lastCompleteLabel}.`,
    ...(lastObserved.k > 0 ? [`Across all cohorts, ${fmt.percent(observed[1]?.survival ?? null)} kept ordering into their second ${period} and ${lastObserved.survival > 0 && lastObserved.survival < 0.001 ? 'fewer than 0.1%' : fmt.percent(lastObserved.survival)} were still ordering after ${lastObserved.k} ${period}s.`] : []),
    ...explainSbg(fit, data.period, fmt),
    `Over the next ${v.horizonMonths} months${period === 'month' ? '' : ` (${h.periods} ${period}s)`}, the current subscribers are expected to stay ${fmt.decimal(t.periods, 1)} ${period}s on average and are worth ${fmt.money(t.total)} in today's money (${valueWord}, discounted at ${fmt.setting(v.annualDiscountRate)} a year), ${fmt.moneyPrecise(t.mean)} per subscriber.`,
    `A new subscriber is expected to pay for ${fmt.decimal(lifetime, 1)} ${period}s in today's money (discounted expected lifetime, including the first ${period}; no horizon).`,
    ...(v.margin === undefined ? ['No gross margin was given (--margin), so these values are revenue, not profit.'] : []),
  ];
  return {
    sections: [
      {
        id: 'customer-value',
        title: 'Customer value',
        narrative,
        cards: [
          { label: 'Current subscribers', value: fmt.integer(t.retained), detail: `of ${fmt.integer(t.customers)} customers` },
          { label: `Projected value, ${v.horizonMonths} months`, value: fmt.money(t.total), detail: v.margin === undefined ? 'revenue, not profit' : 'gross margin' },
          { label: 'Mean CLV per subscriber', value: fmt.moneyPrecise(t.mean), detail: t.median !== null ? `median ${fmt.moneyPrecise(t.median)}` : undefined },
          ...simpleCards(simple, fmt, v.margin === undefined),
        ],
        chart: {
          spec: survivalSpec(curve, { period: data.period }),
          caption: `Share of customers still ordering every ${period} since their first: observed (points; all cohorts pooled), the ${contractualModel.title} fit, and 12 ${period}s of projection (dashed).`,
        },
        extraCharts: histogram.length > 0 ? [{ spec: clvHistogramSpec(histogram, { currency }), caption: `Current subscribers by projected ${v.horizonMonths}-month value; the last bar collects the top 1%.` }] : [],
        bullets: [
          `${contractualModel.title} fitted on ${fmt.integer(fit.customers)} customers in ${fmt.integer(data.cohorts.length)} cohorts (${period}s up to ${data.lastCompleteLabel}), log-likelihood ${fmt.decimal(fit.logLikelihood, 2)}, AIC ${fmt.decimal(fit.aic, 2)}, ${fit.converged ? 'converged' : `did NOT converge (${fit.message ?? 'see the manifest'})`}.`,
          `CLV of a subscriber = margin × their net revenue per ${period} so far × Σ over the next ${h.periods} ${period}s of the chance they are still subscribed ÷ (1 + d)^k, d = ${fmt.percent(h.discount)} per ${period}.`,
          ...simpleSentences(simple, fmt, v),
        ],
        table: modelParamsTable(rows, { withModel: true }),
        definitions: [...CONTRACTUAL_DEFINITIONS, ...SIMPLE_DEFINITIONS],
      },
    ],
    files: [{ name: 'model_params.csv', columns: MODEL_PARAMS_COLUMNS, rows }],
    manifest: {
      customer_value: {
        fitted: true,
        business: 'contractual',
        options: { period, horizon_months: v.horizonMonths, annual_discount_rate: v.annualDiscountRate, margin: v.margin ?? null },
        models: [{ name: CONTRACTUAL_MODEL_ID, customers_used: fit.customers, cohorts: data.cohorts.length, log_likelihood: fit.logLikelihood, aic: fit.aic, converged: fit.converged, message: fit.message ?? null }],
        totals: t,
        discounted_expected_lifetime_periods: lifetime,
        simple: simple.result,
      },
    },
  };
}

export function presentCustomerValue(f: CustomerValueFigures, p: { fmt: Formatters; currency: string; period: string }): PartOutput {
  if (f.kind === 'contractual') return presentContractual(f, p.fmt, p.currency, p.period);
  if (f.kind === 'fallback') {
    const bullet = modelBullet(f);
    const section = fallbackSection(f.reason, f.simple, p.fmt, f.options);
    return {
      sections: [{ ...section, bullets: [...(section.bullets ?? []), ...(bullet ? [bullet] : [])], definitions: SIMPLE_DEFINITIONS }],
      manifest: { customer_value: { fitted: false, reason: f.reason, simple: f.simple.result } },
    };
  }
  return presentPurchase(f, p.fmt, p.currency);
}
