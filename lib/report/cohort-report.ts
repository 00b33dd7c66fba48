/**
 * The cohort report, end to end: load → scan → cohorts → charts → HTML and
 * data files. Returns the files of the output directory in memory; writing
 * them (atomically) is the caller's job.
 *
 *   loadOrders ─► summarize (DuckDB) ─► analyzeCohorts (arquero) ─► cohortSections
 *              ─► renderSvg per chart ─► renderReportHtml + CSV files + manifest.json
 */
import { makeScratchDir, removeScratchDir } from '../scratch.ts';
import { join } from 'node:path';
import { openDatabase } from '../engine/database.ts';
import { writeCustomersCsv } from '../engine/export-customers.ts';
import { summarize } from '../engine/summarize.ts';
import { periodsPerYear, type PeriodUnit } from '../engine/periods.ts';
import { loadOrders, releaseFacts, type OrdersInput, type LoadedOrders } from '../load/load-orders.ts';
import { analyzeCohorts, type CohortAnalysis } from '../cohorts/analyze-cohorts.ts';
import { renderSvg } from '../charts/render-svg.ts';
import { MODEL_PARAMS_COLUMNS } from '../clv/fit-report.ts';
import { DEFAULT_VALUE_OPTIONS, valueSection, type ValueOptions, type ValueSectionResult } from './value-section.ts';
import { UserError } from '../errors.ts';
import { TOOL } from '../version.ts';
import type { Progress } from '../progress.ts';
import { cohortSections, type TriangleMetric } from './cohort-sections.ts';
import { restrictCohorts, cohortSpan, type CohortRange } from '../cohorts/cohort-range.ts';
import { GENERAL_DEFINITIONS_ID, reportAssumptions, withMethods } from './methods.ts';
import { findView, selectSections } from './views.ts';
import { formatters } from './format.ts';
import { renderReportHtml } from './html.ts';
import { whatChanged, type PreviousRun } from './what-changed.ts';
import { toCsv } from './csv.ts';
import type { OutputFiles } from './write-output.ts';
import type { Section } from './section.ts';
import { prepareCac, type CacOptions } from './cac-report.ts';
import { loadCustomers } from '../load/load-customers.ts';
import { rfmSections } from './rfm-section.ts';
import { buildRfm } from '../segments/rfm.ts';
import { DEFAULT_WIN_BACK, type WinBackOptions } from '../segments/win-back.ts';
import { SEGMENT_CLV_COLUMNS, type SegmentColumn } from '../clv/segment-value.ts';
import { SEGMENT_VALUE_DEFINITIONS, segmentValueSection, type SegmentValueSectionResult } from './segment-value-section.ts';
import type { BacktestOptions } from '../clv/backtest-options.ts';
import { backtestRun, type BacktestRun } from './backtest-report.ts';

export interface CohortReportOptions {
  orders: OrdersInput;
  /** Cohort period (default month). */
  period?: PeriodUnit;
  /** Attribute columns to segment by; `channel` is the acquisition channel. */
  segmentBy?: string[];
  /** ISO 4217 currency of the amounts (default USD). */
  currency?: string;
  /** BCP 47 locale for numbers in the report (default en-US). */
  locale?: string;
  /** Report title (default "Customer retention report"). */
  title?: string;
  /** Customer value section (CLV models): options, or false to leave it out. Default: on, with DEFAULT_VALUE_OPTIONS. */
  value?: Partial<ValueOptions> | false;
  /** Holdout backtest of the purchase models (lib/clv/backtest.ts); default on with DEFAULT_HOLDOUT_MONTHS. */
  backtest?: BacktestOptions;
  /** CAC by channel and unit economics (needs a spend file); left out when undefined. */
  cac?: CacOptions;
  /** Customer attributes file (`--customers`): its columns can be segments (`segmentBy`), and CAC's attribution may use it. */
  customers?: string;
  /** Company named in the report header. */
  company?: string;
  /** RFM segments and the win-back list: options, or false to leave them out. Default: on, with DEFAULT_WIN_BACK. */
  rfm?: { winBack?: Partial<WinBackOptions> } | false;
  /** Sections to show, by view name (lib/report/views.ts), in this order; default every section. */
  sections?: string[];
  /** Measure of the retention triangle (default customers). */
  triangleMetric?: TriangleMetric;
  /** Only the cohorts in this range (`clv view --from/--to`). */
  cohortRange?: CohortRange;
  /** Build `clv view <name>`: that view's sections and data files only; the manifest records the view. */
  view?: string;
  /** Monthly runs: the run to compare with in a "What changed" section at the top (null: there is none). Left out: no such section. */
  previous?: PreviousRun | null;
  progress?: Progress;
}

