/**
 * The growth-accounting chart (the "MRR movements" chart of the SaaS tools):
 * per period, bars stacked above zero for what came in and below zero for
 * what went out, with the quick ratio as a line on its own axis at the right.
 * Pure: rows in, a layered Vega-Lite spec out.
 */
import type { LifecycleRow } from '../parts/lifecycle/compute.ts';
import { formatIsoDate, periodStart, type PeriodUnit } from '../engine/periods.ts';
import { AVERAGE_COLOR, CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** One stacked series: a column of the rows, drawn below zero when `sign` is −1. */
export interface MovementSeries {
  key: keyof LifecycleRow;
  label: string;
  color: string;
  sign: 1 | -1;
}

/** Customers: new, retained, reactivated above zero; churned below (Okabe–Ito colours). */
export const CUSTOMER_MOVEMENTS: MovementSeries[] = [
  { key: 'retained', label: 'Retained', color: '#0072B2', sign: 1 },
  { key: 'new', label: 'New', color: '#009E73', sign: 1 },
  { key: 'reactivated', label: 'Reactivated', color: '#56B4E9', sign: 1 },
  { key: 'churned', label: 'Churned', color: '#D55E00', sign: -1 },
];

/** Revenue movements: new, expansion, reactivated above zero; contraction and churned below. */
export const REVENUE_MOVEMENTS: MovementSeries[] = [
  { key: 'new_revenue', label: 'New', color: '#009E73', sign: 1 },
  { key: 'expansion_revenue', label: 'Expansion', color: '#0072B2', sign: 1 },
  { key: 'reactivated_revenue', label: 'Reactivated', color: '#56B4E9', sign: 1 },
  { key: 'contraction_revenue', label: 'Contraction', color: '#E69F00', sign: -1 },
  { key: 'churned_revenue', label: 'Churned', color: '#D55E00', sign: -1 },
];

const timeUnitOf = (period: PeriodUnit) => (period === 'month' ? 'utcyearmonth' : period === 'quarter' ? 'utcyearquarter' : 'utcyearmonthdate');
const periodTitle = (period: PeriodUnit) => (period === 'week' ? 'Week starting' : period === 'quarter' ? 'Quarter' : 'Month');

export function lifecycleMovementsSpec(
  rows: LifecycleRow[],
  o: { period: PeriodUnit; series: MovementSeries[]; ratio: 'quick_ratio' | 'revenue_quick_ratio'; yTitle: string; format: string; description: string },
) {
  const start = (r: LifecycleRow) => formatIsoDate(periodStart(o.period, r.period_index));
  const bars = rows.flatMap((r) =>
    o.series.map((s, i) => {
      const v = (r[s.key] as number | null) ?? 0;
      return { start: start(r), period: r.period, movement: s.label, order: i, value: s.sign * v, shown: v };
    }),
  ).filter((b) => b.value !== 0);
  const ratios = rows.filter((r) => r[o.ratio] !== null).map((r) => ({ start: start(r), period: r.period, ratio: r[o.ratio] }));
  const x = { field: 'start', type: 'temporal', timeUnit: timeUnitOf(o.period), title: periodTitle(o.period) };
  const labels = o.series.map((s) => s.label);
  return {
    $schema: SCHEMA,
    description: o.description,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        // Bars and the zero line share the left axis; the quick ratio has its own at the right.
        layer: [
          {
            data: { values: bars },
            mark: { type: 'bar' },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: o.yTitle, stack: 'zero', axis: { format: o.format } },
              color: { field: 'movement', type: 'nominal', title: null, scale: { domain: [...labels, 'Quick ratio'], range: [...o.series.map((s) => s.color), AVERAGE_COLOR] }, legend: { orient: 'top', direction: 'horizontal', labelLimit: 200 } },
              order: { field: 'order', type: 'quantitative' },
              tooltip: [
                { field: 'period', title: periodTitle(o.period) },
                { field: 'movement', title: 'Movement' },
                { field: 'shown', title: 'Value', format: o.format },
              ],
            },
          },
          {
            data: { values: [{ zero: 0 }] },
            mark: { type: 'rule', color: '#555', strokeWidth: 1 },
            encoding: { y: { field: 'zero', type: 'quantitative' } },
          },
        ],
      },
      {
        // The quick ratio and its break-even line (1: as much gained as lost), on the right axis.
        layer: [
          {
            data: { values: [{ one: 1 }] },
            mark: { type: 'rule', color: AVERAGE_COLOR, strokeDash: [4, 4], strokeWidth: 1, opacity: 0.6 },
            encoding: { y: { field: 'one', type: 'quantitative' } },
          },
          {
            data: { values: ratios.map((r) => ({ ...r, movement: 'Quick ratio' })) },
            mark: { type: 'line', strokeWidth: 1.5, color: AVERAGE_COLOR, point: { filled: true, size: 16, color: AVERAGE_COLOR } },
            encoding: {
              x: { ...x, bandPosition: 0.5 },
              y: { field: 'ratio', type: 'quantitative', title: 'Quick ratio (line; dashed = 1)', axis: { orient: 'right', format: '.1f', grid: false }, scale: { zero: true } },
              tooltip: [
                { field: 'period', title: periodTitle(o.period) },
                { field: 'ratio', title: 'Quick ratio', format: '.2f' },
              ],
            },
          },
        ],
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}
