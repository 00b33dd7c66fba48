/**
 * Gamma-Gamma model of spend per transaction: Fader, Hardie & Lee (2005),
 * "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of
 * Marketing Research 42(4), 415–430, section "Spend per transaction", and
 * Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"
 * (brucehardie.com note 025). Formulas also in docs/formulas.md.
 *
 * A customer's transaction values are Gamma(p, ν); ν varies across customers
 * as Gamma(q, γ). Fitted on repeat buyers only (x ≥ 1), with z̄ the mean value
 * of their repeat transactions (the first purchase left out). The model
 * assumes spend is independent of purchase frequency: check
 * {@link spendFrequencyCorrelation} (0.11 on CDNOW).
 */
import { double } from '../engine/sql.ts';
import {
  ModelInputError,
  ModelNotIdentifiedError,
  type FitOptions,
  type FitResult,
  type SCREEN_ABOVE,
  type SpendData,
  type SpendModel,
} from './model.ts';
import { fitPrepared } from './fit/log-space-fit.ts';
import { digamma, lnGamma, NeumaierSum } from './fit/special.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Display name. */
export const GAMMA_GAMMA_TITLE = 'Gamma-Gamma';
export const GAMMA_GAMMA_PARAMS = ['p', 'q', 'gamma'] as const;

/**
 * Builds Gamma-Gamma input from per-customer arrays: customers without repeat
 * purchases (x = 0) are left out, the rest are compressed to distinct (x, z̄)
 * pairs with counts. Throws ModelInputError for a repeat buyer whose z̄ is not
 * a positive number.
 */
export function compressSpend(rows: { x: ArrayLike<number>; zbar: ArrayLike<number> }): SpendData {
  const n = rows.x.length;
  if (rows.zbar.length !== n) throw new ModelInputError(`customer arrays differ in length: x has ${n}, z̄ has ${rows.zbar.length}`);
  const counts = new Map<string, { x: number; z: number; w: number }>();
  for (let i = 0; i < n; i++) {
    const x = rows.x[i];
    if (!Number.isInteger(x) || x < 0) throw new ModelInputError(`customer ${i + 1}: repeat purchases x must be a whole number ≥ 0 (got ${x})`);
    if (x === 0) continue;
    const z = rows.zbar[i];
    if (!(z > 0) || !Number.isFinite(z)) {
      throw new ModelInputError(
        `customer ${i + 1}: the Gamma-Gamma spend model needs a positive average repeat-purchase value (got ${z}); leave out customers whose repeat purchases are free or refunded`,
      );
    }
    const id = `${x}|${z}`;
    const e = counts.get(id);
    if (e) e.w++;
    else counts.set(id, { x, z, w: 1 });
  }
  const entries = [...counts.values()].sort((a, b) => a.x - b.x || a.z - b.z);
  return { x: entries.map((e) => e.x), zbar: entries.map((e) => e.z), weight: entries.map((e) => e.w) };
}

/**
 * Spend data rearranged for fast likelihood evaluation (built once per fit):
 * entries grouped by x (weight-0 entries dropped) with x·z̄ and the weight of
 * each, and the sums that do not depend on the parameters.
 */
export interface GammaGammaPrepared {
  /** Distinct x values. */
  xs: Float64Array;
  /** Entries of xs[k] are [groupStart[k], groupStart[k+1]), those of weight 1 first: [groupStart[k], groupOnes[k]). */
  groupStart: Int32Array;
  groupOnes: Int32Array;
  /** Total weight of each x group. */
  groupWeight: Float64Array;
  /** Per entry, in group order: x·z̄ and the weight. */
  xz: Float64Array;
  w: Float64Array;
  /** Σ w ln z̄, Σ w x ln z̄ and Σ w x ln x over all entries. */
  sumLnZ: number;
  sumXLnZ: number;
  sumXLnX: number;
}

