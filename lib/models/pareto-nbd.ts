/**
 * Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), "Counting Your
 * Customers: Who Are They and What Will They Do Next?", Management Science
 * 33(1), 1–24, in the form derived by Fader & Hardie (2005), "A Note on
 * Deriving the Pareto/NBD Model and Related Expressions" (brucehardie.com
 * note 009). Equation numbers below refer to that note; the formulas are also
 * in docs/formulas.md.
 *
 * While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * their lifetime is exponential with rate μ ~ Gamma(s, β).
 */
import {
  checkFrequencyIdentifiable,
  frequencySummary,
  type FitOptions,
  type FitResult,
  type FrequencyData,
  type PurchaseModel,
  DistinctIndexer,
  type SCREEN_ABOVE,
} from './model.ts';
import { fitPrepared } from './fit/log-space-fit.ts';
import { preparedBgNbdFor } from './bg-nbd.ts';
import { fitWithLimits, withLimits } from './limits.ts';
import { digamma, lnGamma, lnHyp2f1Pareto, logDiffExp, NeumaierSum, ParetoSeries } from './fit/special.ts';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/** Display name. */
export const PARETO_NBD_TITLE = 'Pareto/NBD';
export const PARETO_NBD_PARAMS = ['r', 'alpha', 's', 'beta'] as const;

/**
 * ln A0 (note 009 eqs. 19–20), A0 ≥ 0, computed as a difference in logs:
 *   α ≥ β: A0 = 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x)
 *             − 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+T))   / (α+T)^(r+s+x)
 *   α < β: the same with β in place of α and r+x in place of s+1.
 * −Infinity when t_x = T (then A0 = 0).
 */
export function lnA0ParetoNbd(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (tx === T) return -Infinity;
  const u = lnA0TermParetoNbd(params, x, tx);
  const v = lnA0TermParetoNbd(params, x, T);
  // A0 ≥ 0 mathematically; rounding can make u marginally smaller than v when t_x ≈ T
  if (u <= v) return -Infinity;
  return logDiffExp(u, v);
}

/**
 * One term of A0 in logs, for t = t_x or t = T (A0 = e^(term at t_x) − e^(term at T)):
 *   ln 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) − (r+s+x) ln(α+t)   (α ≥ β; otherwise β, r+x as above)
 */
export function lnA0TermParetoNbd(params: ParetoNbdParams, x: number, t: number): number {
  const { r, alpha, s, beta } = params;
  const rsx = r + s + x;
  const alphaFirst = alpha >= beta;
  const q = (alphaFirst ? alpha : beta) + t;
  return lnHyp2f1Pareto(rsx, alphaFirst ? s + 1 : r + x, Math.abs(alpha - beta) / q) - rsx * Math.log(q);
}

/**
 * The data rearranged for fast likelihood evaluation (built once per fit):
 * entries grouped by x (weight-0 entries dropped); the distinct time values
 * (t_x and T together), so that ln(α + t) and ln(β + t) are taken once per
 * distinct time; and the distinct (x, t) pairs the entries use as (x, t_x) or
 * (x, T). Each of the two terms of A0 depends on x and one time only, so its
 * hypergeometric series is summed once per distinct pair (at most
 * 51 × 1,101 for x ≤ 50 and whole days up to three years) instead of twice
 * per entry.
 */
export interface ParetoNbdPrepared {
  /** Distinct x values. */
  xs: Float64Array;
  /** Entries of xs[k] are [groupStart[k], groupStart[k+1]), those of weight 1 first: [groupStart[k], groupOnes[k]). */
  groupStart: Int32Array;
  groupOnes: Int32Array;
  /** Total weight of each x group. */
  groupWeight: Float64Array;
  /** Distinct time values (t_x and T). */
  times: Float64Array;
  /** Per distinct (x, t) pair: index into xs and into times; the pairs of xs[k] are [pairStart[k], pairStart[k+1]). */
  pairGroup: Int32Array;
  pairTime: Int32Array;
  pairStart: Int32Array;
  /** Per entry, in group order: pair of (x, t_x), pair of (x, T), weight. */
  iU: Int32Array;
  iV: Int32Array;
  w: Float64Array;
  /** Scratch per time: ln(α+t), ln(β+t), 1/(α+t), 1/(β+t). */
  lnA: Float64Array;
  lnB: Float64Array;
  invA: Float64Array;
  invB: Float64Array;
  /**
   * Scratch per pair (x, t) (gradients 4 per pair, in the order r, α, s, β):
   * pairValue = ln s − ln(r+s+x) + G(x, t) and pairGrad its gradient (the
   * second term of the likelihood is e^(pairValue(x,t_x)) − e^(pairValue(x,T)));
   * pairF1 = −(r+x) ln(α+t) − s ln(β+t) and pairF1Grad (the first term, for t = T);
   * and packed by PACK per pair for the entry loop: e^(pairF1 − M), e^(pairValue − M)
   * with M the largest of both over the pairs of the x group, then the
   * gradients multiplied by them (see PACK).
   */
  pairValue: Float64Array;
  pairGrad: Float64Array;
  pairF1: Float64Array;
  pairF1Grad: Float64Array;
  pairPacked: Float64Array;
  /** Scratch per x group: M. */
  groupMax: Float64Array;
}

