/**
 * The fast fitting path of the CLV models: likelihoods on prepared (grouped,
 * tabulated) data, analytic gradients, the Hessian from gradient differences,
 * BFGS with an analytic gradient, and screening the starts on a weighted
 * sample for large data.
 *
 * Oracles: the straightforward per-customer likelihoods (FHL 2005 eq. 6 in
 * the A1..A4 form; note 009 eq. 18 through lnA0ParetoNbd; the Gamma-Gamma
 * density of z̄), written out here entry by entry as the models computed them
 * before; the central-difference numerical gradient (numericalGradient, the
 * gradient the optimizer used before) for the analytic gradients; digamma and
 * 2F1(1, p; c; z) reference values from mpmath 1.3.0 at 40 digits
 * (mp.digamma, mp.log(mp.hyp2f1(1, p, c, z)) and mp.diff of it).
 */
import { describe, expect, it } from 'vitest';
import {
  fitBgNbd,
  logLikelihoodBgNbd,
  logLikelihoodBgNbdPrepared,
  prepareBgNbd,
  type BgNbdParams,
} from '../../lib/models/bg-nbd.ts';
import {
  fitParetoNbd,
  lnA0ParetoNbd,
  logLikelihoodParetoNbd,
  logLikelihoodParetoNbdPrepared,
  prepareParetoNbd,
  type ParetoNbdParams,
} from '../../lib/models/pareto-nbd.ts';
import {
  compressSpend,
  fitGammaGamma,
  logLikelihoodGammaGamma,
  logLikelihoodGammaGammaPrepared,
  prepareGammaGamma,
  type GammaGammaParams,
} from '../../lib/models/gamma-gamma.ts';
import { compress, DistinctIndexer, SCREEN_ABOVE, weightedSample, type FitResult, type FrequencyData, type SpendData } from '../../lib/models/model.ts';
import { hessian, hessianFromGradient, minimize, numericalGradient } from '../../lib/models/fit/optimize.ts';
import { digamma, lnGamma, lnHyp2f1Pareto, lnParetoSeriesGrad, logAddExp, NeumaierSum, ParetoSeries } from '../../lib/models/fit/special.ts';
import { cdnowFromTransactions } from '../clv/cdnow.ts';

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

// ---------------------------------------------------------------------------
// Reference likelihoods, one customer at a time
// ---------------------------------------------------------------------------

function referenceBgNbd({ r, alpha, a, b }: BgNbdParams, d: FrequencyData): number {
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i];
    const A1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
    const A2 = lnGamma(a + b) + lnGamma(b + x) - lnGamma(b) - lnGamma(a + b + x);
    const A3 = -(r + x) * Math.log(alpha + d.T[i]);
    const tail = x > 0 ? logAddExp(A3, Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + d.tx[i])) : A3;
    ll += d.weight[i] * (A1 + A2 + tail);
  }
  return ll;
}

function referenceParetoNbd(params: ParetoNbdParams, d: FrequencyData): number {
  const { r, alpha, s, beta } = params;
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i];
    const first = -(r + x) * Math.log(alpha + d.T[i]) - s * Math.log(beta + d.T[i]);
    const second = Math.log(s) - Math.log(r + s + x) + lnA0ParetoNbd(params, x, d.tx[i], d.T[i]);
    ll += d.weight[i] * (lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha) + s * Math.log(beta) + logAddExp(first, second));
  }
  return ll;
}

function referenceGammaGamma({ p, q, gamma }: GammaGammaParams, d: SpendData): number {
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i];
    const z = d.zbar[i];
    const px = p * x;
    ll +=
      d.weight[i] *
      (lnGamma(px + q) - lnGamma(px) - lnGamma(q) + q * Math.log(gamma) + (px - 1) * Math.log(z) + px * Math.log(x) - (px + q) * Math.log(gamma + x * z));
  }
  return ll;
}

/**
 * Analytic gradient in θ = ln p (p_i · ∂LL/∂p_i) next to the numerical one of
 * LL(e^θ); returns the largest relative difference over the components.
 */
function gradientMismatch(names: readonly string[], params: Record<string, number>, ll: (p: Record<string, number>, grad: Float64Array | null) => number): number {
  const g = new Float64Array(names.length);
  ll(params, g);
  const analytic = names.map((n, i) => params[n] * g[i]);
  const theta = names.map((n) => Math.log(params[n]));
  const numeric = numericalGradient((t) => ll(Object.fromEntries(names.map((n, i) => [n, Math.exp(t[i])])), null), theta);
  return Math.max(...analytic.map((v, i) => relErr(v, numeric[i])));
}