/** Groups spend entries by x (see {@link GammaGammaPrepared}). */
export function prepareGammaGamma(data: SpendData): GammaGammaPrepared {
  const n = data.x.length;
  const xIndex = new Map<number, number>();
  const xsList: number[] = [];
  const entryX = new Int32Array(n);
  let lastX = NaN;
  let lastK = -1;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (data.weight[i] === 0) continue;
    const x = data.x[i];
    if (x !== lastX) {
      let k = xIndex.get(x);
      if (k === undefined) {
        k = xsList.length;
        xIndex.set(x, k);
        xsList.push(x);
      }
      lastX = x;
      lastK = k;
    }
    entryX[i] = lastK;
    m++;
  }
  const G = xsList.length;
  const groupStart = new Int32Array(G + 1);
  for (let i = 0; i < n; i++) if (data.weight[i] !== 0) groupStart[entryX[i] + 1]++;
  for (let k = 0; k < G; k++) groupStart[k + 1] += groupStart[k];
  // within a group, the entries of weight 1 first: [groupStart[k], groupOnes[k])
  const groupOnes = groupStart.slice(0, G);
  for (let i = 0; i < n; i++) if (data.weight[i] === 1) groupOnes[entryX[i]]++;
  const nextOne = groupStart.slice(0, G);
  const nextOther = groupOnes.slice();
  const xz = new Float64Array(m);
  const w = new Float64Array(m);
  const groupWeight = new Float64Array(G);
  let sumLnZ = 0;
  let sumXLnZ = 0;
  let sumXLnX = 0;
  for (let i = 0; i < n; i++) {
    const wi = data.weight[i];
    if (wi === 0) continue;
    const k = entryX[i];
    const j = wi === 1 ? nextOne[k]++ : nextOther[k]++;
    const x = data.x[i];
    const z = data.zbar[i];
    xz[j] = x * z;
    w[j] = wi;
    groupWeight[k] += wi;
    const lnZ = Math.log(z);
    sumLnZ += wi * lnZ;
    sumXLnZ += wi * x * lnZ;
    sumXLnX += wi * x * Math.log(x);
  }
  return { xs: Float64Array.from(xsList), groupStart, groupOnes, groupWeight, xz, w, sumLnZ, sumXLnZ, sumXLnX };
}

const preparedCache = new WeakMap<SpendData, GammaGammaPrepared>();

function preparedFor(data: SpendData): GammaGammaPrepared {
  const cached = preparedCache.get(data);
  if (cached && cached.groupStart[cached.groupStart.length - 1] <= data.x.length) return cached;
  const p = prepareGammaGamma(data);
  preparedCache.set(data, p);
  return p;
}

/**
 * Total log-likelihood (FHL 2005 "RFM and CLV", density of z̄ given x):
 *   ln f(z̄|x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄)
 * lnΓ(px+q) − lnΓ(px) is computed once per distinct x.
 */
export function logLikelihoodGammaGamma(params: GammaGammaParams, data: SpendData): number {
  return logLikelihoodGammaGammaPrepared(params, preparedFor(data), null);
}

/** Products of γ + x z̄ are folded into the log sum before they leave [1e-280, 1e280]. */
const PRODUCT_LIMIT = 1e280;

/** Per-group sums of the entry loop: Σ w ln(γ + x z̄) and Σ w / (γ + x z̄). */
const sums = new Float64Array(2);

/**
 * The entry loop over entries of weight 1 of one x group: Σ ln(γ + x z̄) as
 * the log of a running product. Adds to `out`. (The loops are small functions
 * of their own, so that the optimizing compiler handles each separately.)
 */
function sumOnes(prep: GammaGammaPrepared, start: number, end: number, gamma: number, out: Float64Array): void {
  const { xz } = prep;
  let sLog = 0; // compensated (Neumaier) with cLog
  let cLog = 0;
  let sInv = 0;
  let prod = 1;
  for (let i = start; i < end; i++) {
    const v = gamma + xz[i];
    if (v < 1e16 && v > 1e-16) {
      prod *= v;
      if (prod > PRODUCT_LIMIT || prod < 1 / PRODUCT_LIMIT) {
        const u = Math.log(prod);
        const t = sLog + u;
        cLog += Math.abs(sLog) >= Math.abs(u) ? sLog - t + u : u - t + sLog;
        sLog = t;
        prod = 1;
      }
    } else {
      const u = Math.log(v);
      const t = sLog + u;
      cLog += Math.abs(sLog) >= Math.abs(u) ? sLog - t + u : u - t + sLog;
      sLog = t;
    }
    sInv += 1 / v;
  }
  out[0] += sLog + cLog + Math.log(prod);
  out[1] += sInv;
}

/** The same for entries of any weight: Σ w ln(γ + x z̄) by log. Adds to `out`. */
function sumWeighted(prep: GammaGammaPrepared, start: number, end: number, gamma: number, out: Float64Array): void {
  const { xz, w } = prep;
  let sLog = 0; // compensated (Neumaier) with cLog
  let cLog = 0;
  let sInv = 0;
  for (let i = start; i < end; i++) {
    const wi = w[i];
    const v = gamma + xz[i];
    const u = wi * Math.log(v);
    const t = sLog + u;
    cLog += Math.abs(sLog) >= Math.abs(u) ? sLog - t + u : u - t + sLog;
    sLog = t;
    sInv += wi / v;
  }
  out[0] += sLog + cLog;
  out[1] += sInv;
}

