/**
 * Loading and validation of orders files: every bad-input case gives an
 * InputError whose message names the file, line, column, value and what was
 * expected; the accepted formats (BOM, CRLF, quotes, ISO date-times with
 * offsets, custom date formats, column mapping, Parquet) load correctly.
 */
import { gzipSync } from 'node:zlib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { loadOrders, type OrdersInput } from '../../lib/load/load-orders.ts';
import { InputError, UserError } from '../../lib/errors.ts';
import { tempFile, userErrorOf } from '../helpers/pipeline.ts';

async function load(input: OrdersInput) {
  const db = await openDatabase();
  try {
    const loaded = await loadOrders(db, input);
    const rows = await db.rows<{ customer_id: string; order_date: string; amount: number; order_id: string | null; channel: string | null }>(
      `SELECT customer_id, strftime(order_date, '%Y-%m-%d') AS order_date, CAST(amount AS DOUBLE) AS amount, order_id, channel FROM facts ORDER BY seq`,
    );
    return { loaded, rows };
  } finally {
    db.close();
  }
}

const loadError = (input: OrdersInput): Promise<UserError> => userErrorOf(() => load(input));

describe('loadOrders: accepted input', () => {
  it('reads a UTF-8 BOM, CRLF line ends and quoted fields with commas, quotes and line breaks', async () => {
    const path = tempFile(
      'orders.csv',
      '\uFEFFcustomer_id,order_date,amount,channel\r\n"Smith, J.",2024-01-05,12.50,"say ""hi"""\r\nc2,2024-01-06,3,"two\r\nlines"\r\n',
    );
    const { rows, loaded } = await load({ path });
    expect(rows).toEqual([
      { customer_id: 'Smith, J.', order_date: '2024-01-05', amount: 12.5, order_id: null, channel: 'say "hi"' },
      { customer_id: 'c2', order_date: '2024-01-06', amount: 3, order_id: null, channel: 'two\r\nlines' },
    ]);
    expect(loaded.input).toMatchObject({ format: 'csv', rows_read: 2, rows_kept: 2, dropped: [] });
    expect(loaded.input.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('removes spaces around values and treats blank optional values as empty', async () => {
    const path = tempFile(
      'orders.csv',
      'customer_id,order_date,amount,channel,order_id\n  a ,  2024-01-05 , 12.5 , ads ,   \nb, 2024-01-06T10:00:00Z ,1,,x\nc,  2024-01-05T23:30:00-05:00 ,2,,\n',
    );
    const { rows } = await load({ path });
    expect(rows).toEqual([
      { customer_id: 'a', order_date: '2024-01-05', amount: 12.5, order_id: null, channel: 'ads' },
      { customer_id: 'b', order_date: '2024-01-06', amount: 1, order_id: 'x', channel: null },
      // An offset still counts after trimming: 23:30 at −05:00 is the 6th in UTC.
      { customer_id: 'c', order_date: '2024-01-06', amount: 2, order_id: null, channel: null },
    ]);
  });

  it('turns ISO date-times into UTC calendar dates, with or without offset', async () => {
    const path = tempFile(
      'orders.csv',
      [
        'customer_id,order_date,amount',
        'a,2024-01-05T23:30:00-05:00,1', // 04:30 UTC on the 6th
        'b,2024-01-06T01:00:00+02:00,1', // 23:00 UTC on the 5th
        'c,2024-01-05T10:00:00Z,1',
        'd,2024-01-05 10:00:00,1', // no offset: taken as UTC
        'e,2024-01-05T00:30:00.123+05:30,1', // 19:00 UTC on the 4th
        'f,2024-01-05,1',
      ].join('\n'),
    );
    const { rows } = await load({ path });
    expect(rows.map((r) => [r.customer_id, r.order_date])).toEqual([
      ['a', '2024-01-06'],
      ['b', '2024-01-05'],
      ['c', '2024-01-05'],
      ['d', '2024-01-05'],
      ['e', '2024-01-04'],
      ['f', '2024-01-05'],
    ]);
  });

  it('reads other date layouts with --date-format', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\na,20240105,1\nb,19991231,2\n');
    const { rows } = await load({ path, dateFormat: 'yyyyMMdd' });
    expect(rows.map((r) => r.order_date)).toEqual(['2024-01-05', '1999-12-31']);
    const dmy = tempFile('orders.csv', 'customer_id,order_date,amount\na,05/01/2024,1\n');
    expect((await load({ path: dmy, dateFormat: 'dd/MM/yyyy' })).rows[0].order_date).toBe('2024-01-05');
  });

  it('maps columns of real exports with --map and detects a semicolon delimiter', async () => {
    const path = tempFile('export.csv', 'InvoiceNo;CustomerID;InvoiceDate;Total;Country\nX1;17850;2010-12-01;15.30;United Kingdom\n');
    const { rows, loaded } = await load({ path, map: { customer_id: 'CustomerID', order_date: 'InvoiceDate', amount: 'Total', order_id: 'InvoiceNo' } });
    expect(rows).toEqual([{ customer_id: '17850', order_date: '2010-12-01', amount: 15.3, order_id: 'X1', channel: null }]);
    expect(loaded.attributes).toEqual(['Country']);
  });

  it('drops duplicate order_ids (keeping the first) and rows without a customer, and reports both', async () => {
    const path = tempFile(
      'orders.csv',
      'order_id,customer_id,order_date,amount\n1,a,2024-01-01,10\n2,,2024-01-02,5\n1,a,2024-01-01,10\n3,b,2024-01-03,7\n3,b,2024-01-04,8\n',
    );
    const { rows, loaded } = await load({ path });
    expect(rows.map((r) => [r.order_id, r.customer_id, r.amount])).toEqual([
      ['1', 'a', 10],
      ['3', 'b', 7],
    ]);
    expect(loaded.input.dropped).toEqual([
      { reason: 'empty customer_id', rows: 1 },
      { reason: 'duplicate order_id (the first row of each order_id is kept)', rows: 2, examples: ['1', '3'] },
    ]);
    expect(loaded.input).toMatchObject({ rows_read: 5, rows_kept: 2 });
  });

  it('cuts at the as-of date (inclusive) and drops refunds before any purchase', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\na,2024-01-01,-5\na,2024-01-02,10\na,2024-02-01,3\nb,2024-01-05,-2\n');
    const { rows, loaded } = await load({ path, asOf: '2024-01-31' });
    expect(rows.map((r) => [r.customer_id, r.order_date, r.amount])).toEqual([['a', '2024-01-02', 10]]);
    expect(loaded.asOf).toBe('2024-01-31');
    expect(loaded.input.dropped).toEqual([
      { reason: 'dated after the as-of date 2024-01-31', rows: 1 },
      { reason: "refund (negative amount) before the customer's first order", rows: 2, customers: 1 },
    ]);
  });

  it('reads gzip-compressed CSV, and reports lines inside it', async () => {
    const path = tempFile('orders.csv.gz', gzipSync('customer_id;order_date;amount\na;2024-01-05;1\nb;2024-01-06;2\n'));
    expect((await load({ path })).rows.map((r) => r.customer_id)).toEqual(['a', 'b']);
    const bad = tempFile('orders.csv.gz', gzipSync('customer_id,order_date,amount\na,2024-01-05,1\nb,2024-01-06,x\n'));
    expect((await loadError({ path: bad })).message).toContain(`${bad}:3:3: column "amount": value "x"`);
  });

  it('reads Parquet files with native date and number types', async () => {
    const db = await openDatabase();
    const path = tempFile('orders.parquet', '');
    await db.run(
      `COPY (SELECT * FROM (VALUES ('a', DATE '2024-01-05', 12.5::DOUBLE, 'ads'), ('b', DATE '2024-02-01', 3::DOUBLE, 'email')) v(customer_id, order_date, amount, channel)) TO '${path}' (FORMAT parquet)`,
    );
    db.close();
    const { rows, loaded } = await load({ path });
    expect(rows).toEqual([
      { customer_id: 'a', order_date: '2024-01-05', amount: 12.5, order_id: null, channel: 'ads' },
      { customer_id: 'b', order_date: '2024-02-01', amount: 3, order_id: null, channel: 'email' },
    ]);
    expect(loaded.input.format).toBe('parquet');
  });
});

describe('loadOrders: bad input is refused with file:line:column, value and expectation', () => {
  it('missing column: lists the columns that exist', async () => {
    const path = tempFile('orders.csv', 'CustomerID,order_date,Total\nc1,2024-01-05,1\n');
    const err = await loadError({ path });
    expect(err).toBeInstanceOf(InputError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `cannot read ${path}: 1 problem\n  ${path}:1: missing required column "customer_id"; the header has "CustomerID", "order_date", "Total" (map other names with --map customer_id=YourColumn)`,
    );
  });

  it('missing mapped column names the mapping', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,1\n');
    const err = await loadError({ path, map: { amount: 'Total' } });
    expect(err.message).toContain(`${path}:1: missing required column "Total" (mapped to amount); the header has "customer_id", "order_date", "amount"`);
  });

  it('unparsable date and amount: line, column number, column name, value, expectation', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,12.5\nc2,2024-13-01,abc\nc3,,$5\n');
    const err = await loadError({ path });
    expect(err.message).toBe(
      [
        `cannot read ${path}: 4 problems`,
        `  ${path}:3:2: column "order_date": value "2024-13-01": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
        `  ${path}:3:3: column "amount": value "abc": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
        `  ${path}:4:2: column "order_date": value "": empty order date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)`,
        `  ${path}:4:3: column "amount": value "$5": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
      ].join('\n'),
    );
  });

  it('counts lines, not records, when quoted fields span lines', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount,note\nc1,2024-01-05,1,"a\nb\nc"\nc2,2024-01-05,oops,x\n');
    const err = await loadError({ path });
    expect(err.message).toContain(`${path}:5:3: column "amount": value "oops"`);
  });

  it('with a date format, says which format was expected', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,1\n');
    const err = await loadError({ path, dateFormat: 'yyyyMMdd' });
    expect(err.message).toContain(`${path}:2:2: column "order_date": value "2024-01-05": not a valid date; expected a date in the format yyyyMMdd`);
  });

  it('lists at most 20 problems, then counts the rest', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `c${i},not-a-date,1`);
    const path = tempFile('orders.csv', `customer_id,order_date,amount\n${rows.join('\n')}\n`);
    const err = (await loadError({ path })) as InputError;
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`cannot read ${path}: 25 problems`);
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[20]).toContain(`${path}:21:2:`);
    expect(lines[21]).toBe('  … and 5 more problems');
  });

  it('rows with the wrong number of fields', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,1,4\nc2,2024-01-05\n');
    const err = await loadError({ path });
    expect(err.message).toBe(
      [
        `cannot read ${path}: 2 problems`,
        `  ${path}:2: the row has 4 fields but the header has 3; a field that contains the delimiter must be enclosed in double quotes`,
        `  ${path}:3: the row has 2 fields but the header has 3; every row needs as many fields as the header`,
      ].join('\n'),
    );
  });

  it('empty file', async () => {
    const path = tempFile('orders.csv', '');
    const err = await loadError({ path });
    expect(err.message).toBe(
      `cannot read ${path}: 1 problem\n  ${path}: the file is empty; expected a header row naming at least customer_id, order_date and amount (or quantity and unit_price), then one row per order`,
    );
  });

  it('header but no data rows', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\r\n');
    const err = await loadError({ path });
    expect(err.message).toBe(`cannot read ${path}: 1 problem\n  ${path}:1: no data rows: the file has a header but no orders`);
  });

  it('duplicate and empty column names in the header', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount,amount,\nc1,2024-01-05,1,2,3\n');
    const err = await loadError({ path });
    expect(err.message).toBe(
      [
        `cannot read ${path}: 2 problems`,
        `  ${path}:1:4: column "amount": duplicate column name (also column 3)`,
        `  ${path}:1:5: empty column name in the header; every column needs a name`,
      ].join('\n'),
    );
  });

  it('a file that does not exist', async () => {
    const err = await loadError({ path: '/nonexistent/orders.csv' });
    expect(err.message).toBe('/nonexistent/orders.csv: cannot open the orders file (ENOENT); check the path');
  });

  it('an as-of date that is not a date or is before every order', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,1\n');
    expect((await loadError({ path, asOf: '2024-02-30' })).message).toBe('--as-of "2024-02-30": expected a date as YYYY-MM-DD');
    expect((await loadError({ path, asOf: '2023-12-31' })).message).toBe(
      `--as-of 2023-12-31 is before the first order in ${path} (2024-01-05); nothing would be left to report`,
    );
  });

  it('a NUL byte in a Parquet string, naming row and column', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clv-nul-')), 'orders.parquet');
    const db = await openDatabase();
    try {
      await db.run(`COPY (SELECT * FROM (VALUES ('ok', DATE '2024-01-05', 10.0), ('a' || chr(0) || 'b', DATE '2024-01-06', 5.0)) t(customer_id, order_date, amount)) TO '${path}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    const err = await loadError({ path });
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${path} row 2:1: column "customer_id": the value holds a NUL byte (character 0)`);
  });

  it('a --map key that is not an order column', async () => {
    const path = tempFile('orders.csv', 'customer_id,order_date,amount\nc1,2024-01-05,1\n');
    expect((await loadError({ path, map: { customer: 'x' } })).message).toBe(
      '--map customer=x: "customer" is not an order column; map one of customer_id, order_date, amount, order_id, channel, quantity, unit_price, product',
    );
  });
});