// ---------------------------------------------------------------------------
// Synthetic data (own PRNG: the same seed gives the same data)
// ---------------------------------------------------------------------------

function random(seed: number) {
  let s = seed >>> 0;
  const uniform = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const gamma = (shape: number, rate: number): number => {
    if (shape < 1) return gamma(shape + 1, rate) * Math.pow(uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v > 0 && Math.log(uniform()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  return { uniform, gamma };
}

/** BG/NBD customers (r = 0.8, α = 8 weeks, a = 0.6, b = 3), whole days up to 1,100, in weeks, until `distinct` distinct triples. */
function syntheticFrequency(distinct: number, seed: number): { data: FrequencyData; xs: number[] } {
  const rnd = random(seed);
  const counts = new Map<string, { x: number; tx: number; T: number; w: number }>();
  const xs: number[] = [];
  while (counts.size < distinct) {
    const TDay = Math.floor(rnd.uniform() * 1101);
    const lambda = rnd.gamma(0.8, 8) / 7;
    const g1 = rnd.gamma(0.6, 1);
    const p = g1 / (g1 + rnd.gamma(3, 1));
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t -= Math.log(rnd.uniform()) / lambda;
      const day = Math.floor(t);
      if (day > TDay) break;
      if (day === last) continue;
      x++;
      last = day;
      if (rnd.uniform() < p) break;
    }
    if (x > 50) continue;
    xs.push(x);
    const key = `${x}|${last}|${TDay}`;
    const e = counts.get(key);
    if (e) e.w++;
    else counts.set(key, { x, tx: last / 7, T: TDay / 7, w: 1 });
  }
  const entries = [...counts.values()].sort((a, b) => a.x - b.x || a.tx - b.tx || a.T - b.T);
  return {
    data: { x: entries.map((e) => e.x), tx: entries.map((e) => e.tx), T: entries.map((e) => e.T), weight: entries.map((e) => e.w) },
    xs,
  };
}

/** Gamma-Gamma spend (p = 6, q = 3.7, γ = 150) of repeat buyers with the given x, z̄ in cents. */
function syntheticSpend(xs: number[], seed: number): SpendData {
  const rnd = random(seed);
  const x: number[] = [];
  const zbar: number[] = [];
  for (const v of xs) {
    if (v === 0) continue;
    const nu = rnd.gamma(3.7, 150);
    x.push(v);
    zbar.push(Math.max(1, Math.round((rnd.gamma(6 * v, nu) / v) * 100)) / 100);
  }
  return compressSpend({ x, zbar });
}

const cdnow = cdnowFromTransactions();
const cdnowData = compress(cdnow);
const cdnowDays = compress({ x: cdnow.x, tx: cdnow.tx.map((v) => v * 7), T: cdnow.T.map((v) => v * 7) });
const cdnowSpend = compressSpend(cdnow);
const large = syntheticFrequency(SCREEN_ABOVE + 10_000, 7);
const largeSpend = syntheticSpend(large.xs, 8);

// ---------------------------------------------------------------------------

describe('digamma', () => {
  it('matches mpmath from 1e-10 to 1e12, including the root at 1.4616…', () => {
    const cases: [number, number][] = [
      [1e-10, -10000000000.57721530042],
      [0.1, -10.4237549404110762321],
      [0.5, -1.963510026021423479441],
      [1, -0.5772156649015328606065],
      [2.5, 0.7031566406452431872257],
      [3.7, 1.167153539361511440948],
      [9.99, 2.250700372831201121979],
      [10, 2.251752589066721107647],
      [123.456, 4.811829323828985412287],
      [1e5, 11.51292046496189508676],
      [1e12, 27.63102111592804820822],
    ];
    for (const [x, expected] of cases) expect(relErr(digamma(x), expected), `ψ(${x})`).toBeLessThan(1e-14);
    expect(Math.abs(digamma(1.4616321449683623))).toBeLessThan(1e-15);
  });

  it('is the derivative of lnGamma and satisfies ψ(x+1) = ψ(x) + 1/x; NaN below 0, −∞ at 0', () => {
    for (const x of [0.03, 0.7, 1.9, 4.2, 17, 250]) {
      const h = 1e-5 * x;
      expect(relErr(digamma(x), (lnGamma(x + h) - lnGamma(x - h)) / (2 * h))).toBeLessThan(1e-8);
      expect(Math.abs(digamma(x + 1) - digamma(x) - 1 / x)).toBeLessThan(1e-14 * Math.max(1, Math.abs(digamma(x + 1))));
    }
    expect(digamma(-1)).toBeNaN();
    expect(digamma(0)).toBe(-Infinity);
  });
});

describe('Pareto/NBD series with derivatives', () => {
  // S(p, c, z) = 2F1(1, p; c; z): [ln S, ∂/∂p, ∂/∂c, ∂/∂z] from mpmath
  const mp: [number, number, number, [number, number, number, number]][] = [
    [1.5533, 2.7595, 0.0931, [0.054457379208759860549, 0.035513187661372270048, -0.020156806087298210283, 0.60825876753518842206]],
    [26.5533, 28.1595, 0.5, [0.63924634111910872396, 0.032770455881686938764, -0.030952647373149910871, 1.7957832270645787163]],
    [1.6062, 30.1595, 0.82, [0.045907508314636428634, 0.029238370903601325456, -0.0015995887694513898171, 0.058983567651423467651]],
    [0.3, 0.9, 0.99, [1.657265274017458248, 5.1622260063349501243, -3.0136380286964638231, 38.175154850929696725]],
  ];

  it('matches mpmath: ln 2F1(1, p; c; z) and its partial derivatives', () => {
    const out = new Float64Array(4);
    for (const [p, c, z, expected] of mp) {
      lnParetoSeriesGrad(p, c, z, out);
      expect(relErr(out[0], expected[0])).toBeLessThan(1e-13);
      for (let k = 1; k < 4; k++) expect(relErr(out[k], expected[k]), `(${p}, ${c}, ${z}) component ${k}`).toBeLessThan(1e-12);
    }
  });

  it('is the series lnHyp2f1Pareto sums: ln 2F1(a, b; a+1; z) = (1−b) ln(1−z) + ln S(a+1−b, a+1, z)', () => {
    const out = new Float64Array(4);
    for (const [a, b] of [
      [30.1595, 1.6062],
      [0.8, 0.3],
      [5, 5.5],
    ]) {
      for (const z of [0, 1e-9, 0.2, 0.6, 0.95]) {
        lnParetoSeriesGrad(a + 1 - b, a + 1, z, out);
        expect(Math.abs((1 - b) * Math.log1p(-z) + out[0] - lnHyp2f1Pareto(a, b, z))).toBeLessThan(1e-14 * Math.max(1, Math.abs(out[0])));
      }
    }
    lnParetoSeriesGrad(2, 3, 0, out);
    expect([...out]).toEqual([0, 0, 0, 2 / 3]);
    lnParetoSeriesGrad(2, 3, 1, out);
    expect(out[0]).toBeNaN();
  });

  it('ParetoSeries reuses its coefficients for one (p, c) at many z, in any order, with the same results to the last bit', () => {
    const series = new ParetoSeries();
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    series.reset(2.2, 31.7);
    for (const z of [0.1, 0.97, 0.3, 0, 0.999, 0.5]) {
      series.evaluate(z, a);
      lnParetoSeriesGrad(2.2, 31.7, z, b);
      expect([...a]).toEqual([...b]);
    }
  });
});

describe('NeumaierSum and DistinctIndexer', () => {
  it('NeumaierSum keeps what plain addition loses: 1 + 1e100 + 1 − 1e100 = 2', () => {
    const s = new NeumaierSum();
    for (const v of [1, 1e100, 1, -1e100]) s.add(v);
    expect(s.value).toBe(2);
  });

  it('DistinctIndexer numbers values like a Map does, −0 as 0, past its initial size', () => {
    const idx = new DistinctIndexer();
    const map = new Map<number, number>();
    const rnd = random(3);
    for (let i = 0; i < 20_000; i++) {
      const v = i % 3 === 0 ? Math.floor(rnd.uniform() * 5000) / 7 : rnd.uniform() < 0.01 ? -0 : Math.floor(rnd.uniform() * 900);
      if (!map.has(v)) map.set(v, map.size);
      expect(idx.indexOf(v)).toBe(map.get(v));
    }
    expect(idx.values).toEqual([...map.keys()]);
    expect(idx.indexOf(0)).toBe(idx.indexOf(-0));
  });
});

describe('optimizer with an analytic gradient', () => {
  const rosenbrock = (v: readonly number[]): number => (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2;
  const rosenbrockGrad = (v: readonly number[], g: number[]): number => {
    g[0] = -2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2);
    g[1] = 200 * (v[1] - v[0] ** 2);
    return rosenbrock(v);
  };

  it('finds the Rosenbrock minimum with far fewer evaluations than with central differences', () => {
    const numeric = minimize(rosenbrock, [-1.2, 1]);
    const analytic = minimize(rosenbrock, [-1.2, 1], {}, { valueAndGradient: rosenbrockGrad });
    expect(analytic.converged).toBe(true);
    expect(analytic.x[0]).toBeCloseTo(1, 8);
    expect(analytic.x[1]).toBeCloseTo(1, 8);
    expect(analytic.gradientNorm).toBeLessThan(1e-8);
    expect(analytic.evaluations).toBeLessThan(numeric.evaluations / 2);
  });

  it('started from the exact inverse Hessian of a quadratic, takes one Newton step', () => {
    const A = [
      [4, 1],
      [1, 3],
    ];
    const m = [1.5, -2];
    const fg = (v: readonly number[], g: number[]): number => {
      const d = [v[0] - m[0], v[1] - m[1]];
      g[0] = A[0][0] * d[0] + A[0][1] * d[1];
      g[1] = A[1][0] * d[0] + A[1][1] * d[1];
      return 0.5 * (d[0] * g[0] + d[1] * g[1]);
    };
    const det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
    const inverse = [
      [A[1][1] / det, -A[0][1] / det],
      [-A[1][0] / det, A[0][0] / det],
    ];
    const r = minimize((v) => fg(v, [0, 0]), [0, 0], {}, { valueAndGradient: fg, inverseHessian: inverse });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(1);
    expect(r.x[0]).toBeCloseTo(1.5, 12);
    expect(r.x[1]).toBeCloseTo(-2, 12);
  });

  it('hessianFromGradient: Rosenbrock at (1, 1) is [[802, −400], [−400, 200]]', () => {
    const H = hessianFromGradient(rosenbrockGrad, [1, 1]);
    expect(H[0][0]).toBeCloseTo(802, 6);
    expect(H[0][1]).toBeCloseTo(-400, 6);
    expect(H[1][0]).toBe(H[0][1]);
    expect(H[1][1]).toBeCloseTo(200, 6);
  });
});

describe('weightedSample', () => {
  it('draws about the requested number of entries, with weights that add up to the total', () => {
    const { data } = large;
    const total = data.weight.reduce((s, w) => s + w, 0);
    const s = weightedSample(data.weight, 5000);
    expect(Math.abs(s.index.length - 5000)).toBeLessThanOrEqual(1);
    const sum = s.weight.reduce((a, b) => a + b, 0);
    expect(relErr(sum, total)).toBeLessThan(0.01);
    // an entry stands for at least its own customers; heavy entries are taken with their own weight
    s.index.forEach((i, k) => expect(s.weight[k]).toBeGreaterThanOrEqual(data.weight[i]));
    const heaviest = data.weight.indexOf(Math.max(...data.weight));
    expect(s.weight[Array.from(s.index).indexOf(heaviest)]).toBe(data.weight[heaviest]);
    // the same data give the same sample
    expect(weightedSample(data.weight, 5000).index).toEqual(s.index);
  });

  it('takes every entry (weight 0 left out) when there are no more than requested', () => {
    const s = weightedSample([3, 0, 1, 2], 10);
    expect(Array.from(s.index)).toEqual([0, 2, 3]);
    expect(Array.from(s.weight)).toEqual([3, 1, 2]);
  });
});

describe('BG/NBD: prepared likelihood and analytic gradient', () => {
  const points: BgNbdParams[] = [
    { r: 0.5, alpha: 8, a: 0.4, b: 5 },
    { r: 0.1, alpha: 2, a: 2, b: 1 },
    { r: 2, alpha: 30, a: 0.9, b: 0.7 },
    { r: 0.2426, alpha: 8.828, a: 0.7929, b: 1.213 },
  ];
  // x = 60 and α = 0.001 push (r+x)·ln((α+T)/α) past the power table's range: summed with exp/log1p per entry
  const wide: FrequencyData = { x: [0, 1, 60, 60, 60, 3], tx: [0, 0.5, 0.01, 300, 999, 2], T: [4, 1000, 1000, 1000, 1000, 2], weight: [3, 1, 2, 1, 5, 1] };

  it('equals the per-customer likelihood (power tables, the per-entry fallback, x = 0, t_x = T, weight 0)', () => {
    const withZero: FrequencyData = { x: [...cdnowData.x, 4], tx: [...cdnowData.tx, 1], T: [...cdnowData.T, 30], weight: [...cdnowData.weight, 0] };
    for (const p of points) {
      for (const d of [cdnowData, withZero, large.data]) expect(relErr(logLikelihoodBgNbd(p, d), referenceBgNbd(p, d))).toBeLessThan(1e-12);
      expect(relErr(logLikelihoodBgNbd({ ...p, alpha: p.alpha * 7 }, cdnowDays), referenceBgNbd({ ...p, alpha: p.alpha * 7 }, cdnowDays))).toBeLessThan(1e-12);
    }
    for (const p of [
      { r: 0.3, alpha: 0.001, a: 0.8, b: 2 },
      { r: 0.3, alpha: 50, a: 0.8, b: 2 },
    ]) expect(relErr(logLikelihoodBgNbd(p, wide), referenceBgNbd(p, wide))).toBeLessThan(1e-12);
    expect(logLikelihoodBgNbd({ r: -1, alpha: 1, a: 1, b: 1 }, cdnowData)).toBeNaN();
  });

  it('analytic gradient agrees with the numerical gradient to 1e-6 relative at several points', () => {
    for (const [d, scale] of [
      [cdnowData, 1],
      [cdnowDays, 7],
      [large.data, 1],
    ] as const) {
      const prep = prepareBgNbd(d);
      for (const p of points) {
        const q = { ...p, alpha: p.alpha * scale };
        expect(gradientMismatch(['r', 'alpha', 'a', 'b'], q, (v, g) => logLikelihoodBgNbdPrepared(v as unknown as BgNbdParams, prep, g)), JSON.stringify(q)).toBeLessThan(1e-6);
      }
    }
    const prep = prepareBgNbd(wide);
    expect(gradientMismatch(['r', 'alpha', 'a', 'b'], { r: 0.3, alpha: 0.001, a: 0.8, b: 2 }, (v, g) => logLikelihoodBgNbdPrepared(v as unknown as BgNbdParams, prep, g))).toBeLessThan(1e-6);
  });

  it('the Hessian from gradient differences is stable in its step, where second differences of LL are not', () => {
    const fit = fitBgNbd(cdnowData, { skipStdErrors: true });
    const theta = ['r', 'alpha', 'a', 'b'].map((n) => Math.log(fit.params[n]));
    const prep = prepareBgNbd(cdnowData);
    const g = new Float64Array(4);
    const fg = (t: readonly number[], grad: number[]): number => {
      const p = { r: Math.exp(t[0]), alpha: Math.exp(t[1]), a: Math.exp(t[2]), b: Math.exp(t[3]) };
      const ll = logLikelihoodBgNbdPrepared(p, prep, g);
      grad[0] = -p.r * g[0];
      grad[1] = -p.alpha * g[1];
      grad[2] = -p.a * g[2];
      grad[3] = -p.b * g[3];
      return -ll;
    };
    const H5 = hessianFromGradient(fg, theta, 1e-5);
    const H4 = hessianFromGradient(fg, theta, 1e-4);
    const Hf = hessian((t) => fg(t, [0, 0, 0, 0]), theta);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        expect(Math.abs(H5[i][j] - H4[i][j])).toBeLessThan(1e-6 * Math.abs(H5[i][i]));
        expect(Math.abs(H5[i][j] - Hf[i][j])).toBeLessThan(1e-3 * Math.abs(H5[i][i]));
      }
    }
  });
});

