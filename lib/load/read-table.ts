/**
 * Reads a small side input (spend, customer attributes) — CSV (also .csv.gz)
 * or Parquet — into a DuckDB table whose columns are all VARCHAR, with the
 * same file rules and messages as the orders file: the delimiter is read from
 * the header, empty or duplicate header names, rows with the wrong number of
 * fields and empty files are refused as file:line problems (exit code 2).
 * Typing and checking the values is the caller's job; {@link TextTable.lines}
 * maps data rows back to physical lines for its messages.
 */
import { extname } from 'node:path';
import { InputError, UserError, MAX_LISTED_PROBLEMS } from '../errors.ts';
import { ident, literal, type Database } from '../engine/database.ts';
import { streamPgTable, type PgTarget } from '../sources/pg-connection.ts';
import { readCsvHeader, readHead, recordLines } from './csv-lines.ts';
import { checkHeaderNames, checkTextHead, regularFileSize, scanFile } from './input-file.ts';
import { sniffDelimiter } from './load-orders.ts';

export interface TextTable {
  path: string;
  format: 'csv' | 'parquet' | 'postgres';
  sha256: string;
  bytes: number;
  /**
   * Column names as in the file (trimmed), in order, and the SQL name of each
   * in the table (`c1`, `c2`…: no name from the file is ever spliced into SQL).
   */
  columns: { name: string; position: number; sql: string }[];
  rows: number;
  /** 1-based line (CSV) or row number (Parquet) of the given 0-based data rows. */
  lines(records: number[]): Promise<Map<number, number>>;
  /** 'line' for CSV, 'row' for Parquet: how {@link InputError} names locations. */
  unit: 'line' | 'row';
}

const REJECT_HINTS: Record<string, string> = {
  'TOO MANY COLUMNS': 'a field that contains the delimiter must be enclosed in double quotes',
  'MISSING COLUMNS': 'every row needs as many fields as the header',
  'UNQUOTED VALUE': 'a double quote inside a field must be doubled ("") and the field quoted',
  'INVALID UNICODE': 'the file must be UTF-8',
  'LINE SIZE OVER MAXIMUM': 'check for an unclosed double quote',
};

/**
 * Finds a wanted column: exact name first, then ignoring case, spaces and dashes.
 */
export function findColumn<C extends { name: string }>(columns: C[], wanted: string): C | undefined {
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return columns.find((c) => c.name === wanted) ?? columns.find((c) => norm(c.name) === norm(wanted));
}

/**
 * Loads `input` into the table `table` (all columns VARCHAR named c1, c2…, file order kept; `rowid` = data row):
 * a file, or a PostgreSQL table or query (rows streamed by a cursor; {@link TextTable.path} is then its label, without password).
 */
