import { describe, expect, it } from 'vitest';
import { formatIsoDate, periodEnd, periodIndex, periodIndexSql, periodLabel, periodLabelSql, periodStart, PERIOD_UNITS, type PeriodUnit } from '../../lib/engine/periods.ts';
import { openDatabase } from '../../lib/engine/database.ts';

describe('periods', () => {
  it('labels months, quarters and ISO weeks (UTC)', () => {
    expect(periodLabel('month', periodIndex('month', '2024-02-29'))).toBe('2024-02');
    expect(periodLabel('quarter', periodIndex('quarter', '2024-11-30'))).toBe('2024-Q4');
    // ISO week-numbering year edge cases (ISO 8601): the week belongs to the year of its Thursday.
    expect(periodLabel('week', periodIndex('week', '2021-01-03'))).toBe('2020-W53');
    expect(periodLabel('week', periodIndex('week', '2021-01-04'))).toBe('2021-W01');
    expect(periodLabel('week', periodIndex('week', '2024-12-30'))).toBe('2025-W01');
    expect(periodLabel('week', periodIndex('week', '2026-11-22'))).toBe('2026-W47');
  });

  it('gives each period its first and last day', () => {
    const cases: [PeriodUnit, string, string, string][] = [
      ['month', '2024-02-10', '2024-02-01', '2024-02-29'],
      ['quarter', '2024-05-10', '2024-04-01', '2024-06-30'],
      ['week', '2024-01-10', '2024-01-08', '2024-01-14'],
      ['week', '1899-12-31', '1899-12-25', '1899-12-31'],
    ];
    for (const [unit, day, start, end] of cases) {
      const i = periodIndex(unit, day);
      expect([formatIsoDate(periodStart(unit, i)), formatIsoDate(periodEnd(unit, i))]).toEqual([start, end]);
    }
  });

  it('counts offsets by plain subtraction', () => {
    expect(periodIndex('month', '2025-01-01') - periodIndex('month', '2024-12-31')).toBe(1);
    expect(periodIndex('week', '2024-01-08') - periodIndex('week', '2024-01-07')).toBe(1);
    expect(periodIndex('quarter', '2025-01-01') - periodIndex('quarter', '2023-01-01')).toBe(8);
  });
});

describe('periods in SQL', () => {
  it('gives the same index and label in DuckDB as in JavaScript, for every day of 2019–2026', async () => {
    const db = await openDatabase();
    try {
      for (const unit of PERIOD_UNITS) {
        const rows = await db.rows<{ d: string; i: number; label: string }>(
          `SELECT strftime(d, '%Y-%m-%d') AS d, ${periodIndexSql(unit, 'd')} AS i, ${periodLabelSql(unit, 'd')} AS label
           FROM (SELECT CAST(unnest(generate_series(DATE '2019-01-01', DATE '2026-12-31', INTERVAL 1 DAY)) AS DATE) AS d)`,
        );
        expect(rows.length).toBe(2922);
        const wrong = rows.filter((r) => r.i !== periodIndex(unit, r.d) || r.label !== periodLabel(unit, r.i));
        expect(wrong.slice(0, 3), unit).toEqual([]);
      }
    } finally {
      db.close();
    }
  });
});