export interface CohortReportResult {
  files: OutputFiles;
  orders: LoadedOrders;
  analysis: CohortAnalysis;
  manifest: Record<string, unknown>;
  /** The sections as rendered (with their Vega-Lite specs), in order. */
  sections: Section[];
  /** Removes the scratch files behind `files`; call it once they are written (or abandoned). */
  cleanup(): Promise<void>;
}

/** CSV contract columns (other tools rely on these names: add, never rename). */
export const COHORT_RETENTION_COLUMNS = [
  'cohort',
  'period_offset',
  'cohort_customers',
  'active_customers',
  'retention_rate',
  'orders',
  'revenue',
  'revenue_retention_rate',
  'cumulative_revenue_per_customer',
  'complete',
] as const;
export const CUSTOMERS_COLUMNS = [
  'customer_id',
  'cohort',
  'first_order_date',
  'acquisition_channel',
  'orders',
  'frequency',
  'recency_days',
  'T_days',
  'revenue',
  'mean_repeat_order_value',
] as const;
export const RETENTION_CURVE_COLUMNS = [
  'period_offset',
  'cohorts',
  'cohort_customers',
  'active_customers',
  'retention_rate',
  'revenue_retention_rate',
  'cumulative_revenue_per_customer',
] as const;
export const CRR_COLUMNS = ['period', 'customers_start', 'new_customers', 'customers_end', 'crr', 'complete'] as const;

function checkCurrency(currency: string, locale: string): void {
  try {
    new Intl.NumberFormat(locale, { style: 'currency', currency }).format(1);
  } catch {
    throw new UserError(`--currency ${JSON.stringify(currency)} / --locale ${JSON.stringify(locale)}: expected an ISO 4217 currency code such as USD or EUR and a locale such as en-US`);
  }
}