/**
 * Per pair in pairPacked: e^(F1−M), e^(U−M), e^(F1−M) ∂F1 − e^(U−M) ∂U (4), e^(U−M) ∂U (4),
 * so that an entry's gradient numerator is the third block of its (x, T) pair
 * plus the fourth block of its (x, t_x) pair.
 */
const PACK = 10;

/** Groups entries by x and indexes their times and (x, t) pairs (see {@link ParetoNbdPrepared}). */
export function prepareParetoNbd(data: FrequencyData): ParetoNbdPrepared {
  const n = data.x.length;
  const xIdx = new DistinctIndexer();
  const entryX = new Int32Array(n);
  let m = 0;
  let lastX = NaN;
  let lastXIndex = -1;
  for (let i = 0; i < n; i++) {
    if (data.weight[i] === 0) continue;
    const x = data.x[i];
    if (x !== lastX) {
      lastX = x;
      lastXIndex = xIdx.indexOf(x);
    }
    entryX[i] = lastXIndex;
    m++;
  }
  const G = xIdx.values.length;
  const xs = Float64Array.from(xIdx.values);
  const groupStart = new Int32Array(G + 1);
  for (let i = 0; i < n; i++) if (data.weight[i] !== 0) groupStart[entryX[i] + 1]++;
  for (let k = 0; k < G; k++) groupStart[k + 1] += groupStart[k];
  // within a group, the entries of weight 1 first: [groupStart[k], groupOnes[k])
  const groupOnes = groupStart.slice(0, G);
  for (let i = 0; i < n; i++) if (data.weight[i] === 1) groupOnes[entryX[i]]++;
  const nextOne = groupStart.slice(0, G);
  const nextOther = groupOnes.slice();
  const tIdx = new DistinctIndexer();
  const pairIdx = new DistinctIndexer();
  const pairKeys: number[] = [];
  const iU = new Int32Array(m);
  const iV = new Int32Array(m);
  const w = new Float64Array(m);
  const groupWeight = new Float64Array(G);
  // one numbering for t_x and T values; pair keys k·nt + j stay far below 2^53
  const txIndex = new Int32Array(n);
  const TIndex = new Int32Array(n);
  let lastTx = NaN;
  let lastTxIndex = -1;
  for (let i = 0; i < n; i++) {
    if (data.weight[i] === 0) continue;
    const tx = data.tx[i];
    if (tx !== lastTx) {
      lastTx = tx;
      lastTxIndex = tIdx.indexOf(tx);
    }
    txIndex[i] = lastTxIndex;
    TIndex[i] = tIdx.indexOf(data.T[i]);
  }
  const nt = tIdx.values.length;
  const pair = (k: number, j: number): number => {
    const key = k * nt + j;
    const p = pairIdx.indexOf(key);
    if (p === pairKeys.length) pairKeys.push(key);
    return p;
  };
  let lastU = -1;
  let lastUKey = -1;
  for (let i = 0; i < n; i++) {
    const wi = data.weight[i];
    if (wi === 0) continue;
    const k = entryX[i];
    const j = wi === 1 ? nextOne[k]++ : nextOther[k]++;
    const uKey = k * nt + txIndex[i];
    if (uKey !== lastUKey) {
      lastUKey = uKey;
      lastU = pair(k, txIndex[i]);
    }
    iU[j] = lastU;
    iV[j] = pair(k, TIndex[i]);
    w[j] = wi;
    groupWeight[k] += wi;
  }
  // number the pairs group by group, so that one x group's series coefficients serve all its pairs
  const P = pairKeys.length;
  const order = Array.from({ length: P }, (_, p) => p).sort((a, b) => pairKeys[a] - pairKeys[b]);
  const renumber = new Int32Array(P);
  order.forEach((old, p) => (renumber[old] = p));
  for (let j = 0; j < m; j++) {
    iU[j] = renumber[iU[j]];
    iV[j] = renumber[iV[j]];
  }
  const pairGroup = new Int32Array(P);
  const pairTime = new Int32Array(P);
  const pairStart = new Int32Array(G + 1);
  for (let p = 0; p < P; p++) {
    const key = pairKeys[order[p]];
    pairTime[p] = key % nt;
    pairGroup[p] = (key - pairTime[p]) / nt;
    pairStart[pairGroup[p] + 1]++;
  }
  for (let k = 0; k < G; k++) pairStart[k + 1] += pairStart[k];
  return {
    xs,
    groupStart,
    groupOnes,
    groupWeight,
    times: Float64Array.from(tIdx.values),
    pairGroup,
    pairTime,
    pairStart,
    iU,
    iV,
    w,
    lnA: new Float64Array(nt),
    lnB: new Float64Array(nt),
    invA: new Float64Array(nt),
    invB: new Float64Array(nt),
    pairValue: new Float64Array(P),
    pairGrad: new Float64Array(4 * P),
    pairF1: new Float64Array(P),
    pairF1Grad: new Float64Array(4 * P),
    pairPacked: new Float64Array(PACK * P),
    groupMax: new Float64Array(G),
  };
}

