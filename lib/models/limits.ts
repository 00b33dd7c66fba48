/**
 * The purchase models at the edge of their parameter space, and their limits.
 *
 * When the data show no dropout, the BG/NBD and MBG/NBD maximum-likelihood fits run to a → 0 and the
 * Pareto/NBD fit to s → 0 (or β → ∞): every customer's dropout probability or rate goes to 0. When the
 * dropout does not vary between customers, BG/NBD and MBG/NBD run to a, b → ∞ with a/(a+b) fixed, and
 * Pareto/NBD to s, β → ∞ with s/β fixed. The full model then never converges (and Pareto/NBD's
 * likelihood gets expensive on the way), but each edge has a well-defined limiting model:
 *
 *   `nbd`            no dropout: purchases Poisson(λ), λ ~ Gamma(r, α), every customer active for ever
 *                    (the NBD; Ehrenberg 1959), parameters r, α;
 *   `common_dropout` BG/NBD and MBG/NBD with the same dropout probability p after each purchase for
 *                    everyone (parameters r, α, p); Pareto/NBD with the same exponential dropout
 *                    rate μ for everyone (r, α, mu).
 *
 * {@link fitWithLimits} fits the full model (bounded in iterations and time, and stopped once a
 * parameter has run off for good), and when that fit did not converge, fits both limiting models
 * (they have two and three parameters and are cheap) and takes the better one, provided the full
 * model's fit does not beat it by more than {@link LIMIT_LL_MARGIN} log-likelihood units; its result
 * says which limit was taken and why (FitResult.limit). A fitted limit is recognised by its
 * parameters ({@link limitOf}: r and α alone, or with p or mu), so every valuation (P(alive),
 * expectations, scoring SQL) works on it through the model's usual interface ({@link withLimits}).
 * Formulas: docs/formulas.md, "Purchase models at the edge of their parameter space".
 */
import type { BgNbdPrepared } from './bg-nbd.ts';
import { double } from '../engine/sql.ts';
import { digamma, expIntRatio, lnGamma, NeumaierSum } from './fit/special.ts';
import { fitPrepared } from './fit/log-space-fit.ts';
import { FIT_SECONDS, type FitLimit, type FitOptions, type FitResult, type FrequencyData, type LimitId, type NumberWords, type PAliveSql, type PurchaseModel } from './model.ts';

/** A purchase-model fit with its limits takes at most this many times the time limit of one fit (FIT_SECONDS), all stages together… */
const LIMITS_BUDGET = 2;
/** …each stage getting what is left of it, and at least this. */
const MIN_STAGE_SECONDS = 1;

/**
 * The full model must beat its best limit by more than this many log-likelihood units to be kept when
 * its own fit did not converge: half the 95% point of χ² with one degree of freedom (3.84 / 2), the
 * likelihood-ratio test of one parameter more.
 */
export const LIMIT_LL_MARGIN = 1.92;

/** Parameter names of the limiting models. */
export const NBD_PARAMS = ['r', 'alpha'] as const;
export const COMMON_P_PARAMS = ['r', 'alpha', 'p'] as const;
export const COMMON_MU_PARAMS = ['r', 'alpha', 'mu'] as const;

/** The limit that fitted parameters belong to: r and α alone are the NBD; with p or mu, the common dropout; else none. */
export function limitOf(params: Record<string, number>): LimitId | undefined {
  if ('p' in params || 'mu' in params) return 'common_dropout';
  if (!('a' in params) && !('s' in params) && 'r' in params && 'alpha' in params) return 'nbd';
  return undefined;
}

/** A limit named in a few words, as in "its no-dropout (NBD) limit". */
export function limitName(id: LimitId): string {
  return id === 'nbd' ? 'no-dropout (NBD)' : 'common-dropout';
}

/** A limit of one model family named in words, as in "the common-dropout-rate limit of Pareto/NBD". */
export function limitTitle(id: LimitId, family: Family): string {
  if (id === 'nbd') return limitName(id);
  return family === 'pareto' ? 'common-dropout-rate' : 'common-dropout-probability';
}

/** Which full model a limit belongs to: BG/NBD, MBG/NBD (`modified`: a dropout chance right after the first purchase too) or Pareto/NBD. */
export type Family = 'beta-geo' | 'modified-beta-geo' | 'pareto';

// ---------------------------------------------------------------------------
// NBD: no dropout
// ---------------------------------------------------------------------------

/**
 * NBD log-likelihood on data prepared by prepareBgNbd (grouped by x, distinct times), with its gradient
 * in (r, α) when `grad` is given. Per customer, the BG/NBD likelihood without dropout (A1 + A3):
 *   LL = lnΓ(r+x) − lnΓ(r) + r ln α − (r+x) ln(α+T)
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − ln(α+T),  ∂/∂α = r/α − (r+x)/(α+T).
 * t_x does not enter: without dropout, when the purchases fell tells nothing more.
 */
