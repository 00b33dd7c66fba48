/**
 * BG/NBD ("beta-geometric / negative binomial distribution") model of Fader,
 * Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
 * the Pareto/NBD Model", Marketing Science 24(2), 275–284. Equation numbers
 * below refer to that paper; the formulas are also in docs/formulas.md.
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
  frequencySummary,
  type FitOptions,
  type FitResult,
  type FrequencyData,
  type PAliveSql,
  type PurchaseModel,
  DistinctIndexer,
  type SCREEN_ABOVE,
} from './model.ts';
import { fitPrepared } from './fit/log-space-fit.ts';
import { fitWithLimits, withLimits } from './limits.ts';
import { double } from '../engine/sql.ts';
import { digamma, lnGamma, lnHyp2f1Detailed, NeumaierSum } from './fit/special.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Display name. */
export const BG_NBD_TITLE = 'BG/NBD';
export const BG_NBD_PARAMS = ['r', 'alpha', 'a', 'b'] as const;

/**
 * The data rearranged for fast likelihood evaluation (built once per fit):
 * entries grouped by x (weight-0 entries dropped), and for each entry the
 * index of its t_x and of its T among the distinct time values, so that the
 * logs ln(α + t) are taken once per distinct time (≈ 1,100 for whole days up
 * to three years), not once per entry.
 */
export interface BgNbdPrepared {
  /** Distinct x values, ascending. */
  xs: Float64Array;
  /** Entries of xs[k] are [groupStart[k], groupStart[k+1]), those of weight 1 first: [groupStart[k], groupOnes[k]). */
  groupStart: Int32Array;
  groupOnes: Int32Array;
  /** Total weight of each x group. */
  groupWeight: Float64Array;
  /** Distinct time values (t_x and T together). */
  times: Float64Array;
  /** Per entry, in group order: index of T in times. */
  iT: Int32Array;
  /** Per entry, in group order: index of t_x in times. */
  iTx: Int32Array;
  /** Per entry, in group order: weight. */
  w: Float64Array;
  /** Times used by group k (as t_x or T) are groupTimes[groupTimeStart[k] .. groupTimeStart[k+1]). */
  groupTimeStart: Int32Array;
  groupTimes: Int32Array;
  /** For each of those: the total weight of the group's entries with that T. */
  groupTimeWeight: Float64Array;
  /** Scratch per distinct time: ln(α + t), 1/(α + t), and the power tables of the x group being summed. */
  lnTime: Float64Array;
  invTime: Float64Array;
  pow: Float64Array;
  invPow: Float64Array;
}

