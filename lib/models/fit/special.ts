/**
 * Special functions for the CLV models: log-gamma, digamma, log-beta,
 * log-sum-exp, compensated summation and the Gauss hypergeometric function
 * 2F1 (with a log variant, and the Pareto/NBD series with its partial
 * derivatives for analytic gradients).
 *
 * Everything here is plain double-precision arithmetic with no dependencies.
 * Accuracy targets (checked in test/clv/special.test.ts and test/clv/fast-fit.test.ts):
 *  - lnGamma: ~1e-14 relative for x > 0 (including near its zeros at 1 and 2).
 *  - digamma: ~1e-14 relative for x > 0 (absolute near its root at 1.4616…).
 *  - hyp2f1 / lnHyp2f1: ~1e-13 relative for 0 ≤ z < 1 with a, b, c of the sizes
 *    the BG/NBD and Pareto/NBD formulas produce (up to a few hundred), z up to
 *    ~0.999; the series is summed with a rigorous tail bound.
 */

const LN_2PI_HALF = 0.9189385332046728; // ½·ln(2π)
const EULER_GAMMA = 0.5772156649015329;

// ---------------------------------------------------------------------------
// ζ(k), k = 2..ZETA_MAX, by Euler–Maclaurin summation (computed once at load).
// Used for the Taylor series of lnΓ(1+ε) (Abramowitz & Stegun 6.1.33).
// ---------------------------------------------------------------------------

const ZETA_MAX = 64;
const ZETA: number[] = computeZetaTable(ZETA_MAX);

function computeZetaTable(kMax: number): number[] {
  // ζ(s) = Σ_{n<N} n^-s + N^(1-s)/(s-1) + N^-s/2 + Σ_j B_2j/(2j)! · s(s+1)…(s+2j-2) · N^(-s-2j+1)
  const N = 20;
  const bernoulli = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6];
  const table: number[] = [];
  for (let s = 0; s <= kMax; s++) {
    if (s < 2) {
      table.push(NaN);
      continue;
    }
    let sum = 0;
    for (let n = N - 1; n >= 1; n--) sum += Math.pow(n, -s);
    let corr = Math.pow(N, 1 - s) / (s - 1) + Math.pow(N, -s) / 2;
    let rising = s; // s(s+1)…(s+2j-2)
    let fact = 2; // (2j)!
    for (let j = 1; j <= bernoulli.length; j++) {
      corr += (bernoulli[j - 1] / fact) * rising * Math.pow(N, -s - 2 * j + 1);
      rising *= (s + 2 * j - 1) * (s + 2 * j);
      fact *= (2 * j + 1) * (2 * j + 2);
    }
    table.push(sum + corr);
  }
  return table;
}

/** lnΓ(1+ε) for |ε| ≤ 0.5: −γε + Σ_{k≥2} (−1)^k ζ(k) ε^k / k (A&S 6.1.33). */
function lnGamma1p(eps: number): number {
  let sum = 0;
  let p = eps * eps; // ε^k, starting at k = 2
  for (let k = 2; k <= ZETA_MAX; k++) {
    const term = (k % 2 === 0 ? 1 : -1) * ZETA[k] * p / k;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    p *= eps;
  }
  return -EULER_GAMMA * eps + sum;
}

/** lnΓ(1+ε)/ε for |ε| ≤ 0.5 (−γ at ε = 0): the series of {@link lnGamma1p} divided by ε, exact at and near 0. */
function lnGamma1pOverEps(eps: number): number {
  let sum = 0;
  let p = eps; // ε^(k−1), starting at k = 2
  for (let k = 2; k <= ZETA_MAX; k++) {
    const term = (k % 2 === 0 ? 1 : -1) * ZETA[k] * p / k;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.max(Math.abs(sum), EULER_GAMMA)) break;
    p *= eps;
  }
  return -EULER_GAMMA + sum;
}

/** Stirling's series for x ≥ 10 (Bernoulli terms up to B16; error < 1e-17 relative there). */
function lnGammaStirling(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  // B_2k / (2k(2k-1)) for k = 1..8
  const series =
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 *
            (1 / 1260 +
              inv2 *
                (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 * (1 / 156 + inv2 * (-3617 / 122400))))))));
  return (x - 0.5) * Math.log(x) - x + LN_2PI_HALF + series;
}

