/**
 * The aggregation pushed down into PostgreSQL: for a table (or query) whose order_date is a date
 * or timestamp and whose amount is a number, the server maps, checks and aggregates the order rows
 * into customer-days, and only those travel, through a cursor, into DuckDB's `customer_days`
 * (lib/engine/summarize.ts then starts from it instead of from `facts`).
 *
 *   options  ─► {@link optionsRefusal}: options that need the rows in DuckDB stream them (before connecting)
 *   describe ─► the columns and their types (the same cursor as the streaming path: same errors);
 *               {@link pushdownRefusal} says why the table's columns need the rows streamed instead
 *   checks   ─► one pass: rows, empty customers, bad dates and amounts, repeated order_ids, the date
 *               range (the problems of bad rows read again in row order, as the streaming path says them);
 *               when order_ids repeat, one more pass for examples of them and the date range of the rows kept
 *   days     ─► the customer-days of the kept rows up to the as-of date, with the rows behind each
 *   DuckDB   ─► refunds before a customer's first order dropped from the days and counted
 *
 * The definitions are the DuckDB path's, rendered for PostgreSQL (lib/engine/dialect.ts): the
 * customer-day columns (lib/engine/customer-base-sql.ts), the bad-value flags, the drop reasons and
 * the early-refund rule (lib/load/order-checks.ts), the text of values (trimmed; the type's output).
 * Row order (the first order of a day, the first row of a repeated order_id, the rows problems list
 * first) is the table's scan order, as the cursor of the streaming path reads it: a plain table's
 * ctid (its physical order, which a scan reads, so parallel workers may help), else the rows
 * numbered with row_number() in plans without parallel workers.
 */
import type { Client, FieldDef, QueryConfig, QueryResultRow } from 'pg';
import type { Database, TextAppender } from '../engine/database.ts';
import { ident, literal } from '../engine/sql.ts';
import { DIALECTS, DUCKDB } from '../engine/dialect.ts';
import { customerDayColumns, dayValueColumn, dayValueSql } from '../engine/customer-base-sql.ts';
import { MAX_LISTED_PROBLEMS } from '../errors.ts';
import { DEFAULT_YEARS, plainNumberSql } from '../load/date-format.ts';
import { checkHeaderNames, type SourceColumn } from '../load/input-file.ts';
import { attributeColumn, releaseFacts, resolveColumns, type DroppedRows, type LoadedOrders, type OrdersInput } from '../load/load-orders.ts';
import {
  asOfInForce,
  BAD,
  badFlagsSql,
  CUSTOMER_DAYS,
  DROP_REASONS,
  earlyRefundSql,
  neverBoughtSql,
  noOrdersLeft,
  noRows,
  repeatWarning,
  rowKey,
  valueProblems,
  type FlaggedRow,
} from '../load/order-checks.ts';
import { InputError } from '../errors.ts';
import { DECLARE, fetchCursor, pgTableSql, sourceSelect, type PgTarget } from './pg-connection.ts';
import type { LoadOptions } from './source.ts';

const PG = DIALECTS.postgres;

/** PostgreSQL type OIDs the pushdown reads natively. */
const DATE_TYPES = new Set([1082, 1114, 1184]); // date, timestamp, timestamptz
const INTEGER_TYPES = new Set([20, 21, 23]); // bigint, smallint, integer
const NUMERIC_TYPE = 1700;
const FLOAT_TYPES = new Set([700, 701]); // real, double precision
const TEXT_TYPES = new Set([25, 1043]); // text, varchar: used as they are

/** A column of the table or query, with its PostgreSQL type. */
export interface PgColumn extends SourceColumn {
  /** The name as PostgreSQL gives it (the checked name is trimmed). */
  raw: string;
  typeId: number;
}

/** What the pushdown needs of the orders input. */
export type PushdownInput = Omit<OrdersInput, 'path'>;

/**
 * Why this run cannot aggregate in PostgreSQL whatever the table holds (undefined: it may): options
 * that need the text of values or each order's rows in DuckDB. Checked before connecting.
 */