describe('Pareto/NBD: prepared likelihood and analytic gradient', () => {
  const points: ParetoNbdParams[] = [
    { r: 0.5, alpha: 8, s: 0.4, beta: 5 }, // α ≥ β
    { r: 1, alpha: 5, s: 1.5, beta: 40 }, // α < β
    { r: 0.3, alpha: 20, s: 0.2, beta: 20 }, // α = β (z = 0)
    { r: 2, alpha: 1, s: 0.7, beta: 0.5 },
  ];
  // x = 200 with ages from 0.5 to 1000: terms more than e^575 apart within the x group (summed in logs);
  // t_x = T (A0 = 0) and t_x within rounding of T (the two terms of A0 cross)
  const wide: FrequencyData = {
    x: [0, 200, 200, 200, 200, 3, 3],
    tx: [0, 0.2, 0.4, 10, 999, 30, 30 * (1 - 1e-15)],
    T: [5, 0.5, 1000, 1000, 1000, 30, 30],
    weight: [2, 1, 3, 1, 1, 4, 1],
  };

  it('equals the per-customer likelihood (both branches of A0, the log fallback, t_x = T, crossing terms)', () => {
    for (const p of points) {
      for (const d of [cdnowData, large.data]) expect(relErr(logLikelihoodParetoNbd(p, d), referenceParetoNbd(p, d))).toBeLessThan(1e-12);
    }
    for (const p of [
      { r: 0.5, alpha: 0.1, s: 0.6, beta: 0.1 },
      { r: 0.5, alpha: 2, s: 0.6, beta: 0.3 },
      { r: 0.5, alpha: 0.3, s: 0.6, beta: 3 },
    ]) expect(relErr(logLikelihoodParetoNbd(p, wide), referenceParetoNbd(p, wide))).toBeLessThan(1e-12);
    expect(logLikelihoodParetoNbd({ r: 1, alpha: 1, s: 0, beta: 1 }, cdnowData)).toBeNaN();
  });

  it('analytic gradient agrees with the numerical gradient to 1e-6 relative at several points', () => {
    for (const d of [cdnowData, large.data]) {
      const prep = prepareParetoNbd(d);
      for (const p of points) {
        expect(gradientMismatch(['r', 'alpha', 's', 'beta'], { ...p }, (v, g) => logLikelihoodParetoNbdPrepared(v as unknown as ParetoNbdParams, prep, g)), JSON.stringify(p)).toBeLessThan(1e-6);
      }
    }
    const prep = prepareParetoNbd(wide);
    for (const p of [
      { r: 0.5, alpha: 0.1, s: 0.6, beta: 0.13 },
      { r: 0.5, alpha: 2, s: 0.6, beta: 0.3 },
    ]) expect(gradientMismatch(['r', 'alpha', 's', 'beta'], p, (v, g) => logLikelihoodParetoNbdPrepared(v as unknown as ParetoNbdParams, prep, g))).toBeLessThan(1e-6);
  });
});

