/**
 * The assemble phase of the pipeline (lib/run/build-report.ts): the parts'
 * outputs become one report. Notes go into Data quality and the manifest;
 * the sections are picked and ordered for --sections or a view; Methods &
 * assumptions closes the report (the model named once); What changed opens a
 * monthly one; charts are rendered to SVG; the data files, manifest.json and
 * index.html are produced.
 */
import { columnLabel } from '../report/labels.ts';
import { nothingToPlot, renderSvg } from '../charts/render-svg.ts';
import { chartLocale } from '../charts/chart-locale.ts';
import { harmoniseColors } from '../charts/colors.ts';
import { toCsv } from '../report/csv.ts';
import { renderReportHtml } from '../report/html.ts';
import { GENERAL_DEFINITIONS_ID, reportAssumptions, withMethods } from '../report/methods.ts';
import { ALL_CUSTOMERS_GROUP } from '../report/model-params.ts';
import type { Section, SectionChart, SectionDraft } from '../report/section.ts';
import type { OutputFiles } from '../report/write-output.ts';
import { cohortSpan } from '../cohorts/cohort-range.ts';
import { selectSections } from '../parts/registry.ts';
import type { PartOutput } from '../parts/part.ts';
import { whatChanged, type LifecycleMovements } from '../parts/what-changed/present.ts';
import { summarySection } from '../report/summary.ts';
import { TOOL } from '../version.ts';
import type { RunContext } from './run-context.ts';
import type { Staleness } from './stale.ts';

