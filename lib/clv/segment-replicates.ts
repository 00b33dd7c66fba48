/**
 * The bootstrap replicates of projected value by segment (lib/clv/segment-value.ts):
 * scoring cells with a parameter set, refitting on a resample of the cells, and
 * the replicate loop, in plain JavaScript over the cells (no DuckDB), so that
 * worker threads can run the replicates in parallel.
 *
 * Each replicate b draws its resample from its own seeded stream
 * (replicateRng(seed, b)), so a replicate gives the same numbers whichever
 * thread runs it and whatever the number of threads: the intervals depend on
 * the data, the options and the seed only.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fitPurchase, fitSpend, fitted, spendModel, type PurchaseModelId } from '../models/registry.ts';
import { horizonIfAlive, pAlive, type HorizonOptions, type PurchaseModel } from './discounted-clv.ts';
import type { FitResult, FrequencyData, SpendData } from '../models/model.ts';
import { CustomerResampler, replicateRng } from './bootstrap.ts';
import { cholesky } from '../models/fit/optimize.ts';
import type { Rng } from '../sample/rng.ts';
import type { BootstrapMethod } from './value-options.ts';
import type { ModelFits } from './customer-fit.ts';
import type { SegmentCells } from './segment-value.ts';

/** Per-cell scores for one parameter set: P(alive), expected purchases over the horizon and CLV of one customer of the cell. */
export interface CellScores {
  pAlive: Float64Array;
  expected: Float64Array;
  clv: Float64Array;
}

/**
 * Scores the cells with given parameters (the same formulas as score-customers.ts).
 * `pairWeight`: when given, (x, T) pairs with weight 0 are skipped (their cells get 0).
 * `only`: score these cells only, and the histories with a positive weight (the others get 0).
 * `gridDays`: when given, E[Y | x, T, alive] over the horizon (the slow,
 * hypergeometric part) is computed at T = 0, g, 2g … days only and
 * interpolated linearly in between (a smooth function of T: the bootstrap
 * replicates use g = 7, which changes segment means by far less than 0.1%;
 * see test/clv/segment-value.test.ts). Without it every T is exact.
 */
export function scoreCells(
  cells: SegmentCells,
  model: PurchaseModel,
  spend: Record<string, number>,
  o: { horizon: HorizonOptions; margin: number; gridDays?: number },
  pairWeight?: Float64Array,
  only?: { cells: Int32Array; histWeight: Float64Array; into?: CellScores },
): CellScores {
  const nPairs = cells.pairs.x.length;
  const exp = new Float64Array(nPairs);
  const disc = new Float64Array(nPairs);
  const g = o.gridDays;
  const unitDays = cells.unitDays;
  const grid = new Map<number, { expected: number; discounted: number }>();
  const atGrid = (x: number, k: number) => {
    const key = x * 1e6 + k;
    let h = grid.get(key);
    if (!h) {
      h = horizonIfAlive(model, x, (k * (g as number)) / unitDays, o.horizon);
      grid.set(key, h);
    }
    return h;
  };
  // The grid pays off only for the x with many distinct T (few repeat purchases): elsewhere every T is exact.
  const useGrid = new Set<number>();
  if (g !== undefined) {
    const span = new Map<number, { n: number; min: number; max: number }>();
    for (let i = 0; i < nPairs; i++) {
      if (pairWeight && pairWeight[i] === 0) continue;
      const x = cells.pairs.x[i];
      const d = cells.pairs.TDays[i];
      const e = span.get(x);
      if (e) {
        e.n++;
        e.min = Math.min(e.min, d);
        e.max = Math.max(e.max, d);
      } else span.set(x, { n: 1, min: d, max: d });
    }
    for (const [x, e] of span) if ((e.max - e.min) / g + 2 < e.n / 2) useGrid.add(x);
  }
  for (let i = 0; i < nPairs; i++) {
    if (pairWeight && pairWeight[i] === 0) continue;
    const x = cells.pairs.x[i];
    if (g === undefined || !useGrid.has(x)) {
      const h = horizonIfAlive(model, x, cells.pairs.T[i], o.horizon);
      exp[i] = h.expected;
      disc[i] = h.discounted;
      continue;
    }
    const days = cells.pairs.TDays[i];
    const k = Math.floor(days / g);
    const f = days / g - k;
    const lo = atGrid(x, k);
    if (f === 0) {
      exp[i] = lo.expected;
      disc[i] = lo.discounted;
    } else {
      const hi = atGrid(x, k + 1);
      exp[i] = lo.expected + f * (hi.expected - lo.expected);
      disc[i] = lo.discounted + f * (hi.discounted - lo.discounted);
    }
  }
  const nHist = cells.histories.x.length;
  const pa = new Float64Array(nHist);
  const { x: hx, tx: htx, T: hT } = cells.histories;
  for (let i = 0; i < nHist; i++) if (!only || only.histWeight[i] > 0) pa[i] = pAlive(model, hx[i], htx[i], hT[i]);
  const k = cells.n.length;
  // With `only`, the scores of the listed cells (into `only.into` when given: the others keep their values).
  const out: CellScores = only?.into ?? { pAlive: new Float64Array(k), expected: new Float64Array(k), clv: new Float64Array(k) };
  const list = only?.cells;
  const m = list ? list.length : k;
  for (let j = 0; j < m; j++) {
    const c = list ? list[j] : j;
    const x = cells.x[c];
    const a = pa[cells.hist[c]];
    const ez = spendModel.conditionalExpectedSpend(spend, x, cells.zbar[c]);
    out.pAlive[c] = a;
    out.expected[c] = exp[cells.pair[c]] * a;
    out.clv[c] = o.margin * ez * disc[cells.pair[c]] * a;
  }
  return out;
}

