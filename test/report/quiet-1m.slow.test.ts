/**
 * The monthly job's mail stays empty: `clv report --quiet` on the bench's 1M-order file (bench/generate-orders.ts,
 * 250k customers, the whole default report: models, backtest, segment value, RFM, win back) writes nothing
 * to stderr — no chart library warning either (issue 13). Slow: about half a minute of CPU.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOrders } from '../../bench/generate-orders.ts';
import { runClv } from '../helpers/cli.ts';

describe('the 1M-order bench file', () => {
  it('gives an empty stderr with --quiet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-quiet-1m-'));
    const orders = join(dir, 'orders.csv');
    expect(generateOrders({ rows: 1_000_000, out: orders, seed: 42 }).rows).toBe(1_000_000);
    const r = runClv(['report', '--orders', orders, '--out', join(dir, 'report'), '--quiet'], {}, 600_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  }, 900_000);
});