export async function readTextTable(db: Database, input: string | PgTarget, table: string, what: string): Promise<TextTable> {
  if (typeof input !== 'string') return readPgTable(db, input, table, what);
  const file = input;
  const size = await regularFileSize(file, what);
  const ext = extname(file).toLowerCase();
  const format = ext === '.parquet' || ext === '.pq' ? 'parquet' : 'csv';
  if (format === 'csv' && size > 0) await checkTextHead(file);
  if (format === 'csv' && (size === 0 || (await readHead(file, 4096)).trim() === '')) {
    throw new InputError(file, [{ message: `the file is empty; expected a header row, then one row per record (${what})` }]);
  }
  const { sha256, problem } = await scanFile(file, format);
  if (problem) throw new InputError(file, [problem]);
  const rejects = `${table}_rejects`;
  const rejectScans = `${table}_reject_scans`;
  await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
  await db.run(`DROP TABLE IF EXISTS ${ident(rejects)}`);
  await db.run(`DROP TABLE IF EXISTS ${ident(rejectScans)}`);
  let columns: TextTable['columns'];
  if (format === 'csv') {
    const delimiter = await sniffDelimiter(file);
    columns = checkHeaderNames(file, await readCsvHeader(file, delimiter)).map((c) => ({ ...c, sql: `c${c.position}` }));
    try {
      await db.run(`
        CREATE TEMP TABLE ${ident(table)} AS SELECT * FROM read_csv(${literal(file)}, header = true, auto_detect = false, strict_mode = true,
          delim = ${literal(delimiter)}, quote = '"', escape = '"',
          columns = {${columns.map((c) => `'${c.sql}': 'VARCHAR'`).join(', ')}},
          store_rejects = true, rejects_table = ${literal(rejects)}, rejects_scan = ${literal(rejectScans)})`);
    } catch (err) {
      // A memory limit DuckDB ran into is said as such (lib/engine/database.ts), not as a file problem.
      if (err instanceof UserError) throw err;
      throw new InputError(file, [{ message: `cannot be read as CSV: ${firstLine(err)}` }]);
    }
    const bad = await db.rows<{ line: number; column_idx: number; column_name: string | null; error_type: string; error_message: string }>(
      `SELECT line, column_idx, column_name, error_type, error_message FROM ${ident(rejects)} ORDER BY line, column_idx`,
    );
    if (bad.length > 0) {
      const listed = bad.slice(0, MAX_LISTED_PROBLEMS);
      const lines = await recordLines(file, listed.map((r) => r.line - 2));
      throw new InputError(
        file,
        listed.map((r) => {
          const line = lines.get(r.line - 2) ?? r.line;
          const hint = REJECT_HINTS[r.error_type] ?? 'the row is not valid CSV';
          const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(r.error_message);
          if (counts) return { line, message: `the row has ${counts[2]} fields but the header has ${counts[1]}; ${hint}` };
          return { line, column: r.column_idx || undefined, columnName: columns[r.column_idx - 1]?.name, message: `${r.error_message.replace(/\.$/, '')}; ${hint}` };
        }),
        bad.length,
      );
    }
  } else {
    let desc: { column_name: string }[];
    try {
      desc = await db.rows<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${literal(file)})`);
    } catch (err) {
      // A memory limit DuckDB ran into is said as such (lib/engine/database.ts), not as a file problem.
      if (err instanceof UserError) throw err;
      throw new InputError(file, [{ message: `cannot be read as Parquet: ${firstLine(err)}; expected a Parquet file` }]);
    }
    columns = checkHeaderNames(file, desc.map((d) => d.column_name), undefined).map((c) => ({ ...c, sql: `c${c.position}` }));
    try {
      await db.run(
        `CREATE TEMP TABLE ${ident(table)} AS SELECT ${columns.map((c) => `CAST(${ident(c.name)} AS VARCHAR) AS ${c.sql}`).join(', ')} FROM read_parquet(${literal(file)})`,
      );
    } catch (err) {
      // A memory limit DuckDB ran into is said as such (lib/engine/database.ts), not as a file problem.
      if (err instanceof UserError) throw err;
      throw new InputError(file, [{ message: `cannot be read as Parquet: ${firstLine(err)}` }]);
    }
  }
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM ${ident(table)}`);
  if (n === 0) throw new InputError(file, [{ line: format === 'csv' ? 1 : undefined, message: `no data rows: the file has a header but no ${what}` }]);
  return {
    path: file,
    format,
    sha256,
    bytes: size,
    columns,
    rows: n,
    unit: format === 'csv' ? 'line' : 'row',
    lines: (records) => (format === 'csv' ? recordLines(file, records) : Promise.resolve(new Map(records.map((r) => [r, r + 1])))),
  };
}

async function readPgTable(db: Database, target: PgTarget, table: string, what: string): Promise<TextTable> {
  await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
  const streamed = await streamPgTable(db, target, table);
  if (streamed.rows === 0) throw new InputError(target.label, [{ message: `no rows: the table (or query) has no ${what}` }]);
  return {
    path: target.label,
    format: 'postgres',
    sha256: streamed.sha256,
    bytes: streamed.bytes,
    columns: streamed.columns.map((name, i) => ({ name, position: i + 1, sql: `c${i + 1}` })),
    rows: streamed.rows,
    unit: 'row',
    lines: async (records) => new Map(records.map((r) => [r, r + 1])),
  };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? msg;
}
