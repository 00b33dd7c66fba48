/**
 * Orders from a PostgreSQL table or query (`--orders postgres://user@host:port/db?table=orders`,
 * or `--orders-db URL --orders-query "SELECT …"`). The rows are streamed through a cursor, a batch
 * at a time, as PostgreSQL's text output into a DuckDB table of text columns; from there the same
 * mapping, parsing and checks as for a CSV file make `facts` (lib/load/load-orders.ts), so column
 * mapping, date formats, bad values and dropped-row counts behave as for files. Problems name the
 * table, the row's key and the column. The URL's password never appears in any output.
 */
import type { Database } from '../engine/database.ts';
import type { LoadedOrders, OrdersInput } from '../load/load-orders.ts';
import { connectPg, isPostgresUrl, parsePgTarget, pgFailure, streamPgTable, type PgTarget } from './pg-connection.ts';
import type { CustomersSource, LoadOptions, OrdersSource, SpendSource } from './source.ts';
import { fileCustomers, fileSpend } from './file.ts';
import { rowKey } from '../load/order-checks.ts';

/** The DuckDB table the streamed rows land in (dropped once `facts` is made). */
const RAW_TABLE = 'orders_pg_raw';

/** What the orders of a PostgreSQL source share with a file (mapping, date format, as-of, valid years), and whether to aggregate in the database. */
export type PgOrdersInput = Omit<OrdersInput, 'path'> & {
  /** False (`--no-pushdown`): stream every order row, as for a table with text columns. Default true. */
  pushdown?: boolean;
};

export function postgresOrders(target: PgTarget, input: PgOrdersInput, warn?: (m: string) => void): OrdersSource {
  return {
    ...described(target),
    load: (db, options) => loadPgOrders(db, target, input, options ?? {}, warn),
    manifestOptions: () => ({ as_of: input.asOf ?? null, map: input.map ?? {}, date_format: input.dateFormat ?? null }),
    atAsOf: (asOf) => postgresOrders(target, { ...input, asOf }, warn),
  };
}

/**
 * Aggregates the orders in PostgreSQL when the table's types allow it (lib/sources/pg-pushdown.ts);
 * otherwise streams every row, saying why in the manifest (`pushdown_reason`).
 */
async function loadPgOrders(db: Database, target: PgTarget, input: PgOrdersInput, options: LoadOptions, warn?: (m: string) => void): Promise<LoadedOrders> {
  const pushdown = input.pushdown === false ? undefined : await import('./pg-pushdown.ts');
  let reason = pushdown ? pushdown.optionsRefusal(input, options) : '--no-pushdown is given';
  if (pushdown && reason === undefined) {
    const { describePg, loadPushdown, pushdownRefusal } = pushdown;
    const client = await connectPg(target, warn);
    try {
      // One snapshot for every statement of the load.
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const columns = await describePg(client, target);
      reason = await pushdownRefusal(client, columns, input, target.label);
      if (reason === undefined) {
        const loaded = await loadPushdown(db, client, target, columns, input, options);
        await client.query('COMMIT');
        return loaded;
      }
      await client.query('ROLLBACK');
    } catch (err) {
      throw pgFailure(err, target, 'read');
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const loaded = await streamPgOrders(db, target, input, options, warn);
  return { ...loaded, input: { ...loaded.input, pushdown: false, pushdown_reason: reason, rows_transferred: loaded.input.rows_read } };
}

/** Streams the rows into {@link RAW_TABLE} (columns c1, c2… of text), then loads them like a file's. */
async function streamPgOrders(db: Database, target: PgTarget, input: PgOrdersInput, options: LoadOptions, warn?: (m: string) => void): Promise<LoadedOrders> {
  const { loadOrderScan } = await import('../load/load-orders.ts');
  await db.run(`DROP TABLE IF EXISTS ${RAW_TABLE}`);
  try {
    const streamed = await streamPgTable(db, target, RAW_TABLE, warn);
    const columns = streamed.columns.map((name, i) => ({ name, position: i + 1 }));
    return await loadOrderScan(
      db,
      {
        label: target.label,
        format: 'postgres',
        columns,
        types: new Map(),
        sql: (c) => `c${c.position}`,
        scan: RAW_TABLE,
        rawScan: RAW_TABLE,
        unit: 'row',
        lineOf: async (recs) => new Map(recs.map((r) => [r, r + 1])),
        locate: rowKeys,
        inputProblem: async () => undefined,
        digest: async () => ({ sha256: streamed.sha256, bytes: streamed.bytes }),
      },
      input,
      options,
    );
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${RAW_TABLE}`);
  }
}

/** The key of loaded rows (by 0-based row): their order_id, else their customer_id, as problems name them. */
async function rowKeys(db: Database, recs: number[]): Promise<Map<number, { key?: string }>> {
  const rows = await db.rows<{ rec: number; order_id: string | null; customer_id: string | null }>(
    `SELECT rowid AS rec, order_id, customer_id FROM orders_in WHERE rowid IN (${recs.map(Number).join(', ')})`,
  );
  return new Map(rows.map((k) => [k.rec, { key: rowKey(k.order_id, k.customer_id) }]));
}

/** The spend (`--spend`): a file, or a PostgreSQL table (`postgres://…?table=spend`) read like one. */
export function spendSource(path: string): SpendSource {
  if (!isPostgresUrl(path)) return fileSpend(path);
  const target = parsePgTarget(path, { option: '--spend' });
  return { ...described(target), load: async (db, o) => (await import('../load/load-spend.ts')).loadSpend(db, target, o) };
}

/** The customer attributes (`--customers`): a file, or a PostgreSQL table (`postgres://…?table=customers`) read like one. */
export function customersSource(path: string): CustomersSource {
  if (!isPostgresUrl(path)) return fileCustomers(path);
  const target = parsePgTarget(path, { option: '--customers' });
  return { ...described(target), load: async (db, o) => (await import('../load/load-customers.ts')).loadCustomers(db, target, o) };
}

/** How a database source names itself (never with its password), and its local files (none). */
function described(target: PgTarget) {
  return { describe: () => ({ kind: 'postgres', label: target.label }), files: (): string[] => [] };
}