/**
 * Log-likelihood on prepared data and, when `grad` is given, its gradient
 * with respect to (p, q, γ) written into grad[0..2]. With ψ the digamma
 * function and S = ln(γ + x z̄), per customer:
 *   ∂/∂p = x [ψ(px+q) − ψ(px) + ln z̄ + ln x − S]
 *   ∂/∂q = ψ(px+q) − ψ(q) + ln γ − S
 *   ∂/∂γ = q/γ − (px+q)/(γ + x z̄)
 * The terms in ln z̄ and ln x are sums fixed by the data; per entry there
 * remain Σ w S (per x group; over entries of weight 1 taken as the log of a
 * running product, one log whenever it leaves [1e-280, 1e280], absolute error
 * ~1e-16 per entry) and Σ w/(γ + x z̄). Sums over entries are compensated
 * (Neumaier), so that LL is accurate to ~1e-16 relative.
 */
export function logLikelihoodGammaGammaPrepared(params: GammaGammaParams, prep: GammaGammaPrepared, grad: number[] | Float64Array | null): number {
  const { p, q, gamma } = params;
  if (!(p > 0 && q > 0 && gamma > 0)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupStart, groupOnes, groupWeight } = prep;
  const lnGq = lnGamma(q);
  const lnGamma_ = Math.log(gamma);
  const psiQ = grad ? digamma(q) : 0;
  const ll = new NeumaierSum();
  ll.add(p * (prep.sumXLnZ + prep.sumXLnX));
  ll.add(-prep.sumLnZ);
  let gP = prep.sumXLnZ + prep.sumXLnX;
  let gQ = 0;
  let gG = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const W = groupWeight[k];
    const px = p * x;
    const c = px + q;
    sums.fill(0);
    sumOnes(prep, groupStart[k], groupOnes[k], gamma, sums);
    sumWeighted(prep, groupOnes[k], groupStart[k + 1], gamma, sums);
    const sLog = sums[0];
    const sInv = sums[1];
    ll.add(W * (lnGamma(c) - lnGamma(px) - lnGq + q * lnGamma_));
    ll.add(-c * sLog);
    if (grad) {
      const psiC = digamma(c);
      gP += W * x * (psiC - digamma(px)) - x * sLog;
      gQ += W * (psiC - psiQ + lnGamma_) - sLog;
      gG += (W * q) / gamma - c * sInv;
    }
  }
  if (grad) {
    grad[0] = gP;
    grad[1] = gQ;
    grad[2] = gG;
  }
  return ll.value;
}

function toParams(p: Record<string, number>): GammaGammaParams {
  return { p: p.p, q: p.q, gamma: p.gamma };
}

function spendTotals(data: SpendData): { customers: number; mean: number; distinctZ: number } {
  let customers = 0;
  let sum = 0;
  // only "one value or more than one" matters
  let first = NaN;
  let distinctZ = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    customers += w;
    sum += w * data.zbar[i];
    if (distinctZ === 0) {
      first = data.zbar[i];
      distinctZ = 1;
    } else if (distinctZ === 1 && data.zbar[i] !== first) distinctZ = 2;
  }
  return { customers, mean: sum / customers, distinctZ };
}

/**
 * Fits the Gamma-Gamma model by maximum likelihood (multi-start BFGS in
 * log-parameter space with the analytic gradient; on more than
 * {@link SCREEN_ABOVE} distinct entries the starts are screened on a weighted
 * sample first, see fitLogSpace). Throws ModelNotIdentifiedError when there
 * are fewer than two repeat buyers or every repeat buyer has the same average spend.
 */
export function fitGammaGamma(data: SpendData, options?: FitOptions): FitResult {
  const n = data.x.length;
  if (data.zbar.length !== n || data.weight.length !== n) throw new ModelInputError('spend data arrays x, zbar and weight must have equal lengths');
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(data.x[i]) || data.x[i] < 1) throw new ModelInputError(`entry ${i + 1}: the spend model takes repeat buyers only (x ≥ 1, got ${data.x[i]})`);
    if (!(data.zbar[i] > 0) || !Number.isFinite(data.zbar[i])) throw new ModelInputError(`entry ${i + 1}: average repeat-purchase value must be positive (got ${data.zbar[i]})`);
    if (!(data.weight[i] >= 0) || !Number.isFinite(data.weight[i])) throw new ModelInputError(`entry ${i + 1}: weight must be a finite number ≥ 0 (got ${data.weight[i]})`);
  }
  const { customers, mean, distinctZ } = spendTotals(data);
  if (customers === 0) {
    throw new ModelNotIdentifiedError(GAMMA_GAMMA_TITLE, 'the spend model cannot be fitted: no customer made a repeat purchase, and it is fitted on repeat purchases only');
  }
  if (customers < 2) {
    throw new ModelNotIdentifiedError(
      GAMMA_GAMMA_TITLE,
      'the spend model cannot be fitted on a single repeat buyer: it estimates how average spend varies between customers, which takes many customers',
    );
  }
  if (distinctZ < 2) {
    throw new ModelNotIdentifiedError(
      GAMMA_GAMMA_TITLE,
      'the spend model cannot be fitted: every repeat buyer has the same average spend, so there is no variation between customers to estimate',
    );
  }
  // E[Z] = pγ/(q−1): start near the observed mean with moderate heterogeneity
  const starts = [
    { p: 1, q: 2, gamma: mean },
    { p: 5, q: 4, gamma: (3 * mean) / 5 },
    { p: 0.5, q: 1.5, gamma: mean / 2 },
  ];
  return fitPrepared({
    model: GAMMA_GAMMA_TITLE,
    names: GAMMA_GAMMA_PARAMS,
    data,
    customers,
    prepare: prepareGammaGamma,
    llPrepared: logLikelihoodGammaGammaPrepared,
    starts,
    reference: { gamma: mean },
    options,
  });
}

