/**
 * `clv fit`, end to end: load the orders, build the per-customer summary
 * (DuckDB), compress it into model inputs, fit one model of the registry
 * (lib/models/registry.ts), and produce the output directory's files:
 * data/model_params.csv, manifest.json and a small HTML report that explains
 * the parameters in plain words.
 */
import { openRunDatabase } from '../engine/database.ts';
import { checkMemoryLimit } from '../engine/memory-limit.ts';
import { makeScratchDir, removeScratchDir } from '../scratch.ts';
import { summarize } from '../engine/summarize.ts';
import { frequencyData, spendData, type TimeUnit } from '../engine/customer-base.ts';
import { releaseFacts } from '../load/load-orders.ts';
import { toCsv } from '../report/csv.ts';
import { formatters } from '../report/format.ts';
import { renderReportHtml } from '../report/html.ts';
import type { Section } from '../report/section.ts';
import type { OutputFiles } from '../report/write-output.ts';
import type { Progress } from '../progress.ts';
import { TOOL } from '../version.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { renderSvg } from '../charts/render-svg.ts';
import { chartLocale } from '../charts/chart-locale.ts';
import { survivalSpec } from '../charts/survival-chart.ts';
import { contractualData, fitContractual, survivalCurve, type ContractualData } from './contractual.ts';
import type { SbgParams } from '../models/sbg.ts';
import { spendFrequencyCorrelation } from '../models/gamma-gamma.ts';
import type { FitResult } from '../models/model.ts';
import { anyModel, fitPurchase, fitSpend, MODEL_IDS, modelKind, type ModelId } from '../models/registry.ts';
import { explainFit, explainSbg, fitManifestEntry, MODEL_PARAMS_COLUMNS, modelParamRows, modelParamsTable } from '../report/model-params.ts';
import type { OrdersSource } from '../sources/source.ts';
import { limitName } from '../models/limits.ts';

/** Model names on the command line and in model_params.csv: every model of the registry. */
export const FIT_MODELS = MODEL_IDS;
export type FitModel = ModelId;

export interface FitReportOptions {
  orders: OrdersSource;
  model: FitModel;
  timeUnit: TimeUnit;
  /** Period of the contractual (sBG) model: month (default), week or quarter. */
  period?: PeriodUnit;
  /** DuckDB's memory limit (`--memory-limit`; default lib/engine/memory-limit.ts): beyond it DuckDB spills into a scratch folder. */
  memoryLimit?: string;
  currency?: string;
  locale?: string;
  progress?: Progress;
}

export interface FitReportResult {
  files: OutputFiles;
  fit: FitResult;
  manifest: Record<string, unknown>;
}