const preparedCache = new WeakMap<FrequencyData, ParetoNbdPrepared>();

function preparedFor(data: FrequencyData): ParetoNbdPrepared {
  const cached = preparedCache.get(data);
  if (cached && cached.groupStart[cached.groupStart.length - 1] <= data.x.length) return cached;
  const p = prepareParetoNbd(data);
  preparedCache.set(data, p);
  return p;
}

/**
 * Total log-likelihood (weighted sum over the compressed triples; note 009 eq. 18):
 *   ln L = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β
 *        + ln[ e^(−(r+x) ln(α+T) − s ln(β+T)) + e^(ln s − ln(r+s+x) + ln A0) ]
 * NaN for invalid parameters. lnΓ(r+x) − lnΓ(r) is computed once per distinct
 * x, the logs of α + t and β + t once per distinct time, and the two terms of
 * A0 once per distinct (x, t) pair.
 */
export function logLikelihoodParetoNbd(params: ParetoNbdParams, data: FrequencyData): number {
  return logLikelihoodParetoNbdPrepared(params, preparedFor(data), null);
}

const lnSeries = new Float64Array(4);
const series = new ParetoSeries();

/** Below this, a customer's likelihood relative to the largest term of its x group is summed in logs instead. */
const LINEAR_FLOOR = 1e-250;

/** Per-group sums of the entry loop: Σ w ln(bracket / e^M) and the four gradient sums. */
const sums = new Float64Array(5);

/**
 * One entry summed in logs (its bracket is below LINEAR_FLOOR of the group's
 * largest term M): adds w ln(bracket / e^M) and w ∂ ln(bracket) to `out`.
 */
function addEntryInLogs(prep: ParetoNbdPrepared, k: number, pu: number, pv: number, wi: number, out: Float64Array): void {
  const { groupMax, pairValue, pairGrad, pairF1, pairF1Grad } = prep;
  const ou = 4 * pu;
  const ov = 4 * pv;
  const M = groupMax[k];
  const F1 = pairF1[pv] - M;
  const u = pairValue[pu] - M;
  const v = pairValue[pv] - M;
  if (pu === pv || !(u > v)) {
    // A0 = 0 (t_x = T, or rounding when t_x ≈ T); NaN stays NaN
    out[0] += pu !== pv && (u !== u || v !== v) ? NaN : wi * F1;
    out[1] += wi * pairF1Grad[ov];
    out[2] += wi * pairF1Grad[ov + 1];
    out[3] += wi * pairF1Grad[ov + 2];
    out[4] += wi * pairF1Grad[ov + 3];
    return;
  }
  const rho = Math.exp(v - u);
  const F2 = u + Math.log1p(-rho);
  let L: number;
  let om: number; // weight of the second term
  if (F2 > F1) {
    const e = Math.exp(F1 - F2);
    L = F2 + Math.log1p(e);
    om = 1 / (1 + e);
  } else {
    const e = Math.exp(F2 - F1);
    L = F1 + Math.log1p(e);
    om = e / (1 + e);
  }
  out[0] += wi * L;
  const m1 = wi * (1 - om);
  const k1 = (wi * om) / (1 - rho);
  const k2 = k1 * rho;
  for (let c = 0; c < 4; c++) out[1 + c] += m1 * pairF1Grad[ov + c] + k1 * pairGrad[ou + c] - k2 * pairGrad[ov + c];
}

