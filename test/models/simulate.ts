/**
 * Seeded simulation of customers' purchase histories for the edge-of-parameter-space tests
 * (test/models/limits.test.ts): purchases a Poisson process with rate λ ~ Gamma(r, α) (shape r,
 * rate α) while a customer is active, and one of three dropout processes: none; after each repeat
 * purchase with probability p (BG/NBD), also right after the first (MBG/NBD); or an exponential
 * lifetime with rate μ (Pareto/NBD). Own PRNG (mulberry32), so a seed gives the same customers on
 * every machine. Written here, independently of lib/models.
 */

/** Uniform (0, 1) numbers from a 32-bit seed (mulberry32). */
export function uniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000), with the boost u^(1/shape) for shape < 1. */
export function gamma(u: () => number, shape: number, rate: number): number {
  if (shape < 1) return gamma(u, shape + 1, rate) * Math.pow(u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(u);
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    if (Math.log(u()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export type Dropout = { kind: 'none' } | { kind: 'after-purchase'; p: number; atFirst?: boolean } | { kind: 'lifetime'; mu: number };

export interface SimulatedCustomer {
  /** Repeat purchases in (0, T], the time of the last one (0 without), and the age T at the calibration end. */
  x: number;
  tx: number;
  T: number;
  /** Purchases in the holdout (T, T + holdout]. */
  holdout: number;
}

/**
 * `n` customers, first purchase at 0, observed for T ~ Uniform(minT, maxT) and then a holdout of
 * `holdout` time units. Times are rounded up to whole days of a week unit (1/7), as the pipeline's are.
 */
export function simulate(o: { seed: number; n: number; r: number; alpha: number; dropout: Dropout; minT: number; maxT: number; holdout: number }): SimulatedCustomer[] {
  const u = uniforms(o.seed);
  const day = (t: number) => Math.ceil(t * 7) / 7;
  const out: SimulatedCustomer[] = [];
  for (let i = 0; i < o.n; i++) {
    const lambda = gamma(u, o.r, o.alpha);
    const T = day(o.minT + (o.maxT - o.minT) * u());
    const end = T + o.holdout;
    const d = o.dropout;
    let death = d.kind === 'lifetime' ? -Math.log(u()) / d.mu : Infinity;
    if (d.kind === 'after-purchase' && d.atFirst && u() < d.p) death = 0;
    let t = 0;
    let x = 0;
    let tx = 0;
    let holdout = 0;
    for (;;) {
      t += -Math.log(u()) / lambda;
      if (t > end || t > death) break;
      const td = day(t);
      if (td <= T) {
        x++;
        tx = td;
      } else if (td <= end) holdout++;
      if (d.kind === 'after-purchase' && u() < d.p) death = t;
    }
    out.push({ x, tx: x > 0 ? tx : 0, T, holdout });
  }
  return out;
}
