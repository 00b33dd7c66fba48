/**
 * `clv fit`, end to end: load the orders, build the per-customer summary
 * (DuckDB), compress it into model inputs, fit one model, and produce the
 * output directory's files: data/model_params.csv, manifest.json and a small
 * HTML report that explains the parameters in plain words.
 */
import { openDatabase } from '../engine/database.ts';
import { summarize } from '../engine/summarize.ts';
import { frequencyData, spendData, type TimeUnit } from '../engine/model-inputs.ts';
import { loadOrders, releaseFacts, type OrdersInput } from '../load/load-orders.ts';
import { toCsv } from '../report/csv.ts';
import { formatters } from '../report/format.ts';
import { renderReportHtml } from '../report/html.ts';
import type { Section, SectionTable } from '../report/section.ts';
import type { OutputFiles } from '../report/write-output.ts';
import type { Progress } from '../progress.ts';
import { TOOL } from '../version.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { renderSvg } from '../charts/render-svg.ts';
import { survivalSpec } from '../charts/survival-chart.ts';
import { contractualData, fitContractual, survivalCurve, type ContractualData } from './contractual.ts';
import { retentionRate, type SbgParams } from '../models/sbg.ts';
import { fitBgNbd } from '../models/bg-nbd.ts';
import { fitParetoNbd } from '../models/pareto-nbd.ts';
import { fitGammaGamma, spendFrequencyCorrelation } from '../models/gamma-gamma.ts';
import type { FitResult } from '../models/model.ts';

/** Model names on the command line and in model_params.csv. */
export const FIT_MODELS = ['bgnbd', 'pareto-nbd', 'gamma-gamma', 'sbg'] as const;
export type FitModel = (typeof FIT_MODELS)[number];

/** model_params.csv contract columns. */
export const MODEL_PARAMS_COLUMNS = ['model', 'parameter', 'value', 'std_error', 'ci_low', 'ci_high'] as const;

/** model_params.csv rows of one fitted model. */
export function modelParamRows(model: string, fit: FitResult): Record<string, unknown>[] {
  return Object.keys(fit.params).map((name) => ({
    model,
    parameter: name,
    value: fit.params[name],
    std_error: fit.stdErrors[name],
    ci_low: fit.ci95[name]?.[0] ?? null,
    ci_high: fit.ci95[name]?.[1] ?? null,
  }));
}

/** The report table of model parameters (rows from {@link modelParamRows}). */
export function modelParamsTable(rows: Record<string, unknown>[], options: { withModel: boolean; open?: boolean }): SectionTable {
  return {
    caption: 'Model parameters: maximum-likelihood estimates with delta-method standard errors and 95% intervals.',
    open: options.open,
    columns: [
      ...(options.withModel ? [{ key: 'model', label: 'Model', kind: 'text' as const }] : []),
      { key: 'parameter', label: 'Parameter', kind: 'text' },
      { key: 'value', label: 'Estimate', kind: 'decimal' },
      { key: 'std_error', label: 'Standard error', kind: 'decimal' },
      { key: 'ci_low', label: '95% low', kind: 'decimal' },
      { key: 'ci_high', label: '95% high', kind: 'decimal' },
    ],
    rows,
  };
}

/** Above this |correlation| between frequency and spend, the Gamma-Gamma assumption is questionable. */
export const STRONG_CORRELATION = 0.3;

export interface FitReportOptions {
  orders: OrdersInput;
  model: FitModel;
  timeUnit: TimeUnit;
  /** Period of the contractual (sBG) model: month (default), week or quarter. */
  period?: PeriodUnit;
  currency?: string;
  locale?: string;
  progress?: Progress;
}

export interface FitReportResult {
  files: OutputFiles;
  fit: FitResult;
  manifest: Record<string, unknown>;
}

const TITLES: Record<FitModel, string> = {
  bgnbd: 'BG/NBD purchase model',
  'pareto-nbd': 'Pareto/NBD purchase model',
  'gamma-gamma': 'Gamma-Gamma spend model',
  sbg: 'Shifted-beta-geometric retention model (contractual)',
};

