/**
 * The PostgreSQL server of the database tests: `CLV_TEST_PG_URL` (postgres://user:password@host:port/db,
 * set by .ci/run through .ci/postgres.sh). The tests are mandatory when CI=true; elsewhere they skip
 * with a visible message when no server is configured.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../../lib/engine/database.ts';
import { readTree } from './cli.ts';

export const PG_URL = process.env.CLV_TEST_PG_URL;

/** True when database tests can run; when false and not in CI, the caller skips. */
export function postgresAvailable(): boolean {
  if (PG_URL === undefined || PG_URL === '') {
    if (process.env.CI === 'true') throw new Error('CI=true but CLV_TEST_PG_URL is not set (.ci/run starts a PostgreSQL cluster with .ci/postgres.sh)');
    console.warn('\n*** PostgreSQL tests SKIPPED: CLV_TEST_PG_URL is not set (eval "$(bash .ci/postgres.sh start)" starts a throwaway server) ***\n');
    return false;
  }
  return true;
}

/** Runs `fn` with a connection to the test server. */
export async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `table` (dropped first) with the columns `types` (name → PostgreSQL type, in order)
 * and loads the CSV file into it: DuckDB reads the file as text, PostgreSQL casts each column
 * to its type (so a bad value fails here, not in the tool). 20,000 rows per INSERT … unnest.
 */
export async function loadCsvIntoPg(table: string, csvPath: string, types: Record<string, string>): Promise<number> {
  const names = Object.keys(types);
  const db = await openDatabase();
  let rows: Record<string, string | null>[];
  try {
    rows = await db.rows<Record<string, string | null>>(`SELECT * FROM read_csv('${csvPath.replaceAll("'", "''")}', header = true, all_varchar = true)`);
  } finally {
    db.close();
  }
  const q = (n: string) => `"${n.replaceAll('"', '""')}"`;
  await withPg(async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`CREATE TABLE ${table} (${names.map((n) => `${q(n)} ${types[n]}`).join(', ')})`);
    for (let i = 0; i < rows.length; i += 20_000) {
      const batch = rows.slice(i, i + 20_000);
      await c.query(
        `INSERT INTO ${table} SELECT ${names.map((n, j) => `CAST(NULLIF(u.c${j}, '') AS ${types[n]})`).join(', ')}
         FROM unnest(${names.map((_, j) => `$${j + 1}::text[]`).join(', ')}) AS u(${names.map((_, j) => `c${j}`).join(', ')})`,
        names.map((n) => batch.map((r) => r[n])),
      );
    }
  });
  return rows.length;
}

/**
 * A small shop written as a CSV file, with what the loader drops: a row without a customer, a refund
 * before the customer's first order, a repeated order_id, and date-times with UTC offsets (the
 * calendar date is the UTC one: 2024-01-31T23:30:00-05:00 is an order of 2024-02-01).
 */
export const SHOP = `order_id,customer_id,order_date,amount,channel,region
1,A,2024-01-05,100,ads,North
2,A,2024-01-20,50,ads,North
3,A,2024-02-03T10:00:00Z,30,ads,North
4,B,2024-01-10,80,email,South
5,B,2024-03-15,-20,email,South
6,C,2024-01-31T23:30:00-05:00,60.5,ads,South
7,,2024-02-10,40,ads,North
8,D,2024-02-11,-15,email,North
9,D,2024-02-20,90,email,North
4,B,2024-01-12,80,email,South
10,E,2024-03-02,25.25,ads,
11,C,2024-03-29,70,ads,South
12,F,2024-03-30,15,email,North
`;
export const SHOP_TYPES = { order_id: 'text', customer_id: 'text', order_date: 'timestamptz', amount: 'numeric(12,2)', channel: 'text', region: 'text' };

/** Every output file and stream of a run, as text, for the password search. */
export function allOutput(r: { stdout: string; stderr: string }, dir?: string): string {
  const files = dir && existsSync(dir) ? [...readTree(dir).values()].map((b) => b.toString('latin1')) : [];
  return [r.stdout, r.stderr, ...files].join('\n');
}