export async function assemble(
  ctx: RunContext,
  outputs: (PartOutput & { id: string })[],
  o: {
    manifestOptions: { as_of: string | null; map: Record<string, string>; date_format: string | null };
    warnings: string[];
    stale?: Staleness;
    /** The report starts from a per-customer summary (lib/run/summary-start.ts): what was left out and why. */
    summary?: { customers: number; leftOut: { part: string; sections: string[]; reason: string }[]; simple: string };
  },
): Promise<{ files: OutputFiles; manifest: Record<string, unknown>; sections: Section[] }> {
  const { options, orders, analysis, fmt, source } = ctx;
  const { currency, locale, period, view } = options;
  const notes = outputs.flatMap((out) => out.notes ?? []);
  const partManifest: Record<string, unknown> = Object.assign({}, ...outputs.map((out) => out.manifest ?? {}));
  let drafts: SectionDraft[] = outputs.flatMap((out) => out.sections);
  // Other parts' figures per cohort (the CAC of each cohort's period) join the cohort table.
  const cohortColumns = outputs.flatMap((out) => out.cohortColumns ?? []);
  for (const d of drafts) {
    if (!d.matrix || cohortColumns.length === 0) continue;
    const rows = d.matrix.rows;
    d.matrix = { ...d.matrix, extra: cohortColumns.map((c) => ({ label: c.label, kind: c.kind, values: rows.map((r) => c.byCohort.get(r.cohort) ?? null) })) };
  }
  const quality = drafts.find((d) => d.id === 'data-quality');
  if (quality) quality.bullets = [...(quality.bullets ?? []), ...notes];
  if (options.sections) drafts = selectSections(drafts, options.sections, { keep: [GENERAL_DEFINITIONS_ID], strict: view !== undefined });

  const shows = ctx.plan.shows;
  const v = options.value;
  const chosen = v !== false && v.business === 'non-contractual' && shows('customer-value') ? await ctx.product('model') : undefined;
  const range = options.cohortRange ? cohortSpan(analysis) : undefined;
  const hasCac = outputs.some((out) => out.id === 'cac');
  drafts = withMethods(
    drafts,
    reportAssumptions({
      currency,
      locale,
      period,
      asOf: orders.asOf,
      firstDate: orders.firstDate,
      activeWindow: analysis.activeWindow,
      segmentBy: options.segmentBy,
      segmentOrigins: analysis.segments.map((s) => ({ column: s.column, origin: s.origin })),
      labels: options.labels,
      cohortRange: range,
      attribution: hasCac ? (options.cac?.attribution ?? 'first-order') : undefined,
      value: !shows('customer-value') ? undefined : v === false ? false : { ...v, model: chosen?.id ?? v.model, modelSource: chosen?.source },
      fmt,
    }),
  );

  // data/*.csv: the parts' files a view keeps.
  const files: OutputFiles = new Map();
  const written: { path: string; columns: string[]; rows: number }[] = [];
  const dataRows: Record<string, Record<string, unknown>[]> = {};
  for (const out of outputs) {
    for (const f of out.files ?? []) {
      if (!ctx.wantsFile(f.name)) continue;
      if ('path' in f) {
        files.set(`data/${f.name}`, { fromFile: f.path });
        written.push({ path: `data/${f.name}`, columns: [...f.columns], rows: f.rowCount });
      } else {
        files.set(`data/${f.name}`, toCsv(f.columns, f.rows));
        written.push({ path: `data/${f.name}`, columns: [...f.columns], rows: f.rows.length });
        dataRows[f.name] = f.rows;
      }
    }
  }

  const customerValue = (partManifest.customer_value as Record<string, unknown> | undefined) ?? { fitted: false, reason: v === false ? 'switched off (--no-clv)' : 'section not shown' };
  const changes =
    options.previous === undefined
      ? undefined
      : whatChanged(
          {
            asOf: orders.asOf,
            period,
            currency,
            kpis: analysis.kpis,
            cells: analysis.cells,
            average: analysis.average,
            params: (dataRows['model_params.csv'] ?? []).filter((r) => r.fit_group === ALL_CUSTOMERS_GROUP),
            customerValue,
            lifecycle: outputs.some((out) => out.id === 'lifecycle') ? ((partManifest.lifecycle as { latest: LifecycleMovements | null }).latest) : undefined,
          },
          options.previous,
          fmt,
        );
  // The Summary opens a full report (not a view, nor --sections, which show exactly what was asked): the parts' findings whose sections are shown.
  const summary = view || options.sections ? undefined : summarySection(outputs.flatMap((out) => out.summary ?? []), drafts);
  if (summary) drafts.unshift(summary);
  // What changed opens a monthly report, before the Summary.
  if (changes) drafts.unshift(changes.section);

  // One colour per channel and segment value in every chart; the report's number formats on the axes; Vega's warnings only with --verbose.
  harmoniseColors(drafts.flatMap((d) => [...(d.chart ? [d.chart.spec] : []), ...(d.extraCharts ?? []).map((c) => c.spec)]));
  const render = { locale: chartLocale(locale, currency), log: (m: string) => ctx.progress?.detail?.(m) };
  const sections: Section[] = [];
  for (const d of drafts) {
    if (d.chart) ctx.progress?.step(`drawing ${d.title.toLowerCase()}`);
    // A chart with nothing to plot (empty or degenerate data) is left out, and a sentence says so.
    const notDrawn: string[] = [];
    const draw = async (c: Omit<SectionChart, 'svg'>, id: string): Promise<SectionChart[]> => {
      const svg = await renderSvg(c.spec, id, render);
      if (!nothingToPlot(svg)) return [{ ...c, svg }];
      notDrawn.push(`No chart of ${c.caption.split(/\. |; /)[0].replace(/\.$/, '').replace(/^\p{Lu}(?!\p{Lu})/u, (ch) => ch.toLowerCase())}: the data give no values to plot.`);
      return [];
    };
    const charts = d.chart ? await draw(d.chart, `c-${d.id}`) : [];
    for (const [i, c] of (d.extraCharts ?? []).entries()) charts.push(...(await draw(c, `c-${d.id}-${i + 2}`)));
    const [chart, ...extraCharts] = charts;
    sections.push({ ...d, chart, extraCharts, ...(notDrawn.length > 0 ? { bullets: [...(d.bullets ?? []), ...notDrawn] } : {}) });
  }
  ctx.progress?.step('writing files');

  const inputs = [
    { role: o.summary ? 'summary' : 'orders', kind: source.kind, label: source.label, ...orders.input },
    ...(ctx.inputs.spend && options.spendSource ? [{ role: 'spend', ...options.spendSource.describe(), ...ctx.inputs.spend.input }] : []),
    ...(ctx.inputs.customers && options.customersSource ? [{ role: 'customers', ...options.customersSource.describe(), ...ctx.inputs.customers.input }] : []),
    ...(ctx.inputs.surveys && options.surveysSource ? [{ role: 'surveys', ...options.surveysSource.describe(), ...ctx.inputs.surveys.input }] : []),
  ];
  const { segment_value, backtest, unit_economics, rfm, customer_value: _cv, ...otherParts } = partManifest;
  const manifest = {
    tool: TOOL,
    command: view ? 'view' : 'report',
    ...(view ? { view: view.name } : {}),
    as_of: orders.asOf,
    options: {
      period,
      segment_by: options.segmentBy,
      as_of: o.manifestOptions.as_of,
      map: o.manifestOptions.map,
      date_format: o.manifestOptions.date_format,
      currency,
      locale,
      ...(options.company !== undefined ? { company: options.company } : {}),
      ...(options.sections !== undefined && !view ? { sections: options.sections } : {}),
      ...(options.triangleMetric !== undefined ? { metric: options.triangleMetric } : {}),
      ...(range ? { from: options.cohortRange?.from ?? null, to: options.cohortRange?.to ?? null } : {}),
    },
    sections: sections.map((s) => s.id),
    inputs,
    outputs: [{ path: 'index.html' }, ...written].sort((a, b) => (a.path < b.path ? -1 : 1)),
    // From a summary, refunds are not known (it holds net revenue only).
    kpis: o.summary ? { ...analysis.kpis, refunds: null } : analysis.kpis,
    ...(o.summary ? { summary: { customers: o.summary.customers, left_out: o.summary.leftOut, simple_formulas: o.summary.simple } } : {}),
    customer_value: customerValue,
    ...(segment_value ? { segment_value } : {}),
    ...(backtest ? { backtest } : {}),
    ...(unit_economics ? { unit_economics } : {}),
    ...(rfm ? { rfm } : {}),
    ...otherParts,
    notes: [...orders.input.dropped.map((d) => `${d.rows} rows dropped: ${d.reason}`), ...notes],
    ...(o.warnings.length > 0 ? { warnings: o.warnings } : {}),
    ...(o.stale ? { stale: { last_order: o.stale.lastOrder, as_of: o.stale.asOf, periods: o.stale.periods } } : {}),
    ...(changes ? { what_changed: changes.summary } : {}),
  };
  const title = options.title ?? (view ? (sections[0]?.title ?? view.title) : o.summary ? 'Customer value report' : 'Customer retention report');
  const dropped = orders.input.rows_read - orders.input.rows_kept;
  const value = v !== false && orders.money !== 'none' && outputs.some((out) => out.id === 'customer-value') && customerValue.fitted === true ? v : undefined;
  files.set(
    'index.html',
    renderReportHtml(
      {
        title,
        company: options.company,
        subtitle: `${o.summary ? `From a per-customer summary: customers who first ordered from ${orders.firstDate} to ${orders.asOf}` : `Cohorts by ${period}, from ${orders.firstDate} to ${orders.asOf}`}.${orders.money === 'none' ? ' The orders have no amounts: figures are counts of customers and orders.' : ` Amounts in ${currency}, net of refunds.`}`,
        warnings: o.warnings,
        facts: [
          { label: 'As of', value: orders.asOf },
          { label: 'Cohort period', value: period },
          ...(range ? [{ label: 'Cohorts', value: `${range.from} to ${range.to}` }] : []),
          ...(options.segmentBy.length > 0 ? [{ label: 'Segments', value: options.segmentBy.map((c) => columnLabel(c, options.labels)).join(', ') }] : []),
          ...(options.triangleMetric && view?.metrics ? [{ label: 'Metric', value: options.triangleMetric }] : []),
          { label: 'Currency', value: `${currency} (${locale})` },
          ...(value
            ? [{ label: 'CLV', value: `${value.horizonMonths} months, ${fmt.setting(value.annualDiscountRate)} a year, ${value.margin === undefined ? 'revenue (no margin)' : `margin ${fmt.setting(value.margin)}`}` }]
            : []),
        ],
        inputs: [
          {
            role: o.summary ? 'summary' : 'orders',
            path: source.label,
            rows: `${fmt.integer(orders.input.rows_read)} rows read, ${fmt.integer(orders.input.rows_kept)} kept${dropped > 0 ? `, ${fmt.integer(dropped)} dropped` : ''}`,
            detail: `sha256 ${orders.input.sha256.slice(0, 12)}…`,
          },
        ],
        sections,
        footer: `Made by ${TOOL.name} ${TOOL.version} from ${source.label} (sha256 ${orders.input.sha256}). The data behind every chart is in the data/ folder next to this file.`,
        locale,
        data: { as_of: orders.asOf, period, kpis: manifest.kpis, inputs: manifest.inputs },
      },
      fmt,
    ),
  );
  files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, manifest, sections };
}