/**
 * The entry loop over the entries of weight 1 of x group k (see
 * {@link logLikelihoodParetoNbdPrepared}): Σ ln(bracket) as the log of a
 * running product. Adds to `out`. (The loops are small functions of their
 * own, so that the optimizing compiler handles each separately.)
 */
function sumOnes(prep: ParetoNbdPrepared, k: number, start: number, end: number, out: Float64Array): void {
  const { iU, iV, pairPacked } = prep;
  let sL = 0; // compensated (Neumaier) with cL
  let cL = 0;
  let prod = 1;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = start; i < end; i++) {
    const pu = iU[i];
    const pv = iV[i];
    const bu = PACK * pu;
    const bv = PACK * pv;
    const a0 = pairPacked[bu + 1] - pairPacked[bv + 1];
    const bracket = pairPacked[bv] + a0;
    if (!(a0 >= 0 && bracket >= LINEAR_FLOOR)) {
      addCrossedOrInLogs(prep, k, pu, pv, 1, out);
      continue;
    }
    prod *= bracket;
    if (prod < 1e-30 || prod > 1e30) {
      const v = Math.log(prod);
      const t = sL + v;
      cL += Math.abs(sL) >= Math.abs(v) ? sL - t + v : v - t + sL;
      sL = t;
      prod = 1;
    }
    const q = 1 / bracket;
    s0 += q * (pairPacked[bv + 2] + pairPacked[bu + 6]);
    s1 += q * (pairPacked[bv + 3] + pairPacked[bu + 7]);
    s2 += q * (pairPacked[bv + 4] + pairPacked[bu + 8]);
    s3 += q * (pairPacked[bv + 5] + pairPacked[bu + 9]);
  }
  out[0] += sL + cL + Math.log(prod);
  out[1] += s0;
  out[2] += s1;
  out[3] += s2;
  out[4] += s3;
}

/** The same for entries of any weight: Σ w ln(bracket) by log. Adds to `out`. */
function sumWeighted(prep: ParetoNbdPrepared, k: number, start: number, end: number, out: Float64Array): void {
  const { iU, iV, w, pairPacked } = prep;
  let sL = 0; // compensated (Neumaier) with cL
  let cL = 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = start; i < end; i++) {
    const wi = w[i];
    const pu = iU[i];
    const pv = iV[i];
    const bu = PACK * pu;
    const bv = PACK * pv;
    const a0 = pairPacked[bu + 1] - pairPacked[bv + 1];
    const bracket = pairPacked[bv] + a0;
    if (!(a0 >= 0 && bracket >= LINEAR_FLOOR)) {
      addCrossedOrInLogs(prep, k, pu, pv, wi, out);
      continue;
    }
    const v = wi * Math.log(bracket);
    const t = sL + v;
    cL += Math.abs(sL) >= Math.abs(v) ? sL - t + v : v - t + sL;
    sL = t;
    const q = wi / bracket;
    s0 += q * (pairPacked[bv + 2] + pairPacked[bu + 6]);
    s1 += q * (pairPacked[bv + 3] + pairPacked[bu + 7]);
    s2 += q * (pairPacked[bv + 4] + pairPacked[bu + 8]);
    s3 += q * (pairPacked[bv + 5] + pairPacked[bu + 9]);
  }
  out[0] += sL + cL;
  out[1] += s0;
  out[2] += s1;
  out[3] += s2;
  out[4] += s3;
}

/**
 * An entry off the fast path: the two terms of A0 crossed by rounding (t_x ≈ T:
 * A0 = 0, the bracket is e^(F1−M) alone), or a bracket below LINEAR_FLOOR
 * (summed in logs), or NaN. Adds to `out`.
 */
