/**
 * Loads a customer attributes file (`--customers`): a `customer_id` column
 * plus any attribute columns (acquisition channel, region, plan…), one row
 * per customer, into the DuckDB table `customer_attributes` (values trimmed,
 * empty = NULL). Rows with an empty customer_id are dropped and counted; a
 * customer_id that appears twice is an error naming both lines.
 */
import { InputError, UserError, MAX_LISTED_PROBLEMS, type InputProblem } from '../errors.ts';
import { ident, type Database } from '../engine/database.ts';
import type { DroppedRows, InputSummary } from './load-orders.ts';
import { findColumn, readTextTable } from './read-table.ts';
import type { PgTarget } from '../sources/pg-connection.ts';

export interface LoadedCustomers {
  input: InputSummary;
  /** Attribute columns (everything but customer_id), as named in the file. */
  attributes: string[];
}

const trimmed = (expr: string) => `nullif(trim(${expr}), '')`;

export async function loadCustomers(db: Database, input: string | PgTarget, options: { requiredColumns?: string[] } = {}): Promise<LoadedCustomers> {
  const table = await readTextTable(db, input, 'customers_raw', 'customers (customer_id and attribute columns)');
  const file = table.path;
  const id = findColumn(table.columns, 'customer_id');
  if (!id) {
    throw new InputError(file, [
      { line: table.format === 'postgres' ? undefined : 1, message: `missing required column "customer_id"; the header has ${table.columns.map((c) => JSON.stringify(c.name)).join(', ')}` },
    ]);
  }
  const attributes = table.columns.filter((c) => c !== id);
  checkCustomerColumns({ input: { path: file }, attributes: attributes.map((a) => a.name) }, options.requiredColumns ?? []);
  const dups = await db.rows<{ rec: number; first: number; customer_id: string }>(`
    SELECT rowid AS rec, first_value(rowid) OVER (PARTITION BY k ORDER BY rowid) AS first, k AS customer_id
    FROM (SELECT rowid, ${trimmed(id.sql)} AS k FROM customers_raw) WHERE k IS NOT NULL
    QUALIFY count(*) OVER (PARTITION BY k) > 1 AND rowid <> first
    ORDER BY rowid`);
  if (dups.length > 0) {
    const listed = dups.slice(0, MAX_LISTED_PROBLEMS);
    const lines = await table.lines(listed.flatMap((d) => [d.rec, d.first]));
    const problems: InputProblem[] = listed.map((d) => ({
      line: lines.get(d.rec),
      column: id.position,
      columnName: id.name,
      value: d.customer_id,
      message: `customer_id repeated (first on ${table.unit} ${lines.get(d.first)}); the customers file needs one row per customer`,
    }));
    throw new InputError(file, problems, dups.length, table.unit);
  }
  const [{ empty }] = await db.rows<{ empty: number }>(`SELECT count(*) AS empty FROM customers_raw WHERE ${trimmed(id.sql)} IS NULL`);
  await db.run(`DROP TABLE IF EXISTS customer_attributes`);
  await db.run(`
    CREATE TEMP TABLE customer_attributes AS
    SELECT ${trimmed(id.sql)} AS customer_id ${attributes.map((a) => `, ${trimmed(a.sql)} AS ${ident(a.name)}`).join('')}
    FROM customers_raw WHERE ${trimmed(id.sql)} IS NOT NULL`);
  await db.run(`DROP TABLE customers_raw`);
  const dropped: DroppedRows[] = empty > 0 ? [{ reason: 'empty customer_id', rows: empty }] : [];
  return {
    input: { path: file, format: table.format, sha256: table.sha256, bytes: table.bytes, rows_read: table.rows, rows_kept: table.rows - empty, dropped },
    attributes: attributes.map((a) => a.name),
  };
}

/** Refuses an attribution column the customers file does not have, listing the ones it has. */
export function checkCustomerColumns(customers: { input: { path: string }; attributes: string[] }, required: string[]): void {
  for (const wanted of required) {
    if (!customers.attributes.includes(wanted)) {
      throw new UserError(
        `--attribution customers:${wanted}: ${customers.input.path} has no column "${wanted}"; choose one of ${customers.attributes.join(', ') || '(no attribute columns)'}`,
      );
    }
  }
}
