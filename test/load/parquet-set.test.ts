/**
 * Orders as a set of Parquet files: a glob (`dir/**\/*.parquet`) or a folder, and Hive-partitioned
 * folders (year=2024/month=05/…) whose keys become text columns as written in the folder names.
 * The fixture is written by DuckDB in the test from test/fixtures/hand-orders.csv; the same rows
 * give the same facts and data/*.csv as the CSV file; a bad value names the file of the set and
 * the row in it; no match is a plain error.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../lib/engine/database.ts';
import { withDb } from '../helpers/pipeline.ts';
import { UserError } from '../../lib/errors.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { readTree, runClv } from '../helpers/cli.ts';

const CSV = 'test/fixtures/hand-orders.csv';
const work = mkdtempSync(join(tmpdir(), 'clv-pqset-'));
const hive = join(work, 'hive');
const flat = join(work, 'flat');

beforeAll(async () => {
  const db = await openDatabase();
  try {
    // year and month as text, so that the folders read month=01 (as exports write them).
    await db.run(`COPY (SELECT *, strftime(CAST(order_date AS DATE), '%Y') AS year, strftime(CAST(order_date AS DATE), '%m') AS month
                        FROM read_csv('${CSV}', all_varchar = true))
                  TO '${hive}' (FORMAT PARQUET, PARTITION_BY (year, month))`);
    mkdirSync(flat);
    // Two plain files (no partition folders), the rows split by order_id.
    await db.run(`COPY (SELECT * FROM read_csv('${CSV}', all_varchar = true) WHERE CAST(order_id AS INTEGER) <= 6) TO '${join(flat, 'a.parquet')}' (FORMAT PARQUET)`);
    await db.run(`COPY (SELECT * FROM read_csv('${CSV}', all_varchar = true) WHERE CAST(order_id AS INTEGER) > 6) TO '${join(flat, 'b.parquet')}' (FORMAT PARQUET)`);
  } finally {
    db.close();
  }
});

/** The loaded facts, by order_id (the files of a partitioned set hold the rows in another order than the CSV file). */
const facts = (db: Database) =>
  db.rows(`SELECT customer_id, strftime(order_date, '%Y-%m-%d') AS d, CAST(amount AS DOUBLE) AS amount, order_id, channel FROM facts ORDER BY CAST(order_id AS INTEGER)`);

describe('a set of Parquet files', () => {
  it('Hive folders (glob or folder) and plain files give the facts of the CSV file; partition keys are text columns', async () => {
    const expected = await withDb(async (db) => (await loadOrders(db, { path: CSV }), facts(db)));
    expect(expected).toHaveLength(11);
    for (const path of [join(hive, '**', '*.parquet'), hive, flat, join(flat, '*.parquet')]) {
      await withDb(async (db) => {
        const loaded = await loadOrders(db, { path });
        expect(await facts(db), path).toEqual(expected);
        expect(loaded.input).toMatchObject({ path, format: 'parquet', rows_read: 11, rows_kept: 11 });
        expect(loaded.input.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (path.startsWith(hive)) {
          expect([...loaded.attributes].sort()).toEqual(['month', 'year']);
          // The folder's text: month=01 stays "01".
          expect(await db.rows(`SELECT DISTINCT "attribute:year" AS y, "attribute:month" AS m FROM facts ORDER BY m`)).toEqual([
            { y: '2024', m: '01' },
            { y: '2024', m: '02' },
            { y: '2024', m: '03' },
          ]);
        } else expect(loaded.attributes).toEqual([]);
      });
    }
  });

  it('the hash of the set changes when a file is added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-pqset-hash-'));
    copyFileSync(join(flat, 'a.parquet'), join(dir, 'a.parquet'));
    const one = await withDb((db) => loadOrders(db, { path: dir }));
    copyFileSync(join(flat, 'b.parquet'), join(dir, 'b.parquet'));
    const two = await withDb((db) => loadOrders(db, { path: dir }));
    expect(one.input.rows_read).toBe(6);
    expect(two.input.rows_read).toBe(11);
    expect(two.input.sha256).not.toBe(one.input.sha256);
    expect(two.input.bytes).toBeGreaterThan(one.input.bytes);
  });

  it('a bad value names the file of the set and its row in that file; no matching file is one plain error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-pqset-bad-'));
    await withDb(async (db) => {
      mkdirSync(join(dir, 'region=east'));
      mkdirSync(join(dir, 'region=west'));
      await db.run(`COPY (SELECT * FROM (VALUES ('a', '2024-01-05', '10'), ('b', '2024-01-06', '11')) t(customer_id, order_date, amount)) TO '${join(dir, 'region=east', 'x.parquet')}' (FORMAT PARQUET)`);
      await db.run(`COPY (SELECT * FROM (VALUES ('c', '2024-01-07', '12'), ('d', '2024-02-30', '13')) t(customer_id, order_date, amount)) TO '${join(dir, 'region=west', 'x.parquet')}' (FORMAT PARQUET)`);
    });
    const pattern = join(dir, 'region=*', '*.parquet');
    const err = await withDb((db) => loadOrders(db, { path: pattern })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `cannot read ${pattern}: 1 problem\n  ${pattern} row 2 (in region=west/x.parquet): column "order_date": value "2024-02-30": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
    );
    const none = join(dir, 'nothing', '**', '*.parquet');
    await expect(withDb((db) => loadOrders(db, { path: none }))).rejects.toThrow(`${none}: no Parquet files match ${none}; check the path`);
  });

  it('clv report --orders "dir/**/*.parquet": the same data/*.csv as the CSV file', () => {
    const a = runClv(['report', '--orders', CSV, '--out', join(work, 'out-csv'), '--quiet']);
    const b = runClv(['report', '--orders', join(hive, '**', '*.parquet'), '--out', join(work, 'out-set'), '--quiet']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toBe('');
    const csv = readTree(join(work, 'out-csv', 'data'));
    const set = readTree(join(work, 'out-set', 'data'));
    expect([...set.keys()]).toEqual([...csv.keys()]);
    for (const [name, bytes] of csv) expect(set.get(name)?.toString(), name).toBe(bytes.toString());
  });
});
