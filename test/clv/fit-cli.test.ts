/**
 * `clv fit` end to end on CDNOW (Fader, Hardie & Lee 2005; data in
 * test/fixtures/cdnow): the command reproduces the published estimates
 * (BG/NBD r 0.2426, α 4.414, a 0.7929, b 2.426, LL −9582.43; Gamma-Gamma
 * p 6.250, q 3.744, γ 15.44, LL −4055.92), converts exactly between time
 * units, and explains in plain words when a model cannot be fitted.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';
import { tempFile } from '../helpers/pipeline.ts';
import { cdnowOrdersFile } from '../helpers/cdnow-csv.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-fit-'));
let cdnow: string;

beforeAll(() => {
  cdnow = cdnowOrdersFile();
});

function params(dir: string): Record<string, number> {
  const lines = readFileSync(join(dir, 'data/model_params.csv'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('model,parameter,value,std_error,ci_low,ci_high,fit_group');
  return Object.fromEntries(lines.slice(1).map((l) => l.split(',')).map((c) => [c[1], Number(c[2])]));
}

const sig4 = (v: number) => Number(v.toPrecision(4));

describe('clv fit', () => {
  it('reproduces the published BG/NBD estimates on CDNOW', () => {
    const out = join(work, 'bgnbd');
    const r = runClv(['fit', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'bgnbd', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = params(out);
    expect([sig4(p.r), sig4(p.alpha), sig4(p.a), sig4(p.b)]).toEqual([0.2426, 4.414, 0.7929, 2.426]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model).toMatchObject({ name: 'bgnbd', time_unit: 'week', customers_used: 2357, converged: true });
    expect(manifest.model.log_likelihood.toFixed(2)).toBe('-9582.43');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('After each repeat purchase a customer drops out for good with probability a/(a+b) = 24.6% on average');
  }, 60_000);

  it('fits MBG/NBD (clv fit --model mbgnbd) as lifetimes does, and gives a one-time buyer P(alive) below 1', () => {
    // Reference: lifetimes 0.11.3 (commit 4f2833f4518621343bb6983eb3e540c11f66ec6a), ModifiedBetaGeoFitter().fit(x, t_x, T)
    // on the same 2,357 CDNOW calibration histories (weeks, to 1997-09-30): see test/models/mbg-nbd.test.ts for how they were produced.
    const out = join(work, 'mbgnbd');
    const r = runClv(['fit', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'mbgnbd', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = params(out);
    const lifetimes = { r: 0.5248429031549527, alpha: 6.183081764350377, a: 0.8913595173421781, b: 1.6140029313016064 };
    for (const [k, v] of Object.entries(lifetimes)) expect(Math.abs(p[k] / v - 1), k).toBeLessThan(1e-4);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model).toMatchObject({ name: 'mbgnbd', time_unit: 'week', customers_used: 2357, converged: true });
    expect(Math.abs(manifest.model.log_likelihood / -9582.135715553766 - 1)).toBeLessThan(1e-8);
    // Scoring with it: one-time buyers (frequency 0) are not all alive.
    const scored = join(work, 'mbgnbd-score');
    const s = runClv(['score', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'mbgnbd', '--out', scored, '--quiet']);
    expect(s.status).toBe(0);
    const rows = readFileSync(join(scored, 'data/customer_scores.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const once = rows.slice(1).filter((c) => c[1] === '0').map((c) => Number(c[5]));
    expect(once.length).toBeGreaterThan(1000);
    expect(Math.max(...once)).toBeLessThan(1);
  }, 60_000);

  it('gives the same model in days: α scales by 7, the shape parameters do not change', () => {
    const out = join(work, 'bgnbd-days');
    const r = runClv(['fit', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'bgnbd', '--time-unit', 'day', '--out', out, '--quiet']);
    expect(r.status).toBe(0);
    const p = params(out);
    expect(sig4(p.r)).toBe(0.2426);
    expect(sig4(p.alpha / 7)).toBe(4.414);
    expect([sig4(p.a), sig4(p.b)]).toEqual([0.7929, 2.426]);
  }, 60_000);

  it('reproduces the published Gamma-Gamma estimates and reports the frequency–spend correlation', () => {
    const out = join(work, 'gg');
    const r = runClv(['fit', '--orders', cdnow, '--date-format', 'yyyyMMdd', '--as-of', '1997-09-30', '--model', 'gamma-gamma', '--out', out, '--quiet']);
    expect(r.status).toBe(0);
    const p = params(out);
    expect([sig4(p.p), sig4(p.q), sig4(p.gamma)]).toEqual([6.25, 3.744, 15.44]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model.customers_used).toBe(946);
    expect(manifest.model.log_likelihood.toFixed(2)).toBe('-4055.92');
    expect(manifest.model.frequency_spend_correlation).toBeCloseTo(0.1139, 4);
  }, 60_000);

  it('says in plain words when the data cannot identify the model (exit 2, nothing written)', () => {
    const once = tempFile('once.csv', 'customer_id,order_date,amount\na,2024-01-01,10\nb,2024-01-02,20\nc,2024-01-03,5\n');
    const out = join(work, 'none');
    const r = runClv(['fit', '--orders', once, '--model', 'bgnbd', '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('clv: BG/NBD cannot be fitted: no customer made a repeat purchase (every customer bought on one day only), so the purchase rate and the dropout rate cannot be told apart\n');
    expect(r.stderr).not.toMatch(/NaN|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
