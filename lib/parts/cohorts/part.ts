/**
 * The cohort part: headline figures, the retention triangle, retention
 * curves, revenue retention, cumulative revenue per customer, CRR and
 * retention per segment (present.ts), from the run's cohort analysis, with
 * their data files. The general definitions (order, cohort…) open Methods.
 */
import type { CohortAnalysis } from '../../cohorts/analyze-cohorts.ts';
import type { LoadedOrders } from '../../load/load-orders.ts';
import { cohortSummary } from './summary.ts';
import type { ReportPart } from '../part.ts';
import { crrSection, cumulativeSection, curvesSection, definitionsSection, kpiSection, revenueRetentionSection, segmentSections, triangleSection } from './present.ts';

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

const rows = (v: unknown) => v as Record<string, unknown>[];

export const part: ReportPart<{ analysis: CohortAnalysis; orders: LoadedOrders }> = {
  id: 'cohorts',
  needs: () => [],
  enabled: () => true,
  compute: async (ctx) => ({ analysis: ctx.analysis, orders: ctx.orders }),
  present({ analysis, orders }, { fmt, currency, options }) {
    const input = { analysis, orders, fmt, currency, triangleMetric: options.triangleMetric, labels: options.labels };
    return {
      sections: [
        kpiSection(input),
        triangleSection(input),
        curvesSection(input),
        revenueRetentionSection(input),
        cumulativeSection(input),
        crrSection(input),
        ...segmentSections(input),
        definitionsSection(input),
      ],
      summary: cohortSummary(analysis, fmt),
      files: [
        { name: 'cohort_retention.csv', columns: COHORT_RETENTION_COLUMNS, rows: rows(analysis.cells) },
        { name: 'retention_curve.csv', columns: RETENTION_CURVE_COLUMNS, rows: rows(analysis.average) },
        { name: 'crr.csv', columns: CRR_COLUMNS, rows: rows(analysis.crr) },
        ...(analysis.segments.length > 0
          ? [{ name: 'cohort_retention_by_segment.csv', columns: ['segment_column', 'segment', ...COHORT_RETENTION_COLUMNS], rows: rows(analysis.segments.flatMap((s) => s.cells)) }]
          : []),
      ],
    };
  },
};
