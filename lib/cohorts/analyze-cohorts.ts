/**
 * Everything the cohort part of a report shows, computed from the engine's
 * summary: the retention triangle (overall and per segment), the average
 * curves, CRR per period and the headline KPIs.
 */
import type { Summary } from '../engine/summarize.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { averageCurve, retentionTable, type AveragePoint, type RetentionCell } from './retention.ts';
import { crrTable, type CrrRow } from './crr.ts';
import { headlineKpis, type Kpis } from './kpis.ts';

export interface SegmentRetention {
  /** Attribute column segmented by (`channel` = acquisition channel). */
  column: string;
  /** Where a customer's value comes from, in words (lib/engine/summarize.ts). */
  origin: string;
  cells: RetentionCell[];
  average: AveragePoint[];
  /** `first:` segments: customers whose first order has several values (each counted under every one). */
  multiValued?: number;
}

export interface CohortAnalysis {
  period: PeriodUnit;
  asOf: string;
  cells: RetentionCell[];
  average: AveragePoint[];
  segments: SegmentRetention[];
  crr: CrrRow[];
  /** Trailing window (periods) that defines an active customer for CRR. */
  activeWindow: number;
  kpis: Kpis;
  /** Customers whose first order has no channel. */
  noChannelCustomers: number;
  /** Per cohort index: customers who ordered on two or more days by the as-of date. */
  cohortRepeat: ReadonlyMap<number, number>;
}

export function analyzeCohorts(summary: Summary, options: { period: PeriodUnit; asOf: string }): CohortAnalysis {
  const { period, asOf } = options;
  const sizes = summary.sizes;
  const cells = retentionTable({ cells: summary.cells, sizes, period, asOf });
  const segments = summary.segments.map((s) => {
    const segCells = retentionTable({ cells: s.cells, sizes: s.sizes, period, asOf }, s.column);
    return { column: s.column, origin: s.origin, cells: segCells, average: averageCurve(segCells), ...(s.multiValued ? { multiValued: s.multiValued } : {}) };
  });
  const crr = crrTable(summary.activeDeltas, sizes, period, asOf, summary.activeWindow);
  return {
    period,
    asOf,
    cells,
    average: averageCurve(cells),
    segments,
    crr,
    activeWindow: summary.activeWindow,
    cohortRepeat: new Map(summary.cohortRepeat.map((r) => [r.cohort_index, r.repeat_customers])),
    kpis: headlineKpis(summary.totals, crr),
    noChannelCustomers: summary.totals.no_channel,
  };
}