/**
 * ln Γ(x) for x > 0. Returns +Infinity at 0 and NaN for negative or NaN input.
 *
 * Method: Taylor series of lnΓ(1+ε) around 1 and 2 for x ≤ 2.5 (keeps relative
 * accuracy near the zeros at x = 1 and 2), upward recurrence to x ≥ 10 and
 * Stirling's series otherwise.
 */
export function lnGamma(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return Infinity;
  if (x === Infinity) return Infinity;
  if (x < 0.5) return lnGamma1p(x) - Math.log(x); // Γ(x) = Γ(1+x)/x
  if (x <= 1.5) return lnGamma1p(x - 1);
  if (x <= 2.5) return Math.log1p(x - 2) + lnGamma1p(x - 2); // Γ(2+ε) = (1+ε)Γ(1+ε)
  if (x >= 10) return lnGammaStirling(x);
  // Γ(x) = Γ(x+n) / (x(x+1)…(x+n−1))
  let prod = 1;
  let y = x;
  while (y < 10) {
    prod *= y;
    y += 1;
  }
  return lnGammaStirling(y) - Math.log(prod);
}

/**
 * Digamma ψ(x) = d lnΓ(x)/dx for x > 0 (NaN for x < 0 or NaN, −Infinity at 0).
 *
 * Method: upward recurrence ψ(x) = ψ(x+1) − 1/x to x ≥ 10, then the
 * asymptotic series ψ(x) = ln x − 1/(2x) − Σ_k B_2k/(2k x^(2k)) (A&S 6.3.18)
 * with Bernoulli terms up to B16 (error < 1e-17 relative there). Absolute
 * accuracy ~1e-15 near the root x ≈ 1.4616, relative ~1e-15 elsewhere.
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  // B_2k / (2k) for k = 1..8
  const series =
    inv2 *
    (1 / 12 -
      inv2 *
        (1 / 120 -
          inv2 *
            (1 / 252 -
              inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 * (1 / 12 - inv2 * (3617 / 8160))))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a+b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/**
 * ln Σ_i w_i·e^(v_i), computed without overflow. `weights` (default all 1) may be
 * negative; the result is NaN when the weighted sum is negative and −Infinity
 * when it is zero (or when all values are −Infinity).
 */
export function logSumExp(values: readonly number[], weights?: readonly number[]): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (weights && weights[i] === 0) continue;
    if (values[i] > m) m = values[i];
  }
  if (m === -Infinity) return -Infinity;
  if (!Number.isFinite(m)) return m; // +Infinity or NaN
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    s += w * Math.exp(values[i] - m);
  }
  if (s < 0) return NaN;
  return m + Math.log(s);
}

/**
 * Compensated (Neumaier) summation: the rounding error of each addition is
 * carried along, so a sum of n terms is accurate to about ε·Σ|terms| instead
 * of n·ε·Σ|terms| (Neumaier 1974, "Rundungsfehleranalyse einiger Verfahren zur
 * Summation endlicher Summen", ZAMM 54).
 */
export class NeumaierSum {
  private sum = 0;
  private comp = 0;

  add(v: number): void {
    const t = this.sum + v;
    if (Math.abs(this.sum) >= Math.abs(v)) this.comp += this.sum - t + v;
    else this.comp += v - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.comp;
  }
}

/** ln(e^u + e^v) for two terms. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  const m = Math.max(u, v);
  return m + Math.log1p(Math.exp(-Math.abs(u - v)));
}

/** ln(e^u − e^v) for u ≥ v (−Infinity when equal, NaN when u < v). */
export function logDiffExp(u: number, v: number): number {
  if (v === -Infinity) return u;
  if (u < v) return NaN;
  if (u === v) return -Infinity;
  return u + Math.log1p(-Math.exp(v - u));
}

// ---------------------------------------------------------------------------
// Gauss hypergeometric function 2F1(a, b; c; z)
// ---------------------------------------------------------------------------

/** How 2F1 is evaluated: `direct` power series, `euler` transformation, or `auto` (default). */
export type Hyp2f1Method = 'auto' | 'direct' | 'euler';

export interface Hyp2f1Options {
  method?: Hyp2f1Method;
  /** Maximum number of series terms (default 2,000,000). */
  maxTerms?: number;
}