/**
 * E[Z | x, z̄], the expected average transaction value of a customer (FHL 2005
 * "RFM and CLV", eq. for the posterior mean):
 *   (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · z̄  =  (pγ + p x z̄) / (px + q − 1),
 * a weighted average of the population mean pγ/(q−1) and the customer's own z̄.
 * With x = 0 it is the population mean (infinite when q ≤ 1).
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  const denom = p * x + q - 1;
  if (!(denom > 0)) return Infinity;
  return (p * gamma + p * x * (x > 0 ? zbar : 0)) / denom;
}

/**
 * Pearson correlation of x and z̄ across repeat buyers (weighted by counts).
 * The Gamma-Gamma model assumes none; NaN when either has no variation.
 */
export function spendFrequencyCorrelation(data: SpendData): number {
  let w = 0;
  let mx = 0;
  let mz = 0;
  for (let i = 0; i < data.x.length; i++) {
    w += data.weight[i];
    mx += data.weight[i] * data.x[i];
    mz += data.weight[i] * data.zbar[i];
  }
  mx /= w;
  mz /= w;
  let sxx = 0;
  let szz = 0;
  let sxz = 0;
  for (let i = 0; i < data.x.length; i++) {
    const dx = data.x[i] - mx;
    const dz = data.zbar[i] - mz;
    sxx += data.weight[i] * dx * dx;
    szz += data.weight[i] * dz * dz;
    sxz += data.weight[i] * dx * dz;
  }
  if (sxx === 0 || szz === 0) return NaN;
  return sxz / Math.sqrt(sxx * szz);
}

/** Above this |correlation| between frequency and spend, the Gamma-Gamma assumption is questionable. */
export const STRONG_CORRELATION = 0.3;

/** Gamma-Gamma behind the common {@link SpendModel} interface. */
export const gammaGamma: SpendModel = {
  title: GAMMA_GAMMA_TITLE,
  paramNames: GAMMA_GAMMA_PARAMS,
  definition: {
    term: 'Gamma-Gamma',
    definition:
      "Spend model (Fader, Hardie & Lee 2005): each customer's orders vary around their own average, and averages differ between customers; a customer's expected spend mixes their own average with the population's, trusting their own more the more they bought. It assumes spend does not depend on how often a customer buys.",
  },
  expectedSpendSql: (params, x, zbar) => {
    // E[Z | x, z̄] = (pγ + p·x·z̄) / (p·x + q − 1), as conditionalExpectedSpend; z̄ counts as 0 when x = 0
    const { p, q, gamma } = toParams(params);
    const [dp, dq, dg] = [double(p), double(q), double(gamma)];
    return `((${dp} * ${dg} + ${dp} * ${x} * coalesce(${zbar}, 0)) / (${dp} * ${x} + ${dq} - 1))`;
  },
  logLikelihood: (p, d) => logLikelihoodGammaGamma(toParams(p), d),
  explain: (p, { words: w, correlation }) => {
    const lines = [
      p.q > 1
        ? `Across customers, the average value of a repeat order is pγ/(q−1) = ${w.moneyPrecise((p.p * p.gamma) / (p.q - 1))} (p = ${w.decimal(p.p, 4)}, q = ${w.decimal(p.q, 4)}, γ = ${w.decimal(p.gamma, 4)}).`
        : `q = ${w.decimal(p.q, 4)} is at most 1, so the model's average order value across customers is not finite: spend is extremely uneven.`,
    ];
    if (correlation !== undefined) {
      lines.push(
        Math.abs(correlation) > STRONG_CORRELATION
          ? `Warning: purchase frequency and average spend are correlated (r = ${w.decimal(correlation, 3)}); the model assumes they are independent, so its spend predictions are biased for frequent buyers.`
          : `Purchase frequency and average spend are nearly independent (r = ${w.decimal(correlation, 3)}), as the model assumes.`,
      );
    }
    return lines;
  },
  fit: fitGammaGamma,
  conditionalExpectedSpend: (p, x, z) => conditionalExpectedSpend(toParams(p), x, z),
};