function addCrossedOrInLogs(prep: ParetoNbdPrepared, k: number, pu: number, pv: number, wi: number, out: Float64Array): void {
  const { pairPacked } = prep;
  const bv = PACK * pv;
  const a0 = pairPacked[PACK * pu + 1] - pairPacked[bv + 1];
  const bracket = pairPacked[bv];
  if (a0 < 0 && bracket >= LINEAR_FLOOR) {
    out[0] += wi * Math.log(bracket);
    const q = wi / bracket;
    // e^(F1−M) ∂F1 alone
    for (let c = 0; c < 4; c++) out[1 + c] += q * (pairPacked[bv + 2 + c] + pairPacked[bv + 6 + c]);
    return;
  }
  addEntryInLogs(prep, k, pu, pv, wi, out);
}

/**
 * Log-likelihood on prepared data and, when `grad` is given, its gradient with
 * respect to (r, α, s, β) written into grad[0..3].
 *
 * Each term of ln A0 = ln(e^u − e^v) (u for t = t_x, v for t = T) is, with
 * ln 2F1(a, b; a+1; z) = (1−b) ln(1−z) + ln S(p, a+1, z) (p = a+1−b, Euler's
 * transformation, see lnParetoSeriesGrad):
 *   α ≥ β: G(x, t) = −s ln(β+t) − (r+x) ln(α+t) + ln S(r+x, r+s+x+1, (α−β)/(α+t))
 *   α < β: G(x, t) = (1−r−x) ln(α+t) − (s+1) ln(β+t) + ln S(s+1, r+s+x+1, (β−α)/(β+t))
 * and its partial derivatives follow from those of ln S in (p, c, z). Every
 * term of a customer's likelihood depends on x and one time only, so it is
 * computed once per distinct (x, t) pair, and a customer's likelihood is
 *   L = e^(lnΓ(r+x) − lnΓ(r) + r ln α + s ln β) · [e^F1(x,T) + e^U(x,t_x) − e^U(x,T)],
 *   F1 = −(r+x) ln(α+T) − s ln(β+T),  U = ln s − ln(r+s+x) + G.
 * Scaled by the largest term M of its x group, the bracket is a sum of three
 * tabulated numbers (e^(F1−M) + e^(U−M) − e^(U−M)) whose log is taken as the
 * log of a running product over entries of weight 1 (absolute error ~1e-16
 * per entry), and its gradient is (e^F1 ∂F1 + e^U(x,t_x) ∂U(x,t_x) − e^U(x,T) ∂U(x,T)) / bracket:
 * one division per entry. A customer whose bracket is below 1e-250 of M (far
 * outside the bulk of the group) is summed in logs as
 * ln(e^F1 + e^(U(t_x) + ln(1 − e^(U(T)−U(t_x))))). A0 is taken as 0 where
 * rounding makes its two terms cross (t_x ≈ T), and is exactly 0 when t_x = T.
 */