/** Result of summing the series in scaled form: value = sign · e^(ln). */
export interface Hyp2f1Log {
  /** ln |2F1(a, b; c; z)| (−Infinity when the value is exactly 0). */
  ln: number;
  /** Sign of the value: 1, −1 or 0. */
  sign: number;
  /** Number of series terms summed. */
  terms: number;
  /** Which form was summed. */
  method: 'direct' | 'euler';
  /** log10 of (largest |term| / |sum|): digits lost to cancellation (0 for all-positive series). */
  cancellationDigits: number;
  /** False when the series did not converge within maxTerms. */
  converged: boolean;
}

const LN2 = Math.LN2;
const RESCALE_EXP = 900; // rescale by 2^-900 when the running terms exceed 2^900
const RESCALE_FACTOR = Math.pow(2, -RESCALE_EXP);
const RESCALE_LIMIT = Math.pow(2, RESCALE_EXP);
const SERIES_EPS = 1e-17;

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/** Largest real root of A k² + B k + C = 0 (−Infinity when there is none). */
function largestRoot(A: number, B: number, C: number): number {
  if (A === 0) return B === 0 ? -Infinity : -C / B;
  const disc = B * B - 4 * A * C;
  if (disc < 0) return -Infinity;
  const sq = Math.sqrt(disc);
  const r1 = (-B + sq) / (2 * A);
  const r2 = (-B - sq) / (2 * A);
  return Math.max(r1, r2);
}

/**
 * Index after which the term ratio ρ(k) = |z|·|a+k||b+k| / (|c+k||1+k|) is
 * monotone and below 1 for good, so that |t_{k+1}|·ρmax/(1−ρmax) with
 * ρmax = max(ρ(k), |z|) bounds the rest of the series.
 *
 * Past max(−a, −b, −c, 0) all four factors are positive. ρ(k) = 1 solves
 * (|z|−1)k² + (|z|(a+b) − c − 1)k + (|z|ab − c) = 0 (the set where ρ > 1 is an
 * interval, so past its larger root ρ < 1); ρ′(k) = 0 solves
 * (c+1−a−b)k² + 2(c−ab)k + ((a+b)c − ab(c+1)) = 0 (at most two turning points).
 */
function monotoneTailStart(a: number, b: number, c: number, zAbs: number): number {
  const kPos = Math.max(0, -a, -b, -c);
  const kOne = largestRoot(zAbs - 1, zAbs * (a + b) - c - 1, zAbs * a * b - c);
  const kTurn = largestRoot(c + 1 - a - b, 2 * (c - a * b), (a + b) * c - a * b * (c + 1));
  return Math.ceil(Math.max(kPos, kOne, kTurn, 0)) + 1;
}

/**
 * Sums Σ_k (a)_k (b)_k / ((c)_k k!) z^k with a running scale (so that terms up
 * to ~10^(10^6) neither overflow nor lose precision), Neumaier-compensated
 * addition, and a rigorous tail bound for stopping.
 */
