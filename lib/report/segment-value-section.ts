/**
 * The report's "Projected value by segment" section: projected CLV per
 * segment (lib/clv/segment-value.ts) with bootstrap intervals, as one bar
 * chart per segment column, a table (data/segment_clv.csv) and a narrative
 * naming the most and least valuable segments and how sure the ranking is.
 */
import type { Database } from '../engine/database.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { ValueOptions } from '../clv/value-options.ts';
import { segmentValueSpec } from '../charts/segment-value-charts.ts';
import {
  ALL_COLUMN,
  DEFAULT_BOOTSTRAP,
  BOOTSTRAP_DEFAULT_MAX_CUSTOMERS,
  DEFAULT_BOOTSTRAP_SEED,
  INTERVAL_LEVEL,
  MIN_SEGMENT_CUSTOMERS,
  MIN_SEGMENT_REPEAT_BUYERS,
  segmentValue,
  type SegmentColumn,
  type SegmentValueRow,
} from '../clv/segment-value.ts';
import type { Formatters } from './format.ts';
import type { SectionDraft } from './cohort-sections.ts';

export const SEGMENT_VALUE_ID = 'segment-value';
const TITLE = 'Projected value by segment';

/** Methods entries of the section. */
export const SEGMENT_VALUE_DEFINITIONS = [
  {
    term: 'Projected CLV per segment',
    definition: `The purchase model and Gamma-Gamma are fitted on each segment's own customers (segments with fewer than ${MIN_SEGMENT_CUSTOMERS} customers or ${MIN_SEGMENT_REPEAT_BUYERS} repeat buyers use the fits on all customers), and each customer is scored as in Customer value. Mean, median and total are over the segment's customers; share alive is their mean P(alive); expected purchases are their total over the horizon. Because each segment has its own fit, segment totals need not add up exactly to the total for all customers.`,
  },
  {
    term: 'Bootstrap interval',
    definition: `Resample the customers with replacement (as many as there are), refit the models on the resample (each segment on its own resampled customers), rescore, and record each segment's mean CLV; repeat N times with a seeded generator. The ${Math.round(INTERVAL_LEVEL * 100)}% interval of the mean runs from the 5th to the 95th percentile of the N means; the interval of the total is the segment's customer count times that. Replicates compute the expected purchases while alive on a 7-day grid of customer age and interpolate (a change of under 0.05%). The interval reflects sampling and estimation uncertainty under the model, not whether the model is right.`,
  },
  { term: 'Realized value to date', definition: "Net revenue (refunds included) of the segment's customers from their first order to the as-of date; not discounted, no margin applied." },
  { term: 'Simple CLV per segment', definition: 'The simple formula (see Simple CLV) computed over the segment\'s customers only: their AOV, orders per year and yearly retention. It covers the whole expected lifetime, undiscounted, so it is larger than a projection over a finite horizon.' },
];

export interface SegmentValueSectionResult {
  section: SectionDraft;
  /** segment_clv.csv rows (empty when nothing could be computed). */
  rows: SegmentValueRow[];
  manifest: Record<string, unknown>;
}

