/**
 * The embedded DuckDB database (in-memory) that scans the order facts.
 * One instance per run; the session time zone is UTC so that every date
 * conversion is a UTC calendar date whatever the machine's `TZ`.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import * as aq from 'arquero';

export type Row = Record<string, unknown>;

export interface Database {
  /** Runs a statement for its effect. */
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  /** Runs a query and returns its rows as plain JS objects (BIGINT becomes number). */
  rows<T = Row>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  /** Runs a query and returns its result as an arquero table. */
  table(sql: string, params?: DuckDBValue[]): Promise<aq.ColumnTable>;
  close(): void;
}

function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export async function openDatabase(options: { threads?: number } = {}): Promise<Database> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn: DuckDBConnection = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  await conn.run(`SET preserve_insertion_order = true`);
  if (options.threads) await conn.run(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
  return {
    async run(sql, params) {
      await conn.run(sql, params);
    },
    async rows<T>(sql: string, params?: DuckDBValue[]) {
      const reader = await conn.runAndReadAll(sql, params);
      const out = reader.getRowObjectsJS() as Row[];
      for (const row of out) for (const k of Object.keys(row)) row[k] = toPlain(row[k]);
      return out as T[];
    },
    async table(sql, params) {
      const reader = await conn.runAndReadAll(sql, params);
      const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
      const names = reader.columnNames();
      const data: Record<string, unknown[]> = {};
      for (const name of names) {
        const values = cols[name];
        data[name] = values.some((v) => typeof v === 'bigint') ? values.map(toPlain) : values;
      }
      return aq.table(data, names);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * SQL sum of a DOUBLE expression that does not depend on the order DuckDB's
 * threads add the rows in (a plain floating-point sum does, in its last bits):
 * each value is rounded to 9 decimals and summed as an exact DECIMAL.
 */
/**
 * A JavaScript number as a DOUBLE literal. A bare `0.2425` would be read as a
 * DECIMAL sized to its digits, and arithmetic with it can overflow that type.
 */
export function double(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `CAST('${value}' AS DOUBLE)`;
}

export function exactSum(expr: string): string {
  return `CAST(sum(CAST(${expr} AS DECIMAL(38,9))) AS DOUBLE)`;
}

/** SQL mean of a DOUBLE expression, reproducible like {@link exactSum}. */
export function exactAvg(expr: string): string {
  return `(${exactSum(expr)} / nullif(count(${expr}), 0))`;
}
