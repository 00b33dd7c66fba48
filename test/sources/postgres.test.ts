/**
 * Orders from PostgreSQL (a real server: CLV_TEST_PG_URL, started by .ci/run; mandatory when
 * CI=true, skipped with a visible message elsewhere). The same rows from a table or a query give
 * the same loaded orders and dropped-row counts as from a CSV file; bad values are the same clear
 * errors, naming the table, the row's key and the column, exit 2, nothing written; a wrong
 * password, port or table is one plain line; nothing hangs; the password never appears in any
 * output. The reports' byte-identical comparisons (this file's shop, the sample) are in
 * test/sources/postgres-sample.slow.test.ts.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { parsePgTarget, pgpassPassword, redactUrl, streamPgRows } from '../../lib/sources/pg-connection.ts';
import { postgresOrders } from '../../lib/sources/postgres.ts';
import { readTree, runClv } from '../helpers/cli.ts';
import { loadCsvIntoPg, PG_URL, postgresAvailable, SHOP, SHOP_TYPES, withPg } from '../helpers/postgres.ts';

const available = postgresAvailable();
const work = mkdtempSync(join(tmpdir(), 'clv-pg-'));
/** Tables of this file (the slow test uses others). */
const T = { shop: 'clv_t_shop', bad: 'clv_t_bad', renamed: 'clv_t_renamed' };
const url = (table: string) => `${PG_URL}?table=${table}`;
const password = () => decodeURIComponent(new URL(PG_URL!).password);
/** The URL without its password, as messages show it. */
const shown = () => redactUrl(PG_URL!);
const GARBAGE = /NaN|undefined|\[object Object\]|\n\s+at /;

const shopCsv = join(work, 'shop.csv');

