/**
 * The cohort report, end to end: load → scan → cohorts → charts → HTML and
 * data files. Returns the files of the output directory in memory; writing
 * them (atomically) is the caller's job.
 *
 *   loadOrders ─► summarize (DuckDB) ─► analyzeCohorts (arquero) ─► cohortSections
 *              ─► renderSvg per chart ─► renderReportHtml + CSV files + manifest.json
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../engine/database.ts';
import { writeCustomersCsv } from '../engine/export-customers.ts';
import { summarize } from '../engine/summarize.ts';
import { periodsPerYear, type PeriodUnit } from '../engine/periods.ts';
import { loadOrders, releaseFacts, type OrdersInput, type LoadedOrders } from '../load/load-orders.ts';
import { analyzeCohorts, type CohortAnalysis } from '../cohorts/analyze-cohorts.ts';
import { renderSvg } from '../charts/render-svg.ts';
import { MODEL_PARAMS_COLUMNS } from '../clv/fit-report.ts';
import { DEFAULT_VALUE_OPTIONS, VALUE_DEFINITIONS, valueSection, type ValueOptions, type ValueSectionResult } from './value-section.ts';
import { UserError } from '../errors.ts';
import { TOOL } from '../version.ts';
import type { Progress } from '../progress.ts';
import { cohortSections } from './cohort-sections.ts';
import { formatters } from './format.ts';
import { renderReportHtml } from './html.ts';
import { whatChanged, type PreviousRun } from './what-changed.ts';
import { toCsv } from './csv.ts';
import type { OutputFiles } from './write-output.ts';
import type { Section } from './section.ts';

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
  /** Monthly runs: the run to compare with in a "What changed" section at the top (null: there is none). Left out: no such section. */
  previous?: PreviousRun | null;
  progress?: Progress;
}

export interface CohortReportResult {
  files: OutputFiles;
  orders: LoadedOrders;
  analysis: CohortAnalysis;
  manifest: Record<string, unknown>;
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

  const db = await openDatabase();
  let scratch: string | undefined;
  try {
    progress?.step(`reading ${options.orders.path}`);
    const orders = await loadOrders(db, options.orders);
    for (const s of segmentBy) {
      if (s === 'channel' && !orders.hasChannel) {
        throw new UserError(`--segment-by channel: ${orders.input.path} has no channel column (map one with --map channel=YourColumn)`);
      }
      if (s !== 'channel' && !orders.attributes.includes(s)) {
        const choices = [...(orders.hasChannel ? ['channel'] : []), ...orders.attributes];
        throw new UserError(
          `--segment-by ${s}: no such column in ${orders.input.path}; ${choices.length > 0 ? `choose one of ${choices.join(', ')}` : 'the file has no attribute columns to segment by'}`,
        );
      }
    }
    progress?.step('aggregating customers and cohorts');
    const summary = await summarize(db, {
      period,
      asOf: orders.asOf,
      segmentBy,
      activeWindow: periodsPerYear(period),
      afterFactsRead: () => releaseFacts(db),
    });
    progress?.step('computing retention');
    const analysis = analyzeCohorts(summary, { period, asOf: orders.asOf });

    const fmt = formatters(locale, currency);
    const drafts = cohortSections({ analysis, orders, fmt, currency });
    scratch = await mkdtemp(join(tmpdir(), 'clv-'));
    let value: ValueSectionResult | undefined;
    if (options.value !== false) {
      progress?.step('fitting the CLV models');
      value = await valueSection(db, { asOf: orders.asOf, options: { ...DEFAULT_VALUE_OPTIONS, ...(options.value ?? {}) }, fmt, currency, scratchDir: scratch, progress });
      // Customer value comes after the cohort sections, before data quality and definitions.
      drafts.splice(drafts.findIndex((d) => d.id === 'data-quality'), 0, value.section);
      if (value.params.length > 0) drafts.find((d) => d.id === 'definitions')?.definitions?.push(...VALUE_DEFINITIONS);
    }
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
    const customersPath = join(scratch, 'customers.csv');
    const customerRows = await writeCustomersCsv(db, { path: customersPath, period, asOf: orders.asOf });
    files.set('data/customers.csv', { fromFile: customersPath });
    const csv = (name: string, columns: readonly string[], rows: Record<string, unknown>[]) => {
      files.set(`data/${name}`, toCsv(columns, rows));
      return { path: `data/${name}`, columns: [...columns], rows: rows.length };
    };
    const outputs = [
      csv('cohort_retention.csv', COHORT_RETENTION_COLUMNS, analysis.cells as unknown as Record<string, unknown>[]),
      { path: 'data/customers.csv', columns: [...CUSTOMERS_COLUMNS], rows: customerRows },
      csv('retention_curve.csv', RETENTION_CURVE_COLUMNS, analysis.average as unknown as Record<string, unknown>[]),
      csv('crr.csv', CRR_COLUMNS, analysis.crr as unknown as Record<string, unknown>[]),
    ];
    if (value && value.params.length > 0) outputs.push(csv('model_params.csv', MODEL_PARAMS_COLUMNS, value.params));
    if (analysis.segments.length > 0) {
      outputs.push(
        csv(
          'cohort_retention_by_segment.csv',
          ['segment_column', 'segment', ...COHORT_RETENTION_COLUMNS],
          analysis.segments.flatMap((s) => s.cells) as unknown as Record<string, unknown>[],
        ),
      );
    }
    const manifest = {
      tool: TOOL,
      command: 'report',
      as_of: orders.asOf,
      options: {
        period,
        segment_by: segmentBy,
        as_of: options.orders.asOf ?? null,
        map: options.orders.map ?? {},
        date_format: options.orders.dateFormat ?? null,
        currency,
        locale,
      },
      inputs: [{ role: 'orders', ...orders.input }],
      outputs: [{ path: 'index.html' }, ...outputs].sort((a, b) => (a.path < b.path ? -1 : 1)),
      kpis: analysis.kpis,
      customer_value: value?.manifest ?? { fitted: false, reason: 'switched off (--no-clv)' },
      notes: orders.input.dropped.map((d) => `${d.rows} rows dropped: ${d.reason}`),
      ...(changes ? { what_changed: changes.summary } : {}),
    };
    const title = options.title ?? 'Customer retention report';
    const html = renderReportHtml(
      {
        title,
        subtitle: `Cohorts by ${period}, from ${orders.firstDate} to ${orders.asOf}. Amounts in ${currency}, net of refunds.`,
        facts: [
          { label: 'Orders file', value: `${orders.input.path} (${fmt.integer(orders.input.rows_read)} rows)` },
          { label: 'As of', value: orders.asOf },
          { label: 'Cohort period', value: period },
          ...(segmentBy.length > 0 ? [{ label: 'Segments', value: segmentBy.join(', ') }] : []),
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
    return { files, orders, analysis, manifest, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw err;
  } finally {
    db.close();
  }
}