/** Plain-words reading of the fitted parameters. */
export function explainFit(model: FitModel, fit: FitResult, unit: TimeUnit, fmt: ReturnType<typeof formatters>, extra: { correlation?: number }): string[] {
  const p = fit.params;
  const perUnit = unit === 'week' ? 'per week' : 'per day';
  if (model === 'bgnbd') {
    return [
      `While they are active, customers make on average r/α = ${fmt.decimal(p.r / p.alpha, 4)} repeat purchases ${perUnit}; purchase rates vary between customers as a gamma distribution with shape r = ${fmt.decimal(p.r, 4)} (below 1: a few customers buy much more often than most).`,
      `After each repeat purchase a customer drops out for good with probability a/(a+b) = ${fmt.percent(p.a / (p.a + p.b))} on average (beta distribution, a = ${fmt.decimal(p.a, 4)}, b = ${fmt.decimal(p.b, 4)}).`,
    ];
  }
  if (model === 'pareto-nbd') {
    const meanMu = p.s / p.beta;
    return [
      `While they are active, customers make on average r/α = ${fmt.decimal(p.r / p.alpha, 4)} repeat purchases ${perUnit} (gamma heterogeneity, shape r = ${fmt.decimal(p.r, 4)}).`,
      `Customers drop out at a rate of s/β = ${fmt.decimal(meanMu, 5)} ${perUnit} on average (gamma heterogeneity, shape s = ${fmt.decimal(p.s, 4)}): about one ${unit} in ${fmt.integer(1 / meanMu)} for a typical customer.`,
    ];
  }
  const lines = [
    p.q > 1
      ? `Across customers, the average value of a repeat order is pγ/(q−1) = ${fmt.moneyPrecise((p.p * p.gamma) / (p.q - 1))} (p = ${fmt.decimal(p.p, 4)}, q = ${fmt.decimal(p.q, 4)}, γ = ${fmt.decimal(p.gamma, 4)}).`
      : `q = ${fmt.decimal(p.q, 4)} is at most 1, so the model's average order value across customers is not finite: spend is extremely uneven.`,
  ];
  if (extra.correlation !== undefined) {
    const r = extra.correlation;
    lines.push(
      Math.abs(r) > STRONG_CORRELATION
        ? `Warning: purchase frequency and average spend are correlated (r = ${fmt.decimal(r, 3)}); the model assumes they are independent, so its spend predictions are biased for frequent buyers.`
        : `Purchase frequency and average spend are nearly independent (r = ${fmt.decimal(r, 3)}), as the model assumes.`,
    );
  }
  return lines;
}

/** Plain-words reading of a fitted sBG (contractual retention per period). */
export function explainSbg(fit: FitResult, period: PeriodUnit, fmt: ReturnType<typeof formatters>): string[] {
  const p = fit.params as unknown as SbgParams;
  const r1 = retentionRate(p, 1);
  const r12 = retentionRate(p, 12);
  return [
    `Each customer has their own chance of stopping at the end of every ${period}; these chances vary between customers as a beta distribution (α = ${fmt.decimal(p.alpha, 4)}, β = ${fmt.decimal(p.beta, 4)}), with a mean of α/(α+β) = ${fmt.percent(p.alpha / (p.alpha + p.beta))}.`,
    `So retention rises with tenure although no customer's own chance changes: ${fmt.percent(r1)} of customers keep ordering into their second ${period}, and ${fmt.percent(r12)} of those still ordering after 11 ${period}s go on into the 12th, because the customers most likely to stop leave first.`,
  ];
}