/**
 * Fits the purchase model and Gamma-Gamma on the cells with the given customer counts per cell
 * (`list`: only these cells count; default all).
 */
export function fitCells(cells: SegmentCells, weight: ArrayLike<number>, model: PurchaseModelId, start: ModelFits | undefined, nearFactor: number, list?: Int32Array): ModelFits {
  const hw = new Float64Array(cells.histories.x.length);
  const sw = new Float64Array(cells.spend.x.length);
  // The histories and spend rows with customers, in ascending order (the order of the fits' sums).
  const hist: number[] = [];
  const spendRows: number[] = [];
  const m = list ? list.length : cells.n.length;
  for (let j = 0; j < m; j++) {
    const c = list ? list[j] : j;
    const wc = weight[c];
    if (wc === 0) continue;
    const h = cells.hist[c];
    if (hw[h] === 0) hist.push(h);
    hw[h] += wc;
    const r = cells.spendRow[c];
    if (r >= 0) {
      if (sw[r] === 0) spendRows.push(r);
      sw[r] += wc;
    }
  }
  hist.sort((a, b) => a - b);
  spendRows.sort((a, b) => a - b);
  const freq: FrequencyData = { x: new Array(hist.length), tx: new Array(hist.length), T: new Array(hist.length), weight: new Array(hist.length) };
  hist.forEach((h, i) => {
    freq.x[i] = cells.histories.x[h];
    freq.tx[i] = cells.histories.tx[h];
    freq.T[i] = cells.histories.T[h];
    freq.weight[i] = hw[h];
  });
  const spend: SpendData = { x: new Array(spendRows.length), zbar: new Array(spendRows.length), weight: new Array(spendRows.length) };
  spendRows.forEach((r, i) => {
    spend.x[i] = cells.spend.x[r];
    spend.zbar[i] = cells.spend.zbar[r];
    spend.weight[i] = sw[r];
  });
  // Replicates start from the point estimates and stay near them (bounded time; see GROUP_FIT_FACTOR in customer-fit.ts).
  const quick = (f: FitResult | undefined) => (f ? { starts: [f.params], skipStdErrors: true, screen: false, optimizer: { gradTol: 1e-6 }, near: { params: f.params, factor: nearFactor } } : undefined);
  return { purchase: fitPurchase(model, freq, quick(start?.purchase)), spend: fitSpend(spend, quick(start?.spend)) };
}


