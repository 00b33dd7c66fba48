/**
 * The aggregation pushed down into PostgreSQL (lib/sources/pg-pushdown.ts) against the streaming
 * path on the same tables (`pushdown: false`, as --no-pushdown): the same customer-days, dropped-row
 * counts, as-of date, warnings and errors; which runs fall back to streaming, and why. A real
 * server: CLV_TEST_PG_URL (.ci/run); mandatory when CI=true, skipped with a visible message elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../lib/engine/database.ts';
import { customerDayColumns } from '../../lib/engine/customer-base-sql.ts';
import { DUCKDB } from '../../lib/engine/dialect.ts';
import type { LoadedOrders } from '../../lib/load/load-orders.ts';
import { parsePgTarget } from '../../lib/sources/pg-connection.ts';
import { postgresOrders, type PgOrdersInput } from '../../lib/sources/postgres.ts';
import type { LoadOptions } from '../../lib/sources/source.ts';
import { PG_URL, postgresAvailable, withPg } from '../helpers/postgres.ts';

const available = postgresAvailable();
const T = { drops: 'clv_t_pd_drops', bad: 'clv_t_pd_bad', types: 'clv_t_pd_types', text: 'clv_t_pd_text', lines: 'clv_t_pd_lines' };

beforeAll(async () => {
  if (!available) return;
  await withPg(async (c) => {
    await c.query('DROP VIEW IF EXISTS clv_t_pd_view');
    await c.query(`DROP TABLE IF EXISTS ${Object.values(T).join(', ')}`);
    // What the loader drops, typed: no customer (NULL, empty, spaces), a repeated order_id whose
    // second row is the latest date (the range is taken after the repeat is dropped), refunds
    // before a first order (G never buys), a refund on the day of the first order (kept), rows after
    // the as-of date, two orders of one day with different channels (the first row's is the day's).
    await c.query(`CREATE TABLE ${T.drops} (order_id text, customer_id text, order_date date, amount numeric(12,2), channel text, region text)`);
    await c.query(`INSERT INTO ${T.drops} VALUES
      ('1', 'A', '2024-01-05', 100, 'ads', 'North'),
      ('2', 'A', '2024-01-05', 20, 'email', 'South'),
      ('3', ' A ', '2024-02-10', 30.5, NULL, 'North'),
      ('4', NULL, '2024-02-11', 40, 'ads', 'North'),
      ('5', '', '2024-02-12', 40, 'ads', 'North'),
      ('6', '   ', '2024-02-13', 40, 'ads', 'North'),
      ('7', 'B', '2024-01-10', -5, 'email', 'South'),
      ('8', 'B', '2024-01-12', 80, 'email', 'South'),
      ('9', 'B', '2024-01-12', -10, 'email', 'South'),
      ('10', 'G', '2024-01-15', -15, 'ads', NULL),
      ('11', 'G', '2024-03-01', -15, 'ads', NULL),
      ('8', 'C', '2024-06-30', 70, 'ads', 'East'),
      ('12', 'C', '2024-03-02', 25.25, 'ads', 'East'),
      ('13', 'C', '2024-04-20', 12, 'seo', 'East'),
      (NULL, 'D', '2024-03-05', 9.99, NULL, 'West'),
      ('14', 'D', '2024-04-01', 1.01, 'ads', 'West')`);
    // An update writes a new version of the row at the end of the table: A's "ads" order of 2024-01-05
    // is now read after its "email" order of that day, by a scan as by the streaming cursor.
    await c.query(`UPDATE ${T.drops} SET region = region WHERE order_id = '1'`);
    // Bad values in typed columns: NULL dates and amounts, a date outside the valid years, NaN, infinity, a BC date.
    await c.query(`CREATE TABLE ${T.bad} (order_id text, customer_id text, order_date date, amount numeric)`);
    await c.query(`INSERT INTO ${T.bad} VALUES
      ('o1', 'A', '2024-01-05', 10), ('o2', 'A', NULL, 12), (NULL, 'B', '2024-03-01', NULL), ('o4', 'B', '1850-03-02', 3),
      ('o5', 'C', '2024-03-02', 'NaN'), ('o6', 'C', 'infinity', 4), ('o7', NULL, NULL, NULL), ('o8', 'D', '0044-03-15 BC', 1), ('o9', 'D', '2024-05-01', 123456789012345)`);
    // Other date and number types: timestamps (the UTC date), timestamptz, integer, real, double precision.
    await c.query(`CREATE TABLE ${T.types} (id serial, customer_id integer, at timestamp, at_tz timestamptz, cents bigint, r real, d double precision, price numeric(14,6))`);
    await c.query(`INSERT INTO ${T.types} (customer_id, at, at_tz, cents, r, d, price) VALUES
      (1, '2024-01-05 23:59:59.5', '2024-01-05 23:30:00-05', 1250, 12.5, 0.1, 12.345650),
      (1, '2024-02-01 00:00:00', '2024-02-01 00:30:00+02', -300, -3.25, 1e-7, -0.000049),
      (2, '2024-02-03 10:00:00', '2024-02-03 10:00:00+00', 99, 99, 99.99, 99.994999),
      (3, '2024-03-03 10:00:00', '2024-03-03 10:00:00+00', 5, 1.5, 2.25, 5.00005)`);
    await c.query(`CREATE TABLE ${T.text} (customer_id text, order_date text, amount numeric)`);
    await c.query(`INSERT INTO ${T.text} VALUES ('A', '2024-01-05', 10), ('B', '2024-02-05', 12)`);
    await c.query(`CREATE TABLE ${T.lines} (order_id text, customer_id text, order_date date, quantity integer, unit_price numeric, product text)`);
    await c.query(`INSERT INTO ${T.lines} VALUES ('1', 'A', '2024-01-05', 2, 5, 'p1'), ('1', 'A', '2024-01-05', 1, 7, 'p2'), ('2', 'B', '2024-02-05', 1, 3, 'p1')`);
  });
});

afterAll(async () => {
  if (available) await withPg((c) => c.query(`DROP TABLE IF EXISTS ${Object.values(T).join(', ')}`));
});

/** Loads `table` (or a query) with the pushdown on or off; returns the loaded orders and the customer-days. */
async function load(from: { table?: string; query?: string }, input: PgOrdersInput, options: LoadOptions = {}) {
  const target = from.table !== undefined ? parsePgTarget(`${PG_URL}?table=${from.table}`, { option: '--orders' }) : parsePgTarget(PG_URL!, { option: '--orders-db', query: from.query });
  const db = await openDatabase();
  try {
    const orders = await postgresOrders(target, input).load(db, options);
    return { orders, days: await customerDays(db, orders) };
  } finally {
    db.close();
  }
}

