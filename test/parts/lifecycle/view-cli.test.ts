/**
 * `clv view lifecycle` end to end: the real command on the hand fixture of
 * compute.test.ts (the same expected table, in CSV form), the range, and a
 * purchase log without amounts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree, runClv } from '../../helpers/cli.ts';
import { reportStructure } from '../../helpers/golden.ts';
import { tempFile } from '../../helpers/pipeline.ts';

const ORDERS = readFileSync('test/fixtures/lifecycle/orders.csv', 'utf8');

// Worked out by hand (see compute.test.ts for the story of each customer).
const CSV = `period,active,new,retained,reactivated,churned,quick_ratio,revenue,new_revenue,expansion_revenue,contraction_revenue,reactivated_revenue,churned_revenue,revenue_quick_ratio
2024-01,2,2,0,0,0,,150,150,0,0,0,0,
2024-02,2,1,1,0,1,1,180,30,50,0,0,50,1.6
2024-03,3,0,2,1,0,,210,0,0,40,70,0,1.75
2024-04,1,0,1,0,2,0,70,0,0,0,0,140,0
2024-05,2,1,0,1,1,2,280,200,0,0,80,70,4
`;

describe('clv view lifecycle', () => {
  it('writes the growth-accounting section, lifecycle.csv and the manifest entry', () => {
    const orders = tempFile('orders.csv', ORDERS);
    const out = join(orders, '..', 'out');
    const r = runClv(['view', 'lifecycle', '--orders', orders, '--as-of', '2024-06-15', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect([...readTree(out).keys()]).toEqual(['data/lifecycle.csv', 'index.html', 'manifest.json']);
    expect(readFileSync(join(out, 'data/lifecycle.csv'), 'utf8')).toBe(CSV);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).not.toMatch(/NaN|Infinity/);
    const page = reportStructure(html);
    expect(page.sections.map((s) => s.id)).toEqual(['lifecycle', 'methods']);
    const s = page.sections[0];
    expect(s.title).toBe('Growth accounting');
    expect(s.narrative[0]).toBe(
      'In 2024-05, 2 customers ordered: 1 new, 0 retained from 2024-04 and 1 reactivated (back after at least one month without an order). 1 of the 1 customer active in 2024-04 placed no order in 2024-05 (churned), so the active base grew by 1; the quick ratio (new + reactivated) ÷ churned is 2.00.',
    );
    expect(s.narrative).toContain(
      'Net revenue of the active customers went from $70 in 2024-04 to $280 in 2024-05: $200 from new customers, $0 of expansion and $0 of contraction among retained customers, $80 from reactivated customers, and $70 lost with the churned customers (what they spent in the month before); the revenue quick ratio (new + expansion + reactivated) ÷ (churned + contraction) is 4.00.',
    );
    expect(s.narrative).toContain('2024-06 is not over at the as-of date 2024-06-15 and is left out: who churned in it is known only when it ends.');
    expect(s.narrative.some((n) => n.startsWith('In 1 customer-months a customer had refunds but no order (-$5 in all)'))).toBe(true);
    expect(s.charts.length).toBe(2);
    expect(s.table!.rows.map((row) => row.slice(0, 7))).toEqual([
      ['2024-01', '2', '2', '0', '0', '0', ''],
      ['2024-02', '2', '1', '1', '0', '1', '1.00'],
      ['2024-03', '3', '0', '2', '1', '0', ''],
      ['2024-04', '1', '0', '1', '0', '2', '0.00'],
      ['2024-05', '2', '1', '0', '1', '1', '2.00'],
    ]);
    const methods = page.sections[1].definitions.join('\n');
    expect(methods).toContain('Quick ratio: Customers: (new + reactivated) ÷ churned');
    expect(methods).toContain('CRR = (retained + reactivated) ÷ (retained + churned)');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.lifecycle).toEqual({
      periods: 5,
      money: true,
      partial: '2024-06',
      latest: { period: '2024-05', active: 2, new: 1, retained: 0, reactivated: 1, churned: 1, quick_ratio: 2, revenue: 280, new_revenue: 200, expansion_revenue: 0, contraction_revenue: 0, reactivated_revenue: 80, churned_revenue: 70, revenue_quick_ratio: 4 },
    });
  }, 60_000);

  it('--from/--to limit the periods shown', () => {
    const orders = tempFile('orders.csv', ORDERS);
    const out = join(orders, '..', 'out');
    const r = runClv(['view', 'lifecycle', '--orders', orders, '--as-of', '2024-06-15', '--from', '2024-02', '--to', '2024-03', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'data/lifecycle.csv'), 'utf8')).toBe(CSV.split('\n').filter((l, i) => i === 0 || l.startsWith('2024-02') || l.startsWith('2024-03')).join('\n') + '\n');
    const page = reportStructure(readFileSync(join(out, 'index.html'), 'utf8'));
    expect(page.sections[0].narrative).toContain('Only the months from 2024-02 to 2024-03 are shown (--from/--to); each is still measured against the month before it.');
  }, 60_000);

  it('a purchase log: customers only, the revenue columns empty, no revenue chart', () => {
    const orders = tempFile('log.csv', ORDERS.split('\n').filter((l) => !l.includes(',-')).map((l) => l.split(',').slice(0, 2).join(',')).join('\n'));
    const out = join(orders, '..', 'out');
    const r = runClv(['view', 'lifecycle', '--orders', orders, '--as-of', '2024-06-15', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const csv = readFileSync(join(out, 'data/lifecycle.csv'), 'utf8').trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 7).join(','))).toEqual(CSV.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 7).join(',')));
    for (const l of csv.slice(1)) expect(l.split(',').slice(7)).toEqual(['', '', '', '', '', '', '']);
    const page = reportStructure(readFileSync(join(out, 'index.html'), 'utf8'));
    const s = page.sections[0];
    expect(s.charts.length).toBe(1);
    expect(s.narrative.join(' ')).not.toMatch(/\$/);
    expect(s.narrative).toContain('The orders have no amounts, so only customers are counted; the revenue columns of data/lifecycle.csv are left empty.');
    expect(s.table!.head).not.toContain('Revenue');
  }, 60_000);
});
