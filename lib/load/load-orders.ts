/**
 * Loads an orders file (CSV or Parquet) into the DuckDB table `facts`,
 * validating it on the way. This is the one scan over the order facts: the
 * file is read once, typed in the same pass, and everything after works on
 * the in-memory table.
 *
 * Contract of `facts` (a view over the loaded table `orders_in`): one row per kept order or refund line
 *   seq          BIGINT   position of the row in the file (0-based data row)
 *   customer_id  VARCHAR  never empty
 *   order_date   DATE     UTC calendar date, <= as-of
 *   amount       DECIMAL(18,4)  negative for refunds
 *   order_id     VARCHAR  (NULL when the file has none)
 *   channel      VARCHAR  (NULL when the file has none)
 *   attributes   VARCHAR  one column per other input column, named "attribute:<name in the file>"
 *                         ({@link attributeColumn}), so that no name in a file can collide with
 *                         the columns above or with DuckDB's own (rowid)
 *
 * Nothing from the file is ever spliced into SQL text: CSV columns are read
 * under positional names (c1, c2…), Parquet columns are quoted identifiers,
 * and values only pass through DuckDB's readers.
 */
import { orderFileFormat } from '../sources/file.ts';
import type { LoadOptions } from '../sources/source.ts';
import { InputError, UserError, type InputProblem, MAX_LISTED_PROBLEMS } from '../errors.ts';
import { ident, literal, type Database } from '../engine/database.ts';
import { dateSql, DEFAULT_YEARS, plainNumberSql, type YearRange } from './date-format.ts';
import { DUCKDB } from '../engine/dialect.ts';
import { asOfInForce, badFlagsSql, DROP_REASONS, earlyRefundSql, neverBoughtSql, noOrdersLeft, noRows, ORDER_ROWS, repeatWarning, valueProblems, type FlaggedRow } from './order-checks.ts';
import { readCsvHeader, readHead, recordLines } from './csv-lines.ts';
import { checkHeaderNames, checkTextHead, regularFileSize, scanFile, type SourceColumn } from './input-file.ts';
import { hashParquetSet, isFileSet, locateInSet, openParquetSet } from './parquet-set.ts';

/** The column of `facts` that holds the attribute column `name` of the orders file. */
export function attributeColumn(name: string): string {
  return ident(`attribute:${name}`);
}

/**
 * Order lines only: the column of `facts` that lists the distinct values of a column among the
 * purchased lines (amount ≥ 0) of an order whose lines do not all share one value (NULL when
 * they do: the order's own value, that of its first line, says it all). `column` is `channel` or
 * an attribute name. Read by `--segment-by first:<column>` (lib/engine/summarize.ts).
 */
export function lineValuesColumn(column: string): string {
  return ident(`lines:${column}`);
}

/**
 * Canonical order columns. customer_id and order_date are required; the money of a row is its
 * `amount`, or `quantity` × `unit_price` (line items), or nothing at all (a purchase log: the
 * report leaves out what needs money).
 */
export const REQUIRED_COLUMNS = ['customer_id', 'order_date'] as const;
export const OPTIONAL_COLUMNS = ['amount', 'order_id', 'channel'] as const;
/**
 * Columns of order lines: quantity and unit_price (amount = quantity × unit_price when the file
 * has no amount; found by these names only then, or mapped), product (only mapped: it stays an
 * attribute too, so `--segment-by` can use it). With an order_id, any of them makes the rows
 * lines: rows that share an order_id are summed into one order.
 */
export const LINE_COLUMNS = ['quantity', 'unit_price', 'product'] as const;
export const CANONICAL_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
const MAPPABLE_COLUMNS: readonly string[] = [...CANONICAL_COLUMNS, ...LINE_COLUMNS];

/** Where the money of an order comes from. */
export type MoneySource = 'amount' | 'lines' | 'none';

export interface OrdersInput {
  /** Path of the orders file (`.csv`, `.csv.gz`, `.tsv`, `.txt` or `.parquet`). */
  path: string;
  /** Column mapping: canonical name → column name in the file. */
  map?: Record<string, string>;
  /** Pattern for order dates that are not ISO 8601 (e.g. `yyyyMMdd`). */
  dateFormat?: string;
  /** Inclusive cut-off date `YYYY-MM-DD`; later rows are dropped. Default: the last order date. */
  asOf?: string;
  /** Order dates must fall in these years (default 1900–2200): others are input errors. */
  years?: YearRange;
}

/** Rows dropped from an input, by reason. */
export interface DroppedRows {
  reason: string;
  rows: number;
  /** When rows are order lines: the orders those rows formed. */
  orders?: number;
  /** Customers who had no other row, so are not counted at all. */
  customers?: number;
  /** A few examples (ids or values) to help find the rows. */
  examples?: string[];
}

