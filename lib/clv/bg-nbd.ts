/**
 * BG/NBD ("beta-geometric / negative binomial distribution") model of Fader,
 * Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
 * the Pareto/NBD Model", Marketing Science 24(2), 275–284. Equation numbers
 * below refer to that paper; the formulas are also in FORMULAS.md.
 *
 * While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * after every purchase they drop out with probability p ~ Beta(a, b).
 *
 * Sources: FHL 2005 eq. (6) (likelihood), (9) (E[X(t)]), (10) (E[Y(t)|x,t_x,T]);
 * the A1..A4 log form of the likelihood from Fader, Hardie & Lee (2005),
 * "Implementing the BG/NBD Model for Customer Base Analysis in Excel"
 * (brucehardie.com note 004); P(alive) from Fader, Hardie & Lee (2008),
 * "Computing P(alive) Using the BG/NBD Model" (brucehardie.com note 021).
 */
import {
  checkFrequencyIdentifiable,
  fitLogSpace,
  frequencySummary,
  type FitOptions,
  type FitResult,
  type FrequencyData,
  type FrequencyModel,
} from './model.ts';
import { lnGamma, lnHyp2f1Detailed, logAddExp } from './special.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export const BG_NBD_PARAMS = ['r', 'alpha', 'a', 'b'] as const;

/** Distinct x values of the data and, for each entry, the index of its x (computed once per data object). */
interface Prepared {
  xs: number[];
  xIndex: Int32Array;
}

const preparedCache = new WeakMap<FrequencyData, Prepared>();

function prepare(data: FrequencyData): Prepared {
  const cached = preparedCache.get(data);
  if (cached && cached.xIndex.length === data.x.length) return cached;
  const map = new Map<number, number>();
  const xs: number[] = [];
  const xIndex = new Int32Array(data.x.length);
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i];
    let k = map.get(x);
    if (k === undefined) {
      k = xs.length;
      map.set(x, k);
      xs.push(x);
    }
    xIndex[i] = k;
  }
  const p = { xs, xIndex };
  preparedCache.set(data, p);
  return p;
}

/**
 * Total log-likelihood (FHL 2005 eq. 6, in the A1..A4 form of note 004 / FORMULAS.md):
 *   A1 = lnΓ(r+x) − lnΓ(r) + r ln α
 *   A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
 *   A3 = −(r+x) ln(α+T)
 *   A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)      (x > 0)
 *   LL = A1 + A2 + ln(e^A3 + [x>0] e^A4)
 * A1, A2 and the x-only part of A4 are computed once per distinct x.
 */
export function logLikelihoodBgNbd(params: BgNbdParams, data: FrequencyData): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return NaN;
  const { xs, xIndex } = prepare(data);
  const lnAlpha = Math.log(alpha);
  const lnGr = lnGamma(r);
  const lnGab = lnGamma(a + b);
  const lnGb = lnGamma(b);
  const lnA = Math.log(a);
  const perX = new Float64Array(xs.length); // A1 + A2
  const a4x = new Float64Array(xs.length); // ln a − ln(b+x−1)
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    perX[k] = lnGamma(r + x) - lnGr + r * lnAlpha + lnGab + lnGamma(b + x) - lnGb - lnGamma(a + b + x);
    a4x[k] = x > 0 ? lnA - Math.log(b + x - 1) : NaN;
  }
  let ll = 0;
  const n = data.x.length;
  for (let i = 0; i < n; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    const k = xIndex[i];
    const x = xs[k];
    const rx = r + x;
    const A3 = -rx * Math.log(alpha + data.T[i]);
    const tail = x > 0 ? logAddExp(A3, a4x[k] - rx * Math.log(alpha + data.tx[i])) : A3;
    ll += w * (perX[k] + tail);
  }
  return ll;
}

function toParams(p: Record<string, number>): BgNbdParams {
  return { r: p.r, alpha: p.alpha, a: p.a, b: p.b };
}

/**
 * Fits BG/NBD by maximum likelihood (multi-start BFGS in log-parameter space).
 * Throws ModelNotIdentifiedError for data that cannot identify the model (no
 * customers, one customer, no repeat purchases, no observation time).
 */
