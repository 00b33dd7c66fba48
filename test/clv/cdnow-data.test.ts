/**
 * The CDNOW calibration data the model tests use, built from the raw
 * transactions (test/fixtures/cdnow/CDNOW_sample.txt) and cross-checked
 * against Hardie's published summary (cdnow_customers_summary_with_transactions.csv,
 * weeks to 2 decimals). Source: Fader, Hardie & Lee (2005), data as described in
 * test/fixtures/cdnow/README.md: 2,357 customers, 946 repeat buyers in the
 * 39-week calibration period 1997-01-01..1997-09-30.
 */
import { describe, expect, it } from 'vitest';
import { compress } from '../../lib/models/model.ts';
import { cdnowFromSummary, cdnowFromTransactions } from './cdnow.ts';

describe('CDNOW calibration data', () => {
  const raw = cdnowFromTransactions();
  const summary = cdnowFromSummary();

  it('has 2,357 customers and 946 repeat buyers either way', () => {
    expect(raw.id).toHaveLength(2357);
    expect(summary.id).toHaveLength(2357);
    expect(raw.x.filter((x) => x > 0)).toHaveLength(946);
    expect(summary.x.filter((x) => x > 0)).toHaveLength(946);
  });

  it('matches the published summary: x exactly, t_x, T and z̄ within its 2-decimal rounding', () => {
    expect(raw.id).toEqual(summary.id);
    const mismatches: string[] = [];
    for (let i = 0; i < raw.id.length; i++) {
      if (raw.x[i] !== summary.x[i]) mismatches.push(`${raw.id[i]}: x ${raw.x[i]} vs ${summary.x[i]}`);
      if (Math.abs(raw.tx[i] - summary.tx[i]) > 0.0051) mismatches.push(`${raw.id[i]}: t_x ${raw.tx[i]} vs ${summary.tx[i]}`);
      if (Math.abs(raw.T[i] - summary.T[i]) > 0.0051) mismatches.push(`${raw.id[i]}: T ${raw.T[i]} vs ${summary.T[i]}`);
      if (Math.abs(raw.zbar[i] - summary.zbar[i]) > 0.0051) mismatches.push(`${raw.id[i]}: zbar ${raw.zbar[i]} vs ${summary.zbar[i]}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('compresses to 1,016 distinct (x, t_x, T) triples', () => {
    const d = compress(raw);
    expect(d.x).toHaveLength(1016);
    expect(d.weight.reduce((s, w) => s + w, 0)).toBe(2357);
    expect(compress(summary).x).toHaveLength(1016);
  });
});