export function optionsRefusal(input: PushdownInput, options: LoadOptions): string | undefined {
  if (input.dateFormat !== undefined) return '--date-format is given (a pattern for dates stored as text)';
  const first = (options.lineValues ?? []).filter((c) => c !== 'product');
  if (first.length > 0) return `--segment-by first:${first[0]} reads each order's rows`;
  return undefined;
}

/**
 * Why the table's columns keep this run from aggregating in PostgreSQL, so that it streams the rows
 * instead (undefined: it can; {@link optionsRefusal} has been asked). The pushdown reads typed dates
 * and numbers, one row per order.
 */
export async function pushdownRefusal(client: Client, columns: PgColumn[], input: PushdownInput, label: string): Promise<string | undefined> {
  const { resolved, money, lines } = resolveColumns(label, columns, input.map ?? {});
  const typeName = async (c: PgColumn) => (await client.query<{ t: string }>({ text: 'SELECT format_type($1, NULL) AS t', values: [c.typeId] })).rows[0].t;
  const od = resolved.get('order_date') as PgColumn;
  if (!DATE_TYPES.has(od.typeId)) return `the order_date column ${JSON.stringify(od.name)} is ${await typeName(od)}, not a date or timestamp`;
  if (lines || money === 'lines' || resolved.has('product')) return 'the rows are order lines (quantity and unit_price, or a product column, mapped)';
  if (money === 'amount') {
    const a = resolved.get('amount') as PgColumn;
    if (!INTEGER_TYPES.has(a.typeId) && a.typeId !== NUMERIC_TYPE && !FLOAT_TYPES.has(a.typeId)) return `the amount column ${JSON.stringify(a.name)} is ${await typeName(a)}, not a number`;
  }
  return undefined;
}

/** The SQL of one order row's parsed values, over the table or query aliased `t`. */
function rowExpressions(columns: PgColumn[], input: PushdownInput, options: LoadOptions, label: string) {
  const { resolved, attributes, money } = resolveColumns(label, columns, input.map ?? {});
  const col = (name: string) => resolved.get(name) as PgColumn | undefined;
  const ref = (c: PgColumn) => `t.${ident(c.raw)}`;
  const text = (c: PgColumn) => (TEXT_TYPES.has(c.typeId) ? ref(c) : PG.text(ref(c)));
  const trimmed = (c: PgColumn | undefined) => (c ? PG.trimmedText(text(c)) : 'CAST(NULL AS text)');
  const od = col('order_date')!;
  // The calendar date (UTC: the session's time zone); dates the streaming path cannot read as
  // YYYY-MM-DD (BC, five-digit years, infinity) are NULL there, so here too.
  const date = `CASE WHEN ${ref(od)} >= '0001-01-01' AND ${ref(od)} < '10000-01-01' THEN CAST(${ref(od)} AS date) END`;
  // As DuckDB's DECIMAL(18,4): rounded to 4 decimals (half away from zero), NULL beyond its range.
  const decimal = (n: string) => `CASE WHEN ${n} = 'NaN' THEN NULL WHEN round(${n}, 4) > -100000000000000 AND round(${n}, 4) < 100000000000000 THEN round(${n}, 4) END`;
  const a = col('amount');
  const amount =
    money !== 'amount' || a === undefined
      ? 'CAST(0 AS numeric)'
      : INTEGER_TYPES.has(a.typeId)
        ? `CASE WHEN ${ref(a)} > -100000000000000 AND ${ref(a)} < 100000000000000 THEN CAST(${ref(a)} AS numeric) END`
        : a.typeId === NUMERIC_TYPE
          ? decimal(ref(a))
          : // real and double precision: their text, as the streaming path reads it (1e-05 is not a plain number).
            decimal(`CASE WHEN ${plainNumberSql(text(a), PG)} THEN CAST(${text(a)} AS numeric) END`);
  const wanted = options.dayValues;
  const dayAttributes = attributes.filter((c) => wanted === undefined || wanted.includes(c.name)) as PgColumn[];
  return {
    od,
    amountColumn: money === 'amount' ? a : undefined,
    cid: col('customer_id')!,
    hasOrderId: col('order_id') !== undefined,
    hasChannel: col('channel') !== undefined,
    attributes,
    money,
    dayAttributes,
    /** Select items of a row: customer_id, order_date, amount, order_id, channel, and the day attributes as a0, a1… */
    select: [
      `${trimmed(col('customer_id'))} AS customer_id`,
      `${date} AS order_date`,
      `${amount} AS amount`,
      `${trimmed(col('order_id'))} AS order_id`,
      `${trimmed(col('channel'))} AS channel`,
      ...dayAttributes.map((c, i) => `${trimmed(c)} AS a${i}`),
    ],
    rawSelect: [`${PG.text(ref(od))} AS raw_date`, a && money === 'amount' ? `${text(a)} AS raw_amount` : 'CAST(NULL AS text) AS raw_amount'],
  };
}

