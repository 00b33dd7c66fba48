/**
 * Segments from the customers file (`--customers FILE --segment-by plan`): each customer counts under
 * the file's value for their whole history; customers missing from the file, or with an empty value,
 * under "(none)". Hand fixture: test/fixtures/hand-orders.csv (customers A–E, first orders 2024-01 to
 * 2024-03) and a customers file written here: A and C on "pro", B on "basic", E with an empty plan, D
 * missing. So by plan and cohort:
 *   pro   2024-01: A (orders in 2024-01 and 2024-02: active at offsets 0 and 1)
 *   pro   2024-02: C (orders in 2024-02 and 2024-03: offsets 0 and 1)
 *   basic 2024-01: B (orders in 2024-01 and 2024-03: offsets 0 and 2; the refund in 2024-03 is not activity)
 *   (none) 2024-02: D; (none) 2024-03: E.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';

describe('segments from the customers file', () => {
  it('uses the file value for the whole history, "(none)" when missing or empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-custseg-'));
    const customers = join(dir, 'customers.csv');
    writeFileSync(customers, 'customer_id,plan\nA,pro\nB,basic\nC, pro \nE,\n');
    const out = join(dir, 'out');
    const r = runClv(['report', '--orders', 'test/fixtures/hand-orders.csv', '--customers', customers, '--segment-by', 'plan,channel', '--no-clv', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [head, ...lines] = readFileSync(join(out, 'data/cohort_retention_by_segment.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    const plan = rows.filter((x) => x.segment_column === 'plan' && x.period_offset === '0').map((x) => [x.segment, x.cohort, x.cohort_customers]);
    expect(plan).toEqual([
      ['(none)', '2024-02', '1'],
      ['(none)', '2024-03', '1'],
      ['basic', '2024-01', '1'],
      ['pro', '2024-01', '1'],
      ['pro', '2024-02', '1'],
    ]);
    const active = (segment: string, cohort: string) =>
      rows.filter((x) => x.segment_column === 'plan' && x.segment === segment && x.cohort === cohort).map((x) => [x.period_offset, x.active_customers]);
    expect(active('pro', '2024-01')).toEqual([['0', '1'], ['1', '1'], ['2', '0']]);
    expect(active('basic', '2024-01')).toEqual([['0', '1'], ['1', '0'], ['2', '1']]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.inputs.map((i: { role: string }) => i.role)).toEqual(['orders', 'customers']);
    // The report says where each column's value comes from (not "on their first order" for the file's column).
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('each customer is counted under the value of their row in the customers file.');
    expect(html).toContain('each customer is counted under the value on their first order.');
    expect(html).toContain('for segments a customer counts, for their whole history, under the value of their row in the customers file (plan); the value on their first order (acquisition channel).');
  });

  it('names the columns of both files when a segment column exists in neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-custseg-'));
    const customers = join(dir, 'customers.csv');
    writeFileSync(customers, 'customer_id,plan\nA,pro\n');
    const r = runClv(['report', '--orders', 'test/fixtures/hand-orders.csv', '--customers', customers, '--segment-by', 'tier', '--no-clv', '--out', join(dir, 'out'), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`clv: --segment-by tier: no such column in test/fixtures/hand-orders.csv or ${customers}; choose one of channel, plan\n`);
  });
});
