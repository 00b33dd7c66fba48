/**
 * The report, end to end. Reads as its own phase diagram:
 *
 *   options ─► plan: the parts of lib/parts/registry.ts whose views are shown, and the shared
 *              results (products) they need, lib/run/run-context.ts
 *   load    ─► every input through its source (lib/run/load-inputs.ts)
 *   scan    ─► summarize: one pass over the order rows into customer_base, customer_periods
 *              (the parts and products that need the rows capture them first: afterFactsRead)
 *   cohorts ─► analyzeCohorts: the small cohort tables
 *   parts   ─► for each part: present(compute(ctx)); the products are computed once, on demand
 *   assemble─► notes into Data quality, Methods & assumptions, What changed (monthly), charts
 *              to SVG, data files, manifest.json, index.html (lib/run/assemble.ts)
 *
 * Returns the files of the output folder in memory; writing them (atomically)
 * is the caller's job.
 */
import { makeScratchDir, removeScratchDir } from '../scratch.ts';
import { openRunDatabase, type Database } from '../engine/database.ts';
import { summarize } from '../engine/summarize.ts';
import { periodsPerYear } from '../engine/periods.ts';
import { releaseFacts, type LoadedOrders } from '../load/load-orders.ts';
import { analyzeCohorts, type CohortAnalysis } from '../cohorts/analyze-cohorts.ts';
import { restrictCohorts } from '../cohorts/cohort-range.ts';
import { formatters } from '../report/format.ts';
import type { OutputFiles } from '../report/write-output.ts';
import type { Section } from '../report/section.ts';
import { moneyCut, PARTS, withoutViews } from '../parts/registry.ts';
import type { Plan, ReportPart } from '../parts/part.ts';
import { captureProducts, createRunContext, neededProducts, productAggregates } from './run-context.ts';
import { resolveRunOptions, type ReportOptions, type RunOptions } from './run-options.ts';
import { loadInputs } from './load-inputs.ts';
import { assemble } from './assemble.ts';
import { isSummarySource, type SummarySource } from '../sources/summary.ts';
import { SUMMARY_SIMPLE_REASON, summaryAnalysis, summaryParts, summaryRunOptions, summarySimple } from './summary-start.ts';
import { staleness, type Staleness } from './stale.ts';

export type { ReportOptions } from './run-options.ts';
/** @deprecated the old name of {@link ReportOptions}. */
export type CohortReportOptions = ReportOptions;

export interface ReportResult {
  files: OutputFiles;
  orders: LoadedOrders;
  analysis: CohortAnalysis;
  manifest: Record<string, unknown>;
  /** The sections as rendered (with their Vega-Lite specs), in order. */
  sections: Section[];
  /** Set when the orders end more than one period before the as-of date (lib/run/stale.ts). */
  stale?: Staleness;
  /** Removes the scratch files behind `files`; call it once they are written (or abandoned). */
  cleanup(): Promise<void>;
}

/** Which views a run shows: all, the --sections, or one view. */
export function makePlan(options: RunOptions): Plan {
  const names = options.sections;
  return { options, shows: (view) => names === undefined || names.includes(view) };
}

/** The parts that run, in report order: a part runs when one of its views is shown (a part without views: in a full report) and its options allow. */
export async function selectParts(plan: Plan): Promise<ReportPart<unknown>[]> {
  const entries = PARTS.filter((e) => (e.views.length === 0 ? plan.options.view === undefined : e.views.some((v) => plan.shows(v.name))));
  const parts = await Promise.all(entries.map((e) => e.load()));
  return parts.filter((p) => p.enabled(plan));
}