/** Aggregates the orders in PostgreSQL and loads the customer-days into DuckDB's `customer_days`. */
export async function loadPushdown(
  db: Database,
  client: Client,
  target: PgTarget,
  columns: PgColumn[],
  input: PushdownInput,
  options: LoadOptions,
): Promise<LoadedOrders> {
  const label = target.label;
  const e = rowExpressions(columns, input, options, label);
  const years = input.years ?? DEFAULT_YEARS;
  // The order of rows: a plain table's physical order (ctid: the order its scan reads, in parallel
  // or not); otherwise the rows numbered in scan order, in plans without parallel workers (whose
  // rows arrive in any order).
  const physical = await plainTable(client, target);
  const from = physical ? `${pgTableSql(target.table!)} t` : `(\n${sourceSelect(target)}\n) t`;
  const rows = (o: { seq: boolean; raw?: boolean }) =>
    `SELECT ${o.seq ? (physical ? 't.ctid AS seq, ' : '(row_number() OVER ()) - 1 AS seq, ') : ''}${[...e.select, ...(o.raw ? e.rawSelect : [])].join(',\n       ')}\n  FROM ${from}`;
  const flagged = (o: { seq: boolean; raw?: boolean }) => `SELECT r.*, ${badFlagsSql(years)} AS bad FROM (${rows(o)}) r`;
  const q = async <T extends QueryResultRow>(sql: string): Promise<T[]> => (await client.query<T>({ text: sql, queryMode: 'extended' } as QueryConfig)).rows;
  if (!physical) await client.query('SET max_parallel_workers_per_gather = 0');

  const after = input.asOf !== undefined ? `, count(*) FILTER (WHERE customer_id IS NOT NULL AND order_date > DATE ${literal(input.asOf)}) AS after` : ', 0 AS after';
  const [c] = await q<{ n_rows: string; n_date: string; n_amount: string; n_empty: string; first: string | null; last: string | null; repeats: string; after: string }>(`
    SELECT count(*) AS n_rows,
           count(*) FILTER (WHERE bad & ${BAD.date | BAD.year} > 0) AS n_date,
           count(*) FILTER (WHERE bad & ${BAD.amount} > 0) AS n_amount,
           count(*) FILTER (WHERE customer_id IS NULL) AS n_empty,
           ${PG.isoDate('min(order_date) FILTER (WHERE customer_id IS NOT NULL)')} AS first,
           ${PG.isoDate('max(order_date) FILTER (WHERE customer_id IS NOT NULL)')} AS last,
           ${e.hasOrderId ? 'count(order_id) FILTER (WHERE customer_id IS NOT NULL) - count(DISTINCT order_id) FILTER (WHERE customer_id IS NOT NULL)' : '0'} AS repeats
           ${after}
    FROM (${flagged({ seq: false })}) x`);
  const n = { rows: Number(c.n_rows), date: Number(c.n_date), amount: Number(c.n_amount), empty: Number(c.n_empty), repeats: Number(c.repeats), after: Number(c.after) };
  if (n.rows === 0) throw noRows(label, 'postgres');
  if (n.date + n.amount > 0) {
    // The row number of a physical row: its place in the table's order.
    const numbered = physical ? `SELECT x.*, row_number() OVER (ORDER BY seq) AS row_no FROM (${flagged({ seq: true, raw: true })}) x` : `SELECT x.*, seq + 1 AS row_no FROM (${flagged({ seq: true, raw: true })}) x`;
    const listed = await q<{ row_no: string; bad: number; raw_date: string | null; raw_amount: string | null; order_id: string | null; customer_id: string | null; amount_bad: string }>(`
      SELECT row_no, bad, raw_date, raw_amount, order_id, customer_id, CASE WHEN amount IS NULL THEN 1 ELSE 0 END AS amount_bad
      FROM (${numbered}) y WHERE bad > 0 ORDER BY row_no LIMIT ${MAX_LISTED_PROBLEMS}`);
    const flaggedRows: FlaggedRow[] = listed.map((r) => ({
      line: Number(r.row_no),
      located: { key: rowKey(r.order_id, r.customer_id) },
      bad: Number(r.bad),
      date: r.raw_date,
      amounts: e.amountColumn ? [{ text: r.raw_amount, bad: Number(r.amount_bad) === 1 }] : [],
    }));
    const problems = valueProblems(flaggedRows, { od: e.od, moneyColumns: e.amountColumn ? [e.amountColumn] : [], years, dateFormat: input.dateFormat });
    throw new InputError(label, problems, n.date + n.amount, 'row');
  }

  const dropped: DroppedRows[] = [];
  const warnings: string[] = [];
  if (n.empty > 0) dropped.push({ reason: DROP_REASONS.emptyCustomer, rows: n.empty });
  const withCustomer = (seq: boolean) => `SELECT * FROM (${rows({ seq })}) r WHERE customer_id IS NOT NULL`;
  // The rows kept of a repeated order_id: the first, in row order.
  const kept = n.repeats > 0 ? `SELECT * FROM (SELECT r.*, row_number() OVER (PARTITION BY order_id ORDER BY seq) AS k FROM (${withCustomer(true)}) r) x WHERE order_id IS NULL OR k = 1` : undefined;
  let range = { first: c.first, last: c.last };
  if (kept !== undefined) {
    // One pass for both: the first repeated order_ids (examples) and the dates of the rows kept (as `kept` numbers them).
    // (Every value arrives as text, lib/sources/pg-connection.ts: the examples as a JSON array.)
    const [r] = await q<{ examples: string | null; first: string | null; last: string | null; after: string }>(`
      WITH w AS (
        SELECT order_id, seq, order_date, count(*) OVER (PARTITION BY order_id) AS n, row_number() OVER (PARTITION BY order_id ORDER BY seq) AS k
        FROM (${withCustomer(true)}) r)
      SELECT (SELECT json_agg(order_id ORDER BY seq) FROM (SELECT order_id, seq FROM w WHERE order_id IS NOT NULL AND n > 1 AND k = 1 ORDER BY seq LIMIT 5) e) AS examples,
             ${PG.isoDate('min(order_date)')} AS first, ${PG.isoDate('max(order_date)')} AS last
             ${input.asOf !== undefined ? `, count(*) FILTER (WHERE order_date > DATE ${literal(input.asOf)}) AS after` : ', 0 AS after'}
      FROM w WHERE order_id IS NULL OR k = 1`);
    dropped.push({ reason: DROP_REASONS.repeatedOrderId, rows: n.repeats, examples: r.examples === null ? [] : (JSON.parse(r.examples) as string[]) });
    const warning = repeatWarning(n.repeats, n.rows - n.empty, label);
    if (warning) warnings.push(warning);
    range = { first: r.first, last: r.last };
    n.after = Number(r.after);
  }
  const asOf = asOfInForce(input.asOf, range, label, e.cid.name);
  if (n.after > 0) dropped.push({ reason: DROP_REASONS.afterAsOf(asOf), rows: n.after });

  // The customer-days, with the rows behind each (the channel and attributes of a day: its first order row's).
  const ordered = e.hasChannel || e.dayAttributes.length > 0 || kept !== undefined;
  const order = ordered ? 'seq' : 'order_date';
  const days = `
    SELECT customer_id, ${PG.isoDate('order_date')} AS order_date,
           ${customerDayColumns(PG, order)}
           ${e.dayAttributes.map((a, i) => `, ${dayValueSql(PG, `a${i}`, order, a.name)}`).join('')},
           count(*) AS n_rows
    FROM (${kept ?? withCustomer(ordered)}) f
    WHERE order_date <= DATE ${literal(asOf)}
    GROUP BY customer_id, order_date
    -- In a definite order, so that the hash of the rows that travelled is the same on every run
    -- (a parallel or hashed aggregation gives its groups in any order); a sorted grouping is already in it.
    ORDER BY customer_id, f.order_date`;
  const streamed = await intoCustomerDays(db, client, days, e.dayAttributes);

  // Refunds before a customer's first order: dropped from the days that hold them (lib/load/order-checks.ts).
  const [gone] = await db.rows<{ customers: number; rows: number }>(`
    SELECT CAST((SELECT count(DISTINCT customer_id) FROM customer_days d WHERE ${neverBoughtSql('customer_days', 'd', CUSTOMER_DAYS)}) AS INTEGER) AS customers,
           CAST(coalesce((SELECT sum(n_rows) FROM customer_days d WHERE ${earlyRefundSql('customer_days', 'd', CUSTOMER_DAYS)}), 0) AS BIGINT) AS rows`);
  if (gone.rows > 0) {
    await db.run(`DELETE FROM customer_days d WHERE ${earlyRefundSql('customer_days', 'd', CUSTOMER_DAYS)}`);
    dropped.push({ reason: DROP_REASONS.earlyRefund, rows: gone.rows, ...(gone.customers > 0 ? { customers: gone.customers } : {}) });
  }
  const [k] = await db.rows<{ purchases: number; rows: number; first: string; last: string }>(`
    SELECT CAST(count(*) FILTER (WHERE n_orders > 0) AS BIGINT) AS purchases, CAST(coalesce(sum(n_rows), 0) AS BIGINT) AS rows,
           strftime(min(order_date), '%Y-%m-%d') AS first, strftime(max(order_date), '%Y-%m-%d') AS last
    FROM customer_days`);
  if (k.purchases === 0) throw noOrdersLeft(label, asOf, dropped);
  await db.run('ALTER TABLE customer_days DROP COLUMN n_rows');
  return {
    input: {
      path: label,
      format: 'postgres',
      sha256: streamed.sha256,
      bytes: streamed.bytes,
      rows_read: n.rows,
      rows_kept: k.rows,
      dropped,
      pushdown: true,
      rows_transferred: streamed.rows,
    },
    asOf,
    firstDate: k.first,
    lastDate: k.last,
    hasOrderId: e.hasOrderId,
    hasChannel: e.hasChannel,
    attributes: e.attributes.map((a) => a.name),
    money: e.money,
    lines: false,
    aggregated: true,
    lineValues: [],
    warnings,
  };
}