function sumSeries(a: number, b: number, c: number, z: number, maxTerms: number): Omit<Hyp2f1Log, 'method'> {
  let t = 1;
  let s = 1;
  let comp = 0;
  let lnScale = 0;
  let maxAbs = 1;
  const zAbs = Math.abs(z);
  const kTail = monotoneTailStart(a, b, c, zAbs);
  let k = 0;
  let converged = false;
  let satisfied = 0;
  if (z === 0) converged = true;
  for (; !converged && k < maxTerms; k++) {
    const ak = a + k;
    const bk = b + k;
    if (ak === 0 || bk === 0) {
      converged = true; // polynomial: every later term is exactly 0
      break;
    }
    const ck = c + k;
    if (ck === 0) throw new RangeError(`2F1(${a}, ${b}; ${c}; z) is undefined: c is a non-positive integer`);
    const ratio = ((ak * bk) / (ck * (k + 1))) * z;
    t *= ratio;
    // Neumaier summation
    const sum = s + t;
    if (Math.abs(s) >= Math.abs(t)) comp += s - sum + t;
    else comp += t - sum + s;
    s = sum;
    const at = Math.abs(t);
    if (at > maxAbs) maxAbs = at;
    if (at > RESCALE_LIMIT || Math.abs(s) > RESCALE_LIMIT) {
      t *= RESCALE_FACTOR;
      s *= RESCALE_FACTOR;
      comp *= RESCALE_FACTOR;
      maxAbs *= RESCALE_FACTOR;
      lnScale += RESCALE_EXP * LN2;
    }
    if (t === 0) {
      converged = true;
      k++;
      break;
    }
    if (k + 1 >= kTail) {
      // t is t_{k+1}; the next ratio is ρ(k+1) and every later one ≤ max(ρ(k+1), |z|)
      const a1 = a + k + 1;
      const b1 = b + k + 1;
      const c1 = c + k + 1;
      const rhoNext = Math.abs(((a1 * b1) / (c1 * (k + 2))) * z);
      const rhoMax = Math.max(rhoNext, zAbs);
      if (rhoMax < 1) {
        const tail = (at * rhoMax) / (1 - rhoMax);
        if (tail <= SERIES_EPS * Math.abs(s + comp)) {
          satisfied++;
          if (satisfied >= 2) {
            converged = true;
            k++;
            break;
          }
        } else satisfied = 0;
      }
    }
  }
  const total = s + comp;
  const sign = total > 0 ? 1 : total < 0 ? -1 : 0;
  const ln = Math.log(Math.abs(total)) + lnScale;
  const cancellationDigits = total === 0 ? Infinity : Math.max(0, Math.log10(maxAbs / Math.abs(total)));
  return { ln, sign, terms: k, cancellationDigits, converged };
}

function validateArgs(a: number, b: number, c: number, z: number): void {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError(`2F1 arguments must be finite numbers (got a=${a}, b=${b}, c=${c}, z=${z})`);
  const polynomial = isNonPositiveInteger(a) || isNonPositiveInteger(b);
  if (!polynomial && !(z > -1 && z < 1)) {
    throw new RangeError(`2F1(a, b; c; z) is implemented for −1 < z < 1 (got z=${z})`);
  }
}

/** Direct power series, in log form. */
export function lnHyp2f1Direct(a: number, b: number, c: number, z: number, maxTerms = 2_000_000): Hyp2f1Log {
  validateArgs(a, b, c, z);
  return { ...sumSeries(a, b, c, z, maxTerms), method: 'direct' };
}

/**
 * Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) · 2F1(c−a, c−b; c; z)
 * (Abramowitz & Stegun 15.3.3), in log form.
 */
export function lnHyp2f1Euler(a: number, b: number, c: number, z: number, maxTerms = 2_000_000): Hyp2f1Log {
  validateArgs(a, b, c, z);
  if (z >= 1) throw new RangeError(`Euler's transformation needs z < 1 (got z=${z})`);
  const r = sumSeries(c - a, c - b, c, z, maxTerms);
  return { ...r, ln: r.ln + (c - a - b) * Math.log1p(-z), method: 'euler' };
}

/**
 * 2F1(a, b; c; z) in log form, choosing the form that converges faster.
 *
 * The direct series' coefficients grow like k^(a+b−c−1) z^k and the
 * Euler-transformed ones like k^(c−a−b−1) z^k, so for z > 0 the Euler form is
 * tried first when c − a − b < 0 (this also removes the hump of huge terms the
 * direct series has for large a, b and z near 1). If the preferred form does
 * not converge or loses more than 6 digits to cancellation, the other form is
 * summed too and the better of the two returned.
 */
export function lnHyp2f1Detailed(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): Hyp2f1Log {
  const method = options.method ?? 'auto';
  const maxTerms = options.maxTerms ?? 2_000_000;
  if (method === 'direct') return lnHyp2f1Direct(a, b, c, z, maxTerms);
  if (method === 'euler') return lnHyp2f1Euler(a, b, c, z, maxTerms);
  validateArgs(a, b, c, z);
  const directIsPolynomial = isNonPositiveInteger(a) || isNonPositiveInteger(b);
  const eulerIsPolynomial = isNonPositiveInteger(c - a) || isNonPositiveInteger(c - b);
  const preferEuler = !directIsPolynomial && z > 0 && z < 1 && (eulerIsPolynomial || c - a - b < 0);
  const first = preferEuler ? lnHyp2f1Euler(a, b, c, z, maxTerms) : lnHyp2f1Direct(a, b, c, z, maxTerms);
  if (first.converged && first.cancellationDigits <= 6) return first;
  if (!(z < 1) || directIsPolynomial) return first;
  const second = preferEuler ? lnHyp2f1Direct(a, b, c, z, maxTerms) : lnHyp2f1Euler(a, b, c, z, maxTerms);
  if (!second.converged) return first;
  if (!first.converged) return second;
  return second.cancellationDigits < first.cancellationDigits ? second : first;
}