/** Groups entries by x and indexes their distinct times (see {@link BgNbdPrepared}). */
export function prepareBgNbd(data: FrequencyData): BgNbdPrepared {
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
  // x groups in ascending order of x
  const xv = xIdx.values;
  const order = xv.map((_, k) => k).sort((a, b) => xv[a] - xv[b]);
  const rank = new Int32Array(order.length);
  order.forEach((k, r) => (rank[k] = r));
  const G = xv.length;
  const xs = Float64Array.from(order, (k) => xv[k]);
  const groupStart = new Int32Array(G + 1);
  for (let i = 0; i < n; i++) if (data.weight[i] !== 0) groupStart[rank[entryX[i]] + 1]++;
  for (let k = 0; k < G; k++) groupStart[k + 1] += groupStart[k];
  // within a group, the entries of weight 1 first: [groupStart[k], groupOnes[k])
  const groupOnes = groupStart.slice(0, G);
  for (let i = 0; i < n; i++) if (data.weight[i] === 1) groupOnes[rank[entryX[i]]]++;
  const tIdx = new DistinctIndexer();
  const iT = new Int32Array(m);
  const iTx = new Int32Array(m);
  const w = new Float64Array(m);
  const groupWeight = new Float64Array(G);
  const nextOne = groupStart.slice(0, G);
  const nextOther = groupOnes.slice();
  let lastTx = NaN;
  let lastTxIndex = -1;
  for (let i = 0; i < n; i++) {
    const wi = data.weight[i];
    if (wi === 0) continue;
    const g = rank[entryX[i]];
    const j = wi === 1 ? nextOne[g]++ : nextOther[g]++;
    iT[j] = tIdx.indexOf(data.T[i]);
    const tx = data.tx[i];
    // compressed data are sorted by x, t_x, T: t_x repeats from one entry to the next
    if (tx !== lastTx) {
      lastTx = tx;
      lastTxIndex = tIdx.indexOf(tx);
    }
    iTx[j] = lastTxIndex;
    w[j] = wi;
    groupWeight[g] += wi;
  }
  const nt = tIdx.values.length;
  // per group: the distinct times its entries use, and the weight on each as T
  const stamp = new Int32Array(nt).fill(-1);
  const slot = new Int32Array(nt);
  const groupTimeStart = new Int32Array(G + 1);
  const gt: number[] = [];
  const gw: number[] = [];
  for (let k = 0; k < G; k++) {
    groupTimeStart[k] = gt.length;
    const use = (j: number): void => {
      if (stamp[j] === k) return;
      stamp[j] = k;
      slot[j] = gt.length;
      gt.push(j);
      gw.push(0);
    };
    for (let i = groupStart[k]; i < groupStart[k + 1]; i++) {
      use(iT[i]);
      use(iTx[i]);
      gw[slot[iT[i]]] += w[i];
    }
  }
  groupTimeStart[G] = gt.length;
  return {
    xs,
    groupStart,
    groupOnes,
    groupWeight,
    times: Float64Array.from(tIdx.values),
    iT,
    iTx,
    w,
    groupTimeStart,
    groupTimes: Int32Array.from(gt),
    groupTimeWeight: Float64Array.from(gw),
    lnTime: new Float64Array(nt),
    invTime: new Float64Array(nt),
    pow: new Float64Array(nt),
    invPow: new Float64Array(nt),
  };
}

const preparedCache = new WeakMap<FrequencyData, BgNbdPrepared>();

/** {@link prepareBgNbd}, cached per data object (the data must not change afterwards); MBG/NBD uses the same. */
export function preparedBgNbdFor(data: FrequencyData): BgNbdPrepared {
  const cached = preparedCache.get(data);
  if (cached && cached.groupStart[cached.groupStart.length - 1] <= data.x.length) return cached;
  const p = prepareBgNbd(data);
  preparedCache.set(data, p);
  return p;
}

/**
 * Total log-likelihood (FHL 2005 eq. 6, in the A1..A4 form of note 004 / docs/formulas.md):
 *   A1 = lnΓ(r+x) − lnΓ(r) + r ln α
 *   A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
 *   A3 = −(r+x) ln(α+T)
 *   A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)      (x > 0)
 *   LL = A1 + A2 + ln(e^A3 + [x>0] e^A4)
 * A1, A2 and the x-only part of A4 are computed once per distinct x, ln(α + t)
 * once per distinct t_x or T value.
 */
export function logLikelihoodBgNbd(params: BgNbdParams, data: FrequencyData): number {
  return logLikelihoodBgNbdPrepared(params, preparedBgNbdFor(data), null);
}

/** Largest |exponent| allowed in the power tables (e^±700 stays inside the double range). */
const POW_LIMIT = 700;
/** Products of 1 + e^(A4−A3) are folded into the log sum before they pass this. */
const PRODUCT_LIMIT = 1e280;

/** Per-group sums of the entry loop: Σ w ln(1 + E), Σ w ω, Σ w ω (ln(α+t_x) − ln(α+T)), Σ w ω (1/(α+t_x) − 1/(α+T)). */
const sums = new Float64Array(4);

/**
 * The entry loop over entries of weight 1 of one x group, with the power
 * tables: E = e^a4 · pow[T] / pow[t_x], Σ ln(1 + E) as the log of a running
 * product. Adds to `out`. (The loops are small functions of their own, so that
 * the optimizing compiler handles each separately.)
 */
