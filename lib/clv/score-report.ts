/**
 * `clv score`, end to end: fit the purchase model (BG/NBD or Pareto/NBD) and
 * the Gamma-Gamma spend model, then score every customer: P(alive), expected
 * purchases over the horizon, expected spend per purchase and discounted CLV.
 *
 * Scaling: model quantities are computed once per distinct (x, t_x, T) in
 * JavaScript, loaded back into DuckDB and joined to the customers there; the
 * per-customer CSV is written by DuckDB. Millions of customers never pass
 * through JavaScript one by one.
 */
import { makeScratchDir, removeScratchDir } from '../scratch.ts';
import { checkMemoryLimit } from '../engine/memory-limit.ts';
import { join } from 'node:path';
import { exactAvg, exactSum, ident, literal, openRunDatabase } from '../engine/database.ts';
import { summarize } from '../engine/summarize.ts';
import type { TimeUnit } from '../engine/customer-base.ts';
import { neutraliseSql } from '../engine/export-customers.ts';
import { releaseFacts } from '../load/load-orders.ts';
import type { OrdersSource } from '../sources/source.ts';
import { UserError } from '../errors.ts';
import { checkValueOptions } from './value-options.ts';
import { neutraliseText, toCsv } from '../report/csv.ts';
import { formatters } from '../report/format.ts';
import { renderReportHtml } from '../report/html.ts';
import type { Section } from '../report/section.ts';
import type { OutputFiles } from '../report/write-output.ts';
import type { Progress } from '../progress.ts';
import { TOOL } from '../version.ts';
import { monthlyRate } from './discounted-clv.ts';
import { fitCustomers, scoreCustomerFits } from './customer-fit.ts';
import { fitManifestEntry, MODEL_PARAMS_COLUMNS, modelParamRows } from '../report/model-params.ts';
import { modelTitle, SPEND_MODEL_ID, spendModel, type PurchaseModelId } from '../models/registry.ts';
import { limitName } from '../models/limits.ts';

/** customer_scores.csv contract columns (segment columns follow). */
export const CUSTOMER_SCORES_COLUMNS = [
  'customer_id',
  'frequency',
  'recency',
  'T',
  'monetary_value',
  'p_alive',
  'expected_purchases',
  'expected_avg_spend',
  'clv',
] as const;

export interface ScoreOptions {
  orders: OrdersSource;
  model: PurchaseModelId;
  timeUnit: TimeUnit;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin (fraction of revenue kept); without it CLV is revenue, and the report says so. */
  margin?: number;
  segmentBy: string[];
  /** DuckDB's memory limit (`--memory-limit`; default lib/engine/memory-limit.ts): beyond it DuckDB spills into the scratch folder. */
  memoryLimit?: string;
  currency?: string;
  locale?: string;
  progress?: Progress;
}

export interface ScoreResult {
  files: OutputFiles;
  manifest: Record<string, unknown>;
  cleanup(): Promise<void>;
}

