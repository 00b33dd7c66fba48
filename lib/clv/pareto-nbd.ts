/**
 * Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), "Counting Your
 * Customers: Who Are They and What Will They Do Next?", Management Science
 * 33(1), 1–24, in the form derived by Fader & Hardie (2005), "A Note on
 * Deriving the Pareto/NBD Model and Related Expressions" (brucehardie.com
 * note 009). Equation numbers below refer to that note; the formulas are also
 * in FORMULAS.md.
 *
 * While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * their lifetime is exponential with rate μ ~ Gamma(s, β).
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
import { lnGamma, lnHyp2f1Pareto, logAddExp, logDiffExp } from './special.ts';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export const PARETO_NBD_PARAMS = ['r', 'alpha', 's', 'beta'] as const;

/**
 * ln A0 (note 009 eqs. 19–20), A0 ≥ 0, computed as a difference in logs:
 *   α ≥ β: A0 = 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x)
 *             − 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+T))   / (α+T)^(r+s+x)
 *   α < β: the same with β in place of α and r+x in place of s+1.
 * −Infinity when t_x = T (then A0 = 0).
 */
export function lnA0ParetoNbd(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  const rsx = r + s + x;
  const alphaFirst = alpha >= beta;
  const big = alphaFirst ? alpha : beta;
  const b2 = alphaFirst ? s + 1 : r + x;
  const diff = Math.abs(alpha - beta);
  const qx = big + tx;
  const qT = big + T;
  if (tx === T) return -Infinity;
  const u = lnHyp2f1Pareto(rsx, b2, diff / qx) - rsx * Math.log(qx);
  const v = lnHyp2f1Pareto(rsx, b2, diff / qT) - rsx * Math.log(qT);
  // A0 ≥ 0 mathematically; rounding can make u marginally smaller than v when t_x ≈ T
  if (u <= v) return -Infinity;
  return logDiffExp(u, v);
}

/**
 * Log-likelihood of one customer (note 009 eq. 18):
 *   ln L = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β
 *        + ln[ e^(−(r+x) ln(α+T) − s ln(β+T)) + e^(ln s − ln(r+s+x) + ln A0) ]
 * (lnΓ(r+x) − lnΓ(r) is computed once per distinct x in the total.)
 */
function customerLogLikelihood(params: ParetoNbdParams, lnGammaRatio: number, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  const first = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const lnA0 = lnA0ParetoNbd(params, x, tx, T);
  const second = Math.log(s) - Math.log(r + s + x) + lnA0;
  return lnGammaRatio + r * Math.log(alpha) + s * Math.log(beta) + logAddExp(first, second);
}

/** Total log-likelihood (weighted sum over the compressed triples). NaN for invalid parameters. */
export function logLikelihoodParetoNbd(params: ParetoNbdParams, data: FrequencyData): number {
  const { r, alpha, s, beta } = params;
  if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) return NaN;
  const lnGr = lnGamma(r);
  const ratioCache = new Map<number, number>();
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    const x = data.x[i];
    let ratio = ratioCache.get(x);
    if (ratio === undefined) {
      ratio = lnGamma(r + x) - lnGr;
      ratioCache.set(x, ratio);
    }
    ll += w * customerLogLikelihood(params, ratio, x, data.tx[i], data.T[i]);
  }
  return ll;
}

function toParams(p: Record<string, number>): ParetoNbdParams {
  return { r: p.r, alpha: p.alpha, s: p.s, beta: p.beta };
}

/**
 * Fits Pareto/NBD by maximum likelihood. The likelihood is nearly flat along
 * a ridge in (s, β) (CDNOW: β is determined only to about 1%), so the fit runs
 * BFGS in log-parameter space from several starts spread over that ridge and
 * keeps the best. Throws ModelNotIdentifiedError for data that cannot identify
 * the model (no customers, one customer, no repeat purchases, no observation time).
 */
export function fitParetoNbd(data: FrequencyData, options?: FitOptions): FitResult {
  checkFrequencyIdentifiable('pareto-nbd', data);
  const { customers, sumX, sumT } = frequencySummary(data);
  const scale = sumT / sumX; // time units per repeat purchase; α and β are in time units
  const starts = [
    { r: 1, alpha: scale, s: 1, beta: scale },
    { r: 0.5, alpha: 0.2 * scale, s: 0.5, beta: 0.5 * scale },
    { r: 2, alpha: 2 * scale, s: 2, beta: 5 * scale },
    { r: 0.5, alpha: 0.5 * scale, s: 1, beta: 0.1 * scale },
  ];
  const negLL = (theta: readonly number[]): number =>
    -logLikelihoodParetoNbd({ r: Math.exp(theta[0]), alpha: Math.exp(theta[1]), s: Math.exp(theta[2]), beta: Math.exp(theta[3]) }, data);
  return fitLogSpace({ model: 'pareto-nbd', names: PARETO_NBD_PARAMS, negLLTotal: negLL, customers, starts, reference: { alpha: sumT / customers, beta: sumT / customers }, options, defaultOptimizer: { gradTol: 1e-9 } });
}

/**
 * P(alive | x, t_x, T) (note 009 section 5.1):
 *   1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0)
 */
export function pAliveParetoNbd(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  const lnA0 = lnA0ParetoNbd(params, x, tx, T);
  if (lnA0 === -Infinity) return 1;
  const lnOdds = Math.log(s) - Math.log(r + s + x) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T) + lnA0;
  return 1 / (1 + Math.exp(lnOdds));
}

/** [1 − (u)^(s−1)] / (s−1) with ln u = lnU < 0, continuous at s = 1 (where it is −ln u). */
function powerRatio(lnU: number, s: number): number {
  const e = s - 1;
  if (Math.abs(e) < 1e-12) return -lnU;
  return -Math.expm1(e * lnU) / e;
}

/**
 * E[X(t)] for a new customer (note 009 eq. 27):
 *   rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)]
 */
export function expectedPurchasesNewParetoNbd(params: ParetoNbdParams, t: number): number {
  const { r, alpha, s, beta } = params;
  if (t === 0) return 0;
  return ((r * beta) / alpha) * powerRatio(Math.log(beta) - Math.log(beta + t), s);
}

/**
 * E[Y(t) | x, t_x, T] (note 009 eq. 41):
 *   (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive | x, t_x, T)
 */
export function conditionalExpectedParetoNbd(params: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  if (t === 0) return 0;
  const lnU = Math.log(beta + T) - Math.log(beta + T + t);
  return (((r + x) * (beta + T)) / (alpha + T)) * powerRatio(lnU, s) * pAliveParetoNbd(params, x, tx, T);
}

/** Pareto/NBD behind the common {@link FrequencyModel} interface. */
export const paretoNbd: FrequencyModel = {
  name: 'pareto-nbd',
  paramNames: PARETO_NBD_PARAMS,
  logLikelihood: (p, d) => logLikelihoodParetoNbd(toParams(p), d),
  fit: fitParetoNbd,
  pAlive: (p, x, tx, T) => pAliveParetoNbd(toParams(p), x, tx, T),
  conditionalExpected: (p, t, x, tx, T) => conditionalExpectedParetoNbd(toParams(p), t, x, tx, T),
};