/**
 * ln 2F1(a, b; c; z) for a positive value (NaN when the value is not positive
 * or the series did not converge). Safe where 2F1 itself overflows.
 */
export function lnHyp2f1(a: number, b: number, c: number, z: number, options?: Hyp2f1Options): number {
  const r = lnHyp2f1Detailed(a, b, c, z, options);
  if (!r.converged || r.sign <= 0) return NaN;
  return r.ln;
}

/** Largest number of terms {@link lnHyp2f1Pareto} sums (enough for z up to about 1 − 2·10⁻⁴). */
export const PARETO_MAX_TERMS = 200_000;

/**
 * ln 2F1(a, b; a+1; z) for a > 0, b < a + 1 and 0 ≤ z < 1: the form in the
 * Pareto/NBD likelihood (A0), evaluated in its inner loop, so it has a fast path.
 *
 * Euler's transformation gives 2F1(a, b; a+1; z) = (1−z)^(1−b) · 2F1(1, a+1−b; a+1; z),
 * and the transformed series Σ_k Π_{j<k} (a+1−b+j)/(a+1+j) · z^k has positive
 * terms whose ratios are all below z, so the tail after a term t is at most
 * t·z/(1−z). Arguments outside a > 0, b < a + 1 go to {@link lnHyp2f1}.
 *
 * Returns NaN (never a silently truncated sum) when z ∉ [0, 1) or when the
 * series would need more than {@link PARETO_MAX_TERMS} terms (z within ~2·10⁻⁴
 * of 1, which in the Pareto/NBD needs α/β or β/α beyond ~5,000); a fit treats
 * that as outside the domain and steps back.
 */
export function lnHyp2f1Pareto(a: number, b: number, z: number): number {
  if (!(z >= 0 && z < 1)) return NaN;
  const c = a + 1;
  const p = c - b;
  if (!(a > 0 && p > 0)) return lnHyp2f1(a, b, c, z);
  if (z === 0) return 0;
  // terms fall at least like z^k: ~ln(1e-17·(1−z))/ln z of them are needed
  if (Math.log(1e-17 * (1 - z)) / Math.log(z) > PARETO_MAX_TERMS) return NaN;
  const bound = z / (1 - z);
  let t = 1;
  let s = 1;
  for (let k = 0; k < PARETO_MAX_TERMS; k++) {
    t *= ((p + k) / (c + k)) * z;
    s += t;
    if (t * bound <= 1e-17 * s) return (1 - b) * Math.log1p(-z) + Math.log(s);
  }
  return NaN;
}

/**
 * ln S and its partial derivatives, where S(p, c, z) = Σ_k Π_{j<k} (p+j)/(c+j) · z^k
 * is the series {@link lnHyp2f1Pareto} sums after Euler's transformation
 * (so ln 2F1(a, b; a+1; z) = (1−b) ln(1−z) + ln S with p = a+1−b, c = a+1).
 * For 0 < p < c and 0 ≤ z < 1; `out` receives
 * [ln S, ∂ln S/∂p, ∂ln S/∂c, ∂ln S/∂z], all NaN when z ∉ [0, 1) or the series
 * would need more than {@link PARETO_MAX_TERMS} terms.
 *
 * Termwise: t_k = Π_{j<k} (p+j)/(c+j) · z^k, ∂t_k/∂p = t_k Σ_{j<k} 1/(p+j),
 * ∂t_k/∂c = −t_k Σ_{j<k} 1/(c+j), ∂t_k/∂z = k t_k / z. Every term ratio is
 * below z (p < c), so after the term t_k the remaining sums are at most
 * t_k z/(1−z) (value), t_k [D z/(1−z) + z/((1−z)² (p+k))] (∂p, with D the
 * running Σ 1/(p+j); the same with c for ∂c) and t_k [k z/(1−z) + z/(1−z)²] (Σ k t_k);
 * the series stops when each is below 1e-17 of its sum (1e-16 of S + sum for
 * the derivatives).
 */
