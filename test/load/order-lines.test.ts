/**
 * Orders given as lines (issue 12): quantity × unit price, lines of one order_id summed, exact
 * duplicate lines dropped and counted, lines that disagree on customer or date refused; and
 * purchase logs without any amount. The expected figures are worked out by hand in
 * test/fixtures/lines/README.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { loadOrders, type OrdersInput } from '../../lib/load/load-orders.ts';
import { InputError, UserError } from '../../lib/errors.ts';
import { tempFile, userErrorOf } from '../helpers/pipeline.ts';

const FIXTURE = 'test/fixtures/lines/order-lines.csv';
const LINE_MAP = { customer_id: 'CustomerID', order_date: 'InvoiceDate', order_id: 'InvoiceNo', quantity: 'Quantity', unit_price: 'UnitPrice' };

async function load(input: OrdersInput) {
  const db = await openDatabase();
  try {
    const loaded = await loadOrders(db, input);
    const rows = await db.rows<{ customer_id: string; order_date: string; amount: number; order_id: string | null; stock: string | null }>(
      `SELECT customer_id, strftime(order_date, '%Y-%m-%d') AS order_date, CAST(amount AS DOUBLE) AS amount, order_id, "attribute:StockCode" AS stock FROM facts ORDER BY seq`,
    );
    return { loaded, rows };
  } finally {
    db.close();
  }
}

const loadError = (input: OrdersInput): Promise<UserError> => userErrorOf(() => load(input));

describe('order lines', () => {
  it('sums the lines of each order, drops exact duplicates, and reconciles with the hand totals', async () => {
    const { loaded, rows } = await load({ path: FIXTURE, map: LINE_MAP, dateFormat: 'yyyy-MM-dd HH:mm:ss' });
    expect(loaded.lines).toBe(true);
    expect(loaded.money).toBe('lines');
    expect(rows).toEqual([
      { customer_id: 'C1', order_date: '2024-01-05', amount: 17, order_id: '1001', stock: 'A' },
      { customer_id: 'C2', order_date: '2024-02-10', amount: 8.25, order_id: '1002', stock: 'A' },
      { customer_id: 'C1', order_date: '2024-03-15', amount: 20, order_id: '1005', stock: 'B' },
      { customer_id: 'C1', order_date: '2024-03-20', amount: -10, order_id: 'C1006', stock: 'B' },
    ]);
    expect(loaded.input).toMatchObject({ rows_read: 9, rows_kept: 6, orders: 4 });
    expect(loaded.input.dropped).toEqual([
      { reason: 'empty customer_id', rows: 1 },
      { reason: 'exact duplicate of an earlier line (every column the same)', rows: 1 },
      { reason: "refund (negative amount) before the customer's first order", rows: 1, orders: 1, customers: 1 },
    ]);
    // Every line is accounted for: read = kept + dropped.
    expect(loaded.input.rows_read).toBe(loaded.input.rows_kept + loaded.input.dropped.reduce((s, d) => s + d.rows, 0));
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(35.25);
  });

  it('finds quantity and unit_price by name when the file has no amount', async () => {
    const path = tempFile('lines.csv', 'order_id,customer_id,order_date,quantity,unit_price\no1,c1,2024-01-05,2,1.25\no1,c1,2024-01-05,1,4\no2,c1,2024-02-01,3,0.5\n');
    const db = await openDatabase();
    try {
      const loaded = await loadOrders(db, { path });
      expect(loaded).toMatchObject({ lines: true, money: 'lines' });
      expect(await db.rows(`SELECT order_id, CAST(amount AS DOUBLE) AS amount FROM facts ORDER BY seq`)).toEqual([
        { order_id: 'o1', amount: 6.5 },
        { order_id: 'o2', amount: 1.5 },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a line whose customer or date differs from its order, naming both lines', async () => {
    const text = readFileSync(FIXTURE, 'utf8').replace('1001,B,1,2024-01-05 10:00:00,10.00,C1,UK\n1001,B', '1001,B,1,2024-01-05 10:00:00,10.00,C9,UK\n1001,B');
    const path = tempFile('lines.csv', text);
    const err = await loadError({ path, map: LINE_MAP, dateFormat: 'yyyy-MM-dd HH:mm:ss' });
    expect(err).toBeInstanceOf(InputError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(
      `${path}:3:6: column "CustomerID": value "C9": order "1001" has customer "C1" on line 2, its first line; expected every line of an order to have the same customer and order date`,
    );
  });

  it('names the quantity or unit price that is not a number', async () => {
    const path = tempFile('lines.csv', 'order_id,customer_id,order_date,quantity,unit_price\no1,c1,2024-01-05,two,1.25\no2,c1,2024-02-01,3,£0.50\n');
    const err = await loadError({ path });
    expect(err.message).toContain(`${path}:2:4: column "quantity": value "two": not a valid quantity; expected a number such as 3 or -1`);
    expect(err.message).toContain(`${path}:3:5: column "unit_price": value "£0.50": not a valid unit price; expected a number such as 42.50 or -12.00`);
  });

  it('refuses a quantity without a unit price (and no amount)', async () => {
    const path = tempFile('lines.csv', 'order_id,customer_id,order_date,quantity\no1,c1,2024-01-05,2\n');
    const err = await loadError({ path });
    expect(err.message).toContain('the file has quantity ("quantity") but no unit_price and no amount');
  });

  it('keeps the old rule for files without line columns: repeated order ids are dropped, and a high share is a warning', async () => {
    const path = tempFile('orders.csv', 'order_id,customer_id,order_date,amount\no1,c1,2024-01-05,2\no1,c1,2024-01-05,3\no2,c2,2024-01-06,4\n');
    const { loaded, rows } = await (async () => {
      const db = await openDatabase();
      try {
        const l = await loadOrders(db, { path });
        return { loaded: l, rows: await db.rows(`SELECT order_id, CAST(amount AS DOUBLE) AS amount FROM facts ORDER BY seq`) };
      } finally {
        db.close();
      }
    })();
    expect(loaded.lines).toBe(false);
    expect(rows).toEqual([{ order_id: 'o1', amount: 2 }, { order_id: 'o2', amount: 4 }]);
    expect(loaded.warnings[0]).toContain('1 of 3 rows of');
    expect(loaded.warnings[0]).toContain('--map quantity=COL --map unit_price=COL');
  });
});

describe('purchase logs without amounts', () => {
  it('loads customer and date only, with every amount 0 and money "none"', async () => {
    const path = tempFile('log.csv', 'cust,date\n1,2006-01-01\n1,2006-02-01\n2,2006-01-03\n');
    const db = await openDatabase();
    try {
      const loaded = await loadOrders(db, { path, map: { customer_id: 'cust', order_date: 'date' } });
      expect(loaded.money).toBe('none');
      expect(await db.rows(`SELECT customer_id, CAST(amount AS DOUBLE) AS amount FROM facts ORDER BY seq`)).toEqual([
        { customer_id: '1', amount: 0 },
        { customer_id: '1', amount: 0 },
        { customer_id: '2', amount: 0 },
      ]);
    } finally {
      db.close();
    }
  });
});