function sumOnesTabulated(prep: BgNbdPrepared, start: number, end: number, e4: number, out: Float64Array): void {
  const { iT, iTx, lnTime, invTime, pow, invPow } = prep;
  let sLog = 0; // compensated (Neumaier) with cLog
  let cLog = 0;
  let sW = 0;
  let sDl = 0;
  let sDi = 0;
  let prod = 1;
  for (let i = start; i < end; i++) {
    const jT = iT[i];
    const jX = iTx[i];
    const E = e4 * pow[jT] * invPow[jX];
    const onePlus = 1 + E;
    if (onePlus < 1e16) {
      prod *= onePlus;
      if (prod > PRODUCT_LIMIT) {
        const v = Math.log(prod);
        const t = sLog + v;
        cLog += Math.abs(sLog) >= Math.abs(v) ? sLog - t + v : v - t + sLog;
        sLog = t;
        prod = 1;
      }
    } else {
      const v = Math.log1p(E);
      const t = sLog + v;
      cLog += Math.abs(sLog) >= Math.abs(v) ? sLog - t + v : v - t + sLog;
      sLog = t;
    }
    const om = E / onePlus;
    sW += om;
    sDl += om * (lnTime[jX] - lnTime[jT]);
    sDi += om * (invTime[jX] - invTime[jT]);
  }
  out[0] += sLog + cLog + Math.log(prod);
  out[1] += sW;
  out[2] += sDl;
  out[3] += sDi;
}

/** The same for entries of any weight: Σ w ln(1 + E) by log1p. Adds to `out`. */
function sumTabulated(prep: BgNbdPrepared, start: number, end: number, e4: number, out: Float64Array): void {
  const { iT, iTx, w, lnTime, invTime, pow, invPow } = prep;
  let sLog = 0; // compensated (Neumaier) with cLog
  let cLog = 0;
  let sW = 0;
  let sDl = 0;
  let sDi = 0;
  for (let i = start; i < end; i++) {
    const wi = w[i];
    const jT = iT[i];
    const jX = iTx[i];
    const E = e4 * pow[jT] * invPow[jX];
    const v = wi * Math.log1p(E);
    const t = sLog + v;
    cLog += Math.abs(sLog) >= Math.abs(v) ? sLog - t + v : v - t + sLog;
    sLog = t;
    const om = (wi * E) / (1 + E);
    sW += om;
    sDl += om * (lnTime[jX] - lnTime[jT]);
    sDi += om * (invTime[jX] - invTime[jT]);
  }
  out[0] += sLog + cLog;
  out[1] += sW;
  out[2] += sDl;
  out[3] += sDi;
}

/** The entry loop of one x group entry by entry (exp and log1p), where the power tables could leave the double range. Sets `out`. */
function sumGroupDirect(prep: BgNbdPrepared, start: number, end: number, a4: number, rx: number, out: Float64Array): void {
  const { iT, iTx, w, lnTime, invTime } = prep;
  let sLog = 0; // compensated (Neumaier) with cLog
  let cLog = 0;
  let sW = 0;
  let sDl = 0;
  let sDi = 0;
  for (let i = start; i < end; i++) {
    const wi = w[i];
    const jT = iT[i];
    const jX = iTx[i];
    const lT = lnTime[jT];
    const lX = lnTime[jX];
    const d = a4 + rx * (lT - lX); // A4 − A3 = ln E
    let om: number;
    let v: number;
    if (d > 0) {
      const e = Math.exp(-d);
      v = wi * (d + Math.log1p(e));
      om = wi / (1 + e);
    } else {
      const E = Math.exp(d);
      v = wi * Math.log1p(E);
      om = (wi * E) / (1 + E);
    }
    const t = sLog + v;
    cLog += Math.abs(sLog) >= Math.abs(v) ? sLog - t + v : v - t + sLog;
    sLog = t;
    sW += om;
    sDl += om * (lX - lT);
    sDi += om * (invTime[jX] - invTime[jT]);
  }
  out[0] = sLog + cLog;
  out[1] = sW;
  out[2] = sDl;
  out[3] = sDi;
}

