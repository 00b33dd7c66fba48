/**
 * The per-customer summary (x, t_x, T, mean repeat order value) reproduces
 * Hardie's published CDNOW calibration summary: 2,357 customers, calibration
 * 1997-01-01..1997-09-30, x exactly and t_x, T, z̄ within the file's rounding
 * (values are given in weeks to 2 decimals). Source: Fader, Hardie & Lee (2005),
 * data in test/fixtures/cdnow (see its README).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../helpers/pipeline.ts';
import { cdnowOrdersFile } from '../helpers/cdnow-csv.ts';


describe('customer summary on CDNOW', () => {
  it('matches the published calibration summary for all 2,357 customers', async () => {
    const path = cdnowOrdersFile({ numericIds: true });
    const { customers, orders } = await analyzeFile({ path, dateFormat: 'yyyyMMdd', asOf: '1997-09-30' });
    expect(orders.input.rows_read).toBe(6919);
    expect(orders.input.dropped).toEqual([{ reason: 'dated after the as-of date 1997-09-30', rows: 1959 }]);
    const ours = new Map(
      (customers.objects() as { customer_id: string; frequency: number; recency_days: number; T_days: number; mean_repeat_order_value: number | null }[]).map((c) => [c.customer_id, c]),
    );
    const published = readFileSync('test/fixtures/cdnow/cdnow_customers_summary_with_transactions.csv', 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(',').map(Number));
    expect(published).toHaveLength(2357);
    expect(ours.size).toBe(2357);
    let repeaters = 0;
    const mismatches: string[] = [];
    for (const [id, x, tx, T, zbar] of published) {
      const c = ours.get(String(id));
      if (!c) {
        mismatches.push(`${id}: missing`);
        continue;
      }
      if (c.frequency !== x) mismatches.push(`${id}: x ${c.frequency} vs ${x}`);
      if (Math.abs(c.recency_days / 7 - tx) > 0.0051) mismatches.push(`${id}: t_x ${c.recency_days / 7} vs ${tx}`);
      if (Math.abs(c.T_days / 7 - T) > 0.0051) mismatches.push(`${id}: T ${c.T_days / 7} vs ${T}`);
      if (x > 0) {
        repeaters++;
        if (Math.abs((c.mean_repeat_order_value ?? NaN) - zbar) > 0.0051) mismatches.push(`${id}: zbar ${c.mean_repeat_order_value} vs ${zbar}`);
      } else if (c.mean_repeat_order_value !== null) mismatches.push(`${id}: zbar should be empty`);
    }
    expect(mismatches).toEqual([]);
    expect(repeaters).toBe(946);
  });

  it('is a single acquisition cohort quarter (Q1 1997) with 100% at offset 0', async () => {
    const path = cdnowOrdersFile({ numericIds: true });
    const { analysis } = await analyzeFile({ path, dateFormat: 'yyyyMMdd', asOf: '1997-09-30' }, { period: 'quarter' });
    const q1 = analysis.cells.filter((c) => c.cohort === '1997-Q1');
    expect(new Set(analysis.cells.map((c) => c.cohort))).toEqual(new Set(['1997-Q1']));
    expect(q1[0]).toMatchObject({ period_offset: 0, cohort_customers: 2357, active_customers: 2357, retention_rate: 1 });
  });
});
