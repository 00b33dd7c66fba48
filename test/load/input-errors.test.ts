/**
 * Every failure is a sentence: damaged gzip, other encodings, NUL bytes,
 * dates that are words or outside the accepted years (CSV and Parquet),
 * numbers that are not plain decimals, duplicate mappings, non-regular files,
 * flags given twice and numbers that are not numbers. Each message names the
 * file (or flag), the place and what was expected, with no NaN, undefined,
 * [object Object] or stack trace.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { UserError } from '../../lib/errors.ts';
import { loadOrders, type OrdersInput } from '../../lib/load/load-orders.ts';
import { loadSpend } from '../../lib/load/load-spend.ts';
import { loadCustomers } from '../../lib/load/load-customers.ts';
import { readConfig } from '../../lib/config/report-config.ts';
import { runClv } from '../helpers/cli.ts';
import { tempFile } from '../helpers/pipeline.ts';

const GARBAGE = /NaN|undefined|\[object Object\]|Infinity|\n\s+at /;

async function refused(run: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<unknown>): Promise<string> {
  const db = await openDatabase();
  try {
    const err = await run(db).then(() => null, (e: unknown) => e);
    if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${err instanceof Error ? err.stack : String(err)}`);
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toMatch(GARBAGE);
    return err.message;
  } finally {
    db.close();
  }
}

const orders = (input: OrdersInput) => refused((db) => loadOrders(db, input));
const HEADER = 'customer_id,order_date,amount\n';

describe('files that are not UTF-8 CSV text', () => {
  it('a truncated .csv.gz and a .csv.gz that is not gzip', async () => {
    const full = gzipSync(Buffer.from(HEADER + 'a,2024-01-05,1\n'.repeat(20000)));
    const cut = tempFile('orders.csv.gz', full.subarray(0, full.length - 200));
    expect(await orders({ path: cut })).toBe(`cannot read ${cut}: 1 problem\n  ${cut}: the gzip data ends too early (the file is truncated: copy or download it again)`);
    const plain = tempFile('orders.csv.gz', HEADER + 'a,2024-01-05,1\n');
    expect(await orders({ path: plain })).toBe(
      `cannot read ${plain}: 1 problem\n  ${plain}: the name ends in .gz but the file is not gzip-compressed; rename it to .csv, or compress it with gzip`,
    );
  });

  it('UTF-16 (with and without a byte-order mark) is named as such', async () => {
    const text = HEADER + 'a,2024-01-05,1\n';
    for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), Buffer.from(text, 'utf16le')]) {
      const path = tempFile('orders.csv', bytes);
      expect(await orders({ path })).toBe(`cannot read ${path}: 1 problem\n  ${path}: the file is UTF-16 text; expected UTF-8: save it as UTF-8 ("CSV UTF-8" in Excel) and run again`);
    }
  });

  it('Latin-1 is named, with the line, in the header and far into the file', async () => {
    const early = tempFile('orders.csv', Buffer.from(HEADER + 'Jos\xe9,2024-01-05,1\n', 'latin1'));
    expect(await orders({ path: early })).toBe(
      `cannot read ${early}: 1 problem\n  ${early}:2: the file is not UTF-8 (byte 0xE9, as Latin-1 or Windows-1252 write it); save it as UTF-8 ("CSV UTF-8" in Excel) and run again`,
    );
    const late = tempFile('orders.csv', Buffer.concat([Buffer.from(HEADER + 'ab,2024-01-05,1\n'.repeat(9000)), Buffer.from('Mu\xf1oz,2024-01-05,1\n', 'latin1')]));
    expect(await orders({ path: late })).toContain(`${late}:9002: the file is not UTF-8 (byte 0xF1`);
  });

  it('a NUL byte in a customer id', async () => {
    const path = tempFile('orders.csv', `${HEADER}a,2024-01-05,1\nb\0c,2024-01-06,2\n`);
    expect(await orders({ path })).toBe(`cannot read ${path}: 1 problem\n  ${path}:3: a NUL byte (character 0) in the text; the file is damaged or not a CSV file`);
  });

  it('a FIFO as the orders file or the config file is refused at once (no hang)', async () => {
    const dir = tempFile('x', '').replace(/x$/, '');
    execFileSync('mkfifo', [`${dir}fifo.csv`]);
    expect(await orders({ path: `${dir}fifo.csv` })).toBe(
      `${dir}fifo.csv: not a regular file (a pipe, socket or device, which cannot be read safely); expected the orders file saved as a .csv or .parquet file`,
    );
    expect(() => readConfig(`${dir}fifo.csv`)).toThrow(`${dir}fifo.csv: not a regular file (a pipe, socket or device); expected the JSON config file saved as a file`);
  });
});

describe('values that are not what they look like', () => {
  it('dates that are words, year 0, five-digit years and dates outside 1900–2200 (or --valid-years)', async () => {
    const path = tempFile('orders.csv', `${HEADER}a,epoch,1\nb,infinity,1\nc,0000-01-01,1\nd,20244-01-01,1\ne,1899-12-31,1\nf,2024-01-05,1\n`);
    const msg = await orders({ path });
    const expected = 'expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)';
    const outside = 'a date outside the years 1900–2200; expected an order date in them (--valid-years FROM-TO accepts others)';
    expect(msg.split('\n')).toEqual([
      `cannot read ${path}: 5 problems`,
      `  ${path}:2:2: column "order_date": value "epoch": not a valid date; ${expected}`,
      `  ${path}:3:2: column "order_date": value "infinity": not a valid date; ${expected}`,
      `  ${path}:4:2: column "order_date": value "0000-01-01": ${outside}`,
      `  ${path}:5:2: column "order_date": value "20244-01-01": not a valid date; ${expected}`,
      `  ${path}:6:2: column "order_date": value "1899-12-31": ${outside}`,
    ]);
    const old = tempFile('orders.csv', `${HEADER}a,1850-01-05,1\n`);
    const db = await openDatabase();
    try {
      expect((await loadOrders(db, { path: old, years: { from: 1800, to: 2000 } })).firstDate).toBe('1850-01-05');
    } finally {
      db.close();
    }
  });

  it('Parquet dates of infinity and year 290000 are refused by row', async () => {
    const path = tempFile('orders.parquet', '');
    const db = await openDatabase();
    try {
      await db.run(`COPY (SELECT * FROM (VALUES ('a', DATE '2024-01-05', 1.5), ('b', DATE 'infinity', 2.0), ('c', CAST(TIMESTAMP '290000-01-01 00:00:00' AS DATE), 3.0))
        t(customer_id, order_date, amount)) TO '${path}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    const msg = await orders({ path });
    expect(msg).toContain(`cannot read ${path}: 2 problems`);
    expect(msg).toContain(`${path} row 2:2: column "order_date": value "infinity": a date outside the years 1900–2200`);
    expect(msg).toContain(`${path} row 3:2: column "order_date": value "290000-01-01": a date outside the years 1900–2200`);
  });

  it('amounts with underscores, exponents, hex or 400 digits', async () => {
    const path = tempFile('orders.csv', `${HEADER}a,2024-01-05,1_000\nb,2024-01-05,1e3\nc,2024-01-05,0x10\nd,2024-01-05,${'9'.repeat(400)}\ne,2024-01-05, 12.50 \n`);
    const msg = await orders({ path });
    expect(msg.split('\n')[0]).toBe(`cannot read ${path}: 4 problems`);
    for (const [line, v] of [[2, '1_000'], [3, '1e3'], [4, '0x10'], [5, '9'.repeat(400)]] as const) {
      expect(msg).toContain(`${path}:${line}:3: column "amount": value "${v}": not a valid amount; expected a number such as 42.50`);
    }
  });

  it('a spend of 400 digits (Infinity) and spend and customers files with a column named rowid', async () => {
    const spend = tempFile('spend.csv', `period,channel,spend,rowid\n2024-01,ads,${'9'.repeat(400)},x\n2024-02,ads,5,y\n`);
    expect(await refused((db) => loadSpend(db, spend, { currency: 'USD', asOf: '2024-12-31' }))).toBe(
      `cannot read ${spend}: 1 problem\n  ${spend}:2:3: column "spend": value "${'9'.repeat(400)}": too large a spend; expected an amount below 1,000,000,000,000,000 (check for a stray digit or a missing decimal point)`,
    );
    const customers = tempFile('customers.csv', 'customer_id,rowid,region\na,1,n\nb,2,s\na,3,e\n');
    expect(await refused((db) => loadCustomers(db, customers))).toBe(
      `cannot read ${customers}: 1 problem\n  ${customers}:4:1: column "customer_id": value "a": customer_id repeated (first on line 2); the customers file needs one row per customer`,
    );
  });

  it('one column mapped to two fields', async () => {
    const path = tempFile('orders.csv', 'id,day,total\na,2024-01-05,1\n');
    expect(await orders({ path, map: { customer_id: 'id', order_date: 'day', amount: 'total', order_id: 'id' } })).toBe(
      `${path}: the column "id" would be both customer_id and order_id (check --map); map each field to its own column`,
    );
  });
});

describe('the command line', () => {
  it('a flag given twice, a number that is not one, --map twice: one line naming the flag and what was typed', () => {
    const base = ['report', '--orders', 'test/fixtures/hand-orders.csv', '--quiet', '--no-clv'];
    const cases: [string[], string][] = [
      [['--out', 'a', '--out=b'], 'clv: --out is given 2 times ("a", "b"); give it once\n'],
      [['--period', 'month', '--period', 'week'], 'clv: --period is given 2 times ("month", "week"); give it once\n'],
      [['--horizon-months', 'abc'], 'clv: --horizon-months "abc": expected a number such as 12 or 0.35\n'],
      [['--margin', 'Infinity'], 'clv: --margin "Infinity": expected a number such as 12 or 0.35\n'],
      [['--map', 'amount=a', '--map', 'amount=b'], 'clv: --map amount is given twice ("a" and "b"); map each column once\n'],
      [['--valid-years', '2200-1900'], 'clv: --valid-years "2200-1900": expected two years FROM-TO such as 1900-2200 (four digits each, FROM not after TO, FROM at least 0001)\n'],
    ];
    for (const [args, message] of cases) {
      const r = runClv([...base, ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(message);
    }
  }, 120_000);

  it('an unexpected failure is one line naming the file that holds the trace', async () => {
    const { reportBug } = await import('../../jobs/cli.ts');
    const line = reportBug(new TypeError('s.charAt is not a function'));
    expect(line).toMatch(/^clv: unexpected failure \(a bug; please report it with the file (\S+clv-error-\S+\.log), which holds the full trace\): s\.charAt is not a function$/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(/file (\S+),/.exec(line)![1], 'utf8')).toContain('TypeError: s.charAt is not a function\n    at ');
  });
});