/** What the replicates need (plain data, so that it can be sent to a worker thread). */
export interface ReplicateJob {
  cells: SegmentCells;
  model: PurchaseModelId;
  /**
   * Fit units: 0 is the fit on all customers, then one per channel with its own fits. `starts[u]` are
   * unit u's point estimates (where its refits start), `unitCells[u]` the cells its fits score
   * (unit 0 is refitted on every cell, a channel's unit on its own cells).
   */
  starts: ModelFits[];
  unitCells: Int32Array[];
  /** Per segment column, the row (group) of each cell; group 0, all customers, holds every cell. */
  groupOf: Int32Array[];
  groups: number;
  scoring: { horizon: HorizonOptions; margin: number; gridDays: number };
  /** Refits stay within this factor of their start (GROUP_FIT_FACTOR). */
  nearFactor: number;
  seed: number;
  /**
   * `refit` (nonparametric): each replicate resamples the customers and refits every unit.
   * `parametric`: each replicate resamples the customers likewise but, instead of refitting, draws
   * every unit's parameters from the asymptotic normal of its fits (N(ln p̂, Σ) in log-parameters, Σ
   * the inverse Hessian of −LL; see {@link drawParams}): one rescoring of the cells per replicate.
   */
  method: BootstrapMethod;
}


/**
 * Parameters drawn from a fit's asymptotic normal: θ = θ̂ + L z, with L the Cholesky factor of the
 * covariance of θ and z standard normal draws of `rng` (one per parameter, always consumed, so the
 * stream's use does not depend on the fit). θ is ln p for every parameter but a probability (the
 * common dropout p of a BG/NBD limit), which is drawn on the logit scale so that it stays below 1:
 * logit p = ln p − ln(1 − p), d logit p / d ln p = 1/(1 − p), which scales p's row and column of the
 * fit's covariance of the log-parameters. Undefined when the fit has no usable covariance (not
 * computed, not positive definite, or of another dimension than its parameters).
 */
export function drawParams(fit: FitResult, rng: Rng): Record<string, number> | undefined {
  const names = Object.keys(fit.params);
  const z = names.map(() => rng.normal());
  const cov = fit.covarianceLog;
  if (!cov || cov.length !== names.length) return undefined;
  const prob = fit.limit?.id === 'common_dropout' ? names.indexOf('p') : -1;
  const scale = (i: number) => (i === prob ? 1 / (1 - fit.params.p) : 1);
  const L = cholesky(cov.map((row, i) => row.map((c, j) => c * scale(i) * scale(j))));
  if (!L) return undefined;
  const out: Record<string, number> = {};
  names.forEach((name, i) => {
    const v = fit.params[name];
    let t = i === prob ? Math.log(v) - Math.log1p(-v) : Math.log(v);
    for (let j = 0; j <= i; j++) t += L[i][j] * z[j];
    out[name] = i === prob ? 1 / (1 + Math.exp(-t)) : Math.exp(t);
  });
  return out;
}

export interface ReplicateResults {
  /**
   * Mean CLV per replicate and group, replicate by replicate (`groups` values each); NaN where the
   * replicate gives none for the group (a refit that scores one of its drawn cells failed, or no
   * customer of the group was drawn).
   */
  means: Float64Array;
  /** Refits that failed (did not converge or threw). */
  failed: number;
}

