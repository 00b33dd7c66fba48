import type { CrrRow } from '../cohorts/crr.ts';
import { periodStart, formatIsoDate, type PeriodUnit } from '../engine/periods.ts';
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** CRR per complete period as a line over calendar time (UTC). */
export function crrLineSpec(rows: CrrRow[], options: { period: PeriodUnit; windowLabel: string }) {
  const values = rows
    .filter((r) => r.complete && r.crr !== null)
    .map((r) => ({
      period: r.period,
      start: formatIsoDate(periodStart(options.period, r.period_index)),
      crr: r.crr,
      customers_start: r.customers_start,
      customers_end: r.customers_end,
      new_customers: r.new_customers,
    }));
  const timeUnit = options.period === 'month' ? 'utcyearmonth' : options.period === 'quarter' ? 'utcyearquarter' : 'utcyearmonthdate';
  return {
    $schema: SCHEMA,
    description: `Customer retention rate (CRR) per ${options.period}, ${values.length} periods; a customer counts as active after ordering within ${options.windowLabel}.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2, color: '#0072B2', point: { filled: true, size: 20, color: '#0072B2' } },
    encoding: {
      x: { field: 'start', type: 'temporal', timeUnit, title: options.period === 'week' ? 'Week starting' : options.period === 'quarter' ? 'Quarter' : 'Month' },
      y: { field: 'crr', type: 'quantitative', title: 'CRR = (E − N) / S', axis: { format: '.0%' }, scale: { domainMin: 0 } },
      tooltip: [
        { field: 'period', title: 'Period' },
        { field: 'crr', title: 'CRR', format: '.1%' },
        { field: 'customers_start', title: 'S: active at start', format: ',' },
        { field: 'customers_end', title: 'E: active at end', format: ',' },
        { field: 'new_customers', title: 'N: new customers', format: ',' },
      ],
    },
  };
}
