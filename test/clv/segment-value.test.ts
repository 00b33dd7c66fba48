/**
 * Projected CLV per segment (lib/clv/segment-value.ts) on the bundled sample:
 * the sample is generated per acquisition channel from BG/NBD and Gamma-Gamma
 * with known parameters (SAMPLE_PARAMETERS), so each channel's "true" mean
 * CLV can be computed by scoring its customers with the generating
 * parameters: E[Y | x, t_x, T] from the channel's BG/NBD, E[Z | x, z̄] from
 * its Gamma-Gamma with γ × b2bSpendMultiplier for B2B customers (known from
 * the customer_type column). The checks: the channel with the highest true
 * value is the one the fitted models (per channel, lib/clv/customer-fit.ts) rank first; the bootstrap's 90%
 * intervals of the channel means contain the true means for most channels;
 * the bootstrap is deterministic for a seed; no NaN or Infinity.
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../lib/engine/database.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { summarize } from '../../lib/engine/summarize.ts';
import { SAMPLE_PARAMETERS, writeSample, type SampleChannel } from '../../lib/sample/generate-sample.ts';
import { buildCohortReport } from '../../lib/run/build-report.ts';
import { ALL_COLUMN, DEFAULT_BOOTSTRAP, SEGMENT_CLV_COLUMNS, REPLICATE_GRID_DAYS, scoreCells, segmentCells, segmentValue, type SegmentValueOptions, type SegmentValueResult } from '../../lib/clv/segment-value.ts';
import { CustomerResampler, percentile, percentileInterval, replicateRng } from '../../lib/clv/bootstrap.ts';
import { DAYS_PER_MONTH, horizonIfAlive, monthlyRate, pAlive } from '../../lib/clv/discounted-clv.ts';
import { fitCustomers, GROUP_FIT_FACTOR, scoreCustomerFits } from '../../lib/clv/customer-fit.ts';
import { drawParams, runReplicates, type ReplicateJob } from '../../lib/clv/segment-replicates.ts';
import type { FitResult } from '../../lib/models/model.ts';
import { simpleClvInputs } from '../../lib/clv/simple-clv.ts';
import { fitted } from '../../lib/models/registry.ts';
import { Rng } from '../../lib/sample/rng.ts';
import { copySample } from '../helpers/sample.ts';
import { runClv } from '../helpers/cli.ts';

describe('bootstrap helpers', () => {
  it('resamples as many customers as there are, in proportion to the weights', () => {
    const r = new CustomerResampler([1, 0, 3, 6]);
    const out = new Float64Array(4);
    const totals = [0, 0, 0, 0];
    for (let b = 0; b < 400; b++) {
      r.draw(replicateRng(7, b), out);
      expect(out.reduce((s, v) => s + v, 0)).toBe(10);
      out.forEach((v, i) => (totals[i] += v));
    }
    expect(totals[1]).toBe(0);
    expect(totals[0] / 4000).toBeCloseTo(0.1, 1);
    expect(totals[2] / 4000).toBeCloseTo(0.3, 1);
    expect(totals[3] / 4000).toBeCloseTo(0.6, 1);
  });
  it('percentiles interpolate between order statistics', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([0, 10], 0.05)).toBeCloseTo(0.5, 12);
    expect(percentileInterval([5, NaN, 1, 3], 0.9)).toEqual([1.2, 4.8]);
    expect(percentileInterval([], 0.9)).toBeNull();
  });
  it('replicate streams differ and repeat', () => {
    expect(replicateRng(1, 0).next()).toBe(replicateRng(1, 0).next());
    expect(replicateRng(1, 0).next()).not.toBe(replicateRng(1, 1).next());
    expect(replicateRng(1, 0).next()).not.toBe(new Rng(2, 0x5eed0000).next() === replicateRng(1, 0).next() ? NaN : replicateRng(2, 0).next());
  });
});

describe('drawParams (parametric bootstrap)', () => {
  it('draws ln p from N(ln p̂, Σ): sample means and covariance of 20,000 draws match (by hand: Σ below)', () => {
    // Σ = [[0.04, 0.012], [0.012, 0.09]] (sd 0.2 and 0.3, correlation 0.2); p̂ = (2, 0.5).
    const fit = { params: { r: 2, alpha: 0.5 }, covarianceLog: [[0.04, 0.012], [0.012, 0.09]] } as unknown as FitResult;
    const rng = new Rng(7, 1);
    const n = 20_000;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = drawParams(fit, rng)!;
      a.push(Math.log(d.r));
      b.push(Math.log(d.alpha));
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ma = mean(a);
    const mb = mean(b);
    const cov = (u: number[], mu: number, v: number[], mv: number) => u.reduce((s, x, i) => s + (x - mu) * (v[i] - mv), 0) / (u.length - 1);
    // Standard errors of the estimates at n = 20,000: mean ≈ 0.002, variance ≈ 0.0004–0.0009, covariance ≈ 0.0005.
    expect(ma).toBeCloseTo(Math.log(2), 2);
    expect(mb).toBeCloseTo(Math.log(0.5), 2);
    expect(Math.abs(cov(a, ma, a, ma) - 0.04)).toBeLessThan(0.003);
    expect(Math.abs(cov(b, mb, b, mb) - 0.09)).toBeLessThan(0.005);
    expect(Math.abs(cov(a, ma, b, mb) - 0.012)).toBeLessThan(0.003);
  });

  it('draws the common dropout probability on the logit scale: always below 1, with var(logit p) = var(ln p) / (1 − p)²', () => {
    // p̂ = 0.5, var(ln p) = 0.04 → var(logit p) = 0.04 / 0.25 = 0.16; r, α as above, uncorrelated.
    const fit = { params: { r: 2, alpha: 0.5, p: 0.5 }, covarianceLog: [[0.04, 0, 0], [0, 0.09, 0], [0, 0, 0.04]], limit: { id: 'common_dropout' } } as unknown as FitResult;
    const rng = new Rng(3, 1);
    const logits: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const d = drawParams(fit, rng)!;
      logits.push(Math.log(d.p) - Math.log1p(-d.p));
    }
    const m = logits.reduce((a, b) => a + b, 0) / logits.length;
    const v = logits.reduce((a, b) => a + (b - m) ** 2, 0) / (logits.length - 1);
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 0.16)).toBeLessThan(0.008);
    // Near 1 with a wide covariance: on the log scale a third of the draws would pass 1; none does here.
    const edge = { params: { r: 2, alpha: 0.5, p: 0.95 }, covarianceLog: [[0.04, 0, 0], [0, 0.09, 0], [0, 0, 0.01]], limit: { id: 'common_dropout' } } as unknown as FitResult;
    for (let i = 0; i < 5_000; i++) expect(drawParams(edge, rng)!.p).toBeLessThan(1);
  });

  it('gives nothing without a usable covariance', () => {
    const rng = new Rng(7, 1);
    expect(drawParams({ params: { r: 2, alpha: 0.5 } } as unknown as FitResult, rng)).toBeUndefined();
    expect(drawParams({ params: { r: 2, alpha: 0.5 }, covarianceLog: [[0.04]] } as unknown as FitResult, rng)).toBeUndefined();
    expect(drawParams({ params: { r: 2, alpha: 0.5 }, covarianceLog: [[1, 2], [2, 1]] } as unknown as FitResult, rng)).toBeUndefined();
  });
});

describe('projected CLV per channel on the sample data', () => {
  let db: Database;
  let asOf: string;
  let result: SegmentValueResult;
  let options: SegmentValueOptions;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-segvalue-'));
    copySample(dir);
    db = await openDatabase();
    const orders = await loadOrders(db, { path: join(dir, 'orders.csv') });
    asOf = orders.asOf;
    await summarize(db, { period: 'month', asOf, segmentBy: ['customer_type'] });
    const fits = await fitCustomers(db, { asOf, model: 'bgnbd', timeUnit: 'week', byChannel: true });
    await scoreCustomerFits(db, fits, { asOf, horizonMonths: 12, annualDiscountRate: 0.1, margin: 1 });
    const simple = (await simpleClvInputs(db, { period: 'month', asOf })).overall;
    options = { asOf, period: 'month', fits, simple, horizonMonths: 12, annualDiscountRate: 0.1, margin: 1, columns: [{ sql: 'b.acquisition_channel', name: 'channel' }], bootstrap: DEFAULT_BOOTSTRAP, bootstrapSeed: 1, bootstrapMethod: 'refit' };
    result = await segmentValue(db, options);
  }, 240_000);
  afterAll(() => db?.close());

  /** True mean CLV per channel: every customer scored with the generating parameters. */
  async function trueMeans(): Promise<(channel: string) => number> {
    // True mean CLV per channel: every customer scored with the generating parameters.
    const cells = await segmentCells(db, { asOf, timeUnit: 'week', columns: [{ sql: 'b.acquisition_channel', name: 'channel' }, { sql: 'b.seg_0', name: 'customer_type' }] });
    const horizon = { horizonMonths: 12, monthLength: DAYS_PER_MONTH / 7, monthlyDiscount: monthlyRate(0.1) };
    const truth = new Map<string, { n: number; sum: number }>();
    for (let c = 0; c < cells.n.length; c++) {
      const channel = cells.segments[0].names[cells.segments[0].index[c]] as SampleChannel;
      const type = cells.segments[1].names[cells.segments[1].index[c]];
      const params = SAMPLE_PARAMETERS.channels[channel];
      const model = fitted('bgnbd', { ...params.bgnbd });
      const { p, q } = params.gammaGamma;
      const gamma = params.gammaGamma.gamma * (type === 'B2B' ? SAMPLE_PARAMETERS.b2bSpendMultiplier : 1);
      const h = cells.histories;
      const hi = cells.hist[c];
      const pi = cells.pair[c];
      const disc = horizonIfAlive(model, cells.pairs.x[pi], cells.pairs.T[pi], horizon).discounted * pAlive(model, h.x[hi], h.tx[hi], h.T[hi]);
      const x = cells.x[c];
      const ez = (p * gamma + p * x * cells.zbar[c]) / (p * x + q - 1);
      const t = truth.get(channel) ?? { n: 0, sum: 0 };
      t.n += cells.n[c];
      t.sum += cells.n[c] * ez * disc;
      truth.set(channel, t);
    }
    return (s: string) => (truth.get(s) as { n: number; sum: number }).sum / (truth.get(s) as { n: number }).n;
  }

  it('ranks the channels like their generating parameters and covers the true means', async () => {
    const trueMean = await trueMeans();
    const truth = new Map(Object.keys(SAMPLE_PARAMETERS.channels).map((c) => [c, trueMean(c)]));
    const channels = result.rows.filter((r) => r.segment_column === 'channel');
    expect(channels.map((r) => r.segment).sort()).toEqual(Object.keys(SAMPLE_PARAMETERS.channels).sort());
    const bestTrue = [...truth.keys()].sort((a, b) => trueMean(b) - trueMean(a))[0];
    const bestFitted = [...channels].sort((a, b) => b.clv_mean - a.clv_mean)[0].segment;
    expect(bestFitted).toBe(bestTrue);

    const covered = channels.filter((r) => (r.clv_mean_low as number) <= trueMean(r.segment) && trueMean(r.segment) <= (r.clv_mean_high as number));
    const report = channels.map((r) => `${r.segment}: true ${trueMean(r.segment).toFixed(2)}, fitted ${r.clv_mean.toFixed(2)} [${r.clv_mean_low?.toFixed(2)}, ${r.clv_mean_high?.toFixed(2)}]`);
    console.log(`coverage ${covered.length} of ${channels.length}; bootstrap ${result.bootstrap.requested} replicates in ${result.bootstrap.seconds.toFixed(1)} s\n${report.join('\n')}`);
    expect(covered.length, report.join('\n')).toBeGreaterThanOrEqual(4);
  });

  it('parametric bootstrap: same point figures, intervals that cover the true means and are about as wide as the refits\'', async () => {
    const trueMean = await trueMeans();
    const parametric = await segmentValue(db, { ...options, bootstrapMethod: 'parametric' });
    expect(parametric.bootstrap.method).toBe('parametric');
    expect(parametric.bootstrap.failedFits).toBe(0);
    // The point figures do not depend on the bootstrap.
    expect(parametric.rows.map((r) => [r.segment, r.customers, r.clv_mean, r.clv_median, r.clv_total])).toEqual(result.rows.map((r) => [r.segment, r.customers, r.clv_mean, r.clv_median, r.clv_total]));
    const channels = parametric.rows.filter((r) => r.segment_column === 'channel');
    const refit = new Map(result.rows.filter((r) => r.segment_column === 'channel').map((r) => [r.segment, r]));
    const lines = channels.map((r) => {
      const o = refit.get(r.segment)!;
      return `${r.segment}: true ${trueMean(r.segment).toFixed(2)}, fitted ${r.clv_mean.toFixed(2)}; refit [${o.clv_mean_low?.toFixed(2)}, ${o.clv_mean_high?.toFixed(2)}], parametric [${r.clv_mean_low?.toFixed(2)}, ${r.clv_mean_high?.toFixed(2)}]`;
    });
    console.log(`parametric bootstrap, ${parametric.bootstrap.requested} draws in ${parametric.bootstrap.seconds.toFixed(1)} s\n${lines.join('\n')}`);
    const covered = channels.filter((r) => (r.clv_mean_low as number) <= trueMean(r.segment) && trueMean(r.segment) <= (r.clv_mean_high as number));
    expect(covered.length, lines.join('\n')).toBeGreaterThanOrEqual(4);
    for (const r of channels) {
      const o = refit.get(r.segment)!;
      expect(r.clv_mean_low as number).toBeLessThan(r.clv_mean);
      expect(r.clv_mean_high as number).toBeGreaterThan(r.clv_mean);
      // Both resample the customers; the draws stand in for the refits: widths within a factor 2.
      const ratio = ((r.clv_mean_high as number) - (r.clv_mean_low as number)) / ((o.clv_mean_high as number) - (o.clv_mean_low as number));
      expect(ratio, lines.join('\n')).toBeGreaterThan(1 / 2);
      expect(ratio, lines.join("\n")).toBeLessThan(2);
    }
  }, 240_000);

  it('gives finite figures, consistent totals and intervals around the estimates', () => {
    expect(result.bootstrap.failedFits).toBeLessThanOrEqual(5);
    // Every channel of the sample is big enough for its own fits.
    expect(options.fits.groups.map((g) => g.value)).toEqual(Object.keys(SAMPLE_PARAMETERS.channels).sort());
    const all = result.rows.find((r) => r.segment_column === ALL_COLUMN);
    expect(all?.customers).toBe(result.sizes?.customers);
    for (const r of result.rows) {
      for (const [k, v] of Object.entries(r)) if (typeof v === 'number') expect(Number.isFinite(v), `${r.segment} ${k}`).toBe(true);
      expect(r.clv_mean_low).not.toBeNull();
      expect(r.clv_mean_low as number).toBeLessThan(r.clv_mean);
      expect(r.clv_mean_high as number).toBeGreaterThan(r.clv_mean);
      expect(r.clv_total).toBeCloseTo(r.clv_mean * r.customers, 6);
      expect(r.clv_total_low).toBeCloseTo((r.clv_mean_low as number) * r.customers, 6);
      expect(r.p_alive_mean).toBeGreaterThan(0);
      expect(r.p_alive_mean).toBeLessThanOrEqual(1);
      expect(r.realized_revenue).toBeGreaterThan(0);
    }
    const channels = result.rows.filter((r) => r.segment_column === 'channel');
    expect(channels.reduce((s, r) => s + r.customers, 0)).toBe(all?.customers);
    // One score per customer: the channel totals add up to the all-customer total (up to the 9-decimal exact sums).
    expect(Math.abs(channels.reduce((s, r) => s + r.clv_total, 0) / (all?.clv_total as number) - 1)).toBeLessThan(1e-9);
  });

  it.skipIf(availableParallelism() < 2)('gives the same replicates on worker threads (compiled, as clv runs them) as on one thread', async () => {
    const cells = await segmentCells(db, { asOf, timeUnit: 'week', columns: [{ sql: 'b.acquisition_channel', name: 'channel' }] });
    const job: ReplicateJob = {
      cells,
      model: options.fits.model,
      starts: [options.fits.all],
      unitCells: [Int32Array.from({ length: cells.n.length }, (_, c) => c)],
      groupOf: [Int32Array.from(cells.segments[0].index, (j) => 1 + j)],
      groups: 1 + cells.segments[0].names.length,
      scoring: { horizon: { horizonMonths: 12, monthLength: DAYS_PER_MONTH / 7, monthlyDiscount: monthlyRate(0.1) }, margin: 1, gridDays: REPLICATE_GRID_DAYS },
      nearFactor: GROUP_FIT_FACTOR,
      seed: 5,
      method: 'refit',
    };
    // The compiled module (dist/, which the test setup builds) runs its replicates on worker threads.
    const compiled = new URL('../../dist/lib/clv/segment-replicates.js', import.meta.url).href;
    const { bootstrapReplicates } = (await import(compiled)) as typeof import('../../lib/clv/segment-replicates.ts');
    const threaded = await bootstrapReplicates(job, 24);
    expect(threaded.threads).toBeGreaterThan(1);
    const here = runReplicates(job, 0, 24);
    expect(threaded.failed).toBe(here.failed);
    expect(Array.from(threaded.means)).toEqual(Array.from(here.means));
    expect(here.means.filter(Number.isFinite).length).toBeGreaterThan(20 * job.groups);
  }, 120_000);

  it('is deterministic for a seed and changes with it', async () => {
    const again = await segmentValue(db, { ...options, bootstrap: 20 });
    const twice = await segmentValue(db, { ...options, bootstrap: 20 });
    const other = await segmentValue(db, { ...options, bootstrap: 20, bootstrapSeed: 2 });
    expect(twice.rows).toEqual(again.rows);
    expect(other.rows.map((r) => r.clv_mean)).toEqual(again.rows.map((r) => r.clv_mean));
    expect(other.rows.map((r) => r.clv_mean_low)).not.toEqual(again.rows.map((r) => r.clv_mean_low));
  }, 120_000);
});