/** What the manifest and the data-quality notes say about one input file. */
export interface InputSummary {
  path: string;
  format: InputFormat;
  sha256: string;
  bytes: number;
  rows_read: number;
  rows_kept: number;
  dropped: DroppedRows[];
  /** Orders formed from the kept rows (rows_kept when each row is an order; fewer when rows are order lines). */
  orders?: number;
  /** A database source: whether the aggregation ran in the database (lib/sources/pg-pushdown.ts); then sha256 and bytes are of the customer-day rows as text. */
  pushdown?: boolean;
  /** Why the rows were streamed instead (pushdown false). */
  pushdown_reason?: string;
  /** A database source: the rows that travelled to the tool: customer-days when pushed down, every order row otherwise. */
  rows_transferred?: number;
}

export interface LoadedOrders {
  input: InputSummary;
  /** As-of date in force (`YYYY-MM-DD`). */
  asOf: string;
  /** First and last order date among kept rows. */
  firstDate: string;
  lastDate: string;
  hasOrderId: boolean;
  hasChannel: boolean;
  /** Names of the extra columns kept as customer attributes. */
  attributes: string[];
  /** `amount` column, quantity × unit_price, or none (a purchase log: every amount is 0 and nothing about money is reported). */
  money: MoneySource;
  /** True when the rows were order lines summed into orders by order_id. */
  lines: boolean;
  /**
   * True when the orders were aggregated where they live (the PostgreSQL pushdown,
   * lib/sources/pg-pushdown.ts): the load made the table customer_days and no `facts`. Otherwise
   * summarize (lib/engine/summarize.ts) builds customer_days from `facts`.
   */
  aggregated: boolean;
  /** Columns whose distinct values over an order's lines `facts` keeps (lineValuesColumn), as asked for by the run. */
  lineValues: string[];
  /** The attribute that holds each order's product (the product of its first line), when mapped. */
  productColumn?: string;
  /** Things the reader of the report should know before anything else (also printed on stderr). */
  warnings: string[];
}


async function isBlank(path: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  if (size > 4096 && !path.toLowerCase().endsWith('.gz')) return false;
  return (await readHead(path, 4096)).trim() === '';
}

/** Resolves each canonical column to a column of the file (exact name, then case- and space-insensitive). */
export function resolveColumns(
  file: string,
  available: SourceColumn[],
  map: Record<string, string>,
): { resolved: Map<string, SourceColumn>; attributes: SourceColumn[]; money: MoneySource; lines: boolean } {
  for (const key of Object.keys(map)) {
    if (!MAPPABLE_COLUMNS.includes(key)) {
      throw new UserError(
        `--map ${key}=${map[key]}: "${key}" is not an order column; map one of ${MAPPABLE_COLUMNS.join(', ')}`,
      );
    }
  }
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const find = (wanted: string) =>
    available.find((c) => c.name === wanted) ?? available.find((c) => norm(c.name) === norm(wanted));
  const resolved = new Map<string, SourceColumn>();
  const missing: string[] = [];
  const resolve = (canonical: string, byName: boolean) => {
    const wanted = map[canonical] ?? canonical;
    if (map[canonical] === undefined && !byName) return;
    const col = find(wanted);
    if (col) resolved.set(canonical, col);
    else if ((REQUIRED_COLUMNS as readonly string[]).includes(canonical) || map[canonical] !== undefined) {
      missing.push(map[canonical] ? `"${wanted}" (mapped to ${canonical})` : `"${canonical}"`);
    }
  };
  for (const canonical of CANONICAL_COLUMNS) resolve(canonical, true);
  // Line columns by name only when there is no amount: an order file may well have a quantity.
  for (const canonical of LINE_COLUMNS) resolve(canonical, canonical !== 'product' && !resolved.has('amount'));
  if (missing.length > 0) {
    const names = available.map((c) => JSON.stringify(c.name)).join(', ');
    throw new InputError(file, [
      {
        line: 1,
        message: `missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}; the header has ${names} (map other names with --map customer_id=YourColumn)`,
      },
    ]);
  }
  if (!resolved.has('amount') && resolved.has('quantity') !== resolved.has('unit_price')) {
    const [has, lacks] = resolved.has('quantity') ? ['quantity', 'unit_price'] : ['unit_price', 'quantity'];
    throw new InputError(file, [
      {
        line: 1,
        message: `the file has ${has} (${JSON.stringify(resolved.get(has)!.name)}) but no ${lacks} and no amount; the amount of a line is quantity × unit_price (map them with --map quantity=COL --map unit_price=COL, or the amount with --map amount=COL)`,
      },
    ]);
  }
  const byColumn = new Map<string, string>();
  for (const [canonical, c] of resolved) {
    const other = byColumn.get(c.name);
    if (other !== undefined) {
      throw new UserError(
        `${file}: the column ${JSON.stringify(c.name)} would be both ${other} and ${canonical}${map[canonical] !== undefined || map[other] !== undefined ? ' (check --map)' : ''}; map each field to its own column`,
      );
    }
    byColumn.set(c.name, canonical);
  }
  // The product stays an attribute (the product of a customer's first order is a segment).
  const used = new Set([...resolved].filter(([k]) => k !== 'product').map(([, c]) => c.name));
  const attributes = available.filter((c) => !used.has(c.name) && !CANONICAL_COLUMNS.includes(c.name));
  const money: MoneySource = resolved.has('amount') ? 'amount' : resolved.has('quantity') ? 'lines' : 'none';
  const lines = resolved.has('order_id') && LINE_COLUMNS.some((c) => resolved.has(c));
  return { resolved, attributes, money, lines };
}

