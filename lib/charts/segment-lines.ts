import type { AveragePoint } from '../cohorts/retention.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { MIN_AVERAGE_COHORTS } from './cohort-lines.ts';
import { CATEGORY_COLORS, CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** Average retention curve per segment (complete cells, size-weighted), offset ≥ 1. */
export function segmentLinesSpec(average: AveragePoint[], options: { period: PeriodUnit; segmentColumn: string }) {
  const values = average
    .filter((a) => a.period_offset >= 1 && a.cohorts >= MIN_AVERAGE_COHORTS)
    .map((a) => ({ segment: a.segment, period_offset: a.period_offset, value: a.retention_rate, cohorts: a.cohorts, customers: a.cohort_customers }));
  const xTitle = `${options.period.charAt(0).toUpperCase()}${options.period.slice(1)}s since first order`;
  const segments = [...new Set(values.map((v) => v.segment))].sort();
  return {
    $schema: SCHEMA,
    description: `Average retention curve of each ${options.segmentColumn} value (${segments.length} lines).`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2, point: { size: 18, filled: true } },
    encoding: {
      x: { field: 'period_offset', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'Active customers (share of cohort)', axis: { format: '.0%' } },
      color: {
        field: 'segment',
        type: 'nominal',
        title: options.segmentColumn,
        scale: { domain: segments, range: CATEGORY_COLORS },
        legend: { titleLimit: 240, labelLimit: 240 },
      },
      strokeDash: segments.length > CATEGORY_COLORS.length ? { field: 'segment', type: 'nominal', legend: null } : undefined,
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