export async function segmentValueSection(
  db: Database,
  args: {
    asOf: string;
    period: PeriodUnit;
    options: ValueOptions;
    /** Segment columns; `defaulted`: no --segment-by was given and these are the acquisition channels. */
    columns: SegmentColumn[];
    defaulted: boolean;
    fmt: Formatters;
    currency: string;
    progress?: Progress;
  },
): Promise<SegmentValueSectionResult> {
  const { options: o, fmt } = args;
  const empty = (reason: string): SegmentValueSectionResult => ({
    section: { id: SEGMENT_VALUE_ID, title: TITLE, narrative: [reason] },
    rows: [],
    manifest: { computed: false, reason },
  });
  if (o.business === 'contractual') {
    return empty('Projected value by segment uses the purchase models of non-contractual businesses (BG/NBD or Pareto/NBD with Gamma-Gamma); with --business contractual it is not computed.');
  }
  const [{ customers }] = await db.rows<{ customers: number }>('SELECT CAST(count(*) AS INTEGER) AS customers FROM customer_base');
  // Refitting every segment 100 times takes minutes on hundreds of thousands of customers; there the
  // bootstrap runs only when asked for (and the sampling error of the means is small anyway).
  const autoOff = o.bootstrap === undefined && customers > BOOTSTRAP_DEFAULT_MAX_CUSTOMERS;
  const bootstrap = o.bootstrap ?? (autoOff ? 0 : DEFAULT_BOOTSTRAP);
  const seed = o.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED;
  args.progress?.step(`projecting value by segment (${bootstrap} bootstrap resamples)`);
  let result;
  try {
    result = await segmentValue(db, {
      asOf: args.asOf,
      period: args.period,
      model: o.model,
      timeUnit: o.timeUnit,
      horizonMonths: o.horizonMonths,
      annualDiscountRate: o.annualDiscountRate,
      margin: o.margin ?? 1,
      columns: args.columns,
      bootstrap,
      bootstrapSeed: seed,
    });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return empty(`No projection by segment: ${err.message.replace(/^[A-Za-z/-]+ cannot be fitted: /, '')}.`);
  }
  args.progress?.detail?.(`segment value: ${result.sizes.customers} customers in ${result.sizes.cells} cells, ${result.sizes.pairs} (x, T) pairs; ${bootstrap} bootstrap resamples in ${result.bootstrap.seconds.toFixed(1)} s`);
  const rows = result.rows;
  const level = `${Math.round(INTERVAL_LEVEL * 100)}%`;
  const money = (v: number | null) => (v === null ? 'n/a' : fmt.moneyPrecise(v));
  const band = (r: SegmentValueRow) => (r.clv_mean_low === null || r.clv_mean_high === null ? 'no interval' : `${level} interval ${money(r.clv_mean_low)}–${money(r.clv_mean_high)}`);
  const overlaps = (a: SegmentValueRow, b: SegmentValueRow) =>
    a.clv_mean_low === null || a.clv_mean_high === null || b.clv_mean_low === null || b.clv_mean_high === null || (a.clv_mean_low <= b.clv_mean_high && b.clv_mean_low <= a.clv_mean_high);
  const all = rows.find((r) => r.segment_column === ALL_COLUMN) as SegmentValueRow;
  const valueWord = o.margin === undefined ? 'revenue' : `gross margin at ${fmt.percent(o.margin)} of revenue`;
  const narrative = [
    bootstrap > 0
      ? `Over the next ${o.horizonMonths} months, the average customer is worth ${money(all.clv_mean)} (${band(all)}; ${valueWord}, discounted at ${fmt.percent(o.annualDiscountRate)} a year); the intervals come from ${fmt.integer(bootstrap)} bootstrap resamples of the customers (seed ${seed}).`
      : `Over the next ${o.horizonMonths} months, the average customer is worth ${money(all.clv_mean)} (${valueWord}, discounted at ${fmt.percent(o.annualDiscountRate)} a year). ${
          autoOff
            ? `No intervals: with more than ${fmt.integer(BOOTSTRAP_DEFAULT_MAX_CUSTOMERS)} customers the bootstrap (${DEFAULT_BOOTSTRAP} refits of every segment's models) would take minutes, so it runs only when asked for with --bootstrap N.`
            : 'No intervals (--bootstrap 0).'
        }`,
  ];
  if (args.columns.length === 0) {
    narrative.push('No segments: no --segment-by was given and the orders have no channel column, so only the figures for all customers are shown.');
  } else if (args.defaulted) {
    narrative.push("No --segment-by was given, so the segments are the acquisition channels (the channel of each customer's first order).");
  }
  const charts: { spec: object; caption: string }[] = [];
  for (const c of args.columns) {
    const segs = rows.filter((r) => r.segment_column === c.name).sort((a, b) => b.clv_mean - a.clv_mean);
    if (segs.length === 0) continue;
    charts.push({
      spec: segmentValueSpec(segs, { column: c.name, currency: args.currency, horizonMonths: o.horizonMonths, level: INTERVAL_LEVEL }),
      caption: `Mean projected ${o.horizonMonths}-month value per customer by ${c.name}, with ${level} bootstrap intervals.`,
    });
    if (segs.length < 2) {
      narrative.push(`By ${c.name}, every customer is in one segment, "${segs[0].segment}".`);
      continue;
    }
    const [best, second] = segs;
    const worst = segs[segs.length - 1];
    narrative.push(
      `By ${c.name}, customers from "${best.segment}" are worth the most (${money(best.clv_mean)} on average, ${band(best)}) and those from "${worst.segment}" the least (${money(worst.clv_mean)}, ${band(worst)}).`,
    );
    if (segs.length === 2) {
      narrative.push(
        overlaps(best, worst)
          ? `Their intervals overlap: the data cannot tell the two apart with confidence.`
          : `Their intervals do not overlap: the gap is clear, not an accident of which customers happened to be in the data.`,
      );
    } else if (!overlaps(best, worst) && !overlaps(best, second)) {
      narrative.push(`The intervals of "${best.segment}" and the runner-up "${second.segment}" do not overlap: the lead is clear, not an accident of which customers happened to be in the data.`);
    } else if (!overlaps(best, worst)) {
      narrative.push(`The gap between "${best.segment}" and "${worst.segment}" is clear (their intervals do not overlap), but "${best.segment}" and "${second.segment}" overlap: which of them leads is not certain.`);
    } else {
      narrative.push(`Even the most and least valuable ${c.name} segments have overlapping intervals: the data cannot tell them apart with confidence.`);
    }
  }
  const historyDefined = args.columns.filter((c) => c.pooledFit).map((c) => c.name);
  const small = result.pooledSegments.filter((s) => !historyDefined.includes(s.column));
  if (small.length > 0) {
    narrative.push(
      `${small.length === 1 ? 'One segment is' : `${small.length} segments are`} too small for models of their own and use the fits on all customers: ${small.map((s) => `${s.column} "${s.segment}"`).join(', ')}.`,
    );
  }
  for (const name of historyDefined) {
    narrative.push(`The ${name}s use the fits on all customers: they are defined from the same purchase history the models read, so models fitted on each of them alone would be biased.`);
  }
  if (o.margin === undefined) narrative.push('No gross margin was given (--margin), so these values are revenue, not profit.');
  const [first, ...rest] = charts;
  return {
    section: {
      id: SEGMENT_VALUE_ID,
      title: TITLE,
      narrative,
      ...(first ? { chart: first, extraCharts: rest } : {}),
      table: {
        caption: `Projected ${o.horizonMonths}-month value per segment, with ${level} bootstrap intervals, the simple formula and the value realized so far`,
        columns: [
          { key: 'segment_column', label: 'Segmented by', kind: 'text' },
          { key: 'segment', label: 'Segment', kind: 'text' },
          { key: 'customers', label: 'Customers', kind: 'integer' },
          { key: 'p_alive_mean', label: 'Share alive', kind: 'percent' },
          { key: 'expected_purchases', label: 'Expected purchases', kind: 'integer' },
          { key: 'clv_mean', label: 'Mean CLV', kind: 'money2' },
          { key: 'clv_mean_low', label: `Mean, ${level} low`, kind: 'money2' },
          { key: 'clv_mean_high', label: `Mean, ${level} high`, kind: 'money2' },
          { key: 'clv_median', label: 'Median CLV', kind: 'money2' },
          { key: 'clv_total', label: 'Total CLV', kind: 'money' },
          { key: 'clv_total_low', label: `Total, ${level} low`, kind: 'money' },
          { key: 'clv_total_high', label: `Total, ${level} high`, kind: 'money' },
          { key: 'simple_clv_mean', label: 'Simple CLV', kind: 'money2' },
          { key: 'realized_revenue', label: 'Realized revenue', kind: 'money' },
        ],
        rows: rows as unknown as Record<string, unknown>[],
        note: 'All figures are in data/segment_clv.csv.',
        csvName: 'segment_clv.csv',
      },
      bullets: [
        `Purchase model ${o.model === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD'} and Gamma-Gamma, fitted per segment; the row "all customers" uses the fits on all customers (as Customer value).`,
        `Bootstrap: ${fmt.integer(bootstrap)} resamples, seed ${seed} (--bootstrap, --bootstrap-seed)${result.bootstrap.failedFits > 0 ? `; ${fmt.integer(result.bootstrap.failedFits)} refits failed to converge and were left out` : ''}.`,
      ],
    },
    rows,
    manifest: {
      computed: true,
      columns: args.columns.map((c) => c.name),
      defaulted_to_channel: args.defaulted,
      bootstrap: { replicates: bootstrap, seed, level: INTERVAL_LEVEL, failed_fits: result.bootstrap.failedFits },
      pooled_segments: result.pooledSegments,
    },
  };
}
