/**
 * Growth accounting on a hand-computed fixture (every figure below worked out
 * by hand from the rows), and its identities on the sample for every period.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openDatabase } from '../../../lib/engine/database.ts';
import { summarize } from '../../../lib/engine/summarize.ts';
import { loadOrders } from '../../../lib/load/load-orders.ts';
import { lifecycleTable, type LifecycleRow } from '../../../lib/parts/lifecycle/compute.ts';
import type { PeriodUnit } from '../../../lib/engine/periods.ts';
import { copySample } from '../../helpers/sample.ts';
import { tempFile } from '../../helpers/pipeline.ts';

// A: Jan 100, Feb 150 (expansion 50), Mar 120 (contraction 30), Apr nothing (churned), May 80 (reactivated).
// B: Jan 50, Feb nothing (churned), Mar 70 (reactivated), Apr 70 (retained, unchanged), May nothing (churned).
// C: Feb 40 and a refund of 10 (new, net 30), Mar 20 (retained, contraction 10), Apr a refund of 5 and no order
//    (churned; the refund is in no movement), May nothing.
// D: May 200 (new). E: June 10, in the month of the as-of date, which is not over: left out.
// (test/fixtures/lifecycle/orders.csv)
const ORDERS = readFileSync('test/fixtures/lifecycle/orders.csv', 'utf8');

// period, active, new, retained, reactivated, churned, quick_ratio, revenue, new_revenue, expansion_revenue,
// contraction_revenue, reactivated_revenue, churned_revenue, revenue_quick_ratio
const EXPECTED: [string, number, number, number, number, number, number | null, number, number, number, number, number, number, number | null][] = [
  ['2024-01', 2, 2, 0, 0, 0, null, 150, 150, 0, 0, 0, 0, null],
  ['2024-02', 2, 1, 1, 0, 1, 1, 180, 30, 50, 0, 0, 50, 1.6], // (30 + 50 + 0) ÷ (50 + 0)
  ['2024-03', 3, 0, 2, 1, 0, null, 210, 0, 0, 40, 70, 0, 1.75], // 70 ÷ 40
  ['2024-04', 1, 0, 1, 0, 2, 0, 70, 0, 0, 0, 0, 140, 0],
  ['2024-05', 2, 1, 0, 1, 1, 2, 280, 200, 0, 0, 80, 70, 4], // (200 + 80) ÷ 70
];

async function lifecycleOf(path: string, period: PeriodUnit = 'month', asOf?: string, map?: Record<string, string>) {
  const db = await openDatabase();
  try {
    const orders = await loadOrders(db, { path, asOf, map });
    await summarize(db, { period, asOf: orders.asOf, segmentBy: [] });
    return { orders, ...(await lifecycleTable(db, { period, asOf: orders.asOf, money: orders.money !== 'none' })) };
  } finally {
    db.close();
  }
}

/** Revenue in units of 0.0001 (amounts are DECIMAL(18,4)): identities compare whole numbers, exactly. */
const units = (v: number | null) => Math.round((v ?? 0) * 1e4);

function checkIdentities(rows: LifecycleRow[]): void {
  let prev: LifecycleRow | undefined;
  for (const r of rows) {
    expect(r.active, r.period).toBe(r.new + r.retained + r.reactivated);
    expect((prev?.active ?? 0), r.period).toBe(r.retained + r.churned);
    expect(units(r.revenue) - units(prev?.revenue ?? 0), r.period).toBe(
      units(r.new_revenue) + units(r.expansion_revenue) - units(r.contraction_revenue) + units(r.reactivated_revenue) - units(r.churned_revenue),
    );
    expect(r.quick_ratio, r.period).toBe(r.churned > 0 ? (r.new + r.reactivated) / r.churned : null);
    prev = r;
  }
}

describe('growth accounting', () => {
  it('matches the hand-computed table, leaving out the month of the as-of date', async () => {
    const { rows, outside } = await lifecycleOf(tempFile('orders.csv', ORDERS), 'month', '2024-06-15');
    expect(rows.map((r) => [r.period, r.active, r.new, r.retained, r.reactivated, r.churned, r.quick_ratio, r.revenue, r.new_revenue, r.expansion_revenue, r.contraction_revenue, r.reactivated_revenue, r.churned_revenue, r.revenue_quick_ratio])).toEqual(EXPECTED);
    expect(outside).toEqual({ rows: 1, revenue: -5 });
    checkIdentities(rows);
  });

  it('counts June once the as-of date is its last day', async () => {
    const { rows } = await lifecycleOf(tempFile('orders.csv', ORDERS), 'month', '2024-06-30');
    // June: E new (10); A and D churned (80 + 200).
    expect(rows.at(-1)).toMatchObject({ period: '2024-06', active: 1, new: 1, retained: 0, reactivated: 0, churned: 2, quick_ratio: 0.5, revenue: 10, churned_revenue: 280 });
  });

  it('leaves the revenue columns empty for a purchase log', async () => {
    const path = tempFile('log.csv', ORDERS.split('\n').filter((l) => !l.includes(',-')).map((l) => l.split(',').slice(0, 2).join(',')).join('\n'));
    const { orders, rows } = await lifecycleOf(path, 'month', '2024-06-15');
    expect(orders.money).toBe('none');
    expect(rows.map((r) => [r.period, r.active, r.new, r.retained, r.reactivated, r.churned])).toEqual(EXPECTED.map((e) => e.slice(0, 6)));
    for (const r of rows) expect([r.revenue, r.new_revenue, r.expansion_revenue, r.contraction_revenue, r.reactivated_revenue, r.churned_revenue, r.revenue_quick_ratio]).toEqual([null, null, null, null, null, null, null]);
  });

  it('holds its identities on the sample in every period, by month, week and quarter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lifecycle-'));
    copySample(dir);
    for (const period of ['month', 'week', 'quarter'] as const) {
      const { rows } = await lifecycleOf(join(dir, 'orders.csv'), period);
      expect(rows.length).toBeGreaterThan(period === 'quarter' ? 10 : 30);
      checkIdentities(rows);
    }
    // Two months checked against pandas (/usr/bin/python3, pandas 2: orders grouped by customer and
    // to_period('M'); active = an amount ≥ 0 in the month; revenue = sum of all amounts in the month).
    const { rows } = await lifecycleOf(join(dir, 'orders.csv'));
    const pick = (p: string) => {
      const r = rows.find((x) => x.period === p)!;
      return [r.active, r.new, r.retained, r.reactivated, r.churned, r.revenue, r.new_revenue, r.expansion_revenue, r.contraction_revenue, r.churned_revenue];
    };
    expect(pick('2024-11')).toEqual([3695, 1445, 891, 1359, 2336, 297735.73, 105347.31, 26869.98, 29365.7, 170844.79]);
    expect(pick('2024-12')).toEqual([4020, 1532, 1000, 1488, 2695, 320914.2, 109229, 30795.61, 29621.77, 203371.81]);
  });
});