export function logLikelihoodParetoNbdPrepared(params: ParetoNbdParams, prep: ParetoNbdPrepared, grad: number[] | Float64Array | null): number {
  const { r, alpha, s, beta } = params;
  if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupStart, groupOnes, groupWeight, times, pairGroup, pairTime, pairStart, lnA, lnB, invA, invB } = prep;
  const { pairValue, pairGrad, pairF1, pairF1Grad, pairPacked, groupMax } = prep;
  for (let j = 0; j < times.length; j++) {
    const qa = alpha + times[j];
    const qb = beta + times[j];
    lnA[j] = Math.log(qa);
    lnB[j] = Math.log(qb);
    invA[j] = 1 / qa;
    invB[j] = 1 / qb;
  }
  const alphaFirst = alpha >= beta;
  const diff = Math.abs(alpha - beta);
  const lnS = Math.log(s);
  groupMax.fill(-Infinity);
  for (let p = 0; p < pairValue.length; p++) {
    const k = pairGroup[p];
    const x = xs[k];
    const j = pairTime[p];
    if (p === pairStart[k]) series.reset(alphaFirst ? r + x : s + 1, r + s + x + 1);
    const t = times[j];
    const la = lnA[j];
    const lb = lnB[j];
    const ia = invA[j];
    const ib = invB[j];
    const rx = r + x;
    const rsx = rx + s;
    const inv = 1 / rsx;
    const c2 = lnS - Math.log(rsx); // ln s − ln(r+s+x), gradient (−1/(r+s+x), 0, 1/s − 1/(r+s+x), 0)
    const o = 4 * p;
    let U: number;
    if (alphaFirst) {
      series.evaluate(diff * ia, lnSeries);
      const P = lnSeries[1];
      const C = lnSeries[2];
      const Z = lnSeries[3];
      U = c2 - s * lb - rx * la + lnSeries[0];
      pairGrad[o] = -inv - la + P + C;
      pairGrad[o + 1] = -rx * ia + Z * (beta + t) * ia * ia;
      pairGrad[o + 2] = 1 / s - inv - lb + C;
      pairGrad[o + 3] = -s * ib - Z * ia;
    } else {
      series.evaluate(diff * ib, lnSeries);
      const P = lnSeries[1];
      const C = lnSeries[2];
      const Z = lnSeries[3];
      U = c2 + (1 - rx) * la - (s + 1) * lb + lnSeries[0];
      pairGrad[o] = -inv - la + C;
      pairGrad[o + 1] = (1 - rx) * ia - Z * ib;
      pairGrad[o + 2] = 1 / s - inv - lb + P + C;
      pairGrad[o + 3] = -(s + 1) * ib + Z * (alpha + t) * ib * ib;
    }
    pairValue[p] = U;
    const F1 = -rx * la - s * lb;
    pairF1[p] = F1;
    pairF1Grad[o] = -la;
    pairF1Grad[o + 1] = -rx * ia;
    pairF1Grad[o + 2] = -lb;
    pairF1Grad[o + 3] = -s * ib;
    // NaN (a series that would not converge) is left out of M
    if (U > groupMax[k]) groupMax[k] = U;
    if (F1 > groupMax[k]) groupMax[k] = F1;
  }
  for (let p = 0; p < pairValue.length; p++) {
    const M = groupMax[pairGroup[p]];
    const e1 = Math.exp(pairF1[p] - M);
    const eu = Math.exp(pairValue[p] - M);
    const o = 4 * p;
    const b = PACK * p;
    pairPacked[b] = e1;
    pairPacked[b + 1] = eu;
    for (let c = 0; c < 4; c++) {
      const eug = eu * pairGrad[o + c];
      pairPacked[b + 2 + c] = e1 * pairF1Grad[o + c] - eug;
      pairPacked[b + 6 + c] = eug;
    }
  }
  const lnGr = lnGamma(r);
  const lnAlpha = Math.log(alpha);
  const lnBeta = Math.log(beta);
  const psiR = grad ? digamma(r) : 0;
  const ll = new NeumaierSum();
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const W = groupWeight[k];
    const rx = r + x;
    ll.add(W * (lnGamma(rx) - lnGr + r * lnAlpha + s * lnBeta + groupMax[k]));
    if (grad) {
      g0 += W * (digamma(rx) - psiR + lnAlpha);
      g1 += (W * r) / alpha;
      g2 += W * lnBeta;
      g3 += (W * s) / beta;
    }
    sums.fill(0);
    sumOnes(prep, k, groupStart[k], groupOnes[k], sums);
    sumWeighted(prep, k, groupOnes[k], groupStart[k + 1], sums);
    ll.add(sums[0]);
    g0 += sums[1];
    g1 += sums[2];
    g2 += sums[3];
    g3 += sums[4];
  }
  if (grad) {
    grad[0] = g0;
    grad[1] = g1;
    grad[2] = g2;
    grad[3] = g3;
  }
  return ll.value;
}

function toParams(p: Record<string, number>): ParetoNbdParams {
  return { r: p.r, alpha: p.alpha, s: p.s, beta: p.beta };
}

/**
 * Fits Pareto/NBD by maximum likelihood. The likelihood is nearly flat along
 * a ridge in (s, β) (CDNOW: β is determined only to about 1%), so the fit runs
 * BFGS (analytic gradient) in log-parameter space from several starts spread
 * over that ridge and keeps the best; on more than {@link SCREEN_ABOVE}
 * distinct entries the starts are screened on a weighted sample first (see
 * fitLogSpace). When the fit runs to the edge of the parameter space (s → 0 or
 * β → ∞: no dropout; s, β → ∞: the same dropout rate s/β for everyone) the
 * limiting model is fitted and used instead (lib/models/limits.ts; the result's
 * `limit` says which and why). Throws ModelNotIdentifiedError for data that cannot
 * identify the model (no customers, one customer, no repeat purchases, no observation time).
 */