/** customer_days as summarize builds it (from facts when the rows were streamed), sorted, as text. */
async function customerDays(db: Database, orders: LoadedOrders): Promise<string[]> {
  if (!orders.aggregated) {
    await db.run(`CREATE TEMP TABLE customer_days AS SELECT customer_id, order_date, ${customerDayColumns(DUCKDB, 'seq')} FROM facts GROUP BY customer_id, order_date`);
  }
  if (orders.lines) return [];
  const rows = await db.rows<{ line: string }>(`SELECT concat_ws('|', customer_id, order_date, n_orders, purchases, net, channel) AS line FROM customer_days ORDER BY ALL`);
  return rows.map((r) => r.line);
}

/** The loaded orders without what differs by design: the fingerprint (of the rows, or of the customer-days) and the path taken. */
function comparable(o: LoadedOrders) {
  const { sha256: _s, bytes: _b, pushdown: _p, pushdown_reason: _r, rows_transferred: _t, ...input } = o.input;
  const { aggregated: _a, ...rest } = o;
  return { ...rest, input };
}

async function message(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: Error) => e);
  expect(err, 'expected an error').toBeInstanceOf(Error);
  return (err as Error).message;
}

describe.skipIf(!available)('the aggregation pushed down into PostgreSQL', () => {
  it('rows to drop: the same customer-days, dropped-row counts, as-of date and warnings as streaming the rows; only customer-days travel', async () => {
    for (const asOf of [undefined, '2024-04-30']) {
      const down = await load({ table: T.drops }, { asOf });
      const streamed = await load({ table: T.drops }, { asOf, pushdown: false });
      expect(comparable(down.orders)).toEqual(comparable(streamed.orders));
      expect(down.days).toEqual(streamed.days);
      expect(down.orders.input).toMatchObject({ pushdown: true, rows_read: 16 });
      expect(streamed.orders.input).toMatchObject({ pushdown: false, pushdown_reason: '--no-pushdown is given', rows_transferred: 16 });
      // Counted by hand from the table: 3 rows without a customer; order_id 8 repeated (C's row of
      // 2024-06-30 dropped, so the last date is 2024-04-20); B's refund of 01-10 and G's two refunds
      // come before a first order (G never buys); B's refund of 01-12 is on the day of its first order.
      const dropped = [
        { reason: 'empty customer_id', rows: 3 },
        { reason: 'duplicate order_id (the first row of each order_id is kept)', rows: 1, examples: ['8'] },
        { reason: "refund (negative amount) before the customer's first order", rows: 3, customers: 1 },
      ];
      expect(down.orders.input.dropped).toEqual(dropped);
      expect(down.orders.asOf).toBe(asOf ?? '2024-04-20');
      // Customer-days kept: A 01-05, 02-10; B 01-12; C 03-02, 04-20; D 03-05, 04-01 = 7, and the early
      // refunds' days B 01-10, G 01-15, G 03-01 travelled too (dropped on arrival).
      expect(down.days).toHaveLength(7);
      expect(down.orders.input.rows_transferred).toBe(10);
      expect(down.orders.input.rows_kept).toBe(9);
      // The day's channel is its first order row's in the table's order: A's 2024-01-05 is "email"
      // (its "ads" row was updated, so moved to the end); A's 02-10 has none.
      expect(down.days[0]).toBe('A|2024-01-05|2|120.0000|120.0000|email');
      expect(down.days[1]).toBe('A|2024-02-10|1|30.5000|30.5000'); // concat_ws leaves out the NULL channel
    }
    // After the as-of date: C's 2024-04-20 and D's 2024-04-01 (the repeat of order 8 was dropped first).
    const cut = await load({ table: T.drops }, { asOf: '2024-03-31' });
    const cutStreamed = await load({ table: T.drops }, { asOf: '2024-03-31', pushdown: false });
    expect(comparable(cut.orders)).toEqual(comparable(cutStreamed.orders));
    expect(cut.days).toEqual(cutStreamed.days);
    expect(cut.orders.input.dropped[2]).toEqual({ reason: 'dated after the as-of date 2024-03-31', rows: 2 });
  });

  it('bad values in typed columns (NULL date or amount, a date outside the valid years, NaN, infinity, a BC date, an amount too large): the same problems, naming the table, the row, its key and the column', async () => {
    const down = await message(load({ table: T.bad }, {}));
    const streamed = await message(load({ table: T.bad }, { pushdown: false }));
    expect(down).toBe(streamed);
    const label = `${parsePgTarget(`${PG_URL}?table=${T.bad}`, { option: '--orders' }).label}`;
    expect(down.split('\n')).toEqual([
      `cannot read ${label}: 7 problems`,
      `  ${label} row 2 (order_id "o2"): column "order_date": value "": empty order date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
      `  ${label} row 3 (customer_id "B"): column "amount": value "": empty amount; expected a number such as 42.50 or -12.00 (negative for refunds)`,
      `  ${label} row 4 (order_id "o4"): column "order_date": value "1850-03-02": a date outside the years 1900–2200; expected an order date in them (--valid-years FROM-TO accepts others)`,
      `  ${label} row 5 (order_id "o5"): column "amount": value "NaN": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
      `  ${label} row 6 (order_id "o6"): column "order_date": value "infinity": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
      `  ${label} row 8 (order_id "o8"): column "order_date": value "0044-03-15 BC": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
      `  ${label} row 9 (order_id "o9"): column "amount": value "123456789012345": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
    ]);
    // --valid-years: the same check in both places.
    const years = { from: 1800, to: 2200 };
    expect(await message(load({ table: T.bad }, { years }))).toBe(await message(load({ table: T.bad }, { years, pushdown: false })));
  });

  it('timestamps, timestamptz, integer, real, double precision and numeric amounts: the same UTC dates and rounded amounts as streaming their text', async () => {
    for (const [date, amount] of [['at', 'cents'], ['at_tz', 'r'], ['at', 'd'], ['at_tz', 'price']]) {
      const input: PgOrdersInput = { map: { order_date: date, amount, order_id: 'id' } };
      const query = `SELECT id, customer_id, ${date}, ${amount} FROM ${T.types} ORDER BY id`;
      const down = await load({ query }, input).catch((e: Error) => e.message);
      const streamed = await load({ query }, { ...input, pushdown: false }).catch((e: Error) => e.message);
      if (typeof down === 'string' || typeof streamed === 'string') {
        expect(down, `${date}, ${amount}`).toBe(streamed);
        continue;
      }
      expect(down.orders.input.pushdown, `${date}, ${amount}`).toBe(true);
      expect(comparable(down.orders), `${date}, ${amount}`).toEqual(comparable(streamed.orders));
      expect(down.days, `${date}, ${amount}`).toEqual(streamed.days);
    }
    // A purchase log: no amount at all.
    const log = `SELECT id, customer_id, at FROM ${T.types} ORDER BY id`;
    const logDown = await load({ query: log }, { map: { order_date: 'at', order_id: 'id' } });
    expect(logDown.orders).toMatchObject({ money: 'none', input: { pushdown: true } });
    expect(comparable(logDown.orders)).toEqual(comparable((await load({ query: log }, { map: { order_date: 'at', order_id: 'id' }, pushdown: false })).orders));
    // The same rows give the same fingerprint of the customer-days on every run.
    expect((await load({ table: T.drops }, {})).orders.input.sha256).toBe((await load({ table: T.drops }, {})).orders.input.sha256);
    // By hand: 2024-01-05 23:30 at UTC−5 is 2024-01-06 in UTC; 12.345650 rounds to 12.3457 (half away from zero).
    const tz = await load({ query: `SELECT id, customer_id, at_tz, price FROM ${T.types} ORDER BY id` }, { map: { order_date: 'at_tz', amount: 'price', order_id: 'id' } });
    expect(tz.days[0]).toBe('1|2024-01-06|1|12.3457|12.3457');
  });

  it('falls back to streaming the rows, saying why: text dates, --date-format, order lines, first: segments, --no-pushdown', async () => {
    const reasons: [{ table?: string; query?: string }, PgOrdersInput, LoadOptions, string][] = [
      [{ table: T.text }, {}, {}, 'the order_date column "order_date" is text, not a date or timestamp'],
      [{ table: T.drops }, { dateFormat: 'yyyy-MM-dd' }, {}, '--date-format is given (a pattern for dates stored as text)'],
      [{ table: T.lines }, {}, {}, 'the rows are order lines (quantity and unit_price, or a product column, mapped)'],
      [{ table: T.drops }, {}, { lineValues: ['region'] }, "--segment-by first:region reads each order's rows"],
      [{ query: `SELECT customer_id, order_date, amount::text AS amount FROM ${T.drops}` }, {}, {}, 'the amount column "amount" is text, not a number'],
      [{ table: T.drops }, { pushdown: false }, {}, '--no-pushdown is given'],
    ];
    for (const [from, input, options, reason] of reasons) {
      const { orders } = await load(from, input, options);
      expect(orders.input, reason).toMatchObject({ pushdown: false, pushdown_reason: reason, rows_transferred: orders.input.rows_read });
    }
    // The First products section asks for the product values; without a product column the run still aggregates in the database.
    expect((await load({ table: T.drops }, {}, { lineValues: ['product'] })).orders.input.pushdown).toBe(true);
  });

  it('a view and a query number the rows in their scan order (no ctid): the same day channels as streaming them', async () => {
    await withPg((c) => c.query(`CREATE OR REPLACE VIEW clv_t_pd_view AS SELECT * FROM ${T.drops}`));
    try {
      for (const from of [{ table: 'clv_t_pd_view' }, { query: `SELECT * FROM ${T.drops}` }]) {
        const down = await load(from, {});
        const streamed = await load(from, { pushdown: false });
        expect(down.orders.input.pushdown).toBe(true);
        expect([down.orders.aggregated, streamed.orders.aggregated]).toEqual([true, false]);
        expect(comparable(down.orders)).toEqual(comparable(streamed.orders));
        expect(down.days).toEqual(streamed.days);
        expect(down.days[0]).toBe('A|2024-01-05|2|120.0000|120.0000|email');
      }
    } finally {
      await withPg((c) => c.query('DROP VIEW IF EXISTS clv_t_pd_view'));
    }
  });
});
