/**
 * Cohort retention tables: for each acquisition cohort and period offset,
 * the cohort's size, its active customers, orders and revenue, with the
 * rates derived from them. Missing cells (no activity) are filled with zeros
 * up to the as-of period so that every cohort has a full row of the triangle.
 *
 *   retention_rate(c, k)          = active(c, k) / cohort_customers(c)    (k = 0 gives 1)
 *   revenue_retention_rate(c, k)  = revenue(c, k) / revenue(c, 0)
 *   cumulative_revenue_per_customer(c, k) = Σ_{j ≤ k} revenue(c, j) / cohort_customers(c)
 *
 * A cell is complete when its period ended on or before the as-of date;
 * incomplete cells are kept in the tables but left out of averages.
 */
import * as aq from 'arquero';
import { periodEnd, periodIndex, periodLabel, parseIsoDate, type PeriodUnit } from '../engine/periods.ts';

/** One cell of the triangle; the CSV contract columns plus indices for charts. */
export interface RetentionCell {
  segment_column?: string;
  segment?: string;
  cohort: string;
  cohort_index: number;
  period: string;
  period_index: number;
  period_offset: number;
  cohort_customers: number;
  active_customers: number;
  retention_rate: number;
  orders: number;
  revenue: number;
  /** null when the cohort's revenue at offset 0 is not positive. */
  revenue_retention_rate: number | null;
  cumulative_revenue_per_customer: number;
  complete: boolean;
}

export interface RetentionInput {
  /** Cells from the engine: cohort_index, period_index, active_customers, orders, revenue (+ segment). */
  cells: aq.ColumnTable;
  /** Customers per cohort (+ segment): cohort_index, customers (+ segment). */
  sizes: aq.ColumnTable;
  period: PeriodUnit;
  asOf: string;
}

/**
 * Builds the full triangle. With segmented input, each segment gets its own
 * triangle; the rows are ordered by segment, cohort and offset.
 */
export function retentionTable(input: RetentionInput, segmentColumn?: string): RetentionCell[] {
  const { period, asOf } = input;
  const asOfMs = parseIsoDate(asOf);
  const lastIndex = periodIndex(period, asOfMs);
  const key = (seg: string | undefined, c: number, p: number) => `${seg ?? ''}\u0000${c}\u0000${p}`;
  const cellMap = new Map<string, { active_customers: number; orders: number; revenue: number }>();
  for (const r of input.cells.objects() as Record<string, unknown>[]) {
    cellMap.set(key(r.segment as string | undefined, r.cohort_index as number, r.period_index as number), {
      active_customers: r.active_customers as number,
      orders: r.orders as number,
      revenue: r.revenue as number,
    });
  }
  const out: RetentionCell[] = [];
  for (const s of input.sizes.objects() as Record<string, unknown>[]) {
    const seg = s.segment as string | undefined;
    const c = s.cohort_index as number;
    const size = s.customers as number;
    let cumulative = 0;
    let revenue0 = 0;
    for (let p = c; p <= lastIndex; p++) {
      const cell = cellMap.get(key(seg, c, p)) ?? { active_customers: 0, orders: 0, revenue: 0 };
      if (p === c) revenue0 = cell.revenue;
      cumulative += cell.revenue;
      out.push({
        ...(segmentColumn !== undefined ? { segment_column: segmentColumn, segment: seg } : {}),
        cohort: periodLabel(period, c),
        cohort_index: c,
        period: periodLabel(period, p),
        period_index: p,
        period_offset: p - c,
        cohort_customers: size,
        active_customers: cell.active_customers,
        retention_rate: size > 0 ? cell.active_customers / size : 0,
        orders: cell.orders,
        revenue: cell.revenue,
        revenue_retention_rate: revenue0 > 0 ? cell.revenue / revenue0 : null,
        cumulative_revenue_per_customer: size > 0 ? cumulative / size : 0,
        complete: periodEnd(period, p) <= asOfMs,
      });
    }
  }
  return out;
}

/** One point of the size-weighted average curve. */
export interface AveragePoint {
  segment?: string;
  period_offset: number;
  /** Cohorts whose cell at this offset is complete (the ones averaged). */
  cohorts: number;
  cohort_customers: number;
  active_customers: number;
  retention_rate: number;
  revenue_retention_rate: number | null;
  cumulative_revenue_per_customer: number;
}

/**
 * Size-weighted average over complete cells at each offset:
 * Σ active / Σ cohort size, Σ revenue(k) / Σ revenue(0), and the cumulative
 * revenue per customer Σ_{j ≤ k} (Σ revenue(j) / Σ cohort size), each offset j
 * over the cohorts whose cell j is complete.
 */
export function averageCurve(cells: RetentionCell[]): AveragePoint[] {
  const revenue0 = new Map<string, number>();
  for (const c of cells) if (c.period_offset === 0) revenue0.set(`${c.segment ?? ''}\u0000${c.cohort_index}`, c.revenue);
  const complete = cells.filter((c) => c.complete);
  if (complete.length === 0) return [];
  const t = aq
    .from(
      complete.map((c) => ({
        segment: c.segment ?? '',
        period_offset: c.period_offset,
        cohort_customers: c.cohort_customers,
        active_customers: c.active_customers,
        revenue: c.revenue,
        revenue0: revenue0.get(`${c.segment ?? ''}\u0000${c.cohort_index}`) ?? 0,
      })),
    )
    .groupby('segment', 'period_offset')
    .rollup({
      cohorts: aq.op.count(),
      cohort_customers: aq.op.sum('cohort_customers'),
      active_customers: aq.op.sum('active_customers'),
      revenue: aq.op.sum('revenue'),
      revenue0: aq.op.sum('revenue0'),
    })
    .orderby('segment', 'period_offset');
  const hasSegments = cells.some((c) => c.segment !== undefined);
  // The cumulative value adds up each offset's revenue per customer of the cohorts that reached it, so the
  // curve only falls when an offset's refunds exceed its sales (the older cohorts alone at the far offsets
  // would otherwise pull a plain average of cumulative values down).
  let segment: string | undefined;
  let cumulative = 0;
  return (t.objects() as Record<string, number & string>[]).map((r) => {
    if (r.segment !== segment) [segment, cumulative] = [r.segment, 0];
    cumulative += r.cohort_customers > 0 ? r.revenue / r.cohort_customers : 0;
    return {
      ...(hasSegments ? { segment: r.segment as string } : {}),
      period_offset: r.period_offset,
      cohorts: r.cohorts,
      cohort_customers: r.cohort_customers,
      active_customers: r.active_customers,
      retention_rate: r.cohort_customers > 0 ? r.active_customers / r.cohort_customers : 0,
      revenue_retention_rate: r.revenue0 > 0 ? r.revenue / r.revenue0 : null,
      cumulative_revenue_per_customer: cumulative,
    };
  });
}