describe('Gamma-Gamma: prepared likelihood and analytic gradient', () => {
  const points: GammaGammaParams[] = [
    { p: 3, q: 2, gamma: 10 },
    { p: 10, q: 6, gamma: 40 },
    { p: 0.5, q: 1.2, gamma: 2 },
  ];

  it('equals the per-customer likelihood', () => {
    for (const p of points) {
      for (const d of [cdnowSpend, largeSpend]) expect(relErr(logLikelihoodGammaGamma(p, d), referenceGammaGamma(p, d))).toBeLessThan(1e-12);
    }
    expect(logLikelihoodGammaGamma({ p: 0, q: 1, gamma: 1 }, cdnowSpend)).toBeNaN();
  });

  it('analytic gradient agrees with the numerical gradient to 1e-6 relative at several points', () => {
    for (const d of [cdnowSpend, largeSpend]) {
      const prep = prepareGammaGamma(d);
      for (const p of points) {
        expect(gradientMismatch(['p', 'q', 'gamma'], { ...p }, (v, g) => logLikelihoodGammaGammaPrepared(v as unknown as GammaGammaParams, prep, g))).toBeLessThan(1e-6);
      }
    }
  });
});

describe(`screening the starts on a weighted sample (data with more than ${SCREEN_ABOVE} distinct entries)`, () => {
  function expectSameFit(screened: FitResult, full: FitResult): void {
    expect(screened.converged).toBe(true);
    expect(full.converged).toBe(true);
    expect(relErr(screened.logLikelihood, full.logLikelihood)).toBeLessThan(1e-11);
    for (const n of Object.keys(full.params)) {
      expect(relErr(screened.params[n], full.params[n]), n).toBeLessThan(1e-5);
      expect(relErr(screened.stdErrors[n]!, full.stdErrors[n]!), n).toBeLessThan(1e-3);
    }
  }

  it('gives the same BG/NBD, Pareto/NBD and Gamma-Gamma fits as running every start on the full data', () => {
    expect(large.data.x.length).toBeGreaterThan(SCREEN_ABOVE);
    expect(largeSpend.x.length).toBeGreaterThan(SCREEN_ABOVE);
    expectSameFit(fitBgNbd(large.data), fitBgNbd(large.data, { screen: false }));
    expectSameFit(fitParetoNbd(large.data), fitParetoNbd(large.data, { screen: false }));
    expectSameFit(fitGammaGamma(largeSpend), fitGammaGamma(largeSpend, { screen: false }));
  });
});
