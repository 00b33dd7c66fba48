/** The monthly job's default as-of date: the last day of the previous UTC month, on a fixed clock. */
import { describe, expect, it } from 'vitest';
import { checkIsoDate, defaultMonthlyAsOf, isMonthEnd, monthOf, previousMonth } from '../../lib/job/as-of.ts';
import { UserError } from '../../lib/errors.ts';

describe('defaultMonthlyAsOf', () => {
  it('runs in a non-UTC time zone, so that local-time mistakes would show', () => {
    expect(new Date('2025-01-01T03:00:00Z').getTimezoneOffset()).not.toBe(0);
  });

  it('is the last day of the previous calendar month', () => {
    expect(defaultMonthlyAsOf(new Date('2024-07-15T12:00:00Z'))).toBe('2024-06-30');
    expect(defaultMonthlyAsOf(new Date('2024-07-01T00:00:00Z'))).toBe('2024-06-30');
    expect(defaultMonthlyAsOf(new Date('2024-07-31T23:59:59.999Z'))).toBe('2024-06-30');
    expect(defaultMonthlyAsOf(new Date('2024-03-01T06:00:00Z'))).toBe('2024-02-29'); // leap year
    expect(defaultMonthlyAsOf(new Date('2023-03-10T06:00:00Z'))).toBe('2023-02-28');
  });

  it('goes back from January to December of the year before', () => {
    expect(defaultMonthlyAsOf(new Date('2025-01-15T12:00:00Z'))).toBe('2024-12-31');
  });

  it('uses the UTC month, not the local one', () => {
    // 03:00 UTC on 1 January is still 31 December (22:00) in New York: by local
    // time the previous month would be November.
    expect(defaultMonthlyAsOf(new Date('2025-01-01T03:00:00Z'))).toBe('2024-12-31');
    // 23:30 local on 31 January in New York is already February in UTC.
    expect(defaultMonthlyAsOf(new Date('2025-02-01T04:30:00Z'))).toBe('2025-01-31');
  });
});

describe('monthly dates', () => {
  it('names the folder by the as-of month', () => {
    expect(monthOf('2024-06-30')).toBe('2024-06');
    expect(previousMonth('2024-01')).toBe('2023-12');
    expect(previousMonth('2024-03')).toBe('2024-02');
    expect(isMonthEnd('2024-02-29')).toBe(true);
    expect(isMonthEnd('2024-02-28')).toBe(false);
  });

  it('refuses dates that are not calendar dates', () => {
    expect(checkIsoDate('2024-02-29', '--as-of')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-6-30', '30/06/2024', '']) {
      expect(() => checkIsoDate(bad, '--as-of')).toThrow(UserError);
    }
    expect(() => checkIsoDate('2023-02-29', '--as-of')).toThrow('--as-of "2023-02-29": expected a calendar date as YYYY-MM-DD');
  });
});