export async function buildFitReport(options: FitReportOptions): Promise<FitReportResult> {
  const { model, timeUnit } = options;
  const currency = (options.currency ?? 'USD').toUpperCase();
  const locale = options.locale ?? 'en-US';
  const fmt = formatters(locale, currency);
  const db = await openDatabase();
  try {
    options.progress?.step(`reading ${options.orders.path}`);
    const orders = await loadOrders(db, options.orders);
    options.progress?.step('summarising customers');
    const period = options.period ?? 'month';
    await summarize(db, { period, asOf: orders.asOf, segmentBy: [], afterFactsRead: () => releaseFacts(db) });
    options.progress?.step(`fitting ${TITLES[model]}`);
    let fit: FitResult;
    let correlation: number | undefined;
    let leftOut = 0;
    let distinctRows: number;
    let contractual: ContractualData | undefined;
    if (model === 'gamma-gamma') {
      const spend = await spendData(db);
      leftOut = spend.left_out;
      distinctRows = spend.data.x.length;
      fit = fitGammaGamma(spend.data);
      correlation = spendFrequencyCorrelation(spend.data);
    } else if (model === 'sbg') {
      contractual = await contractualData(db, { period, asOf: orders.asOf });
      distinctRows = contractual.cohorts.length;
      fit = fitContractual(contractual);
    } else {
      const data = await frequencyData(db, { asOf: orders.asOf, unit: timeUnit });
      distinctRows = data.x.length;
      fit = model === 'bgnbd' ? fitBgNbd(data) : fitParetoNbd(data);
    }

    const paramRows = modelParamRows(model, fit);
    const manifest = {
      tool: TOOL,
      command: 'fit',
      as_of: orders.asOf,
      options: {
        model,
        time_unit: model === 'gamma-gamma' || model === 'sbg' ? null : timeUnit,
        ...(model === 'sbg' ? { period } : {}),
        as_of: options.orders.asOf ?? null,
        map: options.orders.map ?? {},
        date_format: options.orders.dateFormat ?? null,
        currency,
      },
      inputs: [{ role: 'orders', ...orders.input }],
      model: {
        name: model,
        time_unit: model === 'gamma-gamma' || model === 'sbg' ? null : timeUnit,
        ...(contractual ? { period, last_complete_period: contractual.lastCompleteLabel, cohorts: contractual.cohorts.length } : {}),
        customers_used: fit.customers,
        distinct_rows: distinctRows,
        customers_left_out: leftOut,
        log_likelihood: fit.logLikelihood,
        aic: fit.aic,
        converged: fit.converged,
        iterations: fit.iterations,
        gradient_norm: fit.gradientNorm,
        message: fit.message ?? null,
        ...(correlation !== undefined ? { frequency_spend_correlation: correlation } : {}),
      },
      outputs: [
        { path: 'data/model_params.csv', columns: [...MODEL_PARAMS_COLUMNS], rows: paramRows.length },
        { path: 'index.html' },
      ],
    };

    const explanation = model === 'sbg' ? explainSbg(fit, period, fmt) : explainFit(model, fit, timeUnit, fmt, { correlation });
    const rowsWord = model === 'gamma-gamma' ? '(x, z̄) pairs' : model === 'sbg' ? `cohorts, pooled; ${period}s up to ${contractual?.lastCompleteLabel}` : '(x, t_x, T) triples';
    const diagnostics = [
      `Fitted by maximum likelihood on ${fmt.integer(fit.customers)} customers (${fmt.integer(distinctRows)} distinct ${rowsWord}), orders up to ${orders.asOf}.`,
      `Log-likelihood ${fmt.decimal(fit.logLikelihood, 2)}, AIC ${fmt.decimal(fit.aic, 2)}; ${fit.converged ? `the optimizer converged in ${fit.iterations} iterations` : `the fit did NOT converge: ${fit.message ?? 'see the manifest'}`}.`,
      ...(leftOut > 0 ? [`${fmt.integer(leftOut)} repeat buyers with no positive average repeat-order value (free or fully refunded orders) were left out.`] : []),
      model === 'gamma-gamma'
        ? 'Spend is the mean value of a customer\'s repeat purchase days (orders of one day summed; the first day left out).'
        : model === 'sbg'
          ? `Contractual retention: a customer counts as retained at ${period} k when they ordered in every ${period} from their first through k; only complete ${period}s count.`
          : `Time is measured in ${timeUnit}s; x counts repeat purchase days, t_x is the time of the last one after the first, T the time from the first to ${orders.asOf}.`,
    ];
    const section: Section = {
      id: 'model-fit',
      title: TITLES[model],
      narrative: explanation,
      cards: [
        { label: 'Customers used', value: fmt.integer(fit.customers) },
        { label: 'Log-likelihood', value: fmt.decimal(fit.logLikelihood, 2) },
        { label: 'AIC', value: fmt.decimal(fit.aic, 2) },
        { label: 'Converged', value: fit.converged ? 'yes' : 'no' },
      ],
      bullets: diagnostics,
      table: modelParamsTable(paramRows, { withModel: false, open: true }),
    };
    if (contractual) {
      const curve = survivalCurve(contractual, fit.params as unknown as SbgParams, 12);
      const spec = survivalSpec(curve, { period });
      section.chart = {
        spec,
        svg: await renderSvg(spec, 'c-model-fit'),
        caption: `Share of customers still ordering every ${period} since their first: observed (points; all cohorts pooled), sBG fit, and 12 ${period}s of projection (dashed).`,
      };
    }
    const files: OutputFiles = new Map();
    files.set('data/model_params.csv', toCsv(MODEL_PARAMS_COLUMNS, paramRows));
    files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
    files.set(
      'index.html',
      renderReportHtml(
        {
          title: `Model fit: ${TITLES[model]}`,
          subtitle: `Fitted on ${orders.input.path}, orders up to ${orders.asOf}.`,
          facts: [
            { label: 'Orders file', value: orders.input.path },
            { label: 'As of', value: orders.asOf },
            ...(model === 'gamma-gamma' ? [] : model === 'sbg' ? [{ label: 'Period', value: period }] : [{ label: 'Time unit', value: timeUnit }]),
          ],
          sections: [section],
          footer: `Made by ${TOOL.name} ${TOOL.version} from ${orders.input.path} (sha256 ${orders.input.sha256}).`,
          locale,
          data: { model: manifest.model, params: paramRows },
        },
        fmt,
      ),
    );
    return { files, fit, manifest };
  } finally {
    db.close();
  }
}
