/**
 * Acceptance of the PostgreSQL source on the sample (seed 42): its orders loaded into a PostgreSQL
 * table with native types (date, numeric) give byte-identical data/*.csv, and the same report,
 * as the CSV run with the same config (spend and customers from their files). A real server:
 * CLV_TEST_PG_URL (.ci/run); mandatory when CI=true, skipped with a visible message elsewhere.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../lib/sources/pg-connection.ts';
import { readTree, runClv } from '../helpers/cli.ts';
import { loadCsvIntoPg, PG_URL, postgresAvailable, withPg } from '../helpers/postgres.ts';
import { sampleConfig } from '../helpers/sample.ts';

const available = postgresAvailable();
const TABLE = 'clv_t_sample_orders';
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
}, 120_000);

afterAll(async () => {
  if (available) await withPg((c) => c.query(`DROP TABLE IF EXISTS ${TABLE}`));
});

describe.skipIf(!available)('the sample from PostgreSQL', () => {
  it('byte-identical data/*.csv and the same report as from its CSV file; no password in any output', () => {
    const work = dirname(config);
    const fromCsv = join(work, 'out-csv');
    const fromPg = join(work, 'out-pg');
    const a = runClv(['report', '--config', config, '--out', fromCsv, '--quiet']);
    expect(a.status, a.stderr).toBe(0);
    const b = runClv(['report', '--config', config, '--orders', `${PG_URL}?table=${TABLE}`, '--out', fromPg, '--verbose']);
    expect(b.status, b.stderr).toBe(0);
    const csv = readTree(join(fromCsv, 'data'));
    const pg = readTree(join(fromPg, 'data'));
    expect([...pg.keys()]).toEqual([...csv.keys()]);
    expect(csv.size).toBeGreaterThan(10);
    for (const [name, bytes] of csv) expect(pg.get(name)?.equals(bytes), name).toBe(true);
    const label = `${redactUrl(PG_URL!)}?table=${TABLE}`;
    const html = (dir: string, source: string) =>
      readFileSync(join(dir, 'index.html'), 'utf8')
        .replaceAll(source, 'SOURCE')
        .replace(/sha256 [0-9a-f…]+/g, 'sha256')
        .replace(/\((CSV|POSTGRES),/g, '(')
        .replace(/"(kind|format)":"(csv|postgres)"/g, '"$1":""')
        .replace(/"sha256":"[0-9a-f]{64}","bytes":\d+/, '');
    const csvInput = JSON.parse(readFileSync(join(fromCsv, 'manifest.json'), 'utf8')).inputs[0];
    expect(html(fromPg, label)).toBe(html(fromCsv, csvInput.path));
    const secret = decodeURIComponent(new URL(PG_URL!).password);
    for (const text of [b.stdout, b.stderr, ...[...readTree(fromPg).values()].map((v) => v.toString('latin1'))]) expect(text).not.toContain(secret);
  }, 180_000);
});