export async function buildCohortReport(options: CohortReportOptions): Promise<CohortReportResult> {
  const period = options.period ?? 'month';
  const currency = (options.currency ?? 'USD').toUpperCase();
  const locale = options.locale ?? 'en-US';
  checkCurrency(currency, locale);
  const segmentBy = [...new Set(options.segmentBy ?? [])];
  const progress = options.progress;
  const view = options.view !== undefined ? findView(options.view) : undefined;
  const names = view ? [view.name] : options.sections;
  for (const n of names ?? []) findView(n, 'section');
  const shows = (name: string) => names === undefined || names.includes(name);
  const wantsFile = (file: string) => view === undefined || view.data.includes(file);

  const db = await openDatabase();
  let scratch: string | undefined;
  try {
    progress?.step(`reading ${options.orders.path}`);
    const orders = await loadOrders(db, options.orders);
    const customersPath = options.customers ?? options.cac?.customers;
    if (customersPath) progress?.step(`reading ${customersPath}`);
    const customers = customersPath ? await loadCustomers(db, customersPath) : undefined;
    const customerColumns: string[] = [];
    for (const s of segmentBy) {
      if (s === 'channel' && !orders.hasChannel) {
        throw new UserError(`--segment-by channel: ${orders.input.path} has no channel column (map one with --map channel=YourColumn)`);
      }
      if (s === 'channel' || orders.attributes.includes(s)) continue;
      if (customers?.attributes.includes(s)) {
        customerColumns.push(s);
        continue;
      }
      const choices = [...(orders.hasChannel ? ['channel'] : []), ...orders.attributes, ...(customers?.attributes ?? []).filter((c) => !orders.attributes.includes(c))];
      throw new UserError(
        `--segment-by ${s}: no such column in ${orders.input.path}${customers ? ` or ${customers.input.path}` : ''}; ${choices.length > 0 ? `choose one of ${choices.join(', ')}` : 'the file has no attribute columns to segment by (a --customers file can add some)'}`,
      );
    }
    if (options.cac) progress?.step(`reading ${options.cac.spend}`);
    const backtest = backtestRun(options.value, options.backtest, shows);
    const cac = options.cac ? await prepareCac(db, options.cac, { currency, asOf: orders.asOf, customers }) : undefined;
    progress?.step('aggregating customers and cohorts');
    const summary = await summarize(db, {
      period,
      asOf: orders.asOf,
      segmentBy,
      customerColumns,
      activeWindow: periodsPerYear(period),
      afterFactsRead: async () => {
        await backtest?.captureDays(db);
        await cac?.captureFacts();
        await releaseFacts(db);
      },
    });
    progress?.step('computing retention');
    let analysis = analyzeCohorts(summary, { period, asOf: orders.asOf });
    if (options.cohortRange && (options.cohortRange.from !== undefined || options.cohortRange.to !== undefined)) analysis = restrictCohorts(analysis, options.cohortRange);

    const fmt = formatters(locale, currency);
    let drafts = cohortSections({ analysis, orders, fmt, currency, triangleMetric: options.triangleMetric });
    scratch = await makeScratchDir();
    let value: ValueSectionResult | undefined;
    let backtested: BacktestRun | undefined;
    if (backtest) {
      progress?.step('backtesting the purchase models on a holdout');
      backtested = await backtest.run(db, { asOf: orders.asOf, firstDate: orders.firstDate, fmt, currency, scratchDir: scratch });
      drafts.splice(drafts.findIndex((d) => d.id === 'data-quality'), 0, backtested.section);
    }
    const wantsRfm = options.rfm !== false && (shows('rfm') || shows('win-back'));
    if (options.value !== false && (shows('customer-value') || wantsRfm)) {
      progress?.step('fitting the CLV models');
      value = await valueSection(db, { asOf: orders.asOf, period, options: { ...DEFAULT_VALUE_OPTIONS, ...(options.value ?? {}), ...backtested?.valueOverride }, fmt, currency, scratchDir: scratch, progress });
      if (backtested?.valueBullet) value.section.bullets = [...(value.section.bullets ?? []), backtested.valueBullet];
      // Customer value comes after the cohort sections, before data quality and definitions.
      drafts.splice(drafts.findIndex((d) => d.id === (backtested ? 'backtest' : 'data-quality')), 0, value.section);
      value.section.definitions = [...(value.section.definitions ?? []), ...value.definitions];
    }
    let segValue: SegmentValueSectionResult | undefined;
    if (options.value !== false && shows('segment-value')) {
      // Projected value by segment follows Customer value; without --segment-by, the acquisition channel when there is one.
      const columns: SegmentColumn[] = segmentBy.length > 0 ? segmentBy.map((name, i) => ({ column: `seg_${i}`, name })) : orders.hasChannel ? [{ column: 'acquisition_channel', name: 'channel' }] : [];
      if (wantsRfm && (options.value?.business ?? DEFAULT_VALUE_OPTIONS.business) === 'non-contractual') {
        // The RFM segments are segments too: each customer's segment as a column of customer_base.
        await buildRfm(db, orders.asOf);
        await db.run(`CREATE OR REPLACE TEMP TABLE customer_base AS SELECT b.*, coalesce(r.rfm_segment, '(none)') AS rfm_segment FROM customer_base b LEFT JOIN customer_rfm r USING (customer_id)`);
        columns.push({ column: 'rfm_segment', name: 'RFM segment', pooledFit: true });
      }
      segValue = await segmentValueSection(db, { asOf: orders.asOf, period, options: { ...DEFAULT_VALUE_OPTIONS, ...(options.value ?? {}) }, columns, defaulted: segmentBy.length === 0, fmt, currency, progress });
      drafts.splice(drafts.findIndex((d) => d.id === 'data-quality'), 0, segValue.section);
      if (segValue.rows.length > 0) segValue.section.definitions = [...(segValue.section.definitions ?? []), ...SEGMENT_VALUE_DEFINITIONS];
    }
    const cacOut = cac
      ? await cac.build({ fmt, currency, period, projections: value && value.params.length > 0 ? { horizonMonths: (value.manifest.options as { horizon_months: number }).horizon_months, margin: options.value !== false ? (options.value?.margin ?? 1) : 1 } : undefined })
      : undefined;
    if (cacOut && cacOut.sections.length > 0) {
      // The CAC sections follow Customer value, before data quality and the methods; their method entries go with the first.
      drafts.splice(drafts.findIndex((d) => d.id === 'data-quality'), 0, ...cacOut.sections);
      drafts.find((d) => d.id === 'data-quality')?.bullets?.push(...cacOut.bullets);
      cacOut.sections[0].definitions = [...(cacOut.sections[0].definitions ?? []), ...cacOut.definitions];
    }
    // RFM segments and Win back follow Customer value and the CAC sections (they use P(alive) and CLV when the models ran).
    const rfm = wantsRfm ? await rfmSections(db, { asOf: orders.asOf, fmt, currency, winBack: { ...DEFAULT_WIN_BACK, ...((options.rfm || {}).winBack ?? {}) }, scratchDir: scratch, wantsFile }) : undefined;
    if (rfm) drafts.splice(drafts.findIndex((d) => d.id === 'data-quality'), 0, ...rfm.sections);
    if (names) drafts = selectSections(drafts, names, { keep: [GENERAL_DEFINITIONS_ID], strict: view !== undefined });
    const valueOptions = { ...DEFAULT_VALUE_OPTIONS, ...(options.value || {}), ...backtested?.valueOverride };
    const range = options.cohortRange && (options.cohortRange.from !== undefined || options.cohortRange.to !== undefined) ? cohortSpan(analysis) : undefined;
    drafts = withMethods(
      drafts,
      reportAssumptions({
        currency,
        locale,
        period,
        asOf: orders.asOf,
        firstDate: orders.firstDate,
        activeWindow: analysis.activeWindow,
        segmentBy,
        cohortRange: range,
        attribution: cacOut ? (options.cac?.attribution ?? 'first-order') : undefined,
        value: !shows('customer-value') ? undefined : options.value === false ? false : valueOptions,
        fmt,
      }),
    );
    const changes =
      options.previous === undefined
        ? undefined
        : whatChanged(
            { asOf: orders.asOf, period, currency, kpis: analysis.kpis, cells: analysis.cells, average: analysis.average, params: value?.params ?? [], customerValue: value?.manifest ?? { fitted: false } },
            options.previous,
            fmt,
          );
    if (changes) drafts.unshift(changes.section);
    const sections: Section[] = [];
    for (const d of drafts) {
      if (d.chart) progress?.step(`drawing ${d.title.toLowerCase()}`);
      const chart = d.chart ? { ...d.chart, svg: await renderSvg(d.chart.spec, `c-${d.id}`) } : undefined;
      const extraCharts: Section['extraCharts'] = [];
      for (const [i, c] of (d.extraCharts ?? []).entries()) extraCharts.push({ ...c, svg: await renderSvg(c.spec, `c-${d.id}-${i + 2}`) });
      sections.push({ ...d, chart, extraCharts });
    }

    progress?.step('writing files');
    const files: OutputFiles = new Map();
    // customers.csv can have millions of rows: DuckDB writes it to a scratch
    // directory and the output writer moves it into place.
    const outputs: { path: string; columns: string[]; rows: number }[] = [];
    if (wantsFile('customers.csv')) {
      const customersPath = join(scratch, 'customers.csv');
      const customerRows = await writeCustomersCsv(db, { path: customersPath, period, asOf: orders.asOf });
      files.set('data/customers.csv', { fromFile: customersPath });
      outputs.push({ path: 'data/customers.csv', columns: [...CUSTOMERS_COLUMNS], rows: customerRows });
    }
    const csv = (name: string, columns: readonly string[], rows: Record<string, unknown>[]) => {
      if (!wantsFile(name)) return;
      files.set(`data/${name}`, toCsv(columns, rows));
      outputs.push({ path: `data/${name}`, columns: [...columns], rows: rows.length });
    };
    csv('cohort_retention.csv', COHORT_RETENTION_COLUMNS, analysis.cells as unknown as Record<string, unknown>[]);
    csv('retention_curve.csv', RETENTION_CURVE_COLUMNS, analysis.average as unknown as Record<string, unknown>[]);
    csv('crr.csv', CRR_COLUMNS, analysis.crr as unknown as Record<string, unknown>[]);
    if (value && value.params.length > 0) csv('model_params.csv', MODEL_PARAMS_COLUMNS, value.params);
    if (segValue && segValue.rows.length > 0) csv('segment_clv.csv', SEGMENT_CLV_COLUMNS, segValue.rows as unknown as Record<string, unknown>[]);
    for (const f of backtested?.files ?? []) csv(f.name, f.columns, f.rows);
    for (const f of cacOut?.files ?? []) csv(f.name, f.columns, f.rows);
    for (const t of rfm?.tables ?? []) csv(t.name, t.columns, t.rows);
    for (const f of rfm?.files ?? []) {
      files.set(`data/${f.name}`, { fromFile: f.path });
      outputs.push({ path: `data/${f.name}`, columns: [...f.columns], rows: f.rows });
    }
    if (analysis.segments.length > 0) {
      csv(
        'cohort_retention_by_segment.csv',
        ['segment_column', 'segment', ...COHORT_RETENTION_COLUMNS],
        analysis.segments.flatMap((s) => s.cells) as unknown as Record<string, unknown>[],
      );
    }
    const manifest = {
      tool: TOOL,
      command: view ? 'view' : 'report',
      ...(view ? { view: view.name } : {}),
      as_of: orders.asOf,
      options: {
        period,
        segment_by: segmentBy,
        as_of: options.orders.asOf ?? null,
        map: options.orders.map ?? {},
        date_format: options.orders.dateFormat ?? null,
        currency,
        locale,
        ...(options.company !== undefined ? { company: options.company } : {}),
        ...(options.sections !== undefined && !view ? { sections: options.sections } : {}),
        ...(options.triangleMetric !== undefined ? { metric: options.triangleMetric } : {}),
        ...(range ? { from: options.cohortRange?.from ?? null, to: options.cohortRange?.to ?? null } : {}),
      },
      sections: sections.map((s) => s.id),
      inputs: [{ role: 'orders', ...orders.input }, ...(cac?.inputs ?? (customers ? [{ role: 'customers', ...customers.input }] : []))],
      outputs: [{ path: 'index.html' }, ...outputs].sort((a, b) => (a.path < b.path ? -1 : 1)),
      kpis: analysis.kpis,
      customer_value: value?.manifest ?? { fitted: false, reason: options.value === false ? 'switched off (--no-clv)' : 'section not shown' },
      ...(segValue ? { segment_value: segValue.manifest } : {}),
      ...(backtested ? { backtest: backtested.manifest } : {}),
      ...(cacOut ? { unit_economics: cacOut.manifest } : {}),
      ...(rfm ? { rfm: rfm.manifest } : {}),
      notes: [...orders.input.dropped.map((d) => `${d.rows} rows dropped: ${d.reason}`), ...(cacOut?.bullets ?? [])],
      ...(changes ? { what_changed: changes.summary } : {}),
    };
    const title = options.title ?? (view ? (sections[0]?.title ?? view.title) : 'Customer retention report');
    const dropped = orders.input.rows_read - orders.input.rows_kept;
    const html = renderReportHtml(
      {
        title,
        company: options.company,
        subtitle: `Cohorts by ${period}, from ${orders.firstDate} to ${orders.asOf}. Amounts in ${currency}, net of refunds.`,
        facts: [
          { label: 'As of', value: orders.asOf },
          { label: 'Cohort period', value: period },
          ...(range ? [{ label: 'Cohorts', value: `${range.from} to ${range.to}` }] : []),
          ...(segmentBy.length > 0 ? [{ label: 'Segments', value: segmentBy.join(', ') }] : []),
          ...(options.triangleMetric && view?.metrics ? [{ label: 'Metric', value: options.triangleMetric }] : []),
          { label: 'Currency', value: `${currency} (${locale})` },
          ...(value && value.params.length > 0
            ? [{ label: 'CLV', value: `${valueOptions.horizonMonths} months, ${fmt.percent(valueOptions.annualDiscountRate)} a year, ${valueOptions.margin === undefined ? 'revenue (no margin)' : `margin ${fmt.percent(valueOptions.margin)}`}` }]
            : []),
        ],
        inputs: [
          {
            role: 'orders',
            path: orders.input.path,
            rows: `${fmt.integer(orders.input.rows_read)} rows read, ${fmt.integer(orders.input.rows_kept)} kept${dropped > 0 ? `, ${fmt.integer(dropped)} dropped` : ''}`,
            detail: `sha256 ${orders.input.sha256.slice(0, 12)}…`,
          },
        ],
        sections,
        footer: `Made by ${TOOL.name} ${TOOL.version} from ${orders.input.path} (sha256 ${orders.input.sha256}). The data behind every chart is in the data/ folder next to this file.`,
        locale,
        data: { as_of: orders.asOf, period, kpis: analysis.kpis, inputs: manifest.inputs },
      },
      fmt,
    );
    files.set('index.html', html);
    files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
    const dir = scratch;
    scratch = undefined;
    return { files, orders, analysis, manifest, sections, cleanup: () => removeScratchDir(dir) };
  } catch (err) {
    if (scratch) await removeScratchDir(scratch);
    throw err;
  } finally {
    db.close();
  }
}
