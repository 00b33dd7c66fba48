/**
 * CAC sections on degenerate spend, in words: a spend file whose amounts are all zero has no shares of
 * the spend (not "took – of the spend"), and a payback curve with no month after acquisition is "not
 * measurable yet" (not "not reached after 0 months"). Hand fixture: 4 orders of January 2024, as of
 * 2024-01-31, so no acquired customer has a month behind them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';

const ORDERS = 'order_id,customer_id,order_date,amount,channel\n1,A,2024-01-05,50,ads\n2,B,2024-01-10,30,ads\n3,A,2024-01-20,20,ads\n4,C,2024-01-12,40,social\n';

function report(spend: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clv-zero-spend-'));
  writeFileSync(join(dir, 'orders.csv'), ORDERS);
  writeFileSync(join(dir, 'spend.csv'), spend);
  const r = runClv(['report', '--orders', join(dir, 'orders.csv'), '--spend', join(dir, 'spend.csv'), '--no-clv', '--out', join(dir, 'out'), '--quiet']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readFileSync(join(dir, 'out', 'index.html'), 'utf8');
}

describe('CAC on degenerate spend', () => {
  it('says that every spend amount is zero instead of showing shares of nothing', () => {
    const html = report('period,channel,spend\n2024-01,ads,0\n2024-01,social,0\n');
    expect(html).toContain('Every spend amount in these periods is zero, so no channel has a share of the spend.');
    expect(html).not.toMatch(/took [^<]* of the spend/);
    expect(html).not.toMatch(/NaN|Infinity|∞/);
  });

  it('says payback is not measurable yet when no month after acquisition has passed', () => {
    const html = report('period,channel,spend\n2024-01,ads,100\n2024-01,social,10\n');
    expect(html).toContain('&quot;ads&quot; not measurable yet (no month after acquisition has passed)');
    expect(html).not.toContain('after 0 months');
  });
});
