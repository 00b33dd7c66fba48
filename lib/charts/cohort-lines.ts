import type { AveragePoint, RetentionCell } from '../cohorts/retention.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { AVERAGE_COLOR, CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** Which measure of the cohort table a line chart shows. */
export type CohortMeasure = 'retention_rate' | 'revenue_retention_rate' | 'cumulative_revenue_per_customer';

export interface CohortLinesOptions {
  period: PeriodUnit;
  measure: CohortMeasure;
  /** Axis title of the measure. */
  title: string;
  /** d3 format of the measure (e.g. `.0%` or `$,.0f`). */
  format: string;
  /** Smallest offset drawn (1 leaves out offset 0, which is 100% by definition for rates). */
  minOffset?: number;
  /** Average points resting on fewer cohorts than this are not drawn (too noisy); default 3. */
  minCohorts?: number;
  description: string;
}

/** Average points resting on fewer cohorts are left out of charts (the CSV has them). */
export const MIN_AVERAGE_COHORTS = 3;

/**
 * One thin line per cohort (complete cells only), coloured from light (old)
 * to dark (recent), and the size-weighted average as a thick dark line.
 */
export function cohortLinesSpec(cells: RetentionCell[], average: AveragePoint[], options: CohortLinesOptions) {
  const minOffset = options.minOffset ?? 0;
  const m = options.measure;
  const lines = cells
    .filter((c) => c.complete && c.period_offset >= minOffset && c[m] !== null)
    .map((c) => ({ cohort: c.cohort, period_offset: c.period_offset, value: c[m], customers: c.cohort_customers }));
  const avg = average
    .filter((a) => a.period_offset >= minOffset && a[m] !== null && a.cohorts >= (options.minCohorts ?? MIN_AVERAGE_COHORTS))
    .map((a) => ({ period_offset: a.period_offset, value: a[m], cohorts: a.cohorts }));
  const xTitle = `${options.period.charAt(0).toUpperCase()}${options.period.slice(1)}s since first order`;
  // Nothing to draw (no complete period yet): fixed scales, or the axes would run from ∞ to −∞.
  const empty = lines.length === 0 && avg.length === 0;
  const x = { field: 'period_offset', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' }, ...(empty ? { scale: { domain: [minOffset, minOffset + 1] } } : {}) };
  const y = { field: 'value', type: 'quantitative', title: options.title, axis: { format: options.format }, ...(empty ? { scale: { domain: [0, 1] } } : {}) };
  return {
    $schema: SCHEMA,
    description: empty ? `${options.description} Empty: no cohort has a complete ${options.period} to draw yet.` : options.description,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1, opacity: 0.6 },
        encoding: {
          x,
          y,
          detail: { field: 'cohort', type: 'nominal' },
          color: {
            field: 'cohort',
            type: 'ordinal',
            title: 'Cohort',
            scale: { scheme: { name: 'blues', extent: [0.25, 0.95] } },
            legend: null,
          },
          tooltip: [
            { field: 'cohort', title: 'Cohort' },
            { field: 'period_offset', title: xTitle },
            { field: 'value', title: options.title, format: options.format },
            { field: 'customers', title: 'Cohort size', format: ',' },
          ],
        },
      },
      {
        data: { values: avg },
        mark: { type: 'line', strokeWidth: 3.5, color: AVERAGE_COLOR, point: { filled: true, size: 30, color: AVERAGE_COLOR } },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'period_offset', title: xTitle },
            { field: 'value', title: `Average: ${options.title}`, format: options.format },
            { field: 'cohorts', title: 'Cohorts averaged' },
          ],
        },
      },
    ],
  };
}