export function lnParetoSeriesGrad(p: number, c: number, z: number, out: Float64Array | number[]): void {
  sharedSeries.reset(p, c);
  sharedSeries.evaluate(z, out);
}

/**
 * {@link lnParetoSeriesGrad} for one (p, c) at many z: the coefficients
 * (p+k)/(c+k) and the running sums Σ 1/(p+j), Σ 1/(c+j) are tabulated once
 * (extended as far as the largest z needs), so each further z costs only
 * multiplications and additions. The results are the same to the last bit.
 */
export class ParetoSeries {
  private p = NaN;
  private c = NaN;
  private length = 0;
  /** (p+k)/(c+k), Σ_{j≤k} 1/(p+j), Σ_{j≤k} 1/(c+j), 1/(p+k+1), 1/(c+k+1). */
  private ratio: Float64Array = new Float64Array(64);
  private sumP: Float64Array = new Float64Array(64);
  private sumC: Float64Array = new Float64Array(64);
  private invP1: Float64Array = new Float64Array(64);
  private invC1: Float64Array = new Float64Array(64);

  /** Starts a new (p, c). */
  reset(p: number, c: number): void {
    this.p = p;
    this.c = c;
    this.length = 0;
  }

  private extend(to: number): void {
    if (to > this.ratio.length) {
      const size = Math.min(Math.max(to, 2 * this.ratio.length), PARETO_MAX_TERMS);
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(size);
        b.set(a.subarray(0, this.length));
        return b;
      };
      this.ratio = grow(this.ratio);
      this.sumP = grow(this.sumP);
      this.sumC = grow(this.sumC);
      this.invP1 = grow(this.invP1);
      this.invC1 = grow(this.invC1);
    }
    const { p, c } = this;
    let dp = this.length > 0 ? this.sumP[this.length - 1] : 0;
    let dc = this.length > 0 ? this.sumC[this.length - 1] : 0;
    for (let k = this.length; k < to; k++) {
      const ic = 1 / (c + k);
      dp += 1 / (p + k);
      dc += ic;
      this.ratio[k] = (p + k) * ic;
      this.sumP[k] = dp;
      this.sumC[k] = dc;
      this.invP1[k] = 1 / (p + k + 1);
      this.invC1[k] = 1 / (c + k + 1);
    }
    this.length = to;
  }

  /** [ln S, ∂ln S/∂p, ∂ln S/∂c, ∂ln S/∂z] at z for the current (p, c) into `out`. */
  evaluate(z: number, out: Float64Array | number[]): void {
    const { p, c } = this;
    if (!(z >= 0 && z < 1) || !(p > 0 && c > p)) {
      out[0] = out[1] = out[2] = out[3] = NaN;
      return;
    }
    if (z === 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = 0;
      out[3] = p / c;
      return;
    }
    if (Math.log(1e-17 * (1 - z)) / Math.log(z) > PARETO_MAX_TERMS) {
      out[0] = out[1] = out[2] = out[3] = NaN;
      return;
    }
    const q = z / (1 - z);
    const q2 = q / (1 - z);
    let t = 1;
    let s = 1;
    let sp = 0; // Σ t_k dp_k
    let sc = 0; // Σ t_k dc_k
    let sk = 0; // Σ k t_k
    for (let k = 0; k < PARETO_MAX_TERMS; k++) {
      if (k >= this.length) this.extend(Math.min(PARETO_MAX_TERMS, Math.max(2 * this.length, 32)));
      const dp = this.sumP[k];
      const dc = this.sumC[k];
      t *= this.ratio[k] * z;
      const k1 = k + 1;
      s += t;
      sp += t * dp;
      sc += t * dc;
      sk += k1 * t;
      if (
        t * q <= 1e-17 * s &&
        t * (dp * q + q2 * this.invP1[k]) <= 1e-16 * (s + sp) &&
        t * (dc * q + q2 * this.invC1[k]) <= 1e-16 * (s + sc) &&
        t * (k1 * q + q2) <= 1e-16 * (s + sk)
      ) {
        out[0] = Math.log(s);
        out[1] = sp / s;
        out[2] = -sc / s;
        out[3] = sk / (z * s);
        return;
      }
    }
    out[0] = out[1] = out[2] = out[3] = NaN;
  }
}