export function fitParetoNbd(data: FrequencyData, options?: FitOptions): FitResult {
  checkFrequencyIdentifiable(PARETO_NBD_TITLE, data);
  const { customers, sumX, sumT } = frequencySummary(data);
  const scale = sumT / sumX; // time units per repeat purchase; α and β are in time units
  const starts = [
    { r: 1, alpha: scale, s: 1, beta: scale },
    { r: 0.5, alpha: 0.2 * scale, s: 0.5, beta: 0.5 * scale },
    { r: 2, alpha: 2 * scale, s: 2, beta: 5 * scale },
    { r: 0.5, alpha: 0.5 * scale, s: 1, beta: 0.1 * scale },
  ];
  const full = (o?: FitOptions) =>
    fitPrepared({
      model: PARETO_NBD_TITLE,
      names: PARETO_NBD_PARAMS,
      data,
      customers,
      prepare: prepareParetoNbd,
      llPrepared: logLikelihoodParetoNbdPrepared,
      starts,
      reference: { alpha: sumT / customers, beta: sumT / customers },
      options: o,
    });
  return fitWithLimits({ title: PARETO_NBD_TITLE, family: 'pareto', data, prepare: preparedBgNbdFor, customers, sumX, sumT, full, options });
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
 * E[Y(t) | x, T, alive]: expected purchases in (T, T+t] of a customer with x
 * purchases by T who is still active at T (note 009 eq. 41 without its
 * P(alive) factor; independent of t_x):
 *   (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]
 */
export function expectedIfAliveParetoNbd(params: ParetoNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, s, beta } = params;
  if (t === 0) return 0;
  const lnU = Math.log(beta + T) - Math.log(beta + T + t);
  return (((r + x) * (beta + T)) / (alpha + T)) * powerRatio(lnU, s);
}

/**
 * E[Y(t) | x, t_x, T] (note 009 eq. 41):
 *   (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive | x, t_x, T)
 */
export function conditionalExpectedParetoNbd(params: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  return expectedIfAliveParetoNbd(params, t, x, T) * pAliveParetoNbd(params, x, tx, T);
}

/** Pareto/NBD behind the common {@link PurchaseModel} interface (its CLI id is given by lib/models/registry.ts), with its limits (lib/models/limits.ts). */
export const paretoNbd: PurchaseModel = withLimits({
  title: PARETO_NBD_TITLE,
  paramNames: PARETO_NBD_PARAMS,
  definition: {
    term: PARETO_NBD_TITLE,
    definition: 'Purchase model (Schmittlein, Morrison & Colombo 1987): like BG/NBD, but customers can leave at any moment, at a rate that differs between customers.',
  },
  logLikelihood: (p, d) => logLikelihoodParetoNbd(toParams(p), d),
  explain: (p, { unit, words: w }) => {
    const meanMu = p.s / p.beta;
    return [
      `While they are active, customers make on average r/α = ${w.decimal(p.r / p.alpha, 4)} repeat purchases per ${unit} (gamma heterogeneity, shape r = ${w.decimal(p.r, 4)}).`,
      `Customers drop out at a rate of s/β = ${w.decimal(meanMu, 5)} per ${unit} on average (gamma heterogeneity, shape s = ${w.decimal(p.s, 4)}): about one ${unit} in ${w.integer(1 / meanMu)} for a typical customer.`,
    ];
  },
  fit: fitParetoNbd,
  pAlive: (p, x, tx, T) => pAliveParetoNbd(toParams(p), x, tx, T),
  expectedIfAlive: (p, t, x, T) => expectedIfAliveParetoNbd(toParams(p), t, x, T),
  conditionalExpected: (p, t, x, tx, T) => conditionalExpectedParetoNbd(toParams(p), t, x, tx, T),
  expectedNew: (p, t) => expectedPurchasesNewParetoNbd(toParams(p), t),
  pAliveSql: (p) => {
    const params = toParams(p);
    const { r, alpha, s, beta } = params;
    // 1 / (1 + e^(c(x,T) + ln A0)), ln A0 = u + ln(1 − e^(v−u)), u = term(x, t_x), v = term(x, T) (as pAliveParetoNbd)
    return {
      sql: 'CASE WHEN h.tx_days = h.T_days OR u.g <= v.g THEN 1.0 ELSE 1.0 / (1.0 + exp(s.c + u.g + ln(1.0 - exp(v.g - u.g)))) END',
      pairTerm: (x, T) => Math.log(s) - Math.log(r + s + x) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T),
      pointTerm: (x, t) => lnA0TermParetoNbd(params, x, t),
    };
  },
}, 'pareto', preparedBgNbdFor);
