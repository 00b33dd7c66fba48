/**
 * Gamma-Gamma model of spend per transaction: Fader, Hardie & Lee (2005),
 * "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of
 * Marketing Research 42(4), 415–430, section "Spend per transaction", and
 * Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"
 * (brucehardie.com note 025). Formulas also in FORMULAS.md.
 *
 * A customer's transaction values are Gamma(p, ν); ν varies across customers
 * as Gamma(q, γ). Fitted on repeat buyers only (x ≥ 1), with z̄ the mean value
 * of their repeat transactions (the first purchase left out). The model
 * assumes spend is independent of purchase frequency: check
 * {@link spendFrequencyCorrelation} (0.11 on CDNOW).
 */
import { fitLogSpace, ModelInputError, ModelNotIdentifiedError, type FitOptions, type FitResult, type SpendData, type SpendModel } from './model.ts';
import { lnGamma } from './special.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

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
 * Total log-likelihood (FHL 2005 "RFM and CLV", density of z̄ given x):
 *   ln f(z̄|x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄)
 * lnΓ(px+q) − lnΓ(px) is computed once per distinct x.
 */
export function logLikelihoodGammaGamma(params: GammaGammaParams, data: SpendData): number {
  const { p, q, gamma } = params;
  if (!(p > 0 && q > 0 && gamma > 0)) return NaN;
  const common = -lnGamma(q) + q * Math.log(gamma);
  const perX = new Map<number, number>();
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    const x = data.x[i];
    const z = data.zbar[i];
    const px = p * x;
    let gx = perX.get(x);
    if (gx === undefined) {
      gx = lnGamma(px + q) - lnGamma(px) + px * Math.log(x);
      perX.set(x, gx);
    }
    ll += w * (gx + common + (px - 1) * Math.log(z) - (px + q) * Math.log(gamma + x * z));
  }
  return ll;
}

function toParams(p: Record<string, number>): GammaGammaParams {
  return { p: p.p, q: p.q, gamma: p.gamma };
}

function spendTotals(data: SpendData): { customers: number; mean: number; distinctZ: number } {
  let customers = 0;
  let sum = 0;
  const zs = new Set<number>();
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    customers += w;
    sum += w * data.zbar[i];
    zs.add(data.zbar[i]);
  }
  return { customers, mean: sum / customers, distinctZ: zs.size };
}

/**
 * Fits the Gamma-Gamma model by maximum likelihood (multi-start BFGS in
 * log-parameter space). Throws ModelNotIdentifiedError when there are fewer
 * than two repeat buyers or every repeat buyer has the same average spend.
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
    throw new ModelNotIdentifiedError('gamma-gamma', 'the spend model cannot be fitted: no customer made a repeat purchase, and it is fitted on repeat purchases only');
  }
  if (customers < 2) {
    throw new ModelNotIdentifiedError(
      'gamma-gamma',
      'the spend model cannot be fitted on a single repeat buyer: it estimates how average spend varies between customers, which takes many customers',
    );
  }
  if (distinctZ < 2) {
    throw new ModelNotIdentifiedError(
      'gamma-gamma',
      'the spend model cannot be fitted: every repeat buyer has the same average spend, so there is no variation between customers to estimate',
    );
  }
  // E[Z] = pγ/(q−1): start near the observed mean with moderate heterogeneity
  const starts = [
    { p: 1, q: 2, gamma: mean },
    { p: 5, q: 4, gamma: (3 * mean) / 5 },
    { p: 0.5, q: 1.5, gamma: mean / 2 },
  ];
  const negLL = (theta: readonly number[]): number =>
    -logLikelihoodGammaGamma({ p: Math.exp(theta[0]), q: Math.exp(theta[1]), gamma: Math.exp(theta[2]) }, data);
  return fitLogSpace({ model: 'gamma-gamma', names: GAMMA_GAMMA_PARAMS, negLLTotal: negLL, customers, starts, reference: { gamma: mean }, options, defaultOptimizer: { gradTol: 1e-9 } });
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

/** Gamma-Gamma behind the common {@link SpendModel} interface. */
export const gammaGamma: SpendModel = {
  name: 'gamma-gamma',
  paramNames: GAMMA_GAMMA_PARAMS,
  logLikelihood: (p, d) => logLikelihoodGammaGamma(toParams(p), d),
  fit: fitGammaGamma,
  conditionalExpectedSpend: (p, x, z) => conditionalExpectedSpend(toParams(p), x, z),
};