/**
 * Log-likelihood on prepared data and, when `grad` is given, its gradient
 * with respect to (r, α, a, b) written into grad[0..3]. With ψ the digamma
 * function, E = e^(A4 − A3) and ω = E / (1 + E), per customer:
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − (1−ω) ln(α+T) − ω ln(α+t_x)
 *   ∂/∂α = r/α − (r+x) [(1−ω)/(α+T) + ω/(α+t_x)]
 *   ∂/∂a = ψ(a+b) − ψ(a+b+x) + ω/a
 *   ∂/∂b = ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − ω/(b+x−1)
 * (ω = 0 for x = 0).
 *
 * Per x group, ln(e^A3 + e^A4) = A3 + ln(1 + E) with
 * E = a/(b+x−1) · ((α+T)/(α+t_x))^(r+x): the powers (α+t)^(r+x) (scaled by a
 * common factor) are tabulated once per time the group uses, so an entry
 * costs two table look-ups, a few multiplications and one division, and
 * Σ ln(1+E) over entries of weight 1 is taken as the log of a running product
 * (one log whenever the product passes 1e280; the absolute error, ~1e-16 per
 * entry, is below the rounding of the total), over the other entries by log1p.
 * Where the powers could leave the double range (|ln E| could pass 700) the
 * group is summed entry by entry with exp and log1p instead. The x = 0 group
 * needs only Σ w ln(α+T), taken per time. Sums over entries are compensated
 * (Neumaier), so that LL is accurate to ~1e-16 relative, not ~1e-13: the
 * line search compares values that differ in the 14th digit near the optimum.
 */
export function logLikelihoodBgNbdPrepared(params: BgNbdParams, prep: BgNbdPrepared, grad: number[] | Float64Array | null): number {
  return logLikelihoodBetaGeoPrepared(params, prep, grad, false);
}

/**
 * The likelihood kernel of BG/NBD (`modified` false) and of MBG/NBD
 * (`modified` true, lib/models/mbg-nbd.ts), which differs from BG/NBD in
 * three places only: a dropout chance also right after the first purchase
 * gives x + 1 dropout chances, so A2 has b+x+1 and a+b+x+1 where BG/NBD has
 * b+x and a+b+x; A4 has ln(b+x) where BG/NBD has ln(b+x−1); and the dropout
 * term e^A4 applies for x = 0 as well. The gradient changes likewise.
 */