const REJECT_HINTS: Record<string, string> = {
  'TOO MANY COLUMNS': 'a field that contains the delimiter must be enclosed in double quotes',
  'MISSING COLUMNS': 'every row needs as many fields as the header',
  'UNQUOTED VALUE': 'a double quote inside a field must be doubled ("") and the field quoted',
  'INVALID UNICODE': 'the file must be UTF-8',
  'LINE SIZE OVER MAXIMUM': 'check for an unclosed double quote',
};

/**
 * How the loader reads one orders input: a file (CSV or Parquet, read by DuckDB's readers) or the
 * text rows of a database table already streamed into a DuckDB table (lib/sources/postgres.ts).
 * Everything after (mapping, parsing, checks, dropped-row counts) is the same for all of them.
 */
export interface OrderScan {
  /** Names the input in messages, the manifest and the report: a path, or a table's label (never a password). */
  label: string;
  format: InputFormat;
  columns: SourceColumn[];
  /** Native column types by position (Parquet): dates and numbers are then read without text. */
  types: Map<number, string>;
  /** SQL reference to a column of {@link scan} (no name from the input is spliced in unquoted). */
  sql(c: SourceColumn): string;
  /** FROM clause of the one scan that loads the rows. */
  scan: string;
  /** FROM clause that reads the same rows, in the same order, again (raw text for error messages). */
  rawScan: string;
  /** 'line' (CSV: physical lines) or 'row' in messages. */
  unit: 'line' | 'row';
  /** The line or row number of 0-based data rows. */
  lineOf(recs: number[]): Promise<Map<number, number>>;
  /**
   * Where rows are, when a row number alone does not say it: a table's row key (order_id, else
   * customer_id), a file of a set of files and the row in it. Problems then name it instead of a column number.
   */
  locate?(db: Database, recs: number[]): Promise<Map<number, { line?: number; key?: string }>>;
  /** Throws a problem of the input as a whole (encoding, damaged gzip), which explains a reader's error better. */
  inputProblem(): Promise<void>;
  /** sha256 and size of the input (for a table: of its rows as text). */
  digest(): Promise<{ sha256: string; bytes: number }>;
}

/** The format of an input, as the manifest records it. */
export type InputFormat = 'csv' | 'parquet' | 'postgres';

/**
 * Reads and validates the orders file into `facts`. Throws {@link InputError}
 * (exit code 2) naming file, line and column for anything a user must fix.
 */
export async function loadOrders(db: Database, source: OrdersInput, options: LoadOptions = {}): Promise<LoadedOrders> {
  return loadOrderScan(db, await fileScan(db, source.path), source, options);
}

/** The scan of an orders file: checks of the file as a whole, its columns, and DuckDB's reader. */
async function fileScan(db: Database, file: string): Promise<OrderScan> {
  if (isFileSet(file)) return parquetSetScan(db, file);
  const size = await regularFileSize(file, 'the orders file');
  const format = orderFileFormat(file);
  if (format === 'csv' && size > 0) await checkTextHead(file);
  if (format === 'csv' && (await isBlank(file, size))) {
    throw new InputError(file, [
      { message: `the file is empty; expected a header row naming at least ${REQUIRED_COLUMNS.join(', ')} and amount (or quantity and unit_price), then one row per order` },
    ]);
  }
  // One pass over the file (hash, and for CSV its encoding), alongside DuckDB's scan; awaited at the end.
  const scanning = scanFile(file, format);
  scanning.catch(() => undefined); // do not let an early input error leave it unhandled
  const delimiter = format === 'csv' ? await sniffDelimiter(file) : ',';
  const scanArgs =
    format === 'parquet'
      ? `read_parquet(${literal(file)})`
      : `read_csv(${literal(file)}, header = true, auto_detect = false, strict_mode = true, delim = ${literal(delimiter)}, quote = '"', escape = '"'`;
  let available: SourceColumn[];
  /** Parquet column types (native dates and numbers are converted directly, not through text). */
  const types = new Map<number, string>();
  if (format === 'csv') {
    available = checkHeaderNames(file, await readCsvHeader(file, delimiter));
  } else {
    available = await describeParquet(db, file, scanArgs, types);
  }
  const csvColumns = `columns = {${available.map((c) => `'c${c.position}': 'VARCHAR'`).join(', ')}}`;
  return {
    label: file,
    format,
    columns: available,
    types,
    // CSV columns are read under positional names: no name from the file appears in SQL.
    sql: (c) => (format === 'csv' ? `c${c.position}` : ident(c.name)),
    scan:
      format === 'parquet'
        ? scanArgs
        : `${scanArgs}, ${csvColumns}, store_rejects = true, rejects_table = 'orders_rejects', rejects_scan = 'orders_reject_scans')`,
    rawScan: format === 'parquet' ? scanArgs : `${scanArgs}, ${csvColumns})`,
    unit: format === 'csv' ? 'line' : 'row',
    lineOf: (recs) => (format === 'csv' ? recordLines(file, recs) : Promise.resolve(new Map(recs.map((r) => [r, r + 1])))),
    inputProblem: async () => {
      const scanned = await scanning.catch(() => undefined);
      if (scanned?.problem) throw new InputError(file, [scanned.problem]);
    },
    digest: async () => ({ sha256: (await scanning).sha256, bytes: size }),
  };
}

