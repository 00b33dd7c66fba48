/**
 * `clv score` end to end on CDNOW (Fader, Hardie & Lee 2005; data in
 * test/fixtures/cdnow): every customer gets P(alive) and E[Y] from the fitted
 * BG/NBD (checked against the model functions with the written parameters),
 * E[Z] from Gamma-Gamma (posterior mean formula), and CLV = margin × E[Z] ×
 * discounted purchases, which without discounting telescopes to E[Z] × E[Y(H)].
 */
import { fitted } from '../../lib/models/registry.ts';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { conditionalExpectedBgNbd, pAliveBgNbd } from '../../lib/models/bg-nbd.ts';
import { conditionalExpectedParetoNbd, pAliveParetoNbd } from '../../lib/models/pareto-nbd.ts';
import { horizonPurchases, monthlyRate } from '../../lib/clv/discounted-clv.ts';
import { runClv } from '../helpers/cli.ts';
import { cdnowOrdersFile } from '../helpers/cdnow-csv.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-score-'));
let cdnow: string;

beforeAll(() => {
  cdnow = cdnowOrdersFile();
});

function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('clv score', () => {
  it('scores every CDNOW customer consistently with the fitted models', () => {
    const out = join(work, 'cdnow');
    const args = ['score', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--horizon-months', '9', '--annual-discount-rate', '0', '--out', out, '--quiet'];
    const r = runClv(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const scores = readCsv(join(out, 'data/customer_scores.csv'));
    expect(Object.keys(scores[0])).toEqual(['customer_id', 'frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_avg_spend', 'clv']);
    expect(scores).toHaveLength(2357);
    const params = Object.fromEntries(
      readCsv(join(out, 'data/model_params.csv')).map((p) => [`${p.model}.${p.parameter}`, Number(p.value)]),
    );
    const bg = { r: params['bgnbd.r'], alpha: params['bgnbd.alpha'], a: params['bgnbd.a'], b: params['bgnbd.b'] };
    const [p, q, g] = [params['gamma-gamma.p'], params['gamma-gamma.q'], params['gamma-gamma.gamma']];
    const horizon = (9 * 365.25) / 12 / 7; // 9 months in weeks
    for (const s of scores.filter((_, i) => i % 97 === 0)) {
      const [x, tx, T] = [Number(s.frequency), Number(s.recency), Number(s.T)];
      expect(Number(s.p_alive)).toBeCloseTo(pAliveBgNbd(bg, x, tx, T), 5);
      expect(Number(s.expected_purchases)).toBeCloseTo(conditionalExpectedBgNbd(bg, horizon, x, tx, T), 5);
      const zbar = x > 0 ? Number(s.monetary_value) : 0;
      expect(Number(s.expected_avg_spend)).toBeCloseTo((p * g + p * x * zbar) / (p * x + q - 1), 4);
      // No discount and no margin: CLV = E[Z] × E[Y(H)].
      expect(Number(s.clv)).toBeCloseTo(Number(s.expected_avg_spend) * Number(s.expected_purchases), 3);
    }
    // Customer 0001 of the published summary: x = 2, t_x = 30.43, T = 38.86 weeks.
    expect(scores[0]).toMatchObject({ customer_id: '0001', frequency: '2', recency: '30.428571', T: '38.857143', monetary_value: '22.345' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.notes[0]).toBe('CLV is revenue (no margin given: these are revenue, not profit), discounted at 0 per year over 9 months.');
    // Deterministic.
    const again = join(work, 'cdnow-again');
    expect(runClv([...args.slice(0, -3), '--out', again, '--quiet']).status).toBe(0);
    expect(readFileSync(join(again, 'data/customer_scores.csv')).equals(readFileSync(join(out, 'data/customer_scores.csv')))).toBe(true);
  }, 120_000);

  it('scores with Pareto/NBD in days: P(alive), E[Y] and discounted CLV equal the model functions for every customer', () => {
    // The scorer computes E[Y | x, T, alive] once per (x, T) and P(alive) in DuckDB (Pareto/NBD: from
    // per-(x, t) terms of A0); here every customer is recomputed from the library's one-customer functions.
    const out = join(work, 'cdnow-pareto');
    const r = runClv(['score', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'pareto-nbd', '--time-unit', 'day',
      '--horizon-months', '12', '--annual-discount-rate', '0.1', '--margin', '0.3', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const scores = readCsv(join(out, 'data/customer_scores.csv'));
    expect(scores).toHaveLength(2357);
    const params = Object.fromEntries(readCsv(join(out, 'data/model_params.csv')).map((p) => [`${p.model}.${p.parameter}`, Number(p.value)]));
    const pn = { r: params['pareto-nbd.r'], alpha: params['pareto-nbd.alpha'], s: params['pareto-nbd.s'], beta: params['pareto-nbd.beta'] };
    const model = fitted('pareto-nbd', pn);
    const horizon = { horizonMonths: 12, monthLength: 365.25 / 12, monthlyDiscount: monthlyRate(0.1) };
    const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
    for (const s of scores) {
      const [x, tx, T] = [Number(s.frequency), Number(s.recency), Number(s.T)]; // whole days: exact
      close(Number(s.p_alive), pAliveParetoNbd(pn, x, tx, T));
      close(Number(s.expected_purchases), conditionalExpectedParetoNbd(pn, 365.25, x, tx, T));
      close(Number(s.clv), 0.3 * Number(s.expected_avg_spend) * horizonPurchases(model, x, tx, T, horizon).discounted);
    }
  }, 120_000);

  it('refuses a margin that is not a fraction, writing nothing', () => {
    const out = join(work, 'hand');
    const r = runClv(['score', '--orders', 'test/fixtures/hand-orders.csv', '--margin', '2', '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('clv: --margin 2: expected the fraction of revenue kept as gross profit, such as 0.35 (0 < margin ≤ 1)\n');
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
