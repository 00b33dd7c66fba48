/**
 * The "Projected value by segment" part, presenting half: projected CLV per
 * segment (the run's `segment-value` product, lib/clv/segment-value-product.ts)
 * with bootstrap intervals, as one bar chart per segment column, a table
 * (data/segment_clv.csv) and a narrative naming the most and least valuable
 * segments and how sure the ranking is.
 */
import { columnLabel, type ColumnLabels } from '../../report/labels.ts';
import { segmentValueSpec } from '../../charts/segment-value-charts.ts';
import { ALL_COLUMN, BOOTSTRAP_DEFAULT_MAX_CUSTOMERS, DEFAULT_BOOTSTRAP, INTERVAL_LEVEL, SEGMENT_CLV_COLUMNS, type SegmentValueRow } from '../../clv/segment-value.ts';
import { RFM_COLUMN_NAME, type SegmentValueFigures } from '../../clv/segment-value-product.ts';
import { modelTitle, spendModel } from '../../models/registry.ts';
import { DEFAULT_MIN_SEGMENT_SIZE, type ValueOptions } from '../../clv/value-options.ts';
import type { Formatters } from '../../report/format.ts';
import type { PartOutput } from '../part.ts';

export const SEGMENT_VALUE_ID = 'segment-value';
const TITLE = 'Projected value by segment';

/** Methods entries of the section. */
export const SEGMENT_VALUE_DEFINITIONS = [
  {
    term: 'Projected CLV per segment',
    definition: "Each customer's projected CLV as in Customer value (one score per customer, in data/customers.csv), added up over the segment's customers: mean, median and total are over them; share alive is their mean P(alive); expected purchases are their total over the horizon. So the segments of a column add up to the row for all customers, and a segment has the same value in every section.",
  },
  {
    term: 'Bootstrap interval',
    definition: `Resample the customers with replacement (as many as there are), refit the models on the resample (the fits on all customers, and each channel's own fits on its resampled customers), rescore, and record each segment's mean CLV; repeat N times with a seeded generator. The ${Math.round(INTERVAL_LEVEL * 100)}% interval of the mean runs from the 5th to the 95th percentile of the N means; the interval of the total is the segment's customer count times that. Replicates compute the expected purchases while alive on a 7-day grid of customer age and interpolate (a change of under 0.05%). With --bootstrap-method parametric a replicate resamples the customers likewise but, instead of refitting, draws each fit's parameters from their asymptotic normal distribution (the log-parameters from a normal around the estimates with the covariance of the fit, the inverse Hessian of the log-likelihood): much faster with many customers, and on the sample data its intervals are 55–100% as wide as the refits'. The interval reflects sampling and estimation uncertainty under the model, not whether the model is right.`,
  },
  { term: 'Realized value to date', definition: "Net revenue (refunds included) of the segment's customers from their first order to the as-of date; not discounted, no margin applied." },
  { term: 'Simple CLV per segment', definition: 'The simple formula (see Simple CLV) computed over the segment\'s customers only: their AOV, orders per year and yearly retention. It covers the whole expected lifetime, undiscounted, so it is larger than a projection over a finite horizon.' },
];


/** An empty section that says why there is nothing to show. */
function empty(reason: string): PartOutput {
  return { sections: [{ id: SEGMENT_VALUE_ID, title: TITLE, narrative: [reason] }], manifest: { segment_value: { computed: false, reason } } };
}