/** The columns of a Parquet scan (checked like a header), and their types into `types`. */
async function describeParquet(db: Database, label: string, scanArgs: string, types: Map<number, string>): Promise<SourceColumn[]> {
  let desc: { column_name: string; column_type: string }[];
  try {
    desc = await db.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${scanArgs}`);
  } catch (err) {
    // A memory limit DuckDB ran into is said as such (lib/engine/database.ts), not as a file problem.
    if (err instanceof UserError) throw err;
    throw new InputError(label, [{ message: `cannot be read as Parquet: ${firstLine(err)}; expected a Parquet file` }]);
  }
  const available = checkHeaderNames(label, desc.map((d) => d.column_name), undefined);
  desc.forEach((d, i) => types.set(i + 1, d.column_type));
  return available;
}

/** The scan of a set of Parquet files (a glob or a folder; Hive partition folders give columns): lib/load/parquet-set.ts. */
async function parquetSetScan(db: Database, path: string): Promise<OrderScan> {
  const set = await openParquetSet(db, path);
  // Hashed alongside DuckDB's scan; awaited at the end.
  const hashing = hashParquetSet(set);
  hashing.catch(() => undefined);
  const types = new Map<number, string>();
  return {
    label: path,
    format: 'parquet',
    columns: await describeParquet(db, path, set.scan, types),
    types,
    sql: (c) => ident(c.name),
    scan: set.scan,
    rawScan: set.scan,
    unit: 'row',
    lineOf: async (recs) => new Map(recs.map((r) => [r, r + 1])),
    locate: (d, recs) => locateInSet(d, set, recs),
    inputProblem: async () => undefined,
    digest: () => hashing,
  };
}

/**
 * Maps, parses and checks the rows of `scan` into `facts`. Throws {@link InputError} (exit code 2)
 * naming the input, the line (or row and key) and the column for anything a user must fix.
 */
export async function loadOrderScan(db: Database, scan: OrderScan, source: Omit<OrdersInput, 'path'>, options: LoadOptions = {}): Promise<LoadedOrders> {
  const file = scan.label;
  const format = scan.format;
  const available = scan.columns;
  const types = scan.types;
  const scanArgs = scan.rawScan;
  const fileProblem = scan.inputProblem;
  const { resolved, attributes, money, lines } = resolveColumns(file, available, source.map ?? {});
  const col = (name: string) => resolved.get(name);
  const sql = scan.sql;
  const text = (c: SourceColumn) => DUCKDB.text(sql(c));
  const native = (c: SourceColumn, kinds: RegExp) => format === 'parquet' && kinds.test(types.get(c.position) ?? '');
  const cid = col('customer_id')!;
  const od = col('order_date')!;
  const years = source.years ?? DEFAULT_YEARS;
  const dateExpr = native(od, /^(DATE|TIMESTAMP)/) ? `TRY_CAST(${sql(od)} AS DATE)` : dateSql(text(od), source.dateFormat);
  const numberExpr = (c: SourceColumn) =>
    native(c, /^(DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|U(BIGINT|INTEGER|SMALLINT|TINYINT)|DOUBLE|FLOAT)/)
      ? `TRY_CAST(${sql(c)} AS DECIMAL(18,4))`
      : `CASE WHEN ${plainNumberSql(text(c), DUCKDB)} THEN TRY_CAST(${text(c)} AS DECIMAL(18,4)) END`;
  /** The columns the amount is read from (the value problems name them). */
  const moneyColumns = money === 'amount' ? [col('amount')!] : money === 'lines' ? [col('quantity')!, col('unit_price')!] : [];
  const amountExpr =
    money === 'amount'
      ? numberExpr(col('amount')!)
      : money === 'lines'
        ? `TRY_CAST(${numberExpr(col('quantity')!)} * ${numberExpr(col('unit_price')!)} AS DECIMAL(18,4))`
        : 'CAST(0 AS DECIMAL(18,4))';
  const custExpr = DUCKDB.trimmedText(text(cid));
  const optional = (name: string) => {
    const c = col(name);
    return c ? DUCKDB.trimmedText(text(c)) : 'CAST(NULL AS VARCHAR)';
  };
  const attrSelect = attributes.map((a) => `, ${DUCKDB.trimmedText(text(a))} AS ${attributeColumn(a.name)}`).join('');
  // Order lines: a hash of the whole row as read finds exact duplicates.
  const rowHash = lines ? `, hash(${available.map(sql).join(', ')}) AS row_hash` : '';

  // The one scan: each value is parsed once (inner SELECT); rows whose date or
  // amount does not parse are flagged (bit 1 = date, bit 2 = amount, bit 4 =
  // a date outside the accepted years), and their raw text is read again only
  // when there is something to report.
  await db.run(`DROP VIEW IF EXISTS facts`);
  await db.run(`DROP TABLE IF EXISTS orders_in`);
  await db.run(`DROP TABLE IF EXISTS orders_rejects`);
  await db.run(`DROP TABLE IF EXISTS orders_reject_scans`);
  try {
    await db.run(`
      CREATE TABLE orders_in AS
      SELECT customer_id, order_date, amount, order_id, channel ${attributes.map((a) => `, ${attributeColumn(a.name)}`).join('')}${lines ? ', row_hash' : ''},
             CAST(${badFlagsSql(years)} AS UTINYINT) AS bad
      FROM (
        SELECT ${custExpr} AS customer_id,
               ${dateExpr} AS order_date,
               ${amountExpr} AS amount,
               ${optional('order_id')} AS order_id,
               ${optional('channel')} AS channel
               ${attrSelect}${rowHash}
        FROM ${scan.scan})`);
  } catch (err) {
    // A memory limit DuckDB ran into is said as such (lib/engine/database.ts), not as a file problem.
    if (err instanceof UserError) throw err;
    await fileProblem();
    throw new InputError(file, [{ message: `cannot be read as ${format === 'postgres' ? 'a table' : format.toUpperCase()}: ${firstLine(err)}` }]);
  }

  if (format === 'csv') await reportRejects(db, file, available, fileProblem);
  await fileProblem();
  // CSV files with NUL bytes are refused by the file scan; Parquet strings may hold them too.
  if (format === 'parquet') await refuseNulText(db, file, [cid, col('order_id'), col('channel'), ...attributes], (c) => (c === cid ? 'customer_id' : c === col('order_id') ? 'order_id' : c === col('channel') ? 'channel' : attributeColumn(c.name)));

  // Values that do not parse.
  const [bad] = await db.rows<{ n_date: number; n_amount: number; n_rows: number }>(
    `SELECT count(*) FILTER (WHERE bad & 5 > 0) AS n_date, count(*) FILTER (WHERE bad & 2 = 2) AS n_amount, count(*) AS n_rows FROM orders_in`,
  );
  if (bad.n_rows === 0) throw noRows(file, format);
  if (bad.n_date + bad.n_amount > 0) {
    const flagged = await db.rows<{ rec: number; bad: number }>(
      `SELECT rowid AS rec, bad FROM orders_in WHERE bad > 0 ORDER BY rowid LIMIT ${MAX_LISTED_PROBLEMS}`,
    );
    // Error path only: read the raw text of the flagged rows again (same scan, same row order).
    await db.run(`DROP TABLE IF EXISTS orders_raw`);
    await db.run(
      `CREATE TEMP TABLE orders_raw AS SELECT ${text(od)} AS d${moneyColumns.map((c, i) => `, ${text(c)} AS a${i}, ${numberExpr(c)} IS NULL AS bad${i}`).join('')}
       FROM ${scanArgs}`,
    );
    const raw = new Map(
      (await db.rows<Record<string, string | number | boolean | null>>(
        `SELECT rowid AS rec, * FROM orders_raw WHERE rowid IN (SELECT rowid FROM orders_in WHERE bad > 0 ORDER BY rowid LIMIT ${MAX_LISTED_PROBLEMS})`,
      )).map((r) => [Number(r.rec), r]),
    );
    await db.run(`DROP TABLE orders_raw`);
    const fileLines = await scan.lineOf(flagged.map((s) => s.rec));
    // No line to point at (a table, a set of files): the row's key or file says where.
    const where = scan.locate ? await scan.locate(db, flagged.map((f) => f.rec)) : undefined;
    const rows: FlaggedRow[] = flagged.map((f) => {
      const value = raw.get(f.rec);
      return {
        line: fileLines.get(f.rec),
        located: where ? (where.get(f.rec) ?? {}) : undefined,
        bad: f.bad,
        date: value?.d,
        amounts: moneyColumns.map((_, i) => ({ text: value?.[`a${i}`], bad: value?.[`bad${i}`] === true })),
      };
    });
    const problems = valueProblems(rows, { od, moneyColumns, quantity: money === 'lines' ? col('quantity') : undefined, years, dateFormat: source.dateFormat });
    throw new InputError(file, problems, bad.n_date + bad.n_amount, scan.unit);
  }

  // The columns whose values on every line of an order a run asked for (--segment-by first:<column>).
  const lineValues = lines
    ? [...new Set((options.lineValues ?? []).map((c) => (c === 'product' && col('product') ? col('product')!.name : c)))].filter((c) => (c === 'channel' && col('channel')) || attributes.some((a) => a.name === c))
    : [];
  const dropped: DroppedRows[] = [];
  const [emptyCustomers] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM orders_in WHERE customer_id IS NULL`);
  if (emptyCustomers.n > 0) dropped.push({ reason: DROP_REASONS.emptyCustomer, rows: emptyCustomers.n });

  if (emptyCustomers.n > 0) await db.run(`DELETE FROM orders_in WHERE customer_id IS NULL`);
  const warnings: string[] = [];
  if (lines) {
    const duplicates = await dropRepeats(db, ['row_hash', 'order_id', 'customer_id', 'order_date', 'amount']);
    if (duplicates > 0) dropped.push({ reason: 'exact duplicate of an earlier line (every column the same)', rows: duplicates });
    await checkOrderLines(db, scan, cid, od);
    await sumOrderLines(db, attributes.map((a) => attributeColumn(a.name)), lineValues);
  } else if (col('order_id')) {
    // A cheap screen first: grouping 64-bit hashes of the ids is about twice as fast as grouping the
    // ids; only when two rows share a hash (a repeat, or very rarely a collision) are the ids grouped.
    const [screen] = await db.rows<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT hash(order_id) AS h FROM orders_in WHERE order_id IS NOT NULL GROUP BY h HAVING count(*) > 1)`,
    );
    // Examples first: the repeats are gone after dropRepeats.
    const examples =
      Number(screen.n) === 0
        ? []
        : await db.rows<{ order_id: string }>(
            `SELECT order_id FROM orders_in WHERE order_id IS NOT NULL
             GROUP BY order_id HAVING count(*) > 1 ORDER BY min(rowid) LIMIT 5`,
          );
    const repeats = examples.length === 0 ? 0 : await dropRepeats(db, ['order_id'], 'order_id IS NOT NULL');
    if (repeats > 0) {
      dropped.push({ reason: DROP_REASONS.repeatedOrderId, rows: repeats, examples: examples.map((e) => e.order_id) });
      const warning = repeatWarning(repeats, bad.n_rows - emptyCustomers.n, file);
      if (warning) warnings.push(warning);
    }
  }

  const [range] = await db.rows<{ first: string | null; last: string | null }>(
    `SELECT strftime(min(order_date), '%Y-%m-%d') AS first, strftime(max(order_date), '%Y-%m-%d') AS last
     FROM orders_in`,
  );
  const asOf = asOfInForce(source.asOf, range, file, cid.name);

  // `facts` is a view: the loaded table is not copied. Row ids survive deletes.
  await db.run(`
    CREATE VIEW facts AS
    SELECT rowid AS seq, customer_id, order_date, amount, order_id, channel
           ${attributes.map((a) => `, ${attributeColumn(a.name)}`).join('')}
           ${lineValues.map((c) => `, ${lineValuesColumn(c)}`).join('')}
    FROM orders_in`);
  const ofOrders = (n: { rows: number; orders: number }) => (lines ? { rows: n.rows, orders: n.orders } : { rows: n.rows });
  const afterAsOf = await countAndDelete(db, `order_date > DATE ${literal(asOf)}`, lines);
  if (afterAsOf.rows > 0) dropped.push({ reason: DROP_REASONS.afterAsOf(asOf), ...ofOrders(afterAsOf) });
  const [{ n: refunds }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM orders_in WHERE amount < 0`);
  if (refunds > 0) {
    // Customers who never bought: all their rows are refunds before a first order.
    const [{ n: customersGone }] = await db.rows<{ n: number }>(`SELECT count(DISTINCT customer_id) AS n FROM orders_in f WHERE ${neverBoughtSql('orders_in', 'f', ORDER_ROWS)}`);
    const orphanRefunds = await countAndDelete(db, earlyRefundSql('orders_in', 'facts', ORDER_ROWS), lines);
    if (orphanRefunds.rows > 0) {
      dropped.push({
        reason: DROP_REASONS.earlyRefund,
        ...ofOrders(orphanRefunds),
        ...(customersGone > 0 ? { customers: customersGone } : {}),
      });
    }
  }
  const [noPurchase] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM facts WHERE amount >= 0`);
  if (noPurchase.n === 0) throw noOrdersLeft(file, asOf, dropped);

  const [kept] = await db.rows<{ n: number; rows: number; first: string; last: string }>(
    `SELECT count(*) AS n, ${lineCountSql(lines)} AS rows, strftime(min(order_date), '%Y-%m-%d') AS first, strftime(max(order_date), '%Y-%m-%d') AS last FROM orders_in`,
  );
  const { sha256, bytes } = await scan.digest();
  return {
    input: {
      path: file,
      format,
      sha256,
      bytes,
      rows_read: bad.n_rows,
      rows_kept: kept.rows,
      dropped,
      ...(lines ? { orders: kept.n } : {}),
    },
    asOf,
    firstDate: kept.first,
    lastDate: kept.last,
    hasOrderId: col('order_id') !== undefined,
    hasChannel: col('channel') !== undefined,
    attributes: attributes.map((a) => a.name),
    money,
    lines,
    aggregated: false,
    lineValues,
    ...(col('product') ? { productColumn: col('product')!.name } : {}),
    warnings,
  };
}

/**
 * The delimiter of a CSV file: the most frequent of , ; tab | outside quotes
 * on the header line (comma when none occurs). Decided here rather than by
 * DuckDB's sniffer so that a malformed row cannot change how the header reads.
 */
export async function sniffDelimiter(path: string): Promise<string> {
  const head = await readHead(path);
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let inQuotes = false;
  for (const ch of head) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** SQL: the customers with an order (amount ≥ 0) up to the as-of date, from the order rows or, when the orders were aggregated ({@link LoadedOrders} `aggregated`), from customer_days. */
export function purchasersSql(aggregated: boolean): string {
  return aggregated ? 'SELECT customer_id FROM customer_days WHERE n_orders > 0' : 'SELECT customer_id FROM facts WHERE amount >= 0';
}

/** Frees the memory of the loaded order rows (`facts` and its table) once nothing needs them. */
export async function releaseFacts(db: Database): Promise<void> {
  await db.run(`DROP VIEW IF EXISTS facts`);
  await db.run(`DROP TABLE IF EXISTS orders_in`);
}

/**
 * Deletes the rows of the loaded table (aliased `facts` in `where`) and returns how many there
 * were: `rows` counts input rows (the lines, once lines are summed into orders), `orders` the rows
 * of the table.
 */
async function countAndDelete(db: Database, where: string, lines: boolean): Promise<{ rows: number; orders: number }> {
  const [{ n, rows }] = await db.rows<{ n: number; rows: number }>(
    `SELECT count(*) AS n, ${lineCountSql(lines)} AS rows FROM orders_in facts WHERE ${where}`,
  );
  if (n > 0) await db.run(`DELETE FROM orders_in facts WHERE ${where}`);
  return { rows, orders: n };
}

/**
 * Deletes the rows of orders_in (among those meeting `where`) that repeat the `key` columns of an
 * earlier row, keeping the first in file order, and returns how many there were. The count is one
 * aggregate pass; the window that picks the rows runs only when there is something to delete.
 */
async function dropRepeats(db: Database, key: string[], where = 'true'): Promise<number> {
  const k = key.join(', ');
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) - count(DISTINCT (${k})) AS n FROM orders_in WHERE ${where}`);
  if (n > 0) {
    await db.run(`DELETE FROM orders_in WHERE rowid IN (
      SELECT rowid FROM orders_in WHERE ${where} QUALIFY row_number() OVER (PARTITION BY ${k} ORDER BY rowid) > 1)`);
  }
  return n;
}

