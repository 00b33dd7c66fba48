/**
 * The PostgreSQL server of the database tests: `CLV_TEST_PG_URL` (postgres://user:password@host:port/db,
 * set by .ci/run through .ci/postgres.sh). The tests are mandatory when CI=true; elsewhere they skip
 * with a visible message when no server is configured.
 */
import pg from 'pg';
import { openDatabase } from '../../lib/engine/database.ts';

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