/**
 * SQL: the text column `c` as DuckDB type `type`. Text to a 38-digit DECIMAL is slow in DuckDB (about
 * 4 s per million values on this machine); through an 18-digit DECIMAL first when the value fits,
 * and directly only when it does not (a sum beyond 10¹⁴).
 */
function fromText(c: string, type: string): string {
  const wide = /^DECIMAL\(38,(\d+)\)$/.exec(type);
  return wide ? `coalesce(CAST(TRY_CAST(${c} AS DECIMAL(18,${wide[1]})) AS ${type}), CAST(${c} AS ${type}))` : `CAST(${c} AS ${type})`;
}

/** Rows of customer-days fetched before they are typed into customer_days (bounds the text copy). */
const STAGED_ROWS = 200_000;

/**
 * Streams the customer-days of `sql` into the DuckDB table customer_days, typed as summarize's
 * DuckDB definition types it (the same select items over an empty relation of `facts`' types), with
 * an extra column n_rows. `facts` is not made: the rows never came.
 */
async function intoCustomerDays(db: Database, client: Client, sql: string, dayAttributes: PgColumn[]) {
  await releaseFacts(db);
  await db.run('DROP TABLE IF EXISTS customer_days');
  const facts = [
    'CAST(NULL AS VARCHAR) AS customer_id',
    'CAST(NULL AS DATE) AS order_date',
    'CAST(NULL AS DECIMAL(18,4)) AS amount',
    'CAST(NULL AS VARCHAR) AS channel',
    'CAST(NULL AS BIGINT) AS seq',
    ...dayAttributes.map((a) => `CAST(NULL AS VARCHAR) AS ${attributeColumn(a.name)}`),
  ];
  await db.run(`
    CREATE TEMP TABLE customer_days AS
    SELECT customer_id, order_date,
           ${customerDayColumns(DUCKDB, 'seq')}
           ${dayAttributes.map((a) => `, ${dayValueSql(DUCKDB, attributeColumn(a.name), 'seq', a.name)}`).join('')},
           count(*) AS n_rows
    FROM (SELECT ${facts.join(', ')}) WHERE false
    GROUP BY customer_id, order_date`);
  const types = await db.rows<{ column_name: string; column_type: string }>('DESCRIBE customer_days');
  const staging = 'customer_days_pg';
  let appender: TextAppender | undefined;
  let staged = 0;
  const flush = async () => {
    appender?.close();
    appender = undefined;
    if (staged > 0) {
      await db.run(`INSERT INTO customer_days SELECT ${types.map((t, i) => fromText(`c${i + 1}`, t.column_type)).join(', ')} FROM ${staging}`);
    }
    await db.run(`DROP TABLE IF EXISTS ${staging}`);
    staged = 0;
  };
  const open = async () => {
    appender = await db.textAppender(staging, types.map((_, i) => `c${i + 1}`));
  };
  try {
    await db.run(`DROP TABLE IF EXISTS ${staging}`);
    await open();
    return await fetchCursor(client, sql, {
      columns: async (names) => {
        if (names.length !== types.length) throw new Error(`customer-days: ${names.length} columns from PostgreSQL, ${types.length} expected`);
      },
      rows: async (batch) => {
        appender!.append(batch);
        staged += batch.length;
        if (staged >= STAGED_ROWS) {
          await flush();
          await open();
        }
      },
    });
  } finally {
    await flush();
  }
}