/** SQL: the number of input rows behind the selected rows of orders_in (n_lines once lines are summed). */
function lineCountSql(lines: boolean): string {
  return lines ? 'coalesce(sum(n_lines), 0)' : 'count(*)';
}

/** Refuses text values with a NUL byte (Parquet strings), naming the first rows and columns. One pass counts them for every column. */
async function refuseNulText(db: Database, file: string, columns: (SourceColumn | undefined)[], loaded: (c: SourceColumn) => string): Promise<void> {
  const present = columns.filter((c): c is SourceColumn => c !== undefined);
  const has = (c: SourceColumn) => `contains(${loaded(c)}, chr(0))`;
  const [counts] = await db.rows<Record<string, number>>(`SELECT ${present.map((c, i) => `count(*) FILTER (WHERE ${has(c)}) AS n${i}`).join(', ')} FROM orders_in`);
  const total = present.reduce((s, _c, i) => s + counts[`n${i}`], 0);
  if (total === 0) return;
  const problems: InputProblem[] = [];
  for (const [i, c] of present.entries()) {
    if (counts[`n${i}`] === 0 || problems.length >= MAX_LISTED_PROBLEMS) continue;
    const rows = await db.rows<{ rec: number }>(`SELECT rowid AS rec FROM orders_in WHERE ${has(c)} ORDER BY rowid LIMIT ${MAX_LISTED_PROBLEMS}`);
    for (const r of rows) problems.push({ line: r.rec + 1, column: c.position, columnName: c.name, message: 'the value holds a NUL byte (character 0); expected text without control characters' });
  }
  throw new InputError(file, problems.slice(0, MAX_LISTED_PROBLEMS), total, 'row');
}

