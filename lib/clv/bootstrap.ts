/**
 * Bootstrap helpers: resampling customers with replacement from compressed
 * data (distinct rows with counts), and percentile intervals. Deterministic:
 * the random numbers come from the seeded sfc32 generator of
 * lib/sample/rng.ts, never Math.random, so a seed always gives the same
 * replicates on every machine.
 */
import { Rng } from '../sample/rng.ts';

/**
 * Draws a multinomial resample of customers: `total` draws with replacement
 * from the rows, row i having probability weight[i] / Σ weight, i.e. one
 * bootstrap sample of the customers the compressed rows stand for. Uses
 * Walker's alias method (O(rows) set-up, O(1) per draw).
 */
export class CustomerResampler {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly total: number;

  constructor(weight: ArrayLike<number>) {
    const n = weight.length;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (!(weight[i] >= 0) || !Number.isInteger(weight[i])) throw new Error(`bootstrap: weight ${i} must be a whole number ≥ 0 (got ${weight[i]})`);
      sum += weight[i];
    }
    if (n === 0 || sum === 0) throw new Error('bootstrap: nothing to resample');
    this.total = sum;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weight[i] * n) / sum;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  /** Counts per row of one resample of `total` customers (into `out`, which is cleared first). */
  draw(rng: Rng, out: Float64Array): Float64Array {
    const n = this.prob.length;
    out.fill(0);
    for (let k = 0; k < this.total; k++) {
      const u = rng.next() * n;
      const i = Math.floor(u);
      out[u - i < this.prob[i] ? i : this.alias[i]] += 1;
    }
    return out;
  }
}

/** A generator for bootstrap replicate `replicate` of seed `seed` (independent streams per replicate). */
export function replicateRng(seed: number, replicate: number): Rng {
  return new Rng(seed, 0x5eed0000 + replicate);
}

/**
 * Percentile of sorted values (type 7, linear interpolation between order
 * statistics, as R's default and numpy's `linear`).
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Central percentile interval [(1−level)/2, (1+level)/2] of the values (null when there are none). */
export function percentileInterval(values: readonly number[], level: number): [number, number] | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  return [percentile(finite, (1 - level) / 2), percentile(finite, (1 + level) / 2)];
}