/**
 * True when the target is an ordinary table (or materialized view) without child tables: its rows'
 * ctid orders them as a scan reads them. A view, a partitioned or inherited table, a query: false.
 */
async function plainTable(client: Client, target: PgTarget): Promise<boolean> {
  if (target.table === undefined) return false;
  const r = await client.query<{ plain: string }>({
    text: `SELECT CASE WHEN c.relkind IN ('r', 'm') AND NOT c.relhassubclass THEN 1 ELSE 0 END AS plain FROM pg_class c WHERE c.oid = to_regclass($1)`,
    values: [pgTableSql(target.table)],
  });
  return Number(r.rows[0]?.plain ?? 0) === 1;
}

/** The columns of the target's rows and their types: the streaming path's cursor (so the same errors), declared, described and closed. */
export async function describePg(client: Client, target: PgTarget): Promise<PgColumn[]> {
  await client.query({ text: `${DECLARE}${sourceSelect(target)}`, queryMode: 'extended' } as QueryConfig);
  const { fields } = await client.query({ text: 'FETCH FORWARD 0 FROM clv_rows', rowMode: 'array' });
  await client.query('CLOSE clv_rows');
  const checked = checkHeaderNames(target.label, fields.map((f: FieldDef) => f.name), undefined);
  return checked.map((c, i) => ({ ...c, raw: fields[i].name, typeId: fields[i].dataTypeID }));
}
