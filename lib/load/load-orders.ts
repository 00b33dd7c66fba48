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
import { InputError, UserError, type InputProblem, MAX_LISTED_PROBLEMS } from '../errors.ts';
import { ident, literal, type Database } from '../engine/database.ts';
import { dateSql, DEFAULT_YEARS, expectedDate, plainNumberSql, type YearRange } from './date-format.ts';
import { readCsvHeader, readHead, recordLines } from './csv-lines.ts';
import { checkHeaderNames, checkTextHead, regularFileSize, scanFile, type SourceColumn } from './input-file.ts';
import { parseIsoDate } from '../engine/periods.ts';

/** The column of `facts` that holds the attribute column `name` of the orders file. */
export function attributeColumn(name: string): string {
  return ident(`attribute:${name}`);
}

/** Canonical order columns. The first three are required. */
export const REQUIRED_COLUMNS = ['customer_id', 'order_date', 'amount'] as const;
export const OPTIONAL_COLUMNS = ['order_id', 'channel'] as const;
export const CANONICAL_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

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
  /** A few examples (ids or values) to help find the rows. */
  examples?: string[];
}

/** What the manifest and the data-quality notes say about one input file. */
export interface InputSummary {
  path: string;
  format: 'csv' | 'parquet';
  sha256: string;
  bytes: number;
  rows_read: number;
  rows_kept: number;
  dropped: DroppedRows[];
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
}


async function isBlank(path: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  if (size > 4096 && !path.toLowerCase().endsWith('.gz')) return false;
  return (await readHead(path, 4096)).trim() === '';
}

