/**
 * The embedded DuckDB database (in-memory) that scans the order facts.
 * One instance per run; the session time zone is UTC so that every date
 * conversion is a UTC calendar date whatever the machine's `TZ`.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import * as aq from 'arquero';
import { join } from 'node:path';
import { ident, literal } from './sql.ts';
import { removeScratchDir } from '../scratch.ts';
import { UserError } from '../errors.ts';


export type Row = Record<string, unknown>;

export interface Database {
  /** Runs a statement for its effect. */
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  /** Runs a query and returns its rows as plain JS objects (BIGINT becomes number). */
  rows<T = Row>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  /** Runs a query and returns its result as an arquero table. */
  table(sql: string, params?: DuckDBValue[]): Promise<aq.ColumnTable>;
  /**
   * Runs a query and returns its columns as arrays by name (BIGINT becomes number): for results of
   * hundreds of thousands of rows, several times cheaper than {@link rows}' one object per row.
   */
  columns<T extends Record<string, unknown[]> = Record<string, unknown[]>>(sql: string, params?: DuckDBValue[]): Promise<T>;
  /**
   * Creates the temporary table `name` from columns of JavaScript numbers (the small per-cell tables
   * that scoring and the backtest compute in JavaScript), through DuckDB's appender: no SQL text carries
   * the values and no scratch file is written.
   */
  loadColumns(name: string, columns: readonly NumberColumn[]): Promise<void>;
  /**
   * Creates the temporary table `name` of VARCHAR `columns` and returns an appender for rows of
   * text (null = NULL), fed in batches (rows streamed from another database): no SQL text carries
   * the values. `close()` flushes the last rows.
   */
  textAppender(name: string, columns: readonly string[]): Promise<TextAppender>;
  close(): void;
}

/** Appends rows of text to a table made by {@link Database.textAppender}. */
export interface TextAppender {
  append(rows: readonly (readonly (string | null)[])[]): void;
  close(): void;
}

/** A column for {@link Database.loadColumns}: INTEGER values must be whole numbers. */
export interface NumberColumn {
  name: string;
  type: 'INTEGER' | 'DOUBLE';
  values: ArrayLike<number>;
}

function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export interface DatabaseOptions {
  threads?: number;
  /** DuckDB's memory_limit (e.g. `1GB`): above it, DuckDB writes to `tempDirectory` instead of growing. */
  memoryLimit?: string;
  /** Where DuckDB spills (a folder of the run's scratch folder); without it, DuckDB's in-memory database cannot spill. */
  tempDirectory?: string;
}

/**
 * The database of a run (clv report, fit, score): DuckDB spills into `<scratch>/duckdb-spill` beyond
 * `memoryLimit` (lib/engine/memory-limit.ts). When it cannot be opened, the scratch folder goes too.
 */
export async function openRunDatabase(scratch: string, memoryLimit: string): Promise<Database> {
  try {
    return await openDatabase({ memoryLimit, tempDirectory: join(scratch, 'duckdb-spill') });
  } catch (err) {
    await removeScratchDir(scratch);
    throw err;
  }
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn: DuckDBConnection = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  await conn.run(`SET preserve_insertion_order = true`);
  if (options.threads) await conn.run(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
  if (options.memoryLimit) await conn.run(`SET memory_limit = ${literal(options.memoryLimit)}`);
  // Beyond the limit DuckDB spills; what it cannot spill ends the run with this message rather than a stack trace.
  const outOfMemory = (err: unknown): never => {
    const msg = err instanceof Error ? err.message : String(err);
    if (options.memoryLimit && /Out of Memory Error/i.test(msg)) {
      throw new UserError(`DuckDB needed more memory than its limit of ${options.memoryLimit} (${msg.split('\n')[0]}); raise --memory-limit (e.g. --memory-limit 4GB), or free disk space in the temp folder it spills into`);
    }
    throw err;
  };
  /** A query's result as arrays by column name, in the result's column order (BIGINT becomes number). */
  const columnsOf = async (sql: string, params?: DuckDBValue[]) => {
    const reader = await conn.runAndReadAll(sql, params).catch(outOfMemory);
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    const names = reader.columnNames();
    const data: Record<string, unknown[]> = {};
    for (const name of names) {
      const values = cols[name];
      data[name] = values.some((v) => typeof v === 'bigint') ? values.map(toPlain) : values;
    }
    return { data, names };
  };

  if (options.tempDirectory) await conn.run(`SET temp_directory = ${literal(options.tempDirectory)}`);
  return {
    async run(sql, params) {
      await conn.run(sql, params).catch(outOfMemory);
    },
    async rows<T>(sql: string, params?: DuckDBValue[]) {
      const reader = await conn.runAndReadAll(sql, params).catch(outOfMemory);
      const out = reader.getRowObjectsJS() as Row[];
      for (const row of out) for (const k of Object.keys(row)) row[k] = toPlain(row[k]);
      return out as T[];
    },
    async table(sql, params) {
      const { data, names } = await columnsOf(sql, params);
      return aq.table(data, names);
    },
    async columns<T extends Record<string, unknown[]>>(sql: string, params?: DuckDBValue[]) {
      return (await columnsOf(sql, params)).data as T;
    },
    async loadColumns(name, columns) {
      const n = columns[0]?.values.length ?? 0;
      if (columns.some((c) => c.values.length !== n)) throw new Error(`loadColumns ${name}: columns differ in length`);
      await conn.run(`CREATE TEMP TABLE ${ident(name)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`);
      const appender = await conn.createAppender(name, null, 'temp');
      try {
        for (let i = 0; i < n; i++) {
          for (const c of columns) {
            if (c.type === 'INTEGER') appender.appendInteger(c.values[i]);
            else appender.appendDouble(c.values[i]);
          }
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    },
    async textAppender(name, columns) {
      await conn.run(`CREATE TEMP TABLE ${ident(name)} (${columns.map((c) => `${ident(c)} VARCHAR`).join(', ')})`);
      const appender = await conn.createAppender(name, null, 'temp');
      return {
        append(rows) {
          for (const row of rows) {
            for (const v of row) {
              if (v === null) appender.appendNull();
              else appender.appendVarchar(v);
            }
            appender.endRow();
          }
        },
        close() {
          appender.closeSync();
        },
      };
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export { double, exactAvg, exactSum, ident, literal } from './sql.ts';
