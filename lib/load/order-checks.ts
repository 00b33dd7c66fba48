/**
 * The checks on order rows, defined once for the two places they run: the loader of files and
 * streamed tables (lib/load/load-orders.ts, in DuckDB) and the aggregation pushed down into
 * PostgreSQL (lib/sources/pg-pushdown.ts). Which values are bad and what the problems say, which
 * rows are dropped and under which reason, and the as-of date in force. The SQL here is plain
 * enough for both engines; what differs between them goes through lib/engine/dialect.ts.
 */
import { InputError, UserError, type InputProblem } from '../errors.ts';
import { parseIsoDate } from '../engine/periods.ts';
import { expectedDate, type YearRange } from './date-format.ts';
import type { SourceColumn } from './input-file.ts';

/** Flags of a row's bad values (an integer of bits): the date, the amount, a date outside the valid years. */
export const BAD = { date: 1, amount: 2, year: 4 } as const;

const yearStart = (y: number) => `DATE '${String(y).padStart(4, '0')}-01-01'`;
const yearEnd = (y: number) => `DATE '${String(y).padStart(4, '0')}-12-31'`;

/**
 * SQL (either engine) over a row's parsed customer_id, order_date and amount: the {@link BAD} flags
 * of its values (0 when good). A row without a customer is dropped, so not checked (0).
 */
export function badFlagsSql(years: YearRange): string {
  return `CASE WHEN customer_id IS NULL THEN 0
                       ELSE (CASE WHEN order_date IS NULL THEN ${BAD.date}
                                  WHEN NOT (order_date BETWEEN ${yearStart(years.from)} AND ${yearEnd(years.to)}) THEN ${BAD.year} ELSE 0 END)
                            + (CASE WHEN amount IS NULL THEN ${BAD.amount} ELSE 0 END) END`;
}

/** Which rows of a relation are refunds and which purchases: order rows, or customer-days. */
export interface RowKinds {
  refund(alias: string): string;
  purchase(alias: string): string;
}
/** Order rows: a refund has a negative amount. */
export const ORDER_ROWS: RowKinds = { refund: (a) => `${a}.amount < 0`, purchase: (a) => `${a}.amount >= 0` };
/** Customer-days (customer_days): a day of refunds only has no order; a purchase day has one. */
export const CUSTOMER_DAYS: RowKinds = { refund: (a) => `${a}.n_orders = 0`, purchase: (a) => `${a}.n_orders > 0` };

/**
 * SQL condition on the row `alias` of `rows` (columns customer_id, order_date): a refund before
 * the customer's first order (no purchase of theirs on or before its date), which has no cohort to
 * be charged to and is dropped. Over customer-days it picks exactly the days that hold those rows.
 */
export function earlyRefundSql(rows: string, alias: string, k: RowKinds): string {
  return `${k.refund(alias)} AND NOT EXISTS (
         SELECT 1 FROM ${rows} p WHERE p.customer_id = ${alias}.customer_id AND ${k.purchase('p')} AND p.order_date <= ${alias}.order_date)`;
}

/** SQL condition: a refund of a customer who never bought (all their rows are early refunds, so they are not counted at all). */
export function neverBoughtSql(rows: string, alias: string, k: RowKinds): string {
  return `${k.refund(alias)} AND NOT EXISTS (SELECT 1 FROM ${rows} p WHERE p.customer_id = ${alias}.customer_id AND ${k.purchase('p')})`;
}

/** The reasons rows are dropped for, as Data quality and the manifest say them. */
export const DROP_REASONS = {
  emptyCustomer: 'empty customer_id',
  repeatedOrderId: 'duplicate order_id (the first row of each order_id is kept)',
  afterAsOf: (asOf: string) => `dated after the as-of date ${asOf}`,
  earlyRefund: "refund (negative amount) before the customer's first order",
} as const;

/** The warning when many rows repeat an order_id (they may be order lines), or undefined. */
export function repeatWarning(repeats: number, rows: number, label: string): string | undefined {
  if (repeats * 20 <= rows) return undefined;
  return `${repeats} of ${rows} rows of ${label} repeat an order_id and were dropped. If the rows are the lines of orders, map the line columns (--map quantity=COL --map unit_price=COL, or --map product=COL with a line amount) so that the lines of each order are summed.`;
}

/**
 * The as-of date in force: `asOf` when given (checked), else the last order date. `range` is the
 * first and last order date of the rows with a customer (null when there are none).
 */
