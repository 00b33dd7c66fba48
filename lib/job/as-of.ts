/**
 * Dates of the monthly job. The default as-of date is the last day of the
 * previous calendar month in UTC, whatever the machine's time zone: a run on
 * 2025-01-01 (any hour, UTC) reports on 2024-12-31. The clock is a parameter
 * so that tests can fix it.
 */
import { UserError } from '../errors.ts';

/** Last day of the calendar month before `now`'s UTC month, as YYYY-MM-DD. */
export function defaultMonthlyAsOf(now: Date): string {
  if (Number.isNaN(now.getTime())) throw new RangeError('defaultMonthlyAsOf: invalid date');
  // Day 0 of the current UTC month is the last day of the previous month.
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return last.toISOString().slice(0, 10);
}

/** Checks a YYYY-MM-DD calendar date (2024-02-30 is refused). */
export function checkIsoDate(value: string, what: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ok = m !== null && (() => {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.toISOString().slice(0, 10) === value;
  })();
  if (!ok) throw new UserError(`${what} ${JSON.stringify(value)}: expected a calendar date as YYYY-MM-DD, e.g. 2024-06-30`);
  return value;
}

/** The output folder name of a run: the as-of date's month, YYYY-MM. */
export function monthOf(asOf: string): string {
  return asOf.slice(0, 7);
}

/** Whether `asOf` is the last day of its month (a full month of data). */
export function isMonthEnd(asOf: string): boolean {
  const [y, m, d] = asOf.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).getUTCDate() === 1;
}

/** The month before YYYY-MM. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

/** Folder names of monthly runs. */
export const MONTH_DIR = /^\d{4}-(0[1-9]|1[0-2])$/;
