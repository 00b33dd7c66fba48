/**
 * Restricting an analysis to a range of cohorts (`--from`/`--to` of the
 * views): the triangle cells and segment cells of the cohorts in range, their
 * averages recomputed over them, and the CRR of the periods in range. The
 * headline KPIs are not per cohort and stay as they are.
 */
import { UserError } from '../errors.ts';
import { periodIndex, periodLabel, type PeriodUnit } from '../engine/periods.ts';
import { averageCurve } from './retention.ts';
import type { CohortAnalysis } from './analyze-cohorts.ts';

export interface CohortRange {
  from?: string;
  to?: string;
}

function lastDayOfMonth(y: number, m: number): string {
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * Period index of a bound: a period label of the unit (`2024-03`, `2024-W05`,
 * `2024-Q1`), a month `YYYY-MM` for any unit (its first day for --from, its
 * last for --to) or a date `YYYY-MM-DD` (the period containing it).
 */
export function parseBound(value: string, unit: PeriodUnit, side: 'from' | 'to'): number {
  const v = value.trim();
  const bad = () =>
    new UserError(
      `--${side} ${JSON.stringify(value)}: expected a ${unit} such as ${unit === 'month' ? '2024-03' : unit === 'week' ? '2024-W05' : '2024-Q1'}, a month YYYY-MM or a date YYYY-MM-DD`,
    );
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) {
    try {
      return periodIndex(unit, v);
    } catch {
      throw bad();
    }
  }
  m = /^(\d{4})-(\d{2})$/.exec(v);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) throw bad();
    return periodIndex(unit, side === 'from' ? `${m[1]}-${m[2]}-01` : lastDayOfMonth(y, mo));
  }
  m = /^(\d{4})-Q([1-4])$/i.exec(v);
  if (m && unit === 'quarter') return Number(m[1]) * 4 + Number(m[2]) - 1;
  m = /^(\d{4})-W(\d{2})$/i.exec(v);
  if (m && unit === 'week') {
    // The week whose label matches: ISO week 1 contains January 4th.
    const jan4 = periodIndex('week', `${m[1]}-01-04`);
    const index = jan4 + Number(m[2]) - 1;
    if (periodLabel('week', index) !== `${m[1]}-W${m[2]}`) throw bad();
    return index;
  }
  throw bad();
}

/** The analysis restricted to the cohorts (and CRR periods) in the range. */
export function restrictCohorts(analysis: CohortAnalysis, range: CohortRange): CohortAnalysis {
  const unit = analysis.period;
  const lo = range.from !== undefined ? parseBound(range.from, unit, 'from') : -Infinity;
  const hi = range.to !== undefined ? parseBound(range.to, unit, 'to') : Infinity;
  if (lo > hi) throw new UserError(`--from ${range.from} is after --to ${range.to}`);
  const inRange = (i: number) => i >= lo && i <= hi;
  const cells = analysis.cells.filter((c) => inRange(c.cohort_index));
  if (cells.length === 0) {
    const all = [...new Set(analysis.cells.map((c) => c.cohort_index))].sort((a, b) => a - b);
    throw new UserError(
      `--from/--to: no cohort between ${range.from ?? 'the first'} and ${range.to ?? 'the last'}; the data has cohorts from ${periodLabel(unit, all[0])} to ${periodLabel(unit, all[all.length - 1])}`,
    );
  }
  return {
    ...analysis,
    cells,
    average: averageCurve(cells),
    segments: analysis.segments.map((s) => {
      const segCells = s.cells.filter((c) => inRange(c.cohort_index));
      return { ...s, cells: segCells, average: averageCurve(segCells) };
    }),
    crr: analysis.crr.filter((r) => inRange(r.period_index)),
  };
}

/** The labels of the first and last cohort of an analysis. */
export function cohortSpan(analysis: CohortAnalysis): { from: string; to: string } {
  const idx = analysis.cells.map((c) => c.cohort_index);
  return { from: periodLabel(analysis.period, Math.min(...idx)), to: periodLabel(analysis.period, Math.max(...idx)) };
}