export function asOfInForce(asOf: string | undefined, range: { first: string | null; last: string | null }, label: string, customerColumn: string): string {
  if (range.first === null || range.last === null) {
    throw new InputError(label, [{ message: `no usable rows: every row has an empty ${customerColumn}` }]);
  }
  if (asOf === undefined) return range.last;
  try {
    parseIsoDate(asOf);
  } catch {
    throw new UserError(`--as-of ${JSON.stringify(asOf)}: expected a date as YYYY-MM-DD`);
  }
  if (asOf < range.first) {
    throw new UserError(`--as-of ${asOf} is before the first order in ${label} (${range.first}); nothing would be left to report`);
  }
  return asOf;
}

/** The error when no order is left after the drops. */
export function noOrdersLeft(label: string, asOf: string, dropped: { rows: number; reason: string }[]): InputError {
  return new InputError(label, [{ message: `no orders left to report on or before ${asOf} (all rows were dropped: ${dropped.map((d) => `${d.rows} ${d.reason}`).join('; ')})` }]);
}

/** A row with bad values, as read again for its problems. */
export interface FlaggedRow {
  /** Line or row number. */
  line: number | undefined;
  /** The row's key or file, when the input has no lines to point at (a table, a set of files): problems then name no column number. */
  located?: { line?: number; key?: string };
  /** {@link BAD} flags. */
  bad: number;
  /** The order date's raw text. */
  date: unknown;
  /** Per money column: its raw text, and whether it does not parse. */
  amounts: { text: unknown; bad: boolean }[];
}

export interface ValueColumns {
  od: SourceColumn;
  /** The columns the amount is read from: amount, or quantity and unit_price. */
  moneyColumns: SourceColumn[];
  /** Set when the amount is quantity × unit_price: the quantity column. */
  quantity?: SourceColumn;
  years: YearRange;
  dateFormat?: string;
}

/** The problems of rows with bad values: the column, the value and what was expected. */
export function valueProblems(rows: FlaggedRow[], c: ValueColumns): InputProblem[] {
  const lines = c.moneyColumns.length === 2;
  const problems: InputProblem[] = [];
  for (const f of rows) {
    const at = (column: SourceColumn | undefined): Pick<InputProblem, 'line' | 'column' | 'columnName' | 'key'> =>
      f.located
        ? { line: f.located.line ?? f.line, key: f.located.key, column: undefined, columnName: column?.name }
        : { line: f.line, column: column?.position, columnName: column?.name };
    if (f.bad & (BAD.date | BAD.year)) {
      const v = String(f.date ?? '');
      problems.push({
        ...at(c.od),
        value: v,
        message:
          f.bad & BAD.year
            ? `a date outside the years ${c.years.from}–${c.years.to}; expected an order date in them (--valid-years FROM-TO accepts others)`
            : v.trim() === '' ? `empty order date; ${expectedDate(c.dateFormat)}` : `not a valid date; ${expectedDate(c.dateFormat)}`,
      });
    }
    if (f.bad & BAD.amount) {
      const unparsed = c.moneyColumns.filter((_, i) => f.amounts[i]?.bad === true);
      for (const [i, col] of c.moneyColumns.entries()) {
        if (!unparsed.includes(col)) continue;
        const v = String(f.amounts[i]?.text ?? '');
        const what = lines ? (col === c.quantity ? 'quantity' : 'unit price') : 'amount';
        const example = what === 'quantity' ? '3 or -1' : '42.50 or -12.00';
        problems.push({
          ...at(col),
          value: v,
          message:
            v.trim() === ''
              ? `empty ${what}; expected a number such as ${example}${what === 'amount' ? ' (negative for refunds)' : ''}`
              : `not a valid ${what}; expected a number such as ${example}, without currency symbols or thousands separators`,
        });
      }
      if (unparsed.length === 0) {
        problems.push({ ...at(c.moneyColumns[0]), message: 'quantity × unit price is too large; expected a line amount below 100,000,000,000,000' });
      }
    }
  }
  return problems;
}

/** How problems name a row of a table, which has no lines: its order_id, else its customer_id (as loaded: trimmed). */
export function rowKey(orderId: string | null, customerId: string | null): string | undefined {
  return orderId !== null ? `order_id ${JSON.stringify(orderId)}` : customerId !== null ? `customer_id ${JSON.stringify(customerId)}` : undefined;
}

/** The error of an input without a single row. */
export function noRows(label: string, format: string): InputError {
  return new InputError(label, [{ line: format === 'csv' ? 1 : undefined, message: format === 'postgres' ? 'no rows: the table (or query) has no orders' : 'no data rows: the file has a header but no orders' }]);
}