export function logLikelihoodNbdPrepared(params: { r: number; alpha: number }, prep: BgNbdPrepared, grad: Float64Array | number[] | null): number {
  const { r, alpha } = params;
  if (!(r > 0 && alpha > 0)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupWeight, times, groupTimeStart, groupTimes, groupTimeWeight } = prep;
  const lnAlpha = Math.log(alpha);
  const lnGr = lnGamma(r);
  const psiR = grad ? digamma(r) : 0;
  const ll = new NeumaierSum();
  let gR = 0;
  let gAlpha = 0;
  for (let k = 0; k < xs.length; k++) {
    const rx = r + xs[k];
    const W = groupWeight[k];
    let sLn = 0;
    let sInv = 0;
    for (let q = groupTimeStart[k]; q < groupTimeStart[k + 1]; q++) {
      const gw = groupTimeWeight[q];
      if (gw === 0) continue;
      const t = alpha + times[groupTimes[q]];
      sLn += gw * Math.log(t);
      sInv += gw / t;
    }
    ll.add(W * (lnGamma(rx) - lnGr + r * lnAlpha) - rx * sLn);
    if (grad) {
      gR += W * (digamma(rx) - psiR + lnAlpha) - sLn;
      gAlpha += (W * r) / alpha - rx * sInv;
    }
  }
  if (grad) {
    grad[0] = gR;
    grad[1] = gAlpha;
  }
  return ll.value;
}

/** E[Y(t) | x, T] of the NBD: the posterior mean purchase rate (r+x)/(α+T) times t (everyone is active). */
export function expectedNbd(params: Record<string, number>, t: number, x: number, T: number): number {
  return ((params.r + x) / (params.alpha + T)) * t;
}

// ---------------------------------------------------------------------------
// BG/NBD and MBG/NBD with a common dropout probability p
// ---------------------------------------------------------------------------

/**
 * Log-likelihood with a common dropout probability p (BG/NBD at a, b → ∞ with a/(a+b) = p; FHL 2005
 * eq. 3 before the beta mixing), on data prepared by prepareBgNbd, with its gradient in (r, α, p):
 *   BG/NBD:  L = Γ(r+x)/Γ(r) α^r [ (1−p)^x (α+T)^−(r+x) + [x>0] p (1−p)^(x−1) (α+t_x)^−(r+x) ]
 *   MBG/NBD: L = Γ(r+x)/Γ(r) α^r [ (1−p)^(x+1) (α+T)^−(r+x) + p (1−p)^x (α+t_x)^−(r+x) ]
 * (MBG/NBD: a dropout chance right after the first purchase too). With ω the share of the second
 * (dropped-out) term and c = x (BG/NBD) or x + 1 (MBG/NBD) the dropout chances:
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − (1−ω) ln(α+T) − ω ln(α+t_x)
 *   ∂/∂α = r/α − (r+x) [(1−ω)/(α+T) + ω/(α+t_x)]
 *   ∂/∂p = −c/(1−p) + ω/(p(1−p))
 */
export function logLikelihoodCommonPPrepared(
  params: { r: number; alpha: number; p: number },
  prep: BgNbdPrepared,
  grad: Float64Array | number[] | null,
  modified: boolean,
): number {
  const { r, alpha, p } = params;
  if (!(r > 0 && alpha > 0 && p > 0 && p < 1)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupStart, groupWeight, times, iT, iTx, w } = prep;
  const lnAlpha = Math.log(alpha);
  const lnGr = lnGamma(r);
  const psiR = grad ? digamma(r) : 0;
  const lnQ = Math.log1p(-p);
  const lnOdds = Math.log(p) - lnQ;
  const lnTime = times.map((t) => Math.log(alpha + t));
  const ll = new NeumaierSum();
  let gR = 0;
  let gAlpha = 0;
  let gP = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const rx = r + x;
    const c = modified ? x + 1 : x;
    const W = groupWeight[k];
    ll.add(W * (lnGamma(rx) - lnGr + r * lnAlpha + c * lnQ));
    gR += W * (digamma(rx) - psiR + lnAlpha);
    gAlpha += (W * r) / alpha;
    gP -= (W * c) / (1 - p);
    const drop = modified || x > 0;
    for (let i = groupStart[k]; i < groupStart[k + 1]; i++) {
      const wi = w[i];
      const lT = lnTime[iT[i]];
      const lX = lnTime[iTx[i]];
      // ln of the bracket over its first term: ln(1 + e^d), d = ln(p/(1−p)) + (r+x)(ln(α+T) − ln(α+t_x))
      let om = 0;
      let extra = 0;
      if (drop) {
        const d = lnOdds + rx * (lT - lX);
        if (d > 0) {
          const e = Math.exp(-d);
          extra = d + Math.log1p(e);
          om = 1 / (1 + e);
        } else {
          const e = Math.exp(d);
          extra = Math.log1p(e);
          om = e / (1 + e);
        }
      }
      ll.add(wi * (extra - rx * lT));
      gR -= wi * ((1 - om) * lT + om * lX);
      gAlpha -= wi * rx * ((1 - om) / (alpha + times[iT[i]]) + om / (alpha + times[iTx[i]]));
      gP += (wi * om) / (p * (1 - p));
    }
  }
  if (grad) {
    grad[0] = gR;
    grad[1] = gAlpha;
    grad[2] = gP;
  }
  return ll.value;
}

