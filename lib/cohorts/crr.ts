/**
 * Customer retention rate per period, CRR = (E − N) / S (docs/formulas.md), with
 *   S = active customers at the start of the period (= at the end of the previous one),
 *   E = active customers at the end of the period,
 *   N = new customers acquired in the period.
 * A customer is active at the end of a period when they ordered within the
 * trailing window (one year of periods by default) ending with that period.
 * E − N can include customers who come back after a lapse longer than the
 * window, so CRR may exceed 100% in rare periods; the report says so.
 * In the first `window` periods of the data nobody can have lapsed yet, so
 * CRR would be 100% by construction: it is left empty there (warm-up).
 */
import type * as aq from 'arquero';
import { periodEnd, periodIndex, periodLabel, parseIsoDate, type PeriodUnit } from '../engine/periods.ts';

export interface CrrRow {
  period: string;
  period_index: number;
  customers_start: number;
  customers_end: number;
  new_customers: number;
  /** null while S = 0 and during the warm-up (the first `window` periods of the data). */
  crr: number | null;
  complete: boolean;
}

export function crrTable(
  activeDeltas: aq.ColumnTable,
  cohortSizes: aq.ColumnTable,
  period: PeriodUnit,
  asOf: string,
  window: number,
): CrrRow[] {
  const asOfMs = parseIsoDate(asOf);
  const last = periodIndex(period, asOfMs);
  const deltas = new Map<number, number>();
  for (const r of activeDeltas.objects() as { period_index: number; delta: number }[]) deltas.set(r.period_index, r.delta);
  const fresh = new Map<number, number>();
  for (const r of cohortSizes.objects() as { cohort_index: number; customers: number }[]) fresh.set(r.cohort_index, r.customers);
  if (fresh.size === 0) return [];
  const first = Math.min(...fresh.keys());
  const out: CrrRow[] = [];
  let active = 0;
  for (let p = first; p <= last; p++) {
    const start = active;
    active += deltas.get(p) ?? 0;
    const n = fresh.get(p) ?? 0;
    out.push({
      period: periodLabel(period, p),
      period_index: p,
      customers_start: start,
      customers_end: active,
      new_customers: n,
      crr: start > 0 && p >= first + window ? (active - n) / start : null,
      complete: periodEnd(period, p) <= asOfMs,
    });
  }
  return out;
}