export async function buildScoreReport(options: ScoreOptions): Promise<ScoreResult> {
  checkValueOptions(options);
  const { model, timeUnit } = options;
  const currency = (options.currency ?? 'USD').toUpperCase();
  const locale = options.locale ?? 'en-US';
  const fmt = formatters(locale, currency);
  const margin = options.margin ?? 1;
  const memoryLimit = checkMemoryLimit(options.memoryLimit);
  let scratch: string | undefined = await makeScratchDir();
  const db = await openRunDatabase(scratch, memoryLimit);
  try {
    const source = options.orders.describe();
    options.progress?.step(`reading ${source.label}`);
    const orders = await options.orders.load(db);
    for (const s of options.segmentBy) {
      if (s !== 'channel' && !orders.attributes.includes(s)) {
        throw new UserError(`--segment-by ${s}: no such column in ${source.label}; choose one of ${['channel', ...orders.attributes].join(', ')}`);
      }
    }
    if (orders.money === 'none') {
      throw new UserError(`${source.label} has no amount column (nor quantity and unit_price): clv score projects value in money and needs one (map it with --map amount=COL); clv report shows P(alive) and expected purchases of a purchase log`);
    }
    options.progress?.step('summarising customers');
    await summarize(db, { period: 'month', asOf: orders.asOf, segmentBy: options.segmentBy, customerDaysLoaded: orders.aggregated, afterFactsRead: () => releaseFacts(db) });

    options.progress?.step(`fitting ${modelTitle(model)} and ${spendModel.title}`);
    // The same fits and scores as the report (lib/clv/customer-fit.ts): per acquisition channel where a channel is big enough.
    const fits = await fitCustomers(db, { asOf: orders.asOf, model, timeUnit, byChannel: orders.hasChannel, allowUnconverged: true, progress: options.progress });
    await scoreCustomerFits(db, fits, { asOf: orders.asOf, horizonMonths: options.horizonMonths, annualDiscountRate: options.annualDiscountRate, margin, progress: options.progress });
    const { purchase: purchaseFit, spend: spendFit, spendLeftOut } = fits.all;
    if (!spendFit) throw new Error('the spend model was not fitted although the orders have amounts');
    const segNames = options.segmentBy.map((s) => (s === 'channel' ? 'acquisition_channel' : neutraliseText(s)));
    const r6 = (e: string) => `round(${e}, 6)`;
    const scoresPath = join(scratch, 'customer_scores.csv');
    await db.run(`
      COPY (SELECT ${neutraliseSql('customer_id')} AS customer_id, frequency, ${r6('recency')} AS recency, ${r6('T')} AS T,
                   ${r6('monetary_value')} AS monetary_value, ${r6('p_alive')} AS p_alive, ${r6('expected_purchases')} AS expected_purchases,
                   ${r6('expected_avg_spend')} AS expected_avg_spend, ${r6('clv')} AS clv
                   ${options.segmentBy.map((_s, i) => `, ${neutraliseSql(`c.seg_${i}`)} AS ${ident(segNames[i])}`).join('')}
            FROM customer_scores JOIN customer_base c USING (customer_id) ORDER BY customer_id)
      TO ${literal(scoresPath)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\\n')`);
    const [totals] = await db.rows<{ customers: number; clv_total: number; clv_mean: number; clv_median: number; p_alive_mean: number; purchases: number }>(`
      SELECT CAST(count(*) AS INTEGER) AS customers, ${exactSum('clv')} AS clv_total, ${exactAvg('clv')} AS clv_mean, quantile_disc(clv, 0.5) AS clv_median,
             ${exactAvg('p_alive')} AS p_alive_mean, ${exactSum('expected_purchases')} AS purchases
      FROM customer_scores`);
    const byChannel = await db.rows<{ channel: string; customers: number; p_alive_mean: number; clv_mean: number; clv_total: number }>(`
      SELECT c.acquisition_channel AS channel, CAST(count(*) AS INTEGER) AS customers, ${exactAvg('s.p_alive')} AS p_alive_mean,
             ${exactAvg('s.clv')} AS clv_mean, ${exactSum('s.clv')} AS clv_total
      FROM customer_scores s JOIN customer_base c USING (customer_id)
      GROUP BY ALL ORDER BY clv_total DESC, channel`);

    const valueWord = options.margin === undefined ? 'revenue (no margin given: these are revenue, not profit)' : `gross margin at ${fmt.setting(margin)} of revenue`;
    const params = [
      ...modelParamRows(model, purchaseFit),
      ...modelParamRows(SPEND_MODEL_ID, spendFit),
      ...fits.groups.flatMap((g) => [...modelParamRows(model, g.purchase, g.value), ...(g.spend ? modelParamRows(SPEND_MODEL_ID, g.spend, g.value) : [])]),
    ];
    const manifest = {
      tool: TOOL,
      command: 'score',
      as_of: orders.asOf,
      options: {
        model,
        time_unit: timeUnit,
        horizon_months: options.horizonMonths,
        annual_discount_rate: options.annualDiscountRate,
        margin: options.margin ?? null,
        segment_by: options.segmentBy,
        ...options.orders.manifestOptions(),
        currency,
      },
      inputs: [{ role: 'orders', kind: source.kind, label: source.label, ...orders.input }],
      fit_groups: fits.groups.map((g) => g.value),
      models: [purchaseFit, spendFit].map((f, i) => fitManifestEntry(i === 0 ? model : SPEND_MODEL_ID, f)),
      totals,
      notes: [
        `CLV is ${valueWord}, discounted at ${options.annualDiscountRate} per year over ${options.horizonMonths} months.`,
        ...(spendLeftOut > 0 ? [`${spendLeftOut} repeat buyers with no positive average repeat-order value were left out of the spend model fit.`] : []),
      ],
      outputs: [
        { path: 'data/customer_scores.csv', columns: [...CUSTOMER_SCORES_COLUMNS, ...segNames], rows: totals.customers },
        { path: 'data/model_params.csv', columns: [...MODEL_PARAMS_COLUMNS], rows: params.length },
        { path: 'index.html' },
      ],
    };
    const section: Section = {
      id: 'customer-value',
      title: 'Projected customer value',
      narrative: [
        `Over the next ${options.horizonMonths} months, the ${fmt.integer(totals.customers)} customers are expected to make ${fmt.integer(totals.purchases)} purchases worth ${fmt.money(totals.clv_total)} in today's money (${valueWord}, discounted at ${fmt.setting(options.annualDiscountRate)} a year).`,
        `The average customer is worth ${fmt.moneyPrecise(totals.clv_mean)}, the median one ${fmt.moneyPrecise(totals.clv_median)}: value is concentrated in few customers. On average a customer is still active with probability ${fmt.percent(totals.p_alive_mean)}.`,
        ...(purchaseFit.limit ? [purchaseFit.limit.reason] : []),
        `Models: ${modelTitle(model)} for purchases (${purchaseFit.converged ? (purchaseFit.limit ? `converged at its ${limitName(purchaseFit.limit.id)} limit` : 'converged') : `did not converge: ${purchaseFit.message}`}) and ${spendModel.title} for spend per purchase (${spendFit.converged ? 'converged' : `did not converge: ${spendFit.message}`}), fitted on all customers${fits.groups.length > 0 ? ` and on each of the acquisition channels ${fits.groups.map((g) => `"${g.value}"`).join(', ')} (their customers are scored with their channel's fits)` : ''}.`,
      ],
      cards: [
        { label: 'Customers scored', value: fmt.integer(totals.customers) },
        { label: `Total CLV, ${options.horizonMonths} months`, value: fmt.money(totals.clv_total), detail: options.margin === undefined ? 'revenue, not profit' : 'gross margin' },
        { label: 'Mean CLV', value: fmt.moneyPrecise(totals.clv_mean) },
        { label: 'Mean P(alive)', value: fmt.percent(totals.p_alive_mean) },
      ],
      table: {
        caption: 'Projected value by acquisition channel.',
        open: true,
        columns: [
          { key: 'channel', label: 'Acquisition channel', kind: 'text' },
          { key: 'customers', label: 'Customers', kind: 'integer' },
          { key: 'p_alive_mean', label: 'Mean P(alive)', kind: 'percent' },
          { key: 'clv_mean', label: 'Mean CLV', kind: 'money2' },
          { key: 'clv_total', label: 'Total CLV', kind: 'money' },
        ],
        rows: byChannel,
      },
      bullets: [
        `CLV = Σ over months k = 1…${options.horizonMonths} of margin × E[spend per purchase] × (E[purchases by month k] − E[purchases by month k−1]) ÷ (1 + d)^k, with d = ${fmt.decimal(monthlyRate(options.annualDiscountRate) * 100, 3)}% a month.`,
        'P(alive) is the probability that a customer has not dropped out, given when they bought so far.',
        'The per-customer figures are in data/customer_scores.csv; the model parameters with standard errors in data/model_params.csv.',
      ],
    };
    const files: OutputFiles = new Map();
    files.set('data/customer_scores.csv', { fromFile: scoresPath });
    files.set('data/model_params.csv', toCsv(MODEL_PARAMS_COLUMNS, params));
    files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
    files.set(
      'index.html',
      renderReportHtml(
        {
          title: 'Customer value scores',
          subtitle: `Projected ${options.horizonMonths}-month value of each customer, from orders up to ${orders.asOf}.`,
          facts: [
            { label: 'Orders', value: source.label },
            { label: 'As of', value: orders.asOf },
            { label: 'Horizon', value: `${options.horizonMonths} months` },
            { label: 'Discount rate', value: `${fmt.setting(options.annualDiscountRate)} a year` },
            { label: 'Margin', value: options.margin === undefined ? 'none (revenue)' : fmt.setting(margin) },
          ],
          sections: [section],
          footer: `Made by ${TOOL.name} ${TOOL.version} from ${source.label} (sha256 ${orders.input.sha256}).`,
          locale,
          data: { totals, models: manifest.models },
        },
        fmt,
      ),
    );
    const dir = scratch;
    scratch = undefined;
    return { files, manifest, cleanup: () => removeScratchDir(dir) };
  } catch (err) {
    if (scratch) await removeScratchDir(scratch);
    throw err;
  } finally {
    db.close();
  }
}