/** P(alive | x, t_x, T) with a common p: 1 / (1 + [x>0 or MBG/NBD] · p/(1−p) · ((α+T)/(α+t_x))^(r+x)). */
export function pAliveCommonP(params: Record<string, number>, x: number, tx: number, T: number, modified: boolean): number {
  const { r, alpha, p } = params;
  if (x === 0 && !modified) return 1;
  const lnOdds = Math.log(p) - Math.log1p(-p) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/**
 * E[Y(t) | x, T, alive] with a common p: an active customer with rate λ stays active for an
 * exponential time of rate λp (each purchase ends it with probability p), so expects
 * (1 − e^(−λpt))/p purchases; over λ ~ Gamma(r+x, α+T):
 *   (1/p) · [1 − ((α+T)/(α+T+pt))^(r+x)]
 * (the limit of BG/NBD's eq. 10 bracket as a, b → ∞: 2F1(r+x, b+x; a+b+x−1; z) → (1 − (1−p) z)^−(r+x)).
 */
export function expectedIfAliveCommonP(params: Record<string, number>, t: number, x: number, T: number): number {
  const { r, alpha, p } = params;
  if (t === 0) return 0;
  return -Math.expm1(-(r + x) * Math.log1p((p * t) / (alpha + T))) / p;
}

/** E[X(t)] of a new customer with a common p: (1/p) [1 − (α/(α+pt))^r], times 1 − p for MBG/NBD (the first dropout chance). */
export function expectedNewCommonP(params: Record<string, number>, t: number, modified: boolean): number {
  const { p } = params;
  return (modified ? 1 - p : 1) * expectedIfAliveCommonP(params, t, 0, 0);
}

// ---------------------------------------------------------------------------
// Pareto/NBD with a common dropout rate μ
// ---------------------------------------------------------------------------

/**
 * ln of the two terms of a customer's likelihood with a common dropout rate μ, per unit of
 * Γ(r+x)/Γ(r) α^r. With k = r + x, purchases Poisson(λ) while active, a lifetime exponential(μ) and
 * λ ~ Gamma(r, α):
 *   L/(Γ(r+x)/Γ(r) α^r) = e^(−μT) (α+T)^−k + μ ∫_{t_x}^T e^(−μτ) (α+τ)^−k dτ
 * and μ ∫_t^∞ e^(−μτ) (α+τ)^−k dτ = e^(−μt) (α+t)^−k R(k, μ(α+t)) with R the exponential-integral
 * ratio (lib/models/fit/special.ts expIntRatio), so
 *   L/(…) = e^(−μT) (α+T)^−k (1 − R(k, μ(α+T))) + e^(−μ t_x) (α+t_x)^−k R(k, μ(α+t_x)):
 * the customer still active at T, and the customer who left between t_x and T.
 * `alive` is the log of the first term, `left` of the second.
 */
function commonMuTerms(r: number, alpha: number, mu: number, x: number, tx: number, T: number): { alive: number; left: number } {
  const k = r + x;
  const rT = expIntRatio(k, mu * (alpha + T));
  const rX = expIntRatio(k, mu * (alpha + tx));
  return {
    alive: -mu * T - k * Math.log(alpha + T) + Math.log1p(-rT),
    left: -mu * tx - k * Math.log(alpha + tx) + Math.log(rX),
  };
}

/**
 * Log-likelihood of Pareto/NBD with a common dropout rate μ (the limit s, β → ∞ with s/β = μ; see
 * {@link commonMuTerms}), on data prepared by prepareBgNbd, with its gradient in (r, α, μ) when `grad`
 * is given. R is computed once per distinct (x, t) that a customer has as (x, t_x) or (x, T). With
 * z = μ(α+t), ∂R/∂z = R (1 + k/z) − 1 (from dE_k/dz = −E_(k−1) and the recurrence of E_k, A&S 5.1.26
 * and 5.1.14); ∂R/∂k, which has no closed form, by central differences of R (its relative error
 * ~1e-10: R is accurate to ~1e-15).
 */
export function logLikelihoodCommonMuPrepared(params: { r: number; alpha: number; mu: number }, prep: BgNbdPrepared, grad: Float64Array | number[] | null = null): number {
  const { r, alpha, mu } = params;
  if (!(r > 0 && alpha > 0 && mu > 0)) {
    if (grad) grad.fill(NaN);
    return NaN;
  }
  const { xs, groupStart, groupWeight, times, groupTimeStart, groupTimes, iT, iTx, w } = prep;
  const lnAlpha = Math.log(alpha);
  const lnGr = lnGamma(r);
  const psiR = grad ? digamma(r) : 0;
  // per distinct time of the x group being summed: ln of the term at t as T (alive) and as t_x (left), and their gradients
  const aliveAt = new Float64Array(times.length);
  const leftAt = new Float64Array(times.length);
  const aliveGrad = grad ? new Float64Array(3 * times.length) : null;
  const leftGrad = grad ? new Float64Array(3 * times.length) : null;
  const ll = new NeumaierSum();
  let gR = 0;
  let gAlpha = 0;
  let gMu = 0;
  for (let g = 0; g < xs.length; g++) {
    const x = xs[g];
    const k = r + x;
    const h = 1e-5 * k;
    for (let q = groupTimeStart[g]; q < groupTimeStart[g + 1]; q++) {
      const j = groupTimes[q];
      const t = times[j];
      const z = mu * (alpha + t);
      const R = expIntRatio(k, z);
      const lnA = Math.log(alpha + t);
      const base = -mu * t - k * lnA;
      aliveAt[j] = base + Math.log1p(-R);
      leftAt[j] = base + Math.log(R);
      if (aliveGrad && leftGrad) {
        const dK = (expIntRatio(k + h, z) - expIntRatio(k - h, z)) / (2 * h);
        const dZ = R * (1 + k / z) - 1;
        const o = 3 * j;
        aliveGrad[o] = -lnA - dK / (1 - R);
        aliveGrad[o + 1] = -k / (alpha + t) - (dZ * mu) / (1 - R);
        aliveGrad[o + 2] = -t - (dZ * (alpha + t)) / (1 - R);
        leftGrad[o] = -lnA + dK / R;
        leftGrad[o + 1] = -k / (alpha + t) + (dZ * mu) / R;
        leftGrad[o + 2] = -t + (dZ * (alpha + t)) / R;
      }
    }
    const W = groupWeight[g];
    ll.add(W * (lnGamma(k) - lnGr + r * lnAlpha));
    if (grad) {
      gR += W * (digamma(k) - psiR + lnAlpha);
      gAlpha += (W * r) / alpha;
    }
    for (let i = groupStart[g]; i < groupStart[g + 1]; i++) {
      const u = aliveAt[iT[i]];
      const v = leftAt[iTx[i]];
      const m = Math.max(u, v);
      const eu = Math.exp(u - m);
      const ev = Math.exp(v - m);
      ll.add(w[i] * (m + Math.log(eu + ev)));
      if (aliveGrad && leftGrad) {
        const wu = (w[i] * eu) / (eu + ev);
        const wv = w[i] - wu;
        const a = 3 * iT[i];
        const b = 3 * iTx[i];
        gR += wu * aliveGrad[a] + wv * leftGrad[b];
        gAlpha += wu * aliveGrad[a + 1] + wv * leftGrad[b + 1];
        gMu += wu * aliveGrad[a + 2] + wv * leftGrad[b + 2];
      }
    }
  }
  if (grad) {
    grad[0] = gR;
    grad[1] = gAlpha;
    grad[2] = gMu;
  }
  return ll.value;
}

/**
 * P(alive | x, t_x, T) with a common μ: the still-active term e^(−μT)(α+T)^−(r+x) of the likelihood over
 * the whole (see {@link commonMuTerms}), 1 / ((1 − R(r+x, μ(α+T))) + e^(μ(T−t_x)) ((α+T)/(α+t_x))^(r+x) R(r+x, μ(α+t_x))).
 */
export function pAliveCommonMu(params: Record<string, number>, x: number, tx: number, T: number): number {
  const { r, alpha, mu } = params;
  const { alive, left } = commonMuTerms(r, alpha, mu, x, tx, T);
  const active = -mu * T - (r + x) * Math.log(alpha + T);
  return 1 / (Math.exp(alive - active) + Math.exp(left - active));
}

/** E[Y(t) | x, T, alive] with a common μ: (r+x)/(α+T) · (1 − e^(−μt))/μ (expected rate × expected active time within t). */
export function expectedIfAliveCommonMu(params: Record<string, number>, t: number, x: number, T: number): number {
  const { r, alpha, mu } = params;
  return ((r + x) / (alpha + T)) * (-Math.expm1(-mu * t) / mu);
}

// ---------------------------------------------------------------------------
// Scoring: the limiting models behind the full model's interface
// ---------------------------------------------------------------------------

/** What a limiting model computes for scoring (the same meaning as the PurchaseModel methods). */
interface LimitFunctions {
  pAlive(x: number, tx: number, T: number): number;
  expectedIfAlive(t: number, x: number, T: number): number;
  expectedNew(t: number): number;
  logLikelihood(prep: BgNbdPrepared): number;
  pAliveSql(unitDays: number): PAliveSql;
}

function limitFunctions(family: Family, p: Record<string, number>): LimitFunctions | undefined {
  const id = limitOf(p);
  if (id === undefined) return undefined;
  const modified = family === 'modified-beta-geo';
  if (id === 'nbd') {
    return {
      pAlive: () => 1,
      expectedIfAlive: (t, x, T) => expectedNbd(p, t, x, T),
      expectedNew: (t) => expectedNbd(p, t, 0, 0),
      logLikelihood: (prep) => logLikelihoodNbdPrepared({ r: p.r, alpha: p.alpha }, prep, null),
      pAliveSql: () => ({ sql: '1.0' }),
    };
  }
  if (family === 'pareto') {
    const { r, alpha, mu } = p;
    return {
      pAlive: (x, tx, T) => pAliveCommonMu(p, x, tx, T),
      expectedIfAlive: (t, x, T) => expectedIfAliveCommonMu(p, t, x, T),
      expectedNew: (t) => expectedIfAliveCommonMu(p, t, 0, 0),
      logLikelihood: (prep) => logLikelihoodCommonMuPrepared({ r, alpha, mu }, prep),
      // 1 / (e^c(x,T) + e^(μ(T − t_x) + (r+x)(ln(α+T) − ln(α+t_x)) + g(x,t_x))), c = ln(1 − R at T), g = ln R at t_x
      pAliveSql: (unitDays) => {
        const [dr, da, dm, d] = [double(r), double(alpha), double(mu), double(unitDays)];
        return {
          sql: `1.0 / (exp(s.c) + exp(${dm} * (h.T_days - h.tx_days) / ${d} + (${dr} + h.x) * (ln(${da} + h.T_days / ${d}) - ln(${da} + h.tx_days / ${d})) + u.g))`,
          pairTerm: (x, T) => Math.log1p(-expIntRatio(r + x, mu * (alpha + T))),
          pointTerm: (x, t) => Math.log(expIntRatio(r + x, mu * (alpha + t))),
        };
      },
    };
  }
  const { r, alpha } = p;
  return {
    pAlive: (x, tx, T) => pAliveCommonP(p, x, tx, T, modified),
    expectedIfAlive: (t, x, T) => expectedIfAliveCommonP(p, t, x, T),
    expectedNew: (t) => expectedNewCommonP(p, t, modified),
    logLikelihood: (prep) => logLikelihoodCommonPPrepared({ r, alpha, p: p.p }, prep, null, modified),
    pAliveSql: (unitDays) => {
      const [dr, da, d] = [double(r), double(alpha), double(unitDays)];
      const odds = `exp(${double(Math.log(p.p) - Math.log1p(-p.p))} + (${dr} + h.x) * (ln(${da} + h.T_days / ${d}) - ln(${da} + h.tx_days / ${d})))`;
      return { sql: modified ? `1.0 / (1.0 + ${odds})` : `CASE WHEN h.x = 0 THEN 1.0 ELSE 1.0 / (1.0 + ${odds}) END` };
    },
  };
}

/**
 * The full model's interface extended to its limits: where `params` are a limit's ({@link limitOf}),
 * P(alive), the expectations, the log-likelihood, the scoring SQL and the explanation are the limiting
 * model's; otherwise the full model's own.
 */
export function withLimits(model: PurchaseModel, family: Family, prepare: (data: FrequencyData) => BgNbdPrepared): PurchaseModel {
  const at = (p: Record<string, number>) => limitFunctions(family, p);
  const { pAliveSql } = model;
  return {
    ...model,
    logLikelihood: (p, d) => at(p)?.logLikelihood(prepare(d)) ?? model.logLikelihood(p, d),
    pAlive: (p, x, tx, T) => at(p)?.pAlive(x, tx, T) ?? model.pAlive(p, x, tx, T),
    expectedIfAlive: (p, t, x, T) => at(p)?.expectedIfAlive(t, x, T) ?? model.expectedIfAlive(p, t, x, T),
    conditionalExpected: (p, t, x, tx, T) => {
      const l = at(p);
      return l ? (t === 0 ? 0 : l.expectedIfAlive(t, x, T) * l.pAlive(x, tx, T)) : model.conditionalExpected(p, t, x, tx, T);
    },
    expectedNew: (p, t) => at(p)?.expectedNew(t) ?? model.expectedNew(p, t),
    ...(pAliveSql ? { pAliveSql: (p: Record<string, number>, unitDays: number) => at(p)?.pAliveSql(unitDays) ?? pAliveSql(p, unitDays) } : {}),
    explain: (p, o) => {
      const id = limitOf(p);
      return id ? explainLimit(model.title, family, id, p, o) : (model.explain?.(p, o) ?? []);
    },
    limitDefinition: (id) => limitDefinition(model.title, family, id),
  };
}

/** The Methods entry of a limit: when it is taken, what it assumes, and the formulas the report then uses. */
export function limitDefinition(title: string, family: Family, id: LimitId): { term: string; definition: string } {
  const when = `Used when the ${title} fit does not converge because it runs to the edge of its parameter space and this limiting model fits the data as well (its log-likelihood within ${LIMIT_LL_MARGIN} units of the ${title} fit's, the 5% likelihood-ratio test of one parameter more).`;
  const rates = 'Purchases follow a Poisson process whose rate varies between customers as a gamma distribution (shape r, rate α).';
  if (id === 'nbd') {
    return {
      term: `${title}, ${limitTitle(id, family)} limit`,
      definition: `${when} ${rates} No customer drops out: P(alive) = 1, expected purchases in the next t = (r + x)/(α + T) × t, and a new customer's expected repeat purchases in t = r × t/α.`,
    };
  }
  if (family === 'pareto') {
    return {
      term: `${title}, ${limitTitle(id, family)} limit`,
      definition: `${when} ${rates} Every customer's lifetime is exponential with the same dropout rate μ. P(alive) = e^(−μT)(α+T)^−(r+x)(1 − R_T) ÷ [that + e^(−μ t_x)(α+t_x)^−(r+x) R_tx], with R_t = R(r+x, μ(α+t)) = ∫₀^∞ (1 + u/(μ(α+t)))^−(r+x) e^−u du; expected purchases of an active customer in the next t = (r + x)/(α + T) × (1 − e^(−μt))/μ.`,
    };
  }
  const modified = family === 'modified-beta-geo';
  return {
    term: `${title}, ${limitTitle(id, family)} limit`,
    definition: `${when} ${rates} After each ${modified ? 'purchase, the first included,' : 'repeat purchase'} every customer drops out with the same probability p. P(alive) = 1 ÷ (1 + p/(1−p) × ((α+T)/(α+t_x))^(r+x))${modified ? '' : ' (1 for customers without a repeat purchase)'}; expected purchases of an active customer in the next t = (1/p) × [1 − ((α+T)/(α+T+p t))^(r+x)].`,
  };
}

/** Plain-words reading of a limiting model's parameters, with the reason it was taken. */
export function explainLimit(
  title: string,
  family: Family,
  id: LimitId,
  p: Record<string, number>,
  { unit, words: w, limit }: { unit: 'day' | 'week'; words: NumberWords; limit?: FitLimit },
): string[] {
  const rate = `While they are active, customers make on average r/α = ${w.decimal(p.r / p.alpha, 4)} repeat purchases per ${unit}; purchase rates vary between customers as a gamma distribution with shape r = ${w.decimal(p.r, 4)}.`;
  const why = limit ? [limit.reason] : [];
  if (id === 'nbd') {
    return [
      ...why,
      `${title} at its no-dropout limit (the NBD): every customer is taken to be still active (P(alive) = 100%), and a customer with x repeat purchases in T ${unit}s is expected to make (r + x)/(α + T) purchases per ${unit} from now on.`,
      rate,
    ];
  }
  const dropout =
    family === 'pareto'
      ? `Every customer drops out at the same rate μ = ${w.decimal(p.mu, 5)} per ${unit}: about one ${unit} in ${w.integer(1 / p.mu)}.`
      : `After each ${family === 'modified-beta-geo' ? 'purchase, the first included,' : 'repeat purchase'} every customer drops out for good with the same probability p = ${w.percent(p.p)}.`;
  return [...why, `${title} at its common-dropout limit: the dropout does not vary between customers.`, rate, dropout];
}

// ---------------------------------------------------------------------------
// Fitting: the full model, and its limits when it runs to the edge
// ---------------------------------------------------------------------------

/** Converts a fit in (r, α, odds) into one in (r, α, p), p = odds/(1 + odds), with the delta method for the standard error. */
function oddsToP(fit: FitResult): FitResult {
  const { odds, ...rest } = fit.params;
  const p = odds / (1 + odds);
  const { odds: seOdds, ...se } = fit.stdErrors;
  const { odds: ciOdds, ...ci } = fit.ci95;
  // ln p = ln odds − ln(1 + odds): d ln p / d ln odds = 1 − p, so the covariance of the log-parameters
  // scales p's row and column by 1 − p (odds is the last parameter, p takes its place).
  const { covarianceLog: cov, ...fitRest } = fit;
  const k = Object.keys(fit.params).indexOf('odds');
  const covarianceLog = cov && k >= 0 ? cov.map((row, i) => row.map((c, j) => c * (i === k ? 1 - p : 1) * (j === k ? 1 - p : 1))) : undefined;
  return {
    ...fitRest,
    ...(covarianceLog ? { covarianceLog } : {}),
    params: { ...rest, p },
    stdErrors: { ...se, p: seOdds === null ? null : seOdds * (1 - p) * (1 - p) },
    ci95: { ...ci, p: ciOdds ? [ciOdds[0] / (1 + ciOdds[0]), ciOdds[1] / (1 + ciOdds[1])] : null },
    ...(fit.message !== undefined ? { message: fit.message.replace(/\bodds\b/g, 'p') } : {}),
    ...(fit.edge ? { edge: fit.edge.map((e) => (e.param === 'odds' ? { ...e, param: 'p' } : e)) } : {}),
  };
}

/** Options of a limit's fit: starting points and the `near` box given in p are turned into odds. */
function inOdds(options: FitOptions | undefined): FitOptions | undefined {
  if (!options) return undefined;
  const conv = (q: Record<string, number>) => ('p' in q ? { r: q.r, alpha: q.alpha, odds: q.p / (1 - q.p) } : q);
  return { ...options, starts: options.starts?.map(conv), near: options.near && { ...options.near, params: conv(options.near.params) } };
}

/** Fits a limiting model of `family` (the caller has checked that the data identify the model). */
export function fitLimit(
  id: LimitId,
  family: Family,
  data: FrequencyData,
  o: { title: string; prepare: (data: FrequencyData) => BgNbdPrepared; customers: number; sumX: number; sumT: number; options?: FitOptions },
): FitResult {
  const { customers, sumX, sumT } = o;
  const rate = sumX / sumT; // repeat purchases per unit of time
  const common = { model: o.title, data, customers, prepare: o.prepare, options: id === 'common_dropout' && family !== 'pareto' ? inOdds(o.options) : o.options };
  if (id === 'nbd') {
    return fitPrepared({
      ...common,
      names: NBD_PARAMS,
      llPrepared: logLikelihoodNbdPrepared,
      starts: [{ r: 1, alpha: 1 / rate }, { r: 0.25, alpha: 0.25 / rate }, { r: 4, alpha: 4 / rate }],
      reference: { alpha: sumT / customers },
    });
  }
  if (family === 'pareto') {
    const mu0 = 1 / (sumT / customers); // one dropout per average observation time
    return fitPrepared({
      ...common,
      names: COMMON_MU_PARAMS,
      llPrepared: logLikelihoodCommonMuPrepared,
      starts: [{ r: 1, alpha: 1 / rate, mu: mu0 }, { r: 0.5, alpha: 0.5 / rate, mu: 0.1 * mu0 }, { r: 2, alpha: 2 / rate, mu: 3 * mu0 }],
      reference: { alpha: sumT / customers, mu: customers / sumT },
    });
  }
  const modified = family === 'modified-beta-geo';
  const fit = fitPrepared({
    ...common,
    names: ['r', 'alpha', 'odds'] as const,
    llPrepared: (q: { r: number; alpha: number; odds: number }, pr: BgNbdPrepared, grad: Float64Array | null) => {
      const p = q.odds / (1 + q.odds);
      const ll = logLikelihoodCommonPPrepared({ r: q.r, alpha: q.alpha, p }, pr, grad, modified);
      if (grad) grad[2] *= (1 - p) * (1 - p); // dp/d(odds)
      return ll;
    },
    starts: [{ r: 1, alpha: 1 / rate, odds: 0.1 }, { r: 0.5, alpha: 0.5 / rate, odds: 0.02 }, { r: 2, alpha: 2 / rate, odds: 0.5 }],
    reference: { alpha: sumT / customers },
  });
  return oddsToP(fit);
}

/** "a shrinks towards 0 and b grows without bound": where the full fit was heading. */
function edgeWords(edge: NonNullable<FitResult['edge']>): string {
  const words = edge.map((e) => `${e.param} ${e.towards === 'zero' ? 'shrinks towards 0' : 'grows without bound'}`);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : words[0];
}

/**
 * The fit of a purchase model with its limits (see the top of this file): the full model's fit when it
 * converged; else the better-fitting of its converged limits, unless the full model's fit beats that by
 * more than {@link LIMIT_LL_MARGIN}; else the full model's (unconverged) fit, saying that no limit fits.
 * When `options.near` or `options.starts` are a limit's parameters (a channel's fit around a fit on all
 * customers that took a limit), that limit is fitted directly.
 */
export function fitWithLimits(o: {
  title: string;
  family: Family;
  data: FrequencyData;
  prepare: (data: FrequencyData) => BgNbdPrepared;
  customers: number;
  sumX: number;
  sumT: number;
  full: (options?: FitOptions) => FitResult;
  options?: FitOptions;
}): FitResult {
  const given = o.options?.near?.params ?? o.options?.starts?.[0];
  const givenLimit = given && limitOf(given);
  // one time budget for all the fits below (each gets what is left, at least MIN_STAGE_SECONDS)
  const until = performance.now() + 1000 * LIMITS_BUDGET * (o.options?.maxSeconds ?? FIT_SECONDS);
  const seconds = () => Math.max(MIN_STAGE_SECONDS, (until - performance.now()) / 1000);
  // a limit's own fit takes the caller's options (standard errors) but not starting points or a box in the full model's parameters
  const limit = (id: LimitId) =>
    fitLimit(id, o.family, o.data, { ...o, options: { ...o.options, maxSeconds: seconds(), ...(id === givenLimit ? {} : { starts: undefined, near: undefined }) } });
  if (givenLimit) {
    const fit = limit(givenLimit);
    const words = `${o.title} at its ${limitTitle(givenLimit, o.family)} limit, as the fit on all customers`;
    return fit.converged ? { ...fit, limit: { id: givenLimit, reason: `${words}.` } } : fit;
  }
  // The no-dropout limit (two parameters, fast) is fitted when first needed: as soon as a start of the full fit
  // heads for an edge (a start that fits as well as the limit there stops early), or when the full fit does not
  // converge. A full fit that stays clear of the edges never pays for it, and it is the same fit either way.
  let nbdFit: FitResult | undefined;
  const nbdLimit = () => (nbdFit ??= limit('nbd'));
  const edgeReference = () => {
    const n = nbdLimit();
    return n.converged ? { logLikelihood: n.logLikelihood, margin: LIMIT_LL_MARGIN } : undefined;
  };
  const full = o.full({ ...o.options, maxSeconds: seconds(), edgeReference });
  // converged, or stopped in the interior (flat likelihood, or its bound before it got anywhere near an edge): no limit applies
  if (full.converged || !full.edge?.length) return full;
  const nbd = nbdLimit();
  const common = limit('common_dropout');
  const pick = common.converged && (!nbd.converged || common.logLikelihood - nbd.logLikelihood > LIMIT_LL_MARGIN) ? common : nbd.converged ? nbd : undefined;
  const lls = `log-likelihood ${fmtLL(nbd)} without dropout, ${fmtLL(common)} with a common dropout, ${fmtLL(full)} for ${o.title} where its fit stopped`;
  if (!pick) return { ...full, message: `${full.message ?? 'it did not converge'}; neither limiting model (no dropout, or a common dropout) could be fitted either` };
  if (full.logLikelihood - pick.logLikelihood > LIMIT_LL_MARGIN) {
    // not the edge after all (large data tell a small spread of the dropout from none): go on from where it stopped, to its bounds
    const resumed = o.full({ ...o.options, maxSeconds: seconds(), starts: [full.params], stopAtEdge: false });
    if (resumed.converged) return resumed;
    const best = resumed.logLikelihood >= full.logLikelihood ? resumed : full;
    return { ...best, message: `${best.message ?? 'it did not converge'}; its limiting models fit clearly worse (${lls}), so none was taken` };
  }
  const id: LimitId = pick === common ? 'common_dropout' : 'nbd';
  const what =
    id === 'nbd'
      ? `the data show no dropout that ${o.title} can identify, and the model without dropout fits as well (${lls})`
      : `the dropout ${o.family === 'pareto' ? 'rate' : 'probability'} does not vary between customers by any amount the data can identify, and a common one fits as well (${lls})`;
  const reason = `The ${o.title} fit did not converge: its likelihood keeps improving as ${edgeWords(full.edge)}, the edge of its parameter space; ${what}. So the ${limitTitle(id, o.family)} limit of ${o.title} is used.`;
  return { ...pick, model: full.model, limit: { id, reason, full: { params: full.params, logLikelihood: full.logLikelihood, message: full.message ?? '' } } };
}

/** A fit's outcome in a few words (for --verbose): converged, the limit it took, or why not. */
export function fitOutcome(fit: FitResult | null, reason?: string): string {
  if (!fit) return `not fitted (${reason ?? 'no reason given'})`;
  if (fit.limit) return `its ${limitName(fit.limit.id)} limit taken at the edge of the parameter space`;
  return fit.converged ? `converged in ${fit.iterations} iterations` : `did not converge (${fit.message ?? 'no reason given'})`;
}

function fmtLL(f: FitResult): string {
  return Number.isFinite(f.logLikelihood) ? f.logLikelihood.toFixed(1) : 'not finite';
}