export function logLikelihoodBetaGeoPrepared(params: BgNbdParams, prep: BgNbdPrepared, grad: number[] | Float64Array | null, modified: boolean): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupStart, groupOnes, groupWeight, times, groupTimeStart, groupTimes, groupTimeWeight, lnTime, invTime, pow, invPow } = prep;
  let lnMin = Infinity;
  let lnMax = -Infinity;
  for (let j = 0; j < times.length; j++) {
    const q = alpha + times[j];
    const l = Math.log(q);
    lnTime[j] = l;
    invTime[j] = 1 / q;
    if (l < lnMin) lnMin = l;
    if (l > lnMax) lnMax = l;
  }
  const lnRef = 0.5 * (lnMin + lnMax);
  const span = lnMax - lnMin;
  const lnAlpha = Math.log(alpha);
  const lnGr = lnGamma(r);
  const lnGab = lnGamma(a + b);
  const lnGb = lnGamma(b);
  const lnA = Math.log(a);
  const psiR = grad ? digamma(r) : 0;
  const psiAb = grad ? digamma(a + b) : 0;
  const psiB = grad ? digamma(b) : 0;
  const ll = new NeumaierSum();
  let gR = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const W = groupWeight[k];
    const rx = r + x;
    const xk = modified ? x + 1 : x; // dropout chances
    ll.add(W * (lnGamma(rx) - lnGr + r * lnAlpha + lnGab + lnGamma(b + xk) - lnGb - lnGamma(a + b + xk)));
    if (grad) {
      const psiAbx = digamma(a + b + xk);
      gR += W * (digamma(rx) - psiR + lnAlpha);
      gAlpha += (W * r) / alpha;
      gA += W * (psiAb - psiAbx);
      gB += W * (psiAb + digamma(b + xk) - psiB - psiAbx);
    }
    // Σ w ln(α+T) and Σ w/(α+T) over the group, per time
    let sLnT = 0;
    let sInvT = 0;
    for (let q = groupTimeStart[k]; q < groupTimeStart[k + 1]; q++) {
      const gw = groupTimeWeight[q];
      if (gw === 0) continue;
      const j = groupTimes[q];
      sLnT += gw * lnTime[j];
      sInvT += gw * invTime[j];
    }
    ll.add(-rx * sLnT); // Σ w A3
    if (x === 0 && !modified) {
      gR -= sLnT;
      gAlpha -= rx * sInvT;
      continue;
    }
    const b4 = modified ? b + x : b + x - 1;
    const a4 = lnA - Math.log(b4);
    const start = groupStart[k];
    const end = groupStart[k + 1];
    if (Math.abs(a4) + rx * span <= POW_LIMIT) {
      for (let q = groupTimeStart[k]; q < groupTimeStart[k + 1]; q++) {
        const j = groupTimes[q];
        const p = Math.exp(rx * (lnTime[j] - lnRef));
        pow[j] = p;
        invPow[j] = 1 / p;
      }
      const e4 = Math.exp(a4);
      sums.fill(0);
      sumOnesTabulated(prep, start, groupOnes[k], e4, sums);
      sumTabulated(prep, groupOnes[k], end, e4, sums);
    } else sumGroupDirect(prep, start, end, a4, rx, sums);
    const sW = sums[1];
    ll.add(sums[0]);
    gR -= sLnT + sums[2];
    gAlpha -= rx * (sInvT + sums[3]);
    gA += sW / a;
    gB -= sW / b4;
  }
  if (grad) {
    grad[0] = gR;
    grad[1] = gAlpha;
    grad[2] = gA;
    grad[3] = gB;
  }
  return ll.value;
}

function toParams(p: Record<string, number>): BgNbdParams {
  return { r: p.r, alpha: p.alpha, a: p.a, b: p.b };
}

/**
 * Fits BG/NBD by maximum likelihood (multi-start BFGS in log-parameter space
 * with the analytic gradient; on more than {@link SCREEN_ABOVE} distinct
 * entries the starts are screened on a weighted sample first, see fitLogSpace).
 * When the fit runs to the edge of the parameter space (a → 0: no dropout;
 * a, b → ∞: the same dropout probability for everyone) the limiting model is
 * fitted and used instead (lib/models/limits.ts; the result's `limit` says which and why).
 * Throws ModelNotIdentifiedError for data that cannot identify the model (no
 * customers, one customer, no repeat purchases, no observation time).
 */
export function fitBgNbd(data: FrequencyData, options?: FitOptions): FitResult {
  return fitBetaGeo(BG_NBD_TITLE, false, data, options);
}