export function presentSegmentValue(f: SegmentValueFigures | { failed: string }, p: { fmt: Formatters; currency: string; options: ValueOptions; labels?: ColumnLabels }): PartOutput {
  if ('failed' in f) return empty(f.failed);
  const { fmt } = p;
  const o = p.options;
  const { result, bootstrap, seed, autoOff, method } = f;
  const how = method === 'parametric' ? 'parametric bootstrap replicates: the customers resampled, the fitted parameters drawn from their estimated sampling distribution instead of refitted' : 'bootstrap resamples of the customers, the models refitted on each';
  const rows = result.rows.filter((r) => !f.hidden.includes(r.segment_column));
  const level = `${Math.round(INTERVAL_LEVEL * 100)}%`;
  const money = (v: number | null) => (v === null ? 'n/a' : fmt.moneyPrecise(v));
  const band = (r: SegmentValueRow) => (r.clv_mean_low === null || r.clv_mean_high === null ? 'no interval' : `${level} interval ${money(r.clv_mean_low)}–${money(r.clv_mean_high)}`);
  const overlaps = (a: SegmentValueRow, b: SegmentValueRow) =>
    a.clv_mean_low === null || a.clv_mean_high === null || b.clv_mean_low === null || b.clv_mean_high === null || (a.clv_mean_low <= b.clv_mean_high && b.clv_mean_low <= a.clv_mean_high);
  const all = rows.find((r) => r.segment_column === ALL_COLUMN) as SegmentValueRow;
  const minSize = o.minSegmentSize ?? DEFAULT_MIN_SEGMENT_SIZE;
  const small = (r: SegmentValueRow) => r.segment_column !== ALL_COLUMN && r.customers < minSize;
  const fileRows = rows.map((r) => ({ ...r, small_segment: small(r) }));
  const valueWord = o.margin === undefined ? 'revenue' : `gross margin at ${fmt.setting(o.margin)} of revenue`;
  const narrative = [
    bootstrap > 0
      ? `Over the next ${o.horizonMonths} months, the average customer is worth ${money(all.clv_mean)} (${band(all)}; ${valueWord}, discounted at ${fmt.setting(o.annualDiscountRate)} a year); the intervals come from ${fmt.integer(bootstrap)} ${how} (seed ${seed}).`
      : `Over the next ${o.horizonMonths} months, the average customer is worth ${money(all.clv_mean)} (${valueWord}, discounted at ${fmt.setting(o.annualDiscountRate)} a year). ${
          autoOff
            ? `No intervals: with more than ${fmt.integer(BOOTSTRAP_DEFAULT_MAX_CUSTOMERS)} customers the bootstrap (${DEFAULT_BOOTSTRAP} refits of the models) would take minutes, so it runs only when asked for: --bootstrap N, or --bootstrap-method parametric (parameters drawn instead of refitted; faster).`
            : 'No intervals (--bootstrap 0).'
        }`,
  ];
  const columns = f.columns;
  if (columns.length === 0) {
    narrative.push('No segments: no --segment-by was given and the orders have no channel column, so only the figures for all customers are shown.');
  } else if (f.defaulted) {
    narrative.push("No --segment-by was given, so the segments are the acquisition channels (the channel of each customer's first order).");
  }
  const charts: { spec: object; caption: string }[] = [];
  for (const name of columns) {
    const segs = rows.filter((r) => r.segment_column === name).sort((a, b) => b.clv_mean - a.clv_mean);
    if (segs.length === 0) continue;
    const label = columnLabel(name, p.labels);
    charts.push({
      spec: segmentValueSpec(segs, { column: label, currency: p.currency, horizonMonths: o.horizonMonths, level: INTERVAL_LEVEL }),
      caption: `Mean projected ${o.horizonMonths}-month value per customer by ${label}, with ${level} bootstrap intervals.`,
    });
    const tooSmall = segs.filter(small);
    if (tooSmall.length > 0) {
      narrative.push(
        `By ${label}, ${tooSmall.length === 1 ? 'the segment' : `${tooSmall.length} segments`} ${tooSmall.slice(0, 5).map((s) => `"${s.segment}" (${fmt.integer(s.customers)} ${s.customers === 1 ? 'customer' : 'customers'})`).join(', ')}${tooSmall.length > 5 ? ' and more' : ''} ${tooSmall.length === 1 ? 'has' : 'have'} fewer than ${fmt.integer(minSize)} customers: shown, but not ranked, and ${tooSmall.length === 1 ? 'its interval is' : 'their intervals are'} unreliable (--min-segment-size).`,
      );
    }
    const ranked = segs.filter((s) => !small(s));
    if (ranked.length < 2) {
      if (tooSmall.length === 0) narrative.push(`By ${label}, every customer is in one segment, "${segs[0].segment}".`);
      else if (ranked.length === 1) narrative.push(`By ${label}, only "${ranked[0].segment}" is large enough to read: ${money(ranked[0].clv_mean)} on average (${band(ranked[0])}).`);
      continue;
    }
    const [best, second] = ranked;
    const worst = ranked[ranked.length - 1];
    narrative.push(
      `By ${label}, customers from "${best.segment}" are worth the most (${money(best.clv_mean)} on average, ${band(best)}) and those from "${worst.segment}" the least (${money(worst.clv_mean)}, ${band(worst)}).`,
    );
    if (ranked.length === 2) {
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
      narrative.push(`Even the most and least valuable segments by ${label} have overlapping intervals: the data cannot tell them apart with confidence.`);
    }
  }
  if (columns.includes(RFM_COLUMN_NAME)) {
    narrative.push(`The ${RFM_COLUMN_NAME}s are defined from the same purchase history the models read; their values are the same customers' scores, not separate fits.`);
  }
  if (o.margin === undefined) narrative.push('No gross margin was given (--margin), so these values are revenue, not profit.');
  const [first, ...rest] = charts;
  return {
    sections: [
      {
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
            { key: 'note', label: 'Note', kind: 'text' },
          ],
          rows: fileRows.map((r) => ({ ...r, note: r.small_segment ? `fewer than ${minSize} customers: not ranked, interval unreliable` : '' })) as unknown as Record<string, unknown>[],
          note: 'All figures are in data/segment_clv.csv.',
          csvName: 'segment_clv.csv',
        },
        bullets: [
          `Purchase model ${modelTitle(f.fits.model)} and ${spendModel.title}: the same fits and per-customer scores as Customer value; the row "all customers" is the mean of data/customers.csv's clv.`,
          `Bootstrap: ${fmt.integer(bootstrap)} ${method === 'parametric' ? 'parametric replicates' : 'resamples'}, seed ${seed} (--bootstrap, --bootstrap-seed, --bootstrap-method ${method})${result.bootstrap.failedFits > 0 ? `; ${fmt.integer(result.bootstrap.failedFits)} ${method === 'parametric' ? 'draws had no usable covariance' : 'refits failed to converge'} and were left out` : ''}.`,
        ],
        definitions: rows.length > 0 ? SEGMENT_VALUE_DEFINITIONS : undefined,
      },
    ],
    files: rows.length > 0 ? [{ name: 'segment_clv.csv', columns: SEGMENT_CLV_COLUMNS, rows: fileRows as unknown as Record<string, unknown>[] }] : [],
    manifest: {
      segment_value: {
        computed: true,
        columns,
        defaulted_to_channel: f.defaulted,
        bootstrap: { replicates: bootstrap, method, seed, level: INTERVAL_LEVEL, failed_fits: result.bootstrap.failedFits },
        min_segment_size: minSize,
        fit_groups: f.fits.groups.map((g) => g.value),
      },
    },
  };
}