/** Resolves each canonical column to a column of the file (exact name, then case- and space-insensitive). */
function resolveColumns(
  file: string,
  available: SourceColumn[],
  map: Record<string, string>,
): { resolved: Map<string, SourceColumn>; attributes: SourceColumn[] } {
  for (const key of Object.keys(map)) {
    if (!CANONICAL_COLUMNS.includes(key)) {
      throw new UserError(
        `--map ${key}=${map[key]}: "${key}" is not an order column; map one of ${CANONICAL_COLUMNS.join(', ')}`,
      );
    }
  }
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const find = (wanted: string) =>
    available.find((c) => c.name === wanted) ?? available.find((c) => norm(c.name) === norm(wanted));
  const resolved = new Map<string, SourceColumn>();
  const missing: string[] = [];
  for (const canonical of CANONICAL_COLUMNS) {
    const wanted = map[canonical] ?? canonical;
    const col = find(wanted);
    if (col) resolved.set(canonical, col);
    else if ((REQUIRED_COLUMNS as readonly string[]).includes(canonical) || map[canonical] !== undefined) {
      missing.push(map[canonical] ? `"${wanted}" (mapped to ${canonical})` : `"${canonical}"`);
    }
  }
  if (missing.length > 0) {
    const names = available.map((c) => JSON.stringify(c.name)).join(', ');
    throw new InputError(file, [
      {
        line: 1,
        message: `missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}; the header has ${names} (map other names with --map customer_id=YourColumn)`,
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
  const used = new Set([...resolved.values()].map((c) => c.name));
  const attributes = available.filter((c) => !used.has(c.name) && !CANONICAL_COLUMNS.includes(c.name));
  return { resolved, attributes };
}

const REJECT_HINTS: Record<string, string> = {
  'TOO MANY COLUMNS': 'a field that contains the delimiter must be enclosed in double quotes',
  'MISSING COLUMNS': 'every row needs as many fields as the header',
  'UNQUOTED VALUE': 'a double quote inside a field must be doubled ("") and the field quoted',
  'INVALID UNICODE': 'the file must be UTF-8',
  'LINE SIZE OVER MAXIMUM': 'check for an unclosed double quote',
};

/**
 * Reads and validates the orders file into `facts`. Throws {@link InputError}
 * (exit code 2) naming file, line and column for anything a user must fix.
 */
export async function loadOrders(db: Database, source: OrdersInput): Promise<LoadedOrders> {
  const file = source.path;
  const size = await regularFileSize(file, 'the orders file');
  const format = orderFileFormat(file);
  if (format === 'csv' && size > 0) await checkTextHead(file);
  if (format === 'csv' && (await isBlank(file, size))) {
    throw new InputError(file, [
      { message: `the file is empty; expected a header row naming at least ${REQUIRED_COLUMNS.join(', ')}, then one row per order` },
    ]);
  }
  // One pass over the file (hash, and for CSV its encoding), alongside DuckDB's scan; awaited at the end.
  const scanning = scanFile(file, format);
  scanning.catch(() => undefined); // do not let an early input error leave it unhandled
  /** A problem of the file as a whole (encoding, NUL bytes, damaged gzip) explains DuckDB's errors better than they do. */
  const fileProblem = async () => {
    const scanned = await scanning.catch(() => undefined);
    if (scanned?.problem) throw new InputError(file, [scanned.problem]);
  };

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
    let desc: { column_name: string; column_type: string }[];
    try {
      desc = await db.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${scanArgs}`);
    } catch (err) {
      throw new InputError(file, [{ message: `cannot be read as Parquet: ${firstLine(err)}; expected a Parquet file` }]);
    }
    available = checkHeaderNames(file, desc.map((d) => d.column_name), undefined);
    desc.forEach((d, i) => types.set(i + 1, d.column_type));
  }
  const { resolved, attributes } = resolveColumns(file, available, source.map ?? {});
  const col = (name: string) => resolved.get(name);
  // CSV columns are read under positional names: no name from the file appears in SQL.
  const sql = (c: SourceColumn) => (format === 'csv' ? `c${c.position}` : ident(c.name));
  const text = (c: SourceColumn) => `CAST(${sql(c)} AS VARCHAR)`;
  const native = (c: SourceColumn, kinds: RegExp) => format === 'parquet' && kinds.test(types.get(c.position) ?? '');
  const cid = col('customer_id')!;
  const od = col('order_date')!;
  const am = col('amount')!;
  const years = source.years ?? DEFAULT_YEARS;
  const dateExpr = native(od, /^(DATE|TIMESTAMP)/) ? `TRY_CAST(${sql(od)} AS DATE)` : dateSql(text(od), source.dateFormat);
  const amountExpr = native(am, /^(DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|U(BIGINT|INTEGER|SMALLINT|TINYINT)|DOUBLE|FLOAT)/)
    ? `TRY_CAST(${sql(am)} AS DECIMAL(18,4))`
    : `CASE WHEN ${plainNumberSql(text(am))} THEN TRY_CAST(${text(am)} AS DECIMAL(18,4)) END`;
  const custExpr = trimmedText(text(cid));
  const optional = (name: string) => {
    const c = col(name);
    return c ? trimmedText(text(c)) : 'CAST(NULL AS VARCHAR)';
  };
  const attrSelect = attributes.map((a) => `, ${trimmedText(text(a))} AS ${attributeColumn(a.name)}`).join('');
  const csvColumns = `columns = {${available.map((c) => `'c${c.position}': 'VARCHAR'`).join(', ')}}`;
  const scan =
    format === 'parquet'
      ? scanArgs
      : `${scanArgs}, ${csvColumns}, store_rejects = true, rejects_table = 'orders_rejects', rejects_scan = 'orders_reject_scans')`;

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
      SELECT customer_id, order_date, amount, order_id, channel ${attributes.map((a) => `, ${attributeColumn(a.name)}`).join('')},
             CAST(CASE WHEN customer_id IS NULL THEN 0
                       ELSE (CASE WHEN order_date IS NULL THEN 1
                                  WHEN NOT (order_date BETWEEN DATE '${years.from}-01-01' AND DATE '${years.to}-12-31') THEN 4 ELSE 0 END)
                            + (CASE WHEN amount IS NULL THEN 2 ELSE 0 END) END AS UTINYINT) AS bad
      FROM (
        SELECT ${custExpr} AS customer_id,
               ${dateExpr} AS order_date,
               ${amountExpr} AS amount,
               ${optional('order_id')} AS order_id,
               ${optional('channel')} AS channel
               ${attrSelect}
        FROM ${scan})`);
  } catch (err) {
    await fileProblem();
    throw new InputError(file, [{ message: `cannot be read as ${format.toUpperCase()}: ${firstLine(err)}` }]);
  }

  if (format === 'csv') await reportRejects(db, file, available, fileProblem);
  await fileProblem();

  // Values that do not parse.
  const [bad] = await db.rows<{ n_date: number; n_amount: number; n_rows: number }>(
    `SELECT count(*) FILTER (WHERE bad & 5 > 0) AS n_date, count(*) FILTER (WHERE bad & 2 = 2) AS n_amount, count(*) AS n_rows FROM orders_in`,
  );
  if (bad.n_rows === 0) {
    throw new InputError(file, [{ line: format === 'csv' ? 1 : undefined, message: 'no data rows: the file has a header but no orders' }]);
  }
  if (bad.n_date + bad.n_amount > 0) {
    const flagged = await db.rows<{ rec: number; bad: number }>(
      `SELECT rowid AS rec, bad FROM orders_in WHERE bad > 0 ORDER BY rowid LIMIT ${MAX_LISTED_PROBLEMS}`,
    );
    // Error path only: read the raw text of the flagged rows again (same scan, same row order).
    await db.run(`DROP TABLE IF EXISTS orders_raw`);
    await db.run(
      `CREATE TEMP TABLE orders_raw AS SELECT ${text(od)} AS d, ${text(am)} AS a FROM ${format === 'parquet' ? scanArgs : `${scanArgs}, ${csvColumns})`}`,
    );
    const raw = new Map(
      (await db.rows<{ rec: number; d: string | null; a: string | null }>(
        `SELECT rowid AS rec, d, a FROM orders_raw WHERE rowid IN (SELECT rowid FROM orders_in WHERE bad > 0 ORDER BY rowid LIMIT ${MAX_LISTED_PROBLEMS})`,
      )).map((r) => [r.rec, r]),
    );
    await db.run(`DROP TABLE orders_raw`);
    const lines =
      format === 'csv' ? await recordLines(file, flagged.map((s) => s.rec)) : new Map(flagged.map((s) => [s.rec, s.rec + 1]));
    const problems: InputProblem[] = [];
    for (const f of flagged) {
      const line = lines.get(f.rec);
      const value = raw.get(f.rec);
      if (f.bad & 5) {
        const v = value?.d ?? '';
        problems.push({
          line,
          column: od.position,
          columnName: od.name,
          value: v,
          message:
            f.bad & 4
              ? `a date outside the years ${years.from}–${years.to}; expected an order date in them (--valid-years FROM-TO accepts others)`
              : v.trim() === '' ? `empty order date; ${expectedDate(source.dateFormat)}` : `not a valid date; ${expectedDate(source.dateFormat)}`,
        });
      }
      if (f.bad & 2) {
        const v = value?.a ?? '';
        problems.push({
          line,
          column: am.position,
          columnName: am.name,
          value: v,
          message:
            v.trim() === ''
              ? 'empty amount; expected a number such as 42.50 (negative for refunds)'
              : 'not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators',
        });
      }
    }
    throw new InputError(file, problems, bad.n_date + bad.n_amount, format === 'csv' ? 'line' : 'row');
  }

  const dropped: DroppedRows[] = [];
  const [emptyCustomers] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM orders_in WHERE customer_id IS NULL`);
  if (emptyCustomers.n > 0) dropped.push({ reason: 'empty customer_id', rows: emptyCustomers.n });

  if (emptyCustomers.n > 0) await db.run(`DELETE FROM orders_in WHERE customer_id IS NULL`);
  if (col('order_id')) {
    const [dups] = await db.rows<{ n: number }>(
      `SELECT count(order_id) - count(DISTINCT order_id) AS n FROM orders_in`,
    );
    if (dups.n > 0) {
      const examples = await db.rows<{ order_id: string }>(
        `SELECT order_id FROM orders_in WHERE order_id IS NOT NULL
         GROUP BY order_id HAVING count(*) > 1 ORDER BY min(rowid) LIMIT 5`,
      );
      dropped.push({
        reason: 'duplicate order_id (the first row of each order_id is kept)',
        rows: dups.n,
        examples: examples.map((e) => e.order_id),
      });
      await db.run(`
        DELETE FROM orders_in WHERE rowid IN (
          SELECT rowid FROM orders_in WHERE order_id IS NOT NULL
          QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY rowid) > 1)`);
    }
  }

  const [range] = await db.rows<{ first: string | null; last: string | null }>(
    `SELECT strftime(min(order_date), '%Y-%m-%d') AS first, strftime(max(order_date), '%Y-%m-%d') AS last
     FROM orders_in`,
  );
  if (range.first === null || range.last === null) {
    throw new InputError(file, [{ message: `no usable rows: every row has an empty ${cid.name}` }]);
  }
  let asOf = range.last;
  if (source.asOf !== undefined) {
    try {
      parseIsoDate(source.asOf);
    } catch {
      throw new UserError(`--as-of ${JSON.stringify(source.asOf)}: expected a date as YYYY-MM-DD`);
    }
    asOf = source.asOf;
    if (asOf < range.first) {
      throw new UserError(`--as-of ${asOf} is before the first order in ${file} (${range.first}); nothing would be left to report`);
    }
  }

  // `facts` is a view: the loaded table is not copied. Row ids survive deletes.
  await db.run(`
    CREATE VIEW facts AS
    SELECT rowid AS seq, customer_id, order_date, amount, order_id, channel
           ${attributes.map((a) => `, ${attributeColumn(a.name)}`).join('')}
    FROM orders_in`);
  const afterAsOf = await countAndDelete(db, `order_date > DATE ${literal(asOf)}`);
  if (afterAsOf > 0) dropped.push({ reason: `dated after the as-of date ${asOf}`, rows: afterAsOf });
  const orphanRefunds = await countAndDelete(
    db,
    `amount < 0 AND NOT EXISTS (
       SELECT 1 FROM orders_in p WHERE p.customer_id = facts.customer_id AND p.amount >= 0 AND p.order_date <= facts.order_date)`,
    `amount < 0`,
  );
  if (orphanRefunds > 0) dropped.push({ reason: 'refund (negative amount) before the customer\'s first order', rows: orphanRefunds });
  const [noPurchase] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM facts WHERE amount >= 0`);
  if (noPurchase.n === 0) {
    throw new InputError(file, [{ message: `no orders left to report on or before ${asOf} (all rows were dropped: ${dropped.map((d) => `${d.rows} ${d.reason}`).join('; ')})` }]);
  }

  const [kept] = await db.rows<{ n: number; first: string; last: string }>(
    `SELECT count(*) AS n, strftime(min(order_date), '%Y-%m-%d') AS first, strftime(max(order_date), '%Y-%m-%d') AS last FROM facts`,
  );
  return {
    input: {
      path: file,
      format,
      sha256: (await scanning).sha256,
      bytes: size,
      rows_read: bad.n_rows,
      rows_kept: kept.n,
      dropped,
    },
    asOf,
    firstDate: kept.first,
    lastDate: kept.last,
    hasOrderId: col('order_id') !== undefined,
    hasChannel: col('channel') !== undefined,
    attributes: attributes.map((a) => a.name),
  };
}

/**
 * SQL: a text value without surrounding spaces, NULL when empty. trim() is
 * called only for values that need it: on 10M rows an unconditional trim of
 * four columns doubles the load time.
 */
function trimmedText(expr: string): string {
  return `CASE WHEN starts_with(${expr}, ' ') OR ends_with(${expr}, ' ') THEN nullif(trim(${expr}), '') ELSE nullif(${expr}, '') END`;
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

/** Frees the memory of the loaded order rows (`facts` and its table) once nothing needs them. */
export async function releaseFacts(db: Database): Promise<void> {
  await db.run(`DROP VIEW IF EXISTS facts`);
  await db.run(`DROP TABLE IF EXISTS orders_in`);
}

/** Deletes the rows of the loaded table (aliased `facts` in `where`) and returns how many there were. */
async function countAndDelete(db: Database, where: string, prefilter?: string): Promise<number> {
  if (prefilter) {
    const [pre] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM orders_in WHERE ${prefilter}`);
    if (pre.n === 0) return 0;
  }
  const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*) AS n FROM orders_in facts WHERE ${where}`);
  if (n > 0) await db.run(`DELETE FROM orders_in facts WHERE ${where}`);
  return n;
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