/** The fit of BG/NBD (`modified` false) and of MBG/NBD (`modified` true; see {@link logLikelihoodBetaGeoPrepared}), labelled `title`. */
export function fitBetaGeo(title: string, modified: boolean, data: FrequencyData, options?: FitOptions): FitResult {
  checkFrequencyIdentifiable(title, data);
  const { customers, sumX, sumT } = frequencySummary(data);
  // α has the unit of time: start from r / (observed repeat rate)
  const rate = sumX / sumT;
  const starts = [
    { r: 1, alpha: 1 / rate, a: 1, b: 1 },
    { r: 0.25, alpha: 0.1 / rate, a: 0.5, b: 2 },
    { r: 3, alpha: 10 / rate, a: 2, b: 8 },
  ];
  const full = (o?: FitOptions) =>
    fitPrepared({
      model: title,
      names: BG_NBD_PARAMS,
      data,
      customers,
      prepare: preparedBgNbdFor,
      llPrepared: (p: BgNbdParams, prep: BgNbdPrepared, grad) => logLikelihoodBetaGeoPrepared(p, prep, grad, modified),
      starts,
      reference: { alpha: sumT / customers },
      options: o,
    });
  return fitWithLimits({ title, family: modified ? 'modified-beta-geo' : 'beta-geo', data, prepare: preparedBgNbdFor, customers, sumX, sumT, full, options });
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

/**
 * The bracket of E[X(t)] and E[Y(t) | x, T, alive]:
 *   1 − u^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)   with u = (α+T)/(α+T+t), z = t/(α+T+t) = 1 − u.
 * Euler's transformation 2F1(A', B'; C'; z) = (1−z)^(C'−A'−B') · 2F1(C'−A', C'−B'; C'; z), with
 * 1 − z = u, turns it into
 *   1 − u^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z).
 * Of the two series, the one whose terms fall like n^s z^n with s < −1 is summed (the Euler form
 * when a < r + x + 1, the original otherwise, i.e. for large a): past its first terms all terms
 * have one sign, nothing overflows, and the tail has a rigorous bound (see {@link sumFast}). This is
 * the hot path of scoring (12 horizons per distinct (x, T)); anything else goes to the general 2F1.
 */
export function bracketBgNbd(params: BgNbdParams, x: number, lnU: number, z: number): number {
  const { r, a, b } = params;
  const C = a + b + x - 1;
  if (z > 0 && z < 1 && C > 0) {
    const euler = a - r - x - 2 < 0;
    const [A, B] = euler ? [a + b - 1 - r, a - 1] : [r + x, b + x];
    const sum = sumFast(A, B, C, z);
    if (sum > 0) return -Math.expm1((euler ? a - 1 : r + x) * lnU + Math.log(sum));
  }
  return oneMinusPowHyp(lnU, r + x, b + x, C, z);
}

/**
 * Σ_n (A)_n (B)_n / ((C)_n n!) z^n for 0 < z < 1 when A + B − C − 1 < 0, else NaN. Then
 * (A+n)(B+n) − (C+n)(n+1) = AB − C + n(A+B−C−1) is ≤ 0 for good from n ≥ (C − AB)/(C+1−A−B),
 * and from there (numerator factors ≥ 0) every term ratio is at most z: the tail after a term t
 * is at most |t|·z/(1−z). NaN also when the sum is not finite (the caller falls back).
 */
function sumFast(A: number, B: number, C: number, z: number): number {
  const slope = A + B - C - 1;
  if (!(slope < 0)) return NaN;
  const start = Math.max(Math.ceil(-A), Math.ceil(-B), Math.ceil((A * B - C) / -slope), 0);
  const bound = z / (1 - z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= (((A + n) * (B + n)) / ((C + n) * (n + 1))) * z;
    sum += term;
    if (!Number.isFinite(sum)) return NaN;
    if (n + 1 >= start && Math.abs(term) * bound <= 1e-17 * Math.abs(sum)) return sum;
  }
  return NaN;
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
    const bracket = bracketBgNbd({ ...params, a }, 0, Math.log(alpha) - Math.log(alpha + t), t / (alpha + t));
    return ((a + b - 1) / (a - 1)) * bracket;
  });
}

/**
 * E[Y(t) | x, T, alive]: expected purchases in (T, T+t] of a customer with x
 * repeat purchases by T who is still active at T (FHL 2005 eq. 10 without its
 * P(alive) factor). It does not depend on t_x, so it can be computed once per
 * distinct (x, T):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
 */
