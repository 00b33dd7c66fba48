/**
 * Parameter recovery: the bundled sample is generated per acquisition channel
 * from BG/NBD with known parameters (SAMPLE_PARAMETERS in
 * lib/sample/generate-sample.ts). Fitting each channel's customers, as the
 * pipeline summarises them (x, t_x, T from whole days, in weeks), must give
 * the generating values back within their standard errors: all within 3 SE
 * and at least 90% within 2 SE (the generator floors purchase times to days
 * and merges same-day orders, which the models do not know about).
 * Gamma-Gamma is not checked per channel: B2B customers spend on another
 * scale within each channel (b2bSpendMultiplier), so a channel's spend is a mixture.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { literal, openDatabase } from '../../lib/engine/database.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { summarize } from '../../lib/engine/summarize.ts';
import { fitBgNbd } from '../../lib/models/bg-nbd.ts';
import { SAMPLE_PARAMETERS } from '../../lib/sample/generate-sample.ts';
import { copySample } from '../helpers/sample.ts';

describe('parameter recovery on the sample data', () => {
  it('recovers each channel\'s BG/NBD parameters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-recovery-'));
    copySample(dir);
    const db = await openDatabase();
    const deviations: { what: string; z: number }[] = [];
    try {
      const orders = await loadOrders(db, { path: join(dir, 'orders.csv') });
      await summarize(db, { period: 'month', asOf: orders.asOf, segmentBy: [] });
      for (const [channel, truth] of Object.entries(SAMPLE_PARAMETERS.channels)) {
        const rows = await db.rows<{ x: number; tx: number; T: number; n: number }>(`
          SELECT purchase_days - 1 AS x, date_diff('day', first_date, last_date) AS tx,
                 date_diff('day', first_date, DATE ${literal(orders.asOf)}) AS T, count(*) AS n
          FROM customer_base WHERE acquisition_channel = ${literal(channel)} GROUP BY ALL`);
        const fit = fitBgNbd({ x: rows.map((r) => r.x), tx: rows.map((r) => r.tx / 7), T: rows.map((r) => r.T / 7), weight: rows.map((r) => r.n) });
        expect(fit.converged, channel).toBe(true);
        for (const [k, v] of Object.entries(truth.bgnbd)) deviations.push({ what: `${channel} ${k}`, z: (fit.params[k] - v) / (fit.stdErrors[k] as number) });
      }
    } finally {
      db.close();
    }
    const outside3 = deviations.filter((d) => Math.abs(d.z) > 3);
    const within2 = deviations.filter((d) => Math.abs(d.z) <= 2).length;
    expect(outside3).toEqual([]);
    expect(within2 / deviations.length).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
