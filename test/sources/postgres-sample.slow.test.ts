/**
 * Reports from PostgreSQL against the same rows from CSV files. A small shop with the rows the loader
 * drops (test/helpers/postgres.ts SHOP): the same data/*.csv, dropped rows and report. Acceptance
 * of the PostgreSQL source on the sample (seed 42): its orders loaded into a PostgreSQL
 * table with native types (date, numeric), with its spend and customers tables, give
 * byte-identical data/*.csv, and the same report, as the CSV run with the same config. A real server:
 * CLV_TEST_PG_URL (.ci/run); mandatory when CI=true, skipped with a visible message elsewhere.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../lib/sources/pg-connection.ts';
import { readTree, runClv } from '../helpers/cli.ts';
import { allOutput, loadCsvIntoPg, PG_URL, postgresAvailable, SHOP, SHOP_TYPES, withPg } from '../helpers/postgres.ts';
import { sampleConfig } from '../helpers/sample.ts';

const available = postgresAvailable();

/** What differs by design between a report from PostgreSQL and from a file: how Data quality and the manifest name the path the rows took. */
const pathTaken = (html: string) =>
  html
    .replace(/, aggregated in PostgreSQL into [\d,]+ customer-day rows, which alone travelled \(sha256 of those rows as text [0-9a-f…]+\)/g, ' (sha256)')
    .replace(/,"pushdown":(true|false)(,"pushdown_reason":"[^"]*")?,"rows_transferred":\d+/g, '');
const TABLE = 'clv_t_sample_orders';
const SPEND = 'clv_t_sample_spend';
const CUSTOMERS = 'clv_t_sample_customers';
const SHOP_TABLE = 'clv_t_report_shop';
const shopCsv = join(mkdtempSync(join(tmpdir(), 'clv-pg-shop-csv-')), 'shop.csv');
let config = '';

beforeAll(async () => {
  if (!available) return;
  config = sampleConfig('clv-pg-sample-');
  const rows = await loadCsvIntoPg(TABLE, join(dirname(config), 'data', 'sample', 'orders.csv'), {
    order_id: 'text',
    customer_id: 'text',
    order_date: 'date',
    amount: 'numeric(12,2)',
    channel: 'text',
    region: 'text',
    customer_type: 'text',
  });
  expect(rows).toBeGreaterThan(50_000);
  writeFileSync(shopCsv, SHOP);
  await loadCsvIntoPg(SHOP_TABLE, shopCsv, SHOP_TYPES);
  const sample = join(dirname(config), 'data', 'sample');
  await loadCsvIntoPg(SPEND, join(sample, 'spend.csv'), { period: 'text', channel: 'text', spend: 'numeric(14,2)', cost_type: 'text', currency: 'text' });
  await loadCsvIntoPg(CUSTOMERS, join(sample, 'customers.csv'), { customer_id: 'text', signup_date: 'date', region: 'text', customer_type: 'text', acquisition_channel: 'text' });
}, 120_000);

afterAll(async () => {
  if (available) await withPg((c) => c.query(`DROP TABLE IF EXISTS ${TABLE}, ${SPEND}, ${CUSTOMERS}, ${SHOP_TABLE}`));
});

describe.skipIf(!available)('reports from PostgreSQL', () => {
  it('a small shop with rows to drop (no customer, repeated order_id, early refund) and timestamptz dates: a table gives the same data/*.csv, dropped rows and report figures as the same rows from a CSV file; the password appears nowhere', () => {
    const work = mkdtempSync(join(tmpdir(), 'clv-pg-shop-'));
    const fromCsv = join(work, 'csv');
    const fromPg = join(work, 'pg');
    const a = runClv(['report', '--orders', shopCsv, '--segment-by', 'channel,region', '--out', fromCsv, '--quiet']);
    expect(a.status, a.stderr).toBe(0);
    // The one warning (a repeated order_id) names the file.
    expect(a.stderr).toMatch(/clv: 1 of 12 rows of .*shop\.csv repeat an order_id/);
    const csv = readTree(join(fromCsv, 'data'));
    expect(csv.size).toBeGreaterThan(5);
    const inputOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).inputs[0];
    const ci = inputOf(fromCsv);
    // Counted by hand from SHOP: 13 rows; dropped: 1 without a customer, 1 repeated order_id, 1 refund before D's first order.
    expect(ci.rows_read).toBe(13);
    expect(ci.rows_kept).toBe(10);
    // The report's figures: the same HTML apart from the lines that name the source and the path its rows took.
    const html = (dir: string) => pathTaken(readFileSync(join(dir, 'index.html'), 'utf8').replaceAll(shopCsv, 'SOURCE').replaceAll(`${redactUrl(PG_URL!)}?table=${SHOP_TABLE}`, 'SOURCE').replace(/sha256 [0-9a-f…]+/g, 'sha256'))
        .replace(/\((CSV|PostgreSQL), sha256( of the rows as text)?( [0-9a-f…]+)?/g, '(sha256')
        .replace(/"(kind|format)":"(csv|postgres)"/g, '"$1":""').replace(/"sha256":"[0-9a-f]{64}","bytes":\d+/, '');
    // Aggregated in PostgreSQL (the default for typed columns), and every row streamed (--no-pushdown).
    // Customer-days that travel, by hand from SHOP: A 3 (01-05, 01-20, 02-03), B 2, C 2, D 2 (the
    // early refund's day travels and is dropped on arrival), E 1, F 1 = 11; streamed: all 13 rows.
    for (const [flags, path] of [[[], { pushdown: true, rows_transferred: 11 }], [['--no-pushdown'], { pushdown: false, pushdown_reason: '--no-pushdown is given', rows_transferred: 13 }]] as const) {
      const b = runClv(['report', '--orders', `${PG_URL}?table=${SHOP_TABLE}`, '--segment-by', 'channel,region', '--out', fromPg, '--verbose', ...flags]);
      expect(b.status, b.stderr).toBe(0);
      expect(b.stderr).toContain(`clv: 1 of 12 rows of ${redactUrl(PG_URL!)}?table=${SHOP_TABLE} repeat an order_id`);
      expect(b.stderr).toContain(path.pushdown ? 'aggregated in the database (pushdown): 13 rows read there, 11 customer-day rows travelled' : 'every row streamed (no pushdown: --no-pushdown is given): 13 rows travelled');
      const pg = readTree(join(fromPg, 'data'));
      expect([...pg.keys()]).toEqual([...csv.keys()]);
      for (const [name, bytes] of csv) expect(pg.get(name)?.toString(), name).toBe(bytes.toString());
      const pi = inputOf(fromPg);
      const strip = (i: Record<string, unknown>) => ({ ...i, kind: undefined, label: undefined, path: undefined, format: undefined, sha256: undefined, bytes: undefined, pushdown: undefined, pushdown_reason: undefined, rows_transferred: undefined });
      expect(strip(pi)).toEqual(strip(ci));
      expect(pi).toMatchObject({ kind: 'postgres', format: 'postgres', label: `${redactUrl(PG_URL!)}?table=${SHOP_TABLE}`, path: `${redactUrl(PG_URL!)}?table=${SHOP_TABLE}`, ...path });
      expect(pi.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(html(fromPg)).toBe(html(fromCsv));
      expect(allOutput(b, fromPg)).not.toContain(decodeURIComponent(new URL(PG_URL!).password));
    }
  }, 180_000);

  it('orders, spend and customers from tables: byte-identical data/*.csv and the same report as from the CSV files; no password in any output', () => {
    const work = dirname(config);
    const fromCsv = join(work, 'out-csv');
    const fromPg = join(work, 'out-pg');
    const a = runClv(['report', '--config', config, '--out', fromCsv, '--quiet']);
    expect(a.status, a.stderr).toBe(0);
    // Orders, spend and customers all from PostgreSQL (the sample config names its three files).
    const b = runClv(['report', '--config', config, '--orders', `${PG_URL}?table=${TABLE}`, '--spend', `${PG_URL}?table=${SPEND}`, '--customers', `${PG_URL}?table=${CUSTOMERS}`, '--out', fromPg, '--verbose']);
    expect(b.status, b.stderr).toBe(0);
    const csv = readTree(join(fromCsv, 'data'));
    const pg = readTree(join(fromPg, 'data'));
    expect([...pg.keys()]).toEqual([...csv.keys()]);
    expect(csv.size).toBeGreaterThan(10);
    for (const [name, bytes] of csv) expect(pg.get(name)?.equals(bytes), name).toBe(true);
    const label = (table: string) => `${redactUrl(PG_URL!)}?table=${table}`;
    const html = (dir: string, sources: string[]) =>
      pathTaken(sources.reduce((text, source, i) => text.replaceAll(source, `SOURCE${i}`), readFileSync(join(dir, 'index.html'), 'utf8')).replace(/sha256 [0-9a-f…]+/g, 'sha256'))
        .replace(/\((CSV|PostgreSQL), sha256( of the rows as text)?( [0-9a-f…]+)?/g, '(sha256')
        .replace(/"(kind|format)":"(csv|postgres)"/g, '"$1":""')
        .replace(/"sha256":"[0-9a-f]{64}","bytes":\d+/g, '');
    const csvInputs = JSON.parse(readFileSync(join(fromCsv, 'manifest.json'), 'utf8')).inputs as { role: string; path: string }[];
    // The sample config also names its survey file, read from the file in both runs.
    expect(csvInputs.map((i) => i.role)).toEqual(['orders', 'spend', 'customers', 'surveys']);
    expect(html(fromPg, [TABLE, SPEND, CUSTOMERS].map(label))).toBe(html(fromCsv, csvInputs.slice(0, 3).map((i) => i.path)));
    const pgInputs = JSON.parse(readFileSync(join(fromPg, 'manifest.json'), 'utf8')).inputs as { kind: string; path: string }[];
    expect(pgInputs.slice(0, 3).map((i) => [i.kind, i.path])).toEqual([TABLE, SPEND, CUSTOMERS].map((t) => ['postgres', label(t)]));
    // The orders were aggregated in PostgreSQL: what travelled are the customer-days, one per customer
    // and date of the sample's orders file (no row of the sample is dropped), not its orders.
    const orderRows = readFileSync(join(dirname(config), 'data', 'sample', 'orders.csv'), 'utf8').trim().split('\n');
    const header = orderRows[0].split(',');
    const [ci, di] = [header.indexOf('customer_id'), header.indexOf('order_date')];
    const customerDays = new Set(orderRows.slice(1).map((line) => { const f = line.split(','); return `${f[ci]}|${f[di]}`; })).size;
    expect(pgInputs[0]).toMatchObject({ pushdown: true, rows_read: orderRows.length - 1, rows_transferred: customerDays });
    expect(customerDays).toBeLessThan(orderRows.length - 1);
    expect(b.stderr).toContain(`aggregated in the database (pushdown): ${orderRows.length - 1} rows read there, ${customerDays} customer-day rows travelled`);
    expect(pgInputs[3]).toMatchObject({ kind: 'csv', path: csvInputs[3].path });
    const secret = decodeURIComponent(new URL(PG_URL!).password);
    for (const text of [b.stdout, b.stderr, ...[...readTree(fromPg).values()].map((v) => v.toString('latin1'))]) expect(text).not.toContain(secret);
  }, 180_000);
});