export function expectedIfAliveBgNbd(params: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, b } = params;
  if (t === 0) return 0;
  return nearAEqualsOne(params.a, (a) => {
    const lnU = Math.log(alpha + T) - Math.log(alpha + T + t);
    return ((a + b + x - 1) / (a - 1)) * bracketBgNbd({ ...params, a }, x, lnU, t / (alpha + T + t));
  });
}

/**
 * E[Y(t) | x, t_x, T], expected purchases in (T, T+t] of a customer with
 * history (x, t_x, T) (FHL 2005 eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 * The divisor is 1 / P(alive | x, t_x, T), so this is
 * {@link expectedIfAliveBgNbd} × {@link pAliveBgNbd}.
 */
export function conditionalExpectedBgNbd(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  return expectedIfAliveBgNbd(params, t, x, T) * pAliveBgNbd(params, x, tx, T);
}

/**
 * SQL of P(alive) over the history `h` (h.x, h.tx_days, h.T_days in whole days; see {@link PAliveSql}):
 *   BG/NBD (`modified` false): 1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), as pAliveBgNbd;
 *   MBG/NBD (`modified` true): 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) for every x, as pAliveMbgNbd.
 * Where the odds overflow, DuckDB's exp gives +∞ and P(alive) 0.
 */
export function pAliveSqlBetaGeo(params: BgNbdParams, unitDays: number, modified: boolean): PAliveSql {
  const { r, alpha, a, b } = params;
  const [dr, dalpha, days] = [double(r), double(alpha), double(unitDays)];
  const odds = `exp(ln(${double(a)}) - ln(${double(b)} + h.x${modified ? '' : ' - 1'}) + (${dr} + h.x) * (ln(${dalpha} + h.T_days / ${days}) - ln(${dalpha} + h.tx_days / ${days})))`;
  return { sql: modified ? `1.0 / (1.0 + ${odds})` : `CASE WHEN h.x = 0 THEN 1.0 ELSE 1.0 / (1.0 + ${odds}) END` };
}

/** BG/NBD behind the common {@link PurchaseModel} interface (its CLI id is given by lib/models/registry.ts), with its limits (lib/models/limits.ts). */
export const bgNbd: PurchaseModel = withLimits({
  title: BG_NBD_TITLE,
  paramNames: BG_NBD_PARAMS,
  definition: {
    term: BG_NBD_TITLE,
    definition:
      'Purchase model (Fader, Hardie & Lee 2005): while active, a customer buys at a steady rate that differs between customers (gamma distribution); after each purchase they may leave for good with a probability that also differs (beta distribution).',
  },
  pAliveCaveat: 'BG/NBD counts customers without a repeat purchase as active: they have not yet had a chance to drop out.',
  logLikelihood: (p, d) => logLikelihoodBgNbd(toParams(p), d),
  explain: (p, { unit, words: w }) => [
    `While they are active, customers make on average r/α = ${w.decimal(p.r / p.alpha, 4)} repeat purchases per ${unit}; purchase rates vary between customers as a gamma distribution with shape r = ${w.decimal(p.r, 4)} (below 1: a few customers buy much more often than most).`,
    `After each repeat purchase a customer drops out for good with probability a/(a+b) = ${w.percent(p.a / (p.a + p.b))} on average (beta distribution, a = ${w.decimal(p.a, 4)}, b = ${w.decimal(p.b, 4)}).`,
  ],
  fit: fitBgNbd,
  pAlive: (p, x, tx, T) => pAliveBgNbd(toParams(p), x, tx, T),
  expectedIfAlive: (p, t, x, T) => expectedIfAliveBgNbd(toParams(p), t, x, T),
  conditionalExpected: (p, t, x, tx, T) => conditionalExpectedBgNbd(toParams(p), t, x, tx, T),
  expectedNew: (p, t) => expectedPurchasesNewBgNbd(toParams(p), t),
  pAliveSql: (p, unitDays) => pAliveSqlBetaGeo(toParams(p), unitDays, false),
}, 'beta-geo', preparedBgNbdFor);