export async function buildReport(input: ReportOptions): Promise<ReportResult> {
  const fromSummary = isSummarySource(input.orders) ? input.orders : undefined;
  const options = resolveRunOptions(input);
  const progress = input.progress;
  const plan = makePlan(options);
  const selected = await selectParts(plan);
  const scratchDir = await makeScratchDir();
  const db = await openRunDatabase(scratchDir, options.memoryLimit);
  try {
    if (fromSummary) return await reportFromSummary(fromSummary, { input, options, plan, selected, db, scratchDir });
    const inputs = await loadInputs(db, input.orders, options, { withSpend: selected.some((p) => p.id === 'cac'), lineValues: selected.some((p) => p.id === 'first-products') ? ['product'] : [], progress });
    const { orders } = inputs;
    // A purchase log (no amounts): the views that show nothing but money are left out, and the report says which.
    const noMoney = moneyCut(selected.map((p) => p.id), plan.shows, orders.money !== 'none');
    const parts = selected.filter((p) => noMoney.runs(p.id));
    const needed = neededProducts(options, parts.flatMap((p) => p.needs(plan)));
    const stale = staleness(orders, options.period);
    const warnings = [
      ...orders.warnings,
      ...(stale ? [stale.message] : []),
      ...(noMoney.views.length > 0 ? [`The orders have no amounts (no amount column, nor quantity and unit price), so what needs money is left out: ${noMoney.views.map((v) => v.title).join(', ')}. Retention, CRR, the purchase model's P(alive) and expected orders, and RFM (recency and frequency) use the order dates alone.`] : []),
    ];
    for (const w of warnings) progress?.warn?.(w);
    progress?.step('aggregating customers and cohorts');
    const summary = await summarize(db, {
      period: options.period,
      asOf: orders.asOf,
      segmentBy: options.segmentBy,
      customerColumns: inputs.customerColumns,
      customerTables: inputs.customerTables,
      firstColumns: inputs.firstColumns,
      lineValues: orders.lineValues,
      customerDaysLoaded: orders.aggregated,
      customerAggregates: productAggregates(options, needed, orders.asOf),
      activeWindow: periodsPerYear(options.period),
      afterFactsRead: async () => {
        await captureProducts(db, needed);
        for (const p of parts) await p.captureFacts?.(db, orders);
        await releaseFacts(db);
      },
    });
    progress?.step('computing retention');
    let analysis = analyzeCohorts(summary, { period: options.period, asOf: orders.asOf });
    if (options.cohortRange) analysis = restrictCohorts(analysis, options.cohortRange);
    const ctx = createRunContext({
      db,
      orders,
      inputs: { customers: inputs.customers, spend: inputs.spend, surveys: inputs.surveys },
      source: inputs.source,
      analysis,
      options,
      plan,
      needed,
      fmt: formatters(options.locale, options.currency),
      scratchDir,
      progress,
      wantsFile: (name) => options.view === undefined || options.view.data.includes(name),
    });
    const outputs = [];
    for (const p of parts) {
      const started = performance.now();
      const computed = await p.compute(ctx);
      // --verbose: where the time goes, part by part (with the shared products it asked for first).
      progress?.detail?.(`part ${p.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const out = p.present(computed, { fmt: ctx.fmt, currency: options.currency, options });
      outputs.push({ id: p.id, ...out, sections: withoutViews(out.sections, noMoney.views), files: out.files?.filter((f) => !noMoney.files.includes(f.name)) });
    }
    const { files, manifest, sections } = await assemble(ctx, outputs, { manifestOptions: input.orders.manifestOptions(), warnings, stale });
    return { files, orders, analysis, manifest, sections, stale, cleanup: () => removeScratchDir(scratchDir) };
  } catch (err) {
    await removeScratchDir(scratchDir);
    throw err;
  } finally {
    db.close();
  }
}

/**
 * The report from a per-customer summary (lib/run/summary-start.ts): the summary into customer_base,
 * then the parts that need nothing else; the others are left out, each with the sentence why.
 */
async function reportFromSummary(
  source: SummarySource,
  r: { input: ReportOptions; options: RunOptions; plan: Plan; selected: ReportPart<unknown>[]; db: Database; scratchDir: string },
): Promise<ReportResult> {
  const { input, db, scratchDir } = r;
  // The parts the options ask for were selected with them (so the backtest, asked for, is named as left out); the run is without it.
  const options = summaryRunOptions(r.options);
  const plan = makePlan(options);
  const progress = input.progress;
  progress?.step(`reading the customer summary ${source.describe().label}`);
  const orders = await source.loadSummary(db, { period: options.period, segmentBy: options.segmentBy });
  const { runs: parts, leftOut } = summaryParts(r.selected, options, plan.shows);
  const needed = neededProducts(options, parts.flatMap((p) => p.needs(plan)));
  const fmt = formatters(options.locale, options.currency);
  const warnings = [
    `This report starts from a per-customer summary (${source.describe().label}: ${fmt.integer(orders.customers)} customers as of ${orders.asOf}), not from order rows.`,
    ...leftOut.map((l) => l.sentence),
  ];
  for (const w of warnings) progress?.warn?.(w);
  const analysis = await summaryAnalysis(db, orders, options);
  const ctx = createRunContext({
    db,
    orders,
    inputs: {},
    source: source.describe(),
    analysis,
    options,
    plan,
    needed,
    fmt,
    scratchDir,
    progress,
    wantsFile: (name) => options.view === undefined || options.view.data.includes(name),
    simple: summarySimple(options, orders.asOf),
  });
  const outputs = [];
  for (const p of parts) outputs.push({ id: p.id, ...p.present(await p.compute(ctx), { fmt: ctx.fmt, currency: options.currency, options }) });
  const { files, manifest, sections } = await assemble(ctx, outputs, {
    manifestOptions: source.manifestOptions(),
    warnings,
    summary: { customers: orders.customers, leftOut: leftOut.map((l) => ({ part: l.part, sections: l.sections, reason: l.reason })), simple: SUMMARY_SIMPLE_REASON },
  });
  return { files, orders, analysis, manifest, sections, cleanup: () => removeScratchDir(scratchDir) };
}

/** @deprecated the old name of {@link buildReport}. */
export const buildCohortReport = buildReport;