export async function buildFitReport(options: FitReportOptions): Promise<FitReportResult> {
  const { model, timeUnit } = options;
  const currency = (options.currency ?? 'USD').toUpperCase();
  const locale = options.locale ?? 'en-US';
  const fmt = formatters(locale, currency);
  const memoryLimit = checkMemoryLimit(options.memoryLimit);
  const scratch = await makeScratchDir();
  const db = await openRunDatabase(scratch, memoryLimit);
  try {
    const source = options.orders.describe();
    options.progress?.step(`reading ${source.label}`);
    const orders = await options.orders.load(db);
    options.progress?.step('summarising customers');
    const period = options.period ?? 'month';
    await summarize(db, { period, asOf: orders.asOf, segmentBy: [], customerDaysLoaded: orders.aggregated, afterFactsRead: () => releaseFacts(db) });
    const kind = modelKind(model);
    const named = anyModel(model);
    const title = `${named.fullName ?? named.title} ${kind === 'purchase' ? 'purchase' : kind === 'spend' ? 'spend' : 'retention'} model${kind === 'contractual' ? ' (contractual)' : ''}`;
    options.progress?.step(`fitting the ${title}`);
    let fit: FitResult;
    let correlation: number | undefined;
    let leftOut = 0;
    let distinctRows: number;
    let contractual: ContractualData | undefined;
    if (kind === 'spend') {
      const spend = await spendData(db, orders.asOf);
      leftOut = spend.left_out;
      distinctRows = spend.data.x.length;
      fit = fitSpend(spend.data);
      correlation = spendFrequencyCorrelation(spend.data);
    } else if (kind === 'contractual') {
      contractual = await contractualData(db, { period, asOf: orders.asOf });
      distinctRows = contractual.cohorts.length;
      fit = fitContractual(contractual);
    } else {
      const data = await frequencyData(db, { asOf: orders.asOf, unit: timeUnit });
      distinctRows = data.x.length;
      fit = fitPurchase(model as Parameters<typeof fitPurchase>[0], data);
    }
    const perUnit = kind === 'purchase';

    const paramRows = modelParamRows(model, fit);
    const manifest = {
      tool: TOOL,
      command: 'fit',
      as_of: orders.asOf,
      options: {
        model,
        time_unit: perUnit ? timeUnit : null,
        ...(contractual ? { period } : {}),
        ...options.orders.manifestOptions(),
        currency,
      },
      inputs: [{ role: 'orders', kind: source.kind, label: source.label, ...orders.input }],
      model: {
        ...fitManifestEntry(model, fit),
        time_unit: perUnit ? timeUnit : null,
        ...(contractual ? { period, last_complete_period: contractual.lastCompleteLabel, cohorts: contractual.cohorts.length } : {}),
        distinct_rows: distinctRows,
        customers_left_out: leftOut,
        iterations: fit.iterations,
        gradient_norm: fit.gradientNorm,
        ...(correlation !== undefined ? { frequency_spend_correlation: correlation } : {}),
      },
      outputs: [
        { path: 'data/model_params.csv', columns: [...MODEL_PARAMS_COLUMNS], rows: paramRows.length },
        { path: 'index.html' },
      ],
    };

    const explanation = contractual ? explainSbg(fit, period, fmt) : explainFit(model, fit, timeUnit, fmt, { correlation });
    const rowsWord = kind === 'spend' ? '(x, z̄) pairs' : contractual ? `cohorts, pooled; ${period}s up to ${contractual.lastCompleteLabel}` : '(x, t_x, T) triples';
    const diagnostics = [
      `Fitted by maximum likelihood on ${fmt.integer(fit.customers)} customers (${fmt.integer(distinctRows)} distinct ${rowsWord}), orders up to ${orders.asOf}.`,
      `Log-likelihood ${fmt.decimal(fit.logLikelihood, 2)}, AIC ${fmt.decimal(fit.aic, 2)}; ${fit.converged ? `the optimizer converged in ${fit.iterations} iterations${fit.limit ? ` on the ${limitName(fit.limit.id)} limit (above)` : ''}` : `the fit did NOT converge: ${fit.message ?? 'see the manifest'}`}.`,
      ...(leftOut > 0 ? [`${fmt.integer(leftOut)} repeat buyers with no positive average repeat-order value (free or fully refunded orders) were left out.`] : []),
      kind === 'spend'
        ? 'Spend is the mean value of a customer\'s repeat purchase days (orders of one day summed; the first day left out).'
        : contractual
          ? `Contractual retention: a customer counts as retained at ${period} k when they ordered in every ${period} from their first through k; only complete ${period}s count.`
          : `Time is measured in ${timeUnit}s; x counts repeat purchase days, t_x is the time of the last one after the first, T the time from the first to ${orders.asOf}.`,
    ];
    const section: Section = {
      id: 'model-fit',
      title: title.charAt(0).toUpperCase() + title.slice(1),
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
        svg: await renderSvg(spec, 'c-model-fit', { locale: chartLocale(locale, currency) }),
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
          title: `Model fit: ${title}`,
          subtitle: `Fitted on ${source.label}, orders up to ${orders.asOf}.`,
          facts: [
            { label: 'Orders', value: source.label },
            { label: 'As of', value: orders.asOf },
            ...(contractual ? [{ label: 'Period', value: period }] : perUnit ? [{ label: 'Time unit', value: timeUnit }] : []),
          ],
          sections: [section],
          footer: `Made by ${TOOL.name} ${TOOL.version} from ${source.label} (sha256 ${orders.input.sha256}).`,
          locale,
          data: { model: manifest.model, params: paramRows },
        },
        fmt,
      ),
    );
    return { files, fit, manifest };
  } finally {
    db.close();
    await removeScratchDir(scratch);
  }
}