const sharedSeries = new ParetoSeries();

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for −1 < z < 1 (any z when a
 * or b is a non-positive integer). NaN when the series does not converge
 * within `maxTerms`; ±Infinity when the value overflows a double.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options?: Hyp2f1Options): number {
  const r = lnHyp2f1Detailed(a, b, c, z, options);
  if (!r.converged) return NaN;
  if (r.sign === 0) return 0;
  return r.sign * Math.exp(r.ln);
}

// ---------------------------------------------------------------------------
// The exponential-integral ratio of the Pareto/NBD's common-dropout-rate limit
// ---------------------------------------------------------------------------

/** Below this z (and for k below {@link RATIO_SERIES_K}) the ratio is summed as a power series, above it by the continued fraction. */
const RATIO_SERIES_Z = 2;
const RATIO_SERIES_K = 30;
/** Iterations of the continued fraction (it needs ~60 at z = 2, fewer for larger z or k). */
const RATIO_CF_ITERATIONS = 5_000;

/**
 * R(k, z) = ∫₀^∞ (1 + u/z)^(−k) e^(−u) du = z·e^z·E_k(z), for k > 0 and z > 0, with E_k the
 * generalized exponential integral ∫₁^∞ e^(−zt) t^(−k) dt (Abramowitz & Stegun 5.1.4). It lies in
 * (0, 1); R → 1 − k/z for large z. NaN where it cannot be computed.
 *
 * Method: for z ≥ 2 (or k ≥ 30) the continued fraction of E_k (A&S 5.1.22, evaluated by the modified
 * Lentz method: Press et al., Numerical Recipes, 3rd ed., §6.3), which converges in tens of
 * iterations there; below, the series E_k(z) = Γ(1−k) z^(k−1) − Σ_{n≥0} (−z)^n / (n! (1−k+n))
 * (A&S 5.1.12 with Γ(1−k, z) = Γ(1−k) − γ(1−k, z)). Where k is near an integer m + 1 the pole of
 * Γ(1−k) and the term n = m cancel: with ε = m + 1 − k (|ε| ≤ ½) they are summed as
 * (−z)^m/m! · (G − 1)/ε, G = Γ(1+ε) z^(−ε) / Π_{j=1..m} (1 − ε/j), from ln G/ε, which is exact at ε = 0.
 */
export function expIntRatio(k: number, z: number): number {
  if (!(k > 0 && z > 0) || !Number.isFinite(k)) return NaN;
  if (z === Infinity) return 1;
  if (z >= RATIO_SERIES_Z || k >= RATIO_SERIES_K) return ratioContinuedFraction(k, z);
  return z * Math.exp(z) * expIntSeries(k, z);
}

function ratioContinuedFraction(k: number, z: number): number {
  const tiny = 1e-300;
  let b = z + k;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= RATIO_CF_ITERATIONS; i++) {
    const an = -i * (k - 1 + i);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = c * d;
    h *= del;
    if (Math.abs(del - 1) <= 1e-16) return z * h;
  }
  return NaN;
}

/** E_k(z) by its power series (see {@link expIntRatio}), for 0 < z < 2. */
function expIntSeries(k: number, z: number): number {
  const a = 1 - k;
  const m = Math.round(k - 1);
  const lnZ = Math.log(z);
  let sum = 0;
  let term = 1; // (−z)^n / n!
  let special = 0;
  for (let n = 0; n < 200; n++) {
    if (n === m) special = term;
    else sum += term / (a + n);
    if (n > m && n > z && Math.abs(term) < 1e-18 * Math.abs(sum)) break;
    term *= -z / (n + 1);
  }
  if (m < 0) return Math.exp(lnGamma(a) - a * lnZ) - sum;
  const eps = a + m; // |ε| ≤ ½
  let q = lnGamma1pOverEps(eps) - lnZ; // ln G / ε
  for (let j = 1; j <= m; j++) q -= eps === 0 ? -1 / j : Math.log1p(-eps / j) / eps;
  const gMinusOneOverEps = eps === 0 ? q : Math.expm1(eps * q) / eps;
  return special * gMinusOneOverEps - sum;
}
