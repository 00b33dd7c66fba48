/**
 * CDNOW calibration data for the CLV model tests, built two ways:
 *
 *  - from the raw transactions `test/fixtures/cdnow/CDNOW_sample.txt`
 *    (whitespace-separated: master id, sample id, date YYYYMMDD, CDs, dollars):
 *    a customer's rows on the same day are one transaction; calibration
 *    1997-01-01..1997-09-30; x = distinct purchase days − 1; t_x and T in
 *    days / 7 with T measured to 1997-09-30; z̄ = mean value of the repeat
 *    purchase days (first purchase day excluded);
 *  - from Hardie's summary `cdnow_customers_summary_with_transactions.csv`
 *    (ID,x,t_x,T,zbar; weeks rounded to 2 decimals).
 *
 * Source of the data and of the published estimates: Fader, Hardie & Lee (2005),
 * "Counting Your Customers the Easy Way", Marketing Science 24(2); see
 * test/fixtures/cdnow/README.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/cdnow/', import.meta.url));

export interface CdnowCustomers {
  id: number[];
  x: number[];
  tx: number[];
  T: number[];
  /** Mean repeat-purchase-day value (0 for customers without repeat purchases). */
  zbar: number[];
}

function dayNumber(yyyymmdd: string): number {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** Per-customer calibration summary computed from the raw transactions, in weeks at full precision. */
export function cdnowFromTransactions(calibrationEnd = '19970930'): CdnowCustomers {
  const end = dayNumber(calibrationEnd);
  const text = readFileSync(FIXTURES + 'CDNOW_sample.txt', 'utf8');
  // customer → day → summed value
  const byCustomer = new Map<number, Map<number, number>>();
  for (const line of text.split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const id = Number(f[1]);
    const day = dayNumber(f[2]);
    const value = Number(f[4]);
    let days = byCustomer.get(id);
    if (!days) byCustomer.set(id, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + value);
  }
  const out: CdnowCustomers = { id: [], x: [], tx: [], T: [], zbar: [] };
  for (const id of [...byCustomer.keys()].sort((a, b) => a - b)) {
    const days = [...byCustomer.get(id)!.entries()].filter(([d]) => d <= end).sort((a, b) => a[0] - b[0]);
    if (days.length === 0) continue; // (every CDNOW customer's first purchase is in Q1 1997)
    const first = days[0][0];
    const last = days[days.length - 1][0];
    const repeat = days.slice(1);
    out.id.push(id);
    out.x.push(repeat.length);
    out.tx.push((last - first) / 7);
    out.T.push((end - first) / 7);
    out.zbar.push(repeat.length > 0 ? repeat.reduce((s, [, v]) => s + v, 0) / repeat.length : 0);
  }
  return out;
}

/** Hardie's published calibration summary (weeks, 2 decimals). */
export function cdnowFromSummary(): CdnowCustomers {
  const text = readFileSync(FIXTURES + 'cdnow_customers_summary_with_transactions.csv', 'utf8');
  const out: CdnowCustomers = { id: [], x: [], tx: [], T: [], zbar: [] };
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const [id, x, tx, T, zbar] = line.split(',').map(Number);
    out.id.push(id);
    out.x.push(x);
    out.tx.push(tx);
    out.T.push(T);
    out.zbar.push(zbar);
  }
  return out;
}