beforeAll(async () => {
  if (!available) return;
  writeFileSync(shopCsv, SHOP);
  await loadCsvIntoPg(T.shop, shopCsv, SHOP_TYPES);
  // Text columns, as an export to a database often leaves them: bad values reach the tool.
  await withPg(async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${T.bad}`);
    await c.query(`CREATE TABLE ${T.bad} (order_id text, customer_id text, order_date text, amount text)`);
    await c.query(`INSERT INTO ${T.bad} VALUES ('o1', 'A', '2024-01-05', '10'), ('o2', 'A', '2024-02-30', '12'), ('o3', NULL, 'soon', '5'), ('o4', 'B', '2024-03-01', '12,50'), ('o5', 'B', '2024-03-02', '-3')`);
    await c.query(`DROP TABLE IF EXISTS ${T.renamed}`);
    await c.query(`CREATE TABLE ${T.renamed} AS SELECT order_id AS ref, customer_id AS cust, order_date AS day, amount AS total, channel, region FROM ${T.shop}`);
  });
});

afterAll(async () => {
  if (!available) return;
  await withPg((c) => c.query(`DROP TABLE IF EXISTS ${T.shop}, ${T.bad}, ${T.renamed}`));
});

describe.skipIf(!available)('PostgreSQL orders source', () => {
  it('a query with --orders-db, columns mapped with --map, its rows streamed (--no-pushdown): the same loaded orders as the CSV file', async () => {
    const db = await openDatabase();
    try {
      const fromCsv = await loadOrders(db, { path: shopCsv, asOf: '2024-03-31' });
      const csvFacts = await db.rows(`SELECT * EXCLUDE (seq) FROM facts ORDER BY seq`);
      const target = parsePgTarget(PG_URL!, { option: '--orders-db', query: `SELECT ref, cust, day, total, channel, region FROM ${T.renamed};` });
      const source = postgresOrders(target, { asOf: '2024-03-31', map: { order_id: 'ref', customer_id: 'cust', order_date: 'day', amount: 'total' }, pushdown: false });
      expect(source.describe()).toEqual({ kind: 'postgres', label: `query on ${shown()}` });
      expect(source.files()).toEqual([]);
      const fromPg = await source.load(db);
      expect(await db.rows(`SELECT * EXCLUDE (seq) FROM facts ORDER BY seq`)).toEqual(csvFacts);
      const same = (o: typeof fromCsv, label: string) => ({ ...o, input: { ...o.input, path: '', format: '', sha256: '', bytes: 0, pushdown: undefined, pushdown_reason: undefined, rows_transferred: undefined }, warnings: o.warnings.map((w) => w.replace(label, 'SOURCE')) });
      expect(same(fromPg, target.label)).toEqual(same(fromCsv, shopCsv));
      expect(fromPg.warnings).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('a config file may name the database as orders.path and the query as orders.query', async () => {
    const config = join(work, 'pg.config.json');
    writeFileSync(config, JSON.stringify({ orders: { path: PG_URL, query: `SELECT * FROM ${T.shop}`, map: { order_date: 'order_date' } } }));
    const { resolveOrders } = await import('../../lib/cli/orders-options.ts');
    const { orders } = await resolveOrders({ config });
    expect(orders.describe()).toEqual({ kind: 'postgres', label: `query on ${shown()}` });
    const db = await openDatabase();
    try {
      expect((await orders.load(db)).input).toMatchObject({ path: `query on ${shown()}`, rows_read: 13, rows_kept: 10 });
    } finally {
      db.close();
    }
  });

  it('bad values in a table: the table, row, key and column named, exit 2, the output folder left as it was', () => {
    const out = join(work, 'kept');
    expect(runClv(['report', '--orders', shopCsv, '--out', out, '--no-clv', '--holdout-months', '0', '--quiet']).status).toBe(0);
    const before = readTree(out);
    const r = runClv(['report', '--orders', url(T.bad), '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    const label = `${shown()}?table=${T.bad}`;
    expect(r.stderr).toBe(
      [
        `clv: cannot read ${label}: 2 problems`,
        `  ${label} row 2 (order_id "o2"): column "order_date": value "2024-02-30": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
        `  ${label} row 4 (order_id "o4"): column "amount": value "12,50": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
        '',
      ].join('\n'),
    );
    expect(readTree(out)).toEqual(before);
    expect(r.stderr).not.toContain(password());
  });

  it('a wrong password, a closed port, a missing table or database, a bad query: one plain line, exit 2, no password', () => {
    const u = new URL(PG_URL!);
    const withPw = (pw: string, rest = '') => `postgres://${u.username}:${pw}@${u.host}${u.pathname}${rest}`;
    const cases: [string[], string][] = [
      [['--orders', withPw('not-the-password', '?table=x')], `clv: cannot connect to ${shown()}: password authentication failed for user "${u.username}"; check the password (PGPASSWORD or ~/.pgpass)`],
      [['--orders', `postgres://${u.username}:${encodeURIComponent(password())}@127.0.0.1:1/db?table=x`], `clv: cannot connect to postgres://${u.username}@127.0.0.1:1/db: connection refused; check the host and port, and that the server is running`],
      [['--orders', url('no_such_table')], `clv: ${shown()}: relation "no_such_table" does not exist; check the table name (?table=schema.name)`],
      [['--orders', `${withPw(encodeURIComponent(password())).replace(/\/[^/]*$/, '/no_such_db')}?table=x`], `clv: cannot connect to ${shown().replace(/\/[^/]*$/, '/no_such_db')}: database "no_such_db" does not exist; check the database name in the URL`],
      [['--orders-db', PG_URL!, '--orders-query', 'SELEC 1'], `clv: ${shown()}: --orders-query: syntax error at or near "SELEC" (at character 1 of the query)`],
      [['--orders-db', PG_URL!, '--orders-query', `SELECT 1; DROP TABLE ${T.shop}`], `clv: ${shown()}: --orders-query: expected one SELECT statement, found several (separated by ;)`],
      [['--orders', PG_URL!], `clv: --orders: ${shown()} names no table; add ?table=orders (or schema.orders) to the URL, or give a query`],
    ];
    for (const [args, line] of cases) {
      const r = runClv(['report', ...args, '--out', join(work, 'never'), '--quiet'], { PGPASSWORD: '', PGPASSFILE: '/nonexistent' });
      expect(r.stderr, args.join(' ')).toBe(`${line}\n`);
      expect(r.status).toBe(2);
      expect(r.stderr).not.toMatch(GARBAGE);
      expect(r.stderr).not.toContain(password());
    }
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('the password from PGPASSWORD, or from a ~/.pgpass file (ignored, with a warning, when others can read it)', async () => {
    const bare = PG_URL!.replace(/:[^:@/]*@/, '@');
    const target = parsePgTarget(bare, { option: '--orders-db', query: `SELECT customer_id FROM ${T.shop}` });
    const count = async () => {
      let n = 0;
      await streamPgRows(target, { columns: async () => undefined, rows: (b) => (n += b.length) });
      return n;
    };
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    try {
      process.env.PGPASSFILE = join(work, 'none');
      process.env.PGPASSWORD = password();
      expect(await count()).toBe(13);
      // The Unix socket of the test server (.ci/postgres.sh puts it in CLV_TEST_PG_DIR), when there is one.
      const socketDir = process.env.CLV_TEST_PG_DIR;
      if (socketDir) {
        const u = new URL(PG_URL!);
        const viaSocket = parsePgTarget(`postgres://${u.username}@:${u.port}${u.pathname}?host=${socketDir}`, { option: '--orders-db', query: `SELECT customer_id FROM ${T.shop}` });
        let n = 0;
        await streamPgRows(viaSocket, { columns: async () => undefined, rows: (b) => (n += b.length) });
        expect(n).toBe(13);
      }
      delete process.env.PGPASSWORD;
      await expect(count()).rejects.toThrow(/the server asks for a password; set PGPASSWORD or add the database to ~\/\.pgpass$/);
      const u = new URL(PG_URL!);
      const file = join(work, 'pgpass');
      writeFileSync(file, `# comment\nother:*:*:*:wrong\n${u.hostname}:${u.port}:*:${u.username}:${password().replaceAll('\\', '\\\\').replaceAll(':', '\\:')}\n`);
      chmodSync(file, 0o600);
      process.env.PGPASSFILE = file;
      expect(await count()).toBe(13);
      chmodSync(file, 0o644);
      const warnings: string[] = [];
      await expect(streamPgRows(target, { columns: async () => undefined, rows: () => undefined }, (m) => warnings.push(m))).rejects.toThrow(/asks for a password/);
      expect(warnings).toEqual([`${file} is ignored: others can read it (chmod 0600 ${file})`]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('nothing hangs: a slow query stops at --db-timeout, a server that never answers at the connect timeout', async () => {
    const slow = runClv(['report', '--orders-db', PG_URL!, '--orders-query', `SELECT *, pg_sleep(3) FROM ${T.shop}`, '--db-timeout', '1', '--out', join(work, 'never'), '--quiet']);
    expect(slow.stderr).toBe(`clv: ${shown()}: reading --orders-query took longer than 1 s and was cancelled; raise --db-timeout SECONDS, or add an index or a narrower query\n`);
    expect(slow.status).toBe(2);
    // Accepts the connection and says nothing.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const target = parsePgTarget(`postgres://u:secret-pw@127.0.0.1:${port}/db?table=t`, { option: '--orders', timeoutSeconds: 1 });
      const started = Date.now();
      const err = await streamPgRows(target, { columns: async () => undefined, rows: () => undefined }).catch((e: Error) => e);
      expect(Date.now() - started).toBeLessThan(5000);
      expect((err as Error).message).toBe(`cannot connect to postgres://u@127.0.0.1:${port}/db: no answer within 1 s; check the host, port and firewall`);
    } finally {
      silent.close();
    }
  });
});

describe('PostgreSQL URLs and passwords (no server needed)', () => {
  it('the password is kept out of the label, in the user part or as a query parameter', () => {
    const t = parsePgTarget('postgres://ann:s3cr%40t@db.example.com:6543/shop?table=sales.orders&sslmode=require', { option: '--orders' });
    expect(t.urlPassword).toBe('s3cr@t');
    expect(t.label).toBe('postgres://ann@db.example.com:6543/shop?sslmode=require&table=sales.orders');
    expect(t.table).toBe('sales.orders');
    const q = parsePgTarget('postgresql://ann@h/shop?password=pw1', { option: '--orders-db', query: 'SELECT 1;' });
    expect(q).toMatchObject({ urlPassword: 'pw1', query: 'SELECT 1', label: 'query on postgresql://ann@h/shop' });
    expect(redactUrl('postgres://ann:pw2@h:notaport/db?password=pw3')).not.toMatch(/pw2|pw3/);
    expect(() => parsePgTarget('postgres://ann:pw4@h:notaport/db', { option: '--orders' })).toThrow(/^--orders: postgres:\/\/ann@h:notaport\/db is not a valid URL/);
  });

  it('~/.pgpass lines: wildcards, escaped colons and backslashes, the first match wins', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clv-pgpass-')), 'pgpass');
    writeFileSync(file, 'h1:5432:shop:ann:first\n*:*:*:ann:a\\:b\\\\c\n*:*:*:*:any\n');
    chmodSync(file, 0o600);
    const saved = process.env.PGPASSFILE;
    process.env.PGPASSFILE = file;
    try {
      expect(pgpassPassword({ host: 'h1', port: '5432', database: 'shop', user: 'ann' })).toBe('first');
      expect(pgpassPassword({ host: 'h2', port: '5432', database: 'shop', user: 'ann' })).toBe('a:b\\c');
      expect(pgpassPassword({ host: 'h2', port: '1', database: 'x', user: 'bob' })).toBe('any');
      // Over a Unix socket, libpq matches the host "localhost".
      writeFileSync(file, 'localhost:5432:shop:ann:sock\n');
      expect(pgpassPassword({ host: '/run/postgresql', port: '5432', database: 'shop', user: 'ann' })).toBe('sock');
      expect(pgpassPassword({ host: 'db1', port: '5432', database: 'shop', user: 'ann' })).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = saved;
    }
  });
});