describe('scoring on a grid of T (bootstrap replicates)', () => {
  it('changes the segment means by less than 0.05%', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-segvalue-grid-'));
    await writeSample(dir, { seed: 7, start: '2023-01-01', end: '2024-06-30' });
    const db = await openDatabase();
    try {
      const orders = await loadOrders(db, { path: join(dir, 'orders.csv') });
      await summarize(db, { period: 'month', asOf: orders.asOf, segmentBy: [] });
      const cells = await segmentCells(db, { asOf: orders.asOf, timeUnit: 'week', columns: [{ sql: 'b.acquisition_channel', name: 'channel' }] });
      const model = fitted('bgnbd', { ...SAMPLE_PARAMETERS.channels.email.bgnbd });
      const o = { horizon: { horizonMonths: 24, monthLength: DAYS_PER_MONTH / 7, monthlyDiscount: monthlyRate(0.1) }, margin: 1 };
      const spend = { ...SAMPLE_PARAMETERS.channels.email.gammaGamma };
      const exact = scoreCells(cells, model, spend, o);
      const grid = scoreCells(cells, model, spend, { ...o, gridDays: REPLICATE_GRID_DAYS });
      let worst = 0;
      for (let s = 0; s < cells.segments[0].names.length; s++) {
        let a = 0;
        let b = 0;
        for (let c = 0; c < cells.n.length; c++) {
          if (cells.segments[0].index[c] !== s) continue;
          a += cells.n[c] * exact.clv[c];
          b += cells.n[c] * grid.clv[c];
        }
        worst = Math.max(worst, Math.abs(b / a - 1));
      }
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(5e-4);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('clv view segment-value', () => {
  it('escapes hostile segment names in HTML, neutralises them in CSV, and defaults to the channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-segvalue-hostile-'));
    await writeSample(dir, { seed: 11, start: '2023-01-01', end: '2024-06-30' });
    const path = join(dir, 'orders.csv');
    const text = readFileSync(path, 'utf8').replaceAll(',email,', ",=cmd|' /C calc'!A0,").replaceAll(',organic,', ',<script>alert(1)</script>,');
    writeFileSync(path, text);
    const result = await buildCohortReport({ orders: fileOrders({ path }), view: 'segment-value', value: { bootstrap: 20, bootstrapSeed: 3 } });
    try {
      expect([...result.files.keys()].sort()).toEqual(['data/segment_clv.csv', 'index.html', 'manifest.json']);
      expect(result.sections.map((s) => s.id)).toEqual(['segment-value', 'methods']);
      const html = result.files.get('index.html') as string;
      expect(html).not.toContain('<script>alert');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('No --segment-by was given, so the segments are the acquisition channels');
      const csv = result.files.get('data/segment_clv.csv') as string;
      const lines = csv.trimEnd().split('\n');
      expect(lines[0]).toBe(SEGMENT_CLV_COLUMNS.join(','));
      expect(lines.some((l) => l.startsWith(`channel,'=cmd|' /C calc'!A0,`))).toBe(true);
      expect(lines.some((l) => l.startsWith('channel,<script>alert(1)</script>,'))).toBe(true);
      expect(csv).not.toMatch(/NaN|Infinity/);
      // Every row has every column, with the intervals filled in.
      for (const l of lines.slice(1)) expect(l.split(',').filter((v) => v === '').length, l).toBe(0);
      expect((result.manifest.segment_value as { bootstrap: unknown }).bootstrap).toEqual({ replicates: 20, method: 'refit', seed: 3, level: 0.9, failed_fits: 0 });
    } finally {
      await result.cleanup();
    }
  }, 120_000);

  it('clv view segment-value --bootstrap-method parametric: intervals from drawn parameters, said in the section and the manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-segvalue-parametric-'));
    copySample(dir);
    const out = join(dir, 'out');
    const r = runClv(['view', 'segment-value', '--orders', join(dir, 'orders.csv'), '--bootstrap', '20', '--bootstrap-method', 'parametric', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.segment_value.bootstrap).toEqual({ replicates: 20, method: 'parametric', seed: 1, level: 0.9, failed_fits: 0 });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('the intervals come from 20 parametric bootstrap replicates: the customers resampled, the fitted parameters drawn from their estimated sampling distribution instead of refitted (seed 1).');
    const [head, ...lines] = readFileSync(join(out, 'data/segment_clv.csv'), 'utf8').trimEnd().split('\n');
    const cols = head.split(',');
    for (const l of lines) {
      const row = Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]));
      expect(Number(row.clv_mean_low), l).toBeLessThan(Number(row.clv_mean));
      expect(Number(row.clv_mean_high), l).toBeGreaterThan(Number(row.clv_mean));
    }
    const bad = runClv(['view', 'segment-value', '--orders', join(dir, 'orders.csv'), '--bootstrap-method', 'draws', '--out', join(dir, 'bad'), '--quiet']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bootstrap-method');
  }, 120_000);

  it('shows the overall figures only when there is no channel and no --segment-by', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-segvalue-nochannel-'));
    await writeSample(dir, { seed: 12, start: '2023-01-01', end: '2024-06-30' });
    const path = join(dir, 'orders.csv');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    writeFileSync(path, `${lines.map((l) => l.split(',').slice(0, 4).join(',')).join('\n')}\n`);
    const result = await buildCohortReport({ orders: fileOrders({ path }), view: 'segment-value', value: { bootstrap: 20 } });
    try {
      const csv = (result.files.get('data/segment_clv.csv') as string).trimEnd().split('\n');
      expect(csv).toHaveLength(2);
      expect(csv[1].startsWith(`${ALL_COLUMN},all customers,`)).toBe(true);
      expect(result.files.get('index.html')).toContain('only the figures for all customers are shown');
    } finally {
      await result.cleanup();
    }
  }, 120_000);
});
