/**
 * `--segment-by first:<column>`: the values of a column on the customer's
 * first order. On order lines a customer counts under every product of the
 * first order (hand-computed below); on the sample, first:channel is the
 * acquisition channel.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileOrders } from '../../lib/sources/file.ts';
import { buildReport } from '../../lib/run/build-report.ts';
import { copySample } from '../helpers/sample.ts';
import { runClv } from '../helpers/cli.ts';

const LINES = 'test/fixtures/lines/first-product.csv';

// test/fixtures/lines/first-product.csv, as-of 2024-03-31 (every month complete):
//   C1 2024-01-05 order 1: A (10) and B (2 × 5) → first products A and B; 2024-02-03: A (10).
//   C2 2024-01-20 order 2: A (10) → A; 2024-03-02: B (5).
//   C3 2024-02-10 order 4: B (5) and a returned line C (−4) → B only (a returned line is not bought); net 1.
//   C4 2024-02-15 order 5: C (3 × 4) → C; 2024-03-09: C (4).
// cohort, offset, customers, active, retention, orders, revenue per first product:
const EXPECTED = [
  ['first:product', 'A', '2024-01', 0, 2, 2, 1, 2, 30], // C1 20 + C2 10
  ['first:product', 'A', '2024-01', 1, 2, 1, 0.5, 1, 10], // C1 in February
  ['first:product', 'A', '2024-01', 2, 2, 1, 0.5, 1, 5], // C2 in March
  ['first:product', 'B', '2024-01', 0, 1, 1, 1, 1, 20], // C1, with all of its orders
  ['first:product', 'B', '2024-01', 1, 1, 1, 1, 1, 10],
  ['first:product', 'B', '2024-01', 2, 1, 0, 0, 0, 0],
  ['first:product', 'B', '2024-02', 0, 1, 1, 1, 1, 1], // C3: 5 − 4
  ['first:product', 'B', '2024-02', 1, 1, 0, 0, 0, 0],
  ['first:product', 'C', '2024-02', 0, 1, 1, 1, 1, 12], // C4
  ['first:product', 'C', '2024-02', 1, 1, 1, 1, 1, 4],
  // --segment-by product (the order's first line) puts C1 under A only.
  ['product', 'A', '2024-01', 0, 2, 2, 1, 2, 30],
  ['product', 'A', '2024-01', 1, 2, 1, 0.5, 1, 10],
  ['product', 'A', '2024-01', 2, 2, 1, 0.5, 1, 5],
  ['product', 'B', '2024-02', 0, 1, 1, 1, 1, 1],
  ['product', 'B', '2024-02', 1, 1, 0, 0, 0, 0],
  ['product', 'C', '2024-02', 0, 1, 1, 1, 1, 12],
  ['product', 'C', '2024-02', 1, 1, 1, 1, 1, 4],
];

describe('--segment-by first:<column>', () => {
  it('counts a customer under every product of the first order (order lines, hand-computed)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clv-first-')), 'out');
    const r = runClv(['view', 'segments', '--orders', LINES, '--map', 'product=product', '--segment-by', 'first:product,product', '--as-of', '2024-03-31', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = readFileSync(join(out, 'data/cohort_retention_by_segment.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((c) => [c[0], c[1], c[2], Number(c[3]), Number(c[4]), Number(c[5]), Number(c[6]), Number(c[7]), Number(c[8])])).toEqual(EXPECTED);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Retention by first-order product');
    expect(html).toContain('1 customer has several values of product on their first order and is counted under each');
    // first:store: one value per order, like --segment-by store.
    const store = await buildReport({ orders: fileOrders({ path: LINES, map: { product: 'product' }, asOf: '2024-03-31' }), view: 'segments', segmentBy: ['first:store', 'store'], value: false });
    try {
      const cells = store.analysis.segments.map((s) => s.cells.map(({ segment_column: _c, ...rest }) => rest));
      expect(cells[0]).toEqual(cells[1]);
      expect(store.analysis.segments[0].multiValued).toBeUndefined();
    } finally {
      await store.cleanup();
    }
  }, 60_000);

  it('names the columns it can take', () => {
    const r = runClv(['view', 'segments', '--orders', LINES, '--segment-by', 'first:sku', '--out', join(mkdtempSync(join(tmpdir(), 'clv-first-')), 'out'), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--segment-by first:sku: "sku" is not a column of test/fixtures/lines/first-product.csv; first: takes a column of the orders file: choose one of first:product, first:store');
  });

  it('projects value by segment for a first:product column whose customers overlap, on one row per customer and product', async () => {
    // The sample's orders as order lines: every order gets product P<n mod 3>, and every 4th order a second line of product X.
    const dir = mkdtempSync(join(tmpdir(), 'clv-first-lines-'));
    copySample(dir);
    const [header, ...rows] = readFileSync(join(dir, 'orders.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('order_id,customer_id,order_date,amount,channel,region,customer_type');
    const lines = ['order_id,customer_id,order_date,amount,product'];
    const firstProducts = new Map<string, Set<string>>();
    rows.forEach((row, n) => {
      const [id, customer, date, amount] = row.split(',');
      const products = n % 4 === 0 && Number(amount) >= 0 ? [`P${n % 3}`, 'X'] : [`P${n % 3}`];
      lines.push(`${id},${customer},${date},${products.length === 2 ? (Number(amount) - 1).toFixed(2) : amount},${products[0]}`);
      if (products.length === 2) lines.push(`${id},${customer},${date},1,X`);
      // The sample lists orders by date, so a customer's first row is their first order.
      if (!firstProducts.has(customer) && Number(amount) >= 0) firstProducts.set(customer, new Set(products));
    });
    writeFileSync(join(dir, 'lines.csv'), `${lines.join('\n')}\n`);
    const result = await buildReport({ orders: fileOrders({ path: join(dir, 'lines.csv'), map: { product: 'product' } }), view: 'segment-value', segmentBy: ['first:product'], value: { bootstrap: 0 }, backtest: { holdoutMonths: 0, modelFixed: false } });
    try {
      const clv = (result.files.get('data/segment_clv.csv') as string).trim().split('\n').slice(1).map((l) => l.split(','));
      const count = (p: string) => [...firstProducts.values()].filter((s) => s.has(p)).length;
      expect(clv.map((c) => [c[0], c[1], Number(c[2])])).toEqual([
        ['all', 'all customers', firstProducts.size],
        ...['P0', 'P1', 'P2', 'X'].map((p) => ['first:product', p, count(p)]),
      ]);
      expect(count('X')).toBeGreaterThan(1000);
    } finally {
      await result.cleanup();
    }
  }, 120_000);

  it('first:channel is the acquisition channel on the sample: retention and projected value by segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-first-sample-'));
    copySample(dir);
    const result = await buildReport({ orders: fileOrders({ path: join(dir, 'orders.csv') }), segmentBy: ['first:channel', 'channel'], sections: ['segments', 'segment-value'], value: { bootstrap: 20 }, rfm: false, backtest: { holdoutMonths: 0, modelFixed: false } });
    try {
      const [first, channel] = result.analysis.segments;
      expect(first.column).toBe('first:channel');
      expect(first.cells.length).toBeGreaterThan(100);
      expect(first.cells.map(({ segment_column: _c, ...rest }) => rest)).toEqual(channel.cells.map(({ segment_column: _c, ...rest }) => rest));
      expect(first.average).toEqual(channel.average);
      const clv = (result.files.get('data/segment_clv.csv') as string).trim().split('\n').slice(1);
      const of = (column: string) => clv.filter((l) => l.startsWith(`${column},`)).map((l) => l.slice(column.length));
      expect(of('first:channel').length).toBeGreaterThan(2);
      expect(of('first:channel')).toEqual(of('channel'));
    } finally {
      await result.cleanup();
    }
  }, 120_000);
});