/**
 * The lines of one order must agree on customer and date: the first line that does not is an
 * error naming both lines (the order's first line and the line that differs).
 */
async function checkOrderLines(db: Database, scan: OrderScan, cid: SourceColumn, od: SourceColumn): Promise<void> {
  const query = `
    WITH firsts AS (
      SELECT order_id, min(rowid) AS first_rec, arg_min(customer_id, rowid) AS first_customer, arg_min(order_date, rowid) AS first_date
      FROM orders_in WHERE order_id IS NOT NULL GROUP BY order_id)
    SELECT o.rowid AS rec, f.first_rec, o.order_id, o.customer_id, f.first_customer,
           strftime(o.order_date, '%Y-%m-%d') AS order_date, strftime(f.first_date, '%Y-%m-%d') AS first_date
    FROM orders_in o JOIN firsts f ON o.order_id = f.order_id
    WHERE o.customer_id <> f.first_customer OR o.order_date <> f.first_date`;
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM (${query})`);
  if (n === 0) return;
  const listed = await db.rows<{ rec: number; first_rec: number; order_id: string; customer_id: string; first_customer: string; order_date: string; first_date: string }>(
    `${query} ORDER BY o.rowid LIMIT ${MAX_LISTED_PROBLEMS}`,
  );
  const recs = listed.flatMap((l) => [l.rec, l.first_rec]);
  const lineOf = await scan.lineOf(recs);
  const unit = scan.unit;
  const problems: InputProblem[] = listed.map((l) => {
    const other = lineOf.get(l.first_rec);
    const customer = l.customer_id !== l.first_customer;
    return {
      line: lineOf.get(l.rec),
      column: customer ? cid.position : od.position,
      columnName: customer ? cid.name : od.name,
      value: customer ? l.customer_id : l.order_date,
      message: `order ${JSON.stringify(l.order_id)} has ${customer ? `customer ${JSON.stringify(l.first_customer)}` : `date ${l.first_date}`} on ${unit} ${other}, its first ${unit}; expected every line of an order to have the same customer and order date`,
    };
  });
  throw new InputError(scan.label, problems, n, unit);
}

/**
 * Replaces the lines in orders_in by their orders: one row per order_id (a line without an
 * order_id is an order of its own), in the order of each order's first line, with the sum of the
 * line amounts and the customer, date, channel and attributes of its first line (and, where its
 * lines differ, the values of its purchased lines: {@link lineValuesColumn}).
 */
async function sumOrderLines(db: Database, attributeColumns: string[], valueNames: string[]): Promise<void> {
  const firsts = ['customer_id', 'order_date', 'order_id', 'channel', ...attributeColumns].map((c) => `first(${c} ORDER BY rowid) AS ${c}`).join(', ');
  const values = valueNames
    .map((name) => {
      const c = name === 'channel' ? 'channel' : attributeColumn(name);
      return `, CASE WHEN min(${c}) <> max(${c}) THEN list_sort(list_distinct(list(${c}) FILTER (WHERE amount >= 0))) END AS ${lineValuesColumn(name)}`;
    })
    .join('');
  await db.run(`DROP TABLE IF EXISTS order_lines`);
  await db.run(`ALTER TABLE orders_in RENAME TO order_lines`);
  await db.run(`
    CREATE TABLE orders_in AS
    SELECT * EXCLUDE (first_rec) FROM (
      SELECT ${firsts}, CAST(sum(amount) AS DECIMAL(18,4)) AS amount, count(*) AS n_lines, min(rowid) AS first_rec${values}
      FROM order_lines
      GROUP BY order_id, CASE WHEN order_id IS NULL THEN rowid END)
    ORDER BY first_rec`);
  await db.run(`DROP TABLE order_lines`);
}

async function reportRejects(db: Database, file: string, columns: SourceColumn[], fileProblem: () => Promise<void>): Promise<void> {
  const rejects = await db.rows<{ line: number; column_idx: number; column_name: string | null; error_type: string; csv_line: string; error_message: string }>(
    `SELECT line, column_idx, column_name, error_type, csv_line, error_message FROM orders_rejects ORDER BY line, column_idx`,
  );
  if (rejects.length === 0) return;
  await fileProblem();
  const listed = rejects.slice(0, MAX_LISTED_PROBLEMS);
  // DuckDB counts records (header = 1); map them to physical lines.
  const lines = await recordLines(file, listed.map((r) => r.line - 2));
  const problems: InputProblem[] = listed.map((r) => {
    const line = lines.get(r.line - 2) ?? r.line;
    const hint = REJECT_HINTS[r.error_type] ?? 'the row is not valid CSV';
    const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(r.error_message);
    if (counts) {
      return { line, message: `the row has ${counts[2]} fields but the header has ${counts[1]}; ${hint}` };
    }
    return {
      line,
      column: r.column_idx || undefined,
      columnName: columns[r.column_idx - 1]?.name,
      message: `${r.error_message.replace(/\.$/, '').replace(/"c(\d+)"/g, (_m, n: string) => JSON.stringify(columns[Number(n) - 1]?.name ?? `column ${n}`))}; ${hint}`,
    };
  });
  throw new InputError(file, problems, rejects.length);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? msg;
}