/** Runs replicates from … to−1 of a job. */
export function runReplicates(job: ReplicateJob, from: number, to: number): ReplicateResults {
  const { cells, unitCells, groupOf, groups: G } = job;
  const K = cells.n.length;
  const allCells = Int32Array.from({ length: K }, (_, c) => c);
  const resampler = new CustomerResampler(cells.n);
  const w = new Float64Array(K);
  const pairWeight = new Float64Array(cells.pairs.x.length);
  const histWeight = new Float64Array(cells.histories.x.length);
  const scores: CellScores = { pAlive: new Float64Array(K), expected: new Float64Array(K), clv: new Float64Array(K) };
  const clv = scores.clv;
  const ok = new Uint8Array(K);
  const sum = new Float64Array(G);
  const count = new Float64Array(G);
  const bad = new Uint8Array(G);
  const means = new Float64Array((to - from) * G).fill(NaN);
  let failed = 0;
  const parametric = job.method === 'parametric';
  for (let b = from; b < to; b++) {
    const rng = replicateRng(job.seed, b);
    resampler.draw(rng, w);
    ok.fill(0);
    // The all-customer refit uses every resampled customer; a channel's refit its own. A unit that
    // scores no cell (the all-customer fit when every channel has its own) is not refitted.
    for (const [u, scored] of unitCells.entries()) {
      if (scored.length === 0) continue;
      pairWeight.fill(0);
      histWeight.fill(0);
      for (const c of scored) {
        pairWeight[cells.pair[c]] += w[c];
        histWeight[cells.hist[c]] += w[c];
      }
      let params: { purchase: Record<string, number>; spend: Record<string, number> } | undefined;
      if (parametric) {
        // Each draw consumes one normal per parameter whatever happens: the same seed gives the same draws.
        const start = job.starts[u];
        const purchase = drawParams(start.purchase, rng);
        const spend = start.spend && drawParams(start.spend, rng);
        params = purchase && spend && spend.q > 1 ? { purchase, spend } : undefined;
      } else {
        let f: ModelFits | undefined;
        try {
          f = fitCells(cells, w, job.model, job.starts[u], job.nearFactor, u === 0 ? allCells : scored);
        } catch {
          f = undefined;
        }
        params = f && f.purchase.converged && f.spend?.converged ? { purchase: f.purchase.params, spend: f.spend.params } : undefined;
      }
      if (!params) {
        failed++;
        continue;
      }
      scoreCells(cells, fitted(job.model, params.purchase), params.spend, job.scoring, pairWeight, { cells: scored, histWeight, into: scores });
      for (const c of scored) ok[c] = 1;
    }
    sum.fill(0);
    count.fill(0);
    bad.fill(0);
    const add = (g: number, c: number) => {
      if (!ok[c]) bad[g] = 1;
      sum[g] += w[c] * clv[c];
      count[g] += w[c];
    };
    for (let c = 0; c < K; c++) {
      if (w[c] === 0) continue;
      add(0, c);
      for (const g of groupOf) add(g[c], c);
    }
    for (let g = 0; g < G; g++) if (!bad[g] && count[g] > 0 && Number.isFinite(sum[g] / count[g])) means[(b - from) * G + g] = sum[g] / count[g];
  }
  return { means, failed };
}

/** Below this much work per thread (replicates × cells), starting a worker thread (≈ 0.1 s) does not pay. */
const MIN_WORK_PER_THREAD = 200_000;
/** Most worker threads used. */
const MAX_THREADS = 8;

/**
 * Runs replicates 0 … replicates−1 of a job: on one thread per core, each taking a contiguous share
 * of the replicates, when there is enough work and the module runs compiled (dist/, as `clv` runs:
 * a worker thread cannot load the TypeScript sources); else here. This thread takes the first
 * share while worker threads run the others (it would only wait for them otherwise, and one worker
 * fewer saves starting it). The results are the same either way (see the file comment).
 */
export async function bootstrapReplicates(job: ReplicateJob, replicates: number): Promise<ReplicateResults & { threads: number }> {
  const threads = Math.min(availableParallelism(), MAX_THREADS, Math.floor((replicates * job.cells.n.length) / MIN_WORK_PER_THREAD));
  if (threads < 2 || !import.meta.url.endsWith('.js')) return { ...runReplicates(job, 0, replicates), threads: 1 };
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * replicates) / threads));
  // The workers start (their threads load the module) before this thread runs its share.
  const others = bounds.slice(1, -1).map((from, i) => inWorker(job, from, bounds[i + 2]));
  // A worker that fails before this thread's share is done is reported after it (no unhandled rejection meanwhile).
  for (const w of others) w.catch(() => {});
  const parts = [runReplicates(job, bounds[0], bounds[1]), ...(await Promise.all(others))];
  const means = new Float64Array(replicates * job.groups);
  parts.forEach((p, i) => means.set(p.means, bounds[i] * job.groups));
  return { means, failed: parts.reduce((n, p) => n + p.failed, 0), threads };
}

function inWorker(job: ReplicateJob, from: number, to: number): Promise<ReplicateResults> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./segment-replicates-worker.js', import.meta.url), { workerData: { job, from, to } });
    worker.once('message', (r: ReplicateResults) => resolve(r));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bootstrap worker thread stopped (exit code ${code}) before replying`)));
  });
}
