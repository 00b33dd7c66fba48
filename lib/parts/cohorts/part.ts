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
import type { RunContext } from '../../run/run-context.ts';
import { projectCohorts } from '../../clv/cohort-projection.ts';
import { modelTitle } from '../../models/registry.ts';
import { periodIndex, periodLabel, periodsPerYear } from '../../engine/periods.ts';
import { crrSection, cumulativeSection, curvesSection, definitionsSection, kpiSection, MAX_TRIANGLE, revenueRetentionSection, segmentSections, triangleSection, type CohortProjection } from './present.ts';

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
export const COHORT_PROJECTION_COLUMNS = ['cohort', 'period', 'periods_ahead', 'projected_revenue_per_customer'] as const;

/** data/cohort_projection.csv: per cohort and coming period, the expected net revenue per customer from the as-of date to the period's end. */
function projectionRows(analysis: CohortAnalysis, p: CohortProjection): Record<string, unknown>[] {
  const cohorts = new Map(analysis.cells.map((c) => [c.cohort_index, c.cohort]));
  const asOfPeriod = periodIndex(analysis.period, analysis.asOf);
  return [...p.byCohort]
    .filter(([i]) => cohorts.has(i))
    .sort((a, b) => a[0] - b[0])
    .flatMap(([i, ahead]) => [...ahead].map((v, j) => ({ cohort: cohorts.get(i), period: periodLabel(analysis.period, asOfPeriod + j + 1), periods_ahead: j + 1, projected_revenue_per_customer: v })));
}

export const CRR_COLUMNS = ['period', 'customers_start', 'new_customers', 'customers_end', 'crr', 'complete'] as const;

const rows = (v: unknown) => v as Record<string, unknown>[];

/**
 * The projected cells of the cohort table: when the run scores its customers anyway
 * (Customer value and the sections built on it are shown), each cohort's expected net revenue per
 * customer in the coming periods (lib/clv/cohort-projection.ts).
 */
async function projection(ctx: RunContext): Promise<CohortProjection | undefined> {
  const v = ctx.options.value;
  if (!ctx.needed.has('scores') || ctx.orders.money === 'none' || v === false || v.business !== 'non-contractual') return undefined;
  const fits = await ctx.product('fits');
  const scores = await ctx.product('scores');
  if ('failed' in fits || !fits.all.spend || !scores?.columns.includes('expected_avg_spend')) return undefined;
  // The cohort table's last column (present.ts shows at most MAX_TRIANGLE offsets), and a year for every cohort in the CSV.
  const throughOffset = Math.min(MAX_TRIANGLE - 1, Math.max(0, ...ctx.analysis.cells.map((c) => c.period_offset)));
  ctx.progress?.step('projecting the cohorts\' coming periods');
  const byCohort = await projectCohorts(ctx.db, { asOf: ctx.orders.asOf, period: ctx.options.period, throughOffset, minPeriods: periodsPerYear(ctx.options.period), fits, scores });
  return { byCohort, model: modelTitle(fits.model) };
}

export const part: ReportPart<{ analysis: CohortAnalysis; orders: LoadedOrders; projection?: CohortProjection }> = {
  id: 'cohorts',
  needs: () => [],
  enabled: () => true,
  compute: async (ctx) => ({ analysis: ctx.analysis, orders: ctx.orders, projection: await projection(ctx) }),
  present({ analysis, orders, projection: projected }, { fmt, currency, options }) {
    const input = { analysis, orders, fmt, currency, triangleMetric: options.triangleMetric, labels: options.labels, projection: projected };
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
        ...(projected ? [{ name: 'cohort_projection.csv', columns: COHORT_PROJECTION_COLUMNS, rows: projectionRows(analysis, projected) }] : []),
        ...(analysis.segments.length > 0
          ? [{ name: 'cohort_retention_by_segment.csv', columns: ['segment_column', 'segment', ...COHORT_RETENTION_COLUMNS], rows: rows(analysis.segments.flatMap((s) => s.cells)) }]
          : []),
      ],
    };
  },
};