export function fitBgNbd(data: FrequencyData, options?: FitOptions): FitResult {
  checkFrequencyIdentifiable('bg-nbd', data);
  const { customers, sumX, sumT } = frequencySummary(data);
  // α has the unit of time: start from r / (observed repeat rate)
  const rate = sumX / sumT;
  const starts = [
    { r: 1, alpha: 1 / rate, a: 1, b: 1 },
    { r: 0.25, alpha: 0.1 / rate, a: 0.5, b: 2 },
    { r: 3, alpha: 10 / rate, a: 2, b: 8 },
  ];
  const negLL = (theta: readonly number[]): number =>
    -logLikelihoodBgNbd({ r: Math.exp(theta[0]), alpha: Math.exp(theta[1]), a: Math.exp(theta[2]), b: Math.exp(theta[3]) }, data);
  return fitLogSpace({ model: 'bg-nbd', names: BG_NBD_PARAMS, negLLTotal: negLL, customers, starts, reference: { alpha: sumT / customers }, options, defaultOptimizer: { gradTol: 1e-9 } });
}

/**
 * P(alive | x, t_x, T) (Hardie note 021):
 *   1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 */
export function pAliveBgNbd(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  if (x === 0) return 1;
  const lnOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/**
 * 1 − u^n · 2F1(n, m; c; z), computed from logs (−expm1 keeps accuracy when the
 * product is close to 1, i.e. for short horizons).
 */
function oneMinusPowHyp(lnU: number, n: number, m: number, c: number, z: number): number {
  const h = lnHyp2f1Detailed(n, m, c, z);
  if (!h.converged) return NaN;
  if (h.sign === 0) return 1;
  const lnTerm = n * lnU + h.ln;
  return h.sign > 0 ? -Math.expm1(lnTerm) : 1 + Math.exp(lnTerm);
}

/** Evaluates g(a), replacing the removable singularity at a = 1 by the mean of g(1 ± 1e-5). */
function nearAEqualsOne(a: number, g: (a: number) => number): number {
  if (Math.abs(a - 1) > 1e-7) return g(a);
  return (g(1 + 1e-5) + g(1 - 1e-5)) / 2;
}

/**
 * E[X(t)], expected purchases in (0, t] of a customer who made their first
 * purchase at 0 (FHL 2005 eq. 9):
 *   (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]
 */
export function expectedPurchasesNewBgNbd(params: BgNbdParams, t: number): number {
  const { r, alpha, b } = params;
  if (t === 0) return 0;
  return nearAEqualsOne(params.a, (a) => {
    const bracket = oneMinusPowHyp(Math.log(alpha) - Math.log(alpha + t), r, b, a + b - 1, t / (alpha + t));
    return ((a + b - 1) / (a - 1)) * bracket;
  });
}

/**
 * E[Y(t) | x, t_x, T], expected purchases in (T, T+t] of a customer with
 * history (x, t_x, T) (FHL 2005 eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 */
export function conditionalExpectedBgNbd(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, b } = params;
  if (t === 0) return 0;
  return nearAEqualsOne(params.a, (a) => {
    const lnU = Math.log(alpha + T) - Math.log(alpha + T + t);
    const bracket = oneMinusPowHyp(lnU, r + x, b + x, a + b + x - 1, t / (alpha + T + t));
    const denom = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))) : 1;
    return (((a + b + x - 1) / (a - 1)) * bracket) / denom;
  });
}

/** BG/NBD behind the common {@link FrequencyModel} interface. */
export const bgNbd: FrequencyModel = {
  name: 'bg-nbd',
  paramNames: BG_NBD_PARAMS,
  logLikelihood: (p, d) => logLikelihoodBgNbd(toParams(p), d),
  fit: fitBgNbd,
  pAlive: (p, x, tx, T) => pAliveBgNbd(toParams(p), x, tx, T),
  conditionalExpected: (p, t, x, tx, T) => conditionalExpectedBgNbd(toParams(p), t, x, tx, T),
};
