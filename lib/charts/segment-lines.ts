import type { AveragePoint } from '../cohorts/retention.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { MIN_AVERAGE_COHORTS } from './cohort-lines.ts';
import { categoryScale, OTHERS } from './colors.ts';
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** More lines than this read as spaghetti: the largest MAX_LINES − 1 are drawn and the rest gathered into one "all others" line. */
export const MAX_LINES = 6;

interface LinePoint {
  segment: string;
  period_offset: number;
  value: number;
  cohorts: number;
  customers: number;
}

/**
 * The lines of a chart with at most {@link MAX_LINES} series: the values with the most customers
 * (`sizes`), and the others merged, each offset's share weighted by the customers behind it.
 */
function topAndOthers(points: LinePoint[], sizes: ReadonlyMap<string, number>): LinePoint[] {
  const segments = [...new Set(points.map((p) => p.segment))];
  if (segments.length <= MAX_LINES) return points;
  const kept = new Set([...segments].sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0) || (a < b ? -1 : 1)).slice(0, MAX_LINES - 1));
  const others = new Map<number, { active: number; customers: number; cohorts: number }>();
  for (const p of points) {
    if (kept.has(p.segment)) continue;
    const o = others.get(p.period_offset) ?? { active: 0, customers: 0, cohorts: 0 };
    o.active += p.value * p.customers;
    o.customers += p.customers;
    o.cohorts = Math.max(o.cohorts, p.cohorts);
    others.set(p.period_offset, o);
  }
  const merged = [...others].sort((a, b) => a[0] - b[0]).map(([k, o]) => ({ segment: OTHERS, period_offset: k, value: o.customers > 0 ? o.active / o.customers : 0, cohorts: o.cohorts, customers: o.customers }));
  return [...points.filter((p) => kept.has(p.segment)), ...merged];
}

/** Average retention curve per segment (complete cells, size-weighted), offset ≥ 1; more than {@link MAX_LINES} values: top five and "all others". */
export function segmentLinesSpec(
  average: AveragePoint[],
  options: {
    period: PeriodUnit;
    segmentColumn: string;
    colorKey: string;
    sizes?: ReadonlyMap<string, number>;
    /** Colours that carry a meaning (score bands from good to bad) instead of the report's category colours. */
    fixedColors?: { domain: string[]; range: string[] };
  },
) {
  const all = average
    .filter((a) => a.period_offset >= 1 && a.cohorts >= MIN_AVERAGE_COHORTS)
    .map((a) => ({ segment: a.segment as string, period_offset: a.period_offset, value: a.retention_rate, cohorts: a.cohorts, customers: a.cohort_customers }));
  const values = topAndOthers(all, options.sizes ?? new Map());
  const xTitle = `${options.period.charAt(0).toUpperCase()}${options.period.slice(1)}s since first order`;
  const segments = [...new Set(values.map((v) => v.segment))].sort((a, b) => (a === OTHERS ? 1 : b === OTHERS ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    $schema: SCHEMA,
    description: `Average retention curve of each ${options.segmentColumn} value (${segments.length} lines${segments.includes(OTHERS) ? `, the smaller values gathered as "${OTHERS}"` : ''}).`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2, point: { size: 18, filled: true } },
    encoding: {
      x: { field: 'period_offset', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'Active customers (share of cohort)', axis: { format: '.0%' }, scale: { domainMin: 0 } },
      color: {
        field: 'segment',
        type: 'nominal',
        title: options.segmentColumn,
        scale: options.fixedColors ?? categoryScale(options.colorKey, segments),
        legend: { titleLimit: 240, labelLimit: 240 },
      },
      tooltip: [
        { field: 'segment', title: options.segmentColumn },
        { field: 'period_offset', title: xTitle },
        { field: 'value', title: 'Active share', format: '.1%' },
        { field: 'cohorts', title: 'Cohorts averaged' },
        { field: 'customers', title: 'Customers', format: ',' },
      ],
    },
  };
}
