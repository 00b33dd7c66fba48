/**
 * MBG/NBD ("modified beta-geometric / negative binomial distribution") model of
 * Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison
 * of models for customer base analysis", International Journal of Research in
 * Marketing 24(3), 201–209, with the corrected expectations of Wagner & Hoppe
 * (2008), "Erratum on the MBG/NBD model", IJRM 25(3), 225–226; the formulas
 * are those of lifetimes' ModifiedBetaGeoFitter (lifetimes 0.11.3).
 *
 * As in BG/NBD (bg-nbd.ts), while active a customer buys as a Poisson process
 * with rate λ ~ Gamma(r, α) and drops out with probability p ~ Beta(a, b) after
 * every repeat purchase; unlike BG/NBD they may also drop out right after the
 * first purchase, so a customer without repeat purchases need not be active.
 * A customer with x repeat purchases has had x + 1 chances to drop out.
 *
 * Per customer (lifetimes' _negative_log_likelihood):
 *   A1 = lnΓ(r+x) − lnΓ(r) + r ln α
 *   A2 = lnΓ(a+b) + lnΓ(b+x+1) − lnΓ(b) − lnΓ(a+b+x+1)
 *   A3 = −(r+x) ln(α+T)
 *   A4 = ln a − ln(b+x) + (r+x) (ln(α+T) − ln(α+t_x))
 *   LL = A1 + A2 + ln(e^A3 + e^(A3+A4))            (for every x, x = 0 included)
 * This is BG/NBD's likelihood with b+1 in place of b in A2 and A4 (up to the
 * constant ln b − ln(a+b) in A2) and the dropout term kept at x = 0, so it is
 * computed by BG/NBD's kernel (logLikelihoodBetaGeoPrepared, `modified` true)
 * on the same prepared data.
 *
 * The expectations contain BG/NBD's hypergeometric terms with b+1 in place of
 * b: with u = (α+T)/(α+T+t), z = t/(α+T+t),
 *   E[Y(t) | x, t_x, T] = (a+b+x)/(a−1) · [1 − u^(r+x) 2F1(r+x, b+x+1; a+b+x; z)] · P(alive)
 * where (a+b+x)/(a−1) · [ … ] is BG/NBD's E[Y(t) | x, T, alive] at b+1
 * (there (a+b'+x−1)/(a−1) · [1 − u^(r+x) 2F1(r+x, b'+x; a+b'+x−1; z)], b' = b+1), and
 *   E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]
 *           = b/(a+b) · BG/NBD's E[X(t)] at b+1
 * (BG/NBD's factor (a+b'−1)/(a−1) = (a+b)/(a−1)). So they reuse BG/NBD's
 * series (Euler-transformed where that converges better, continuous at a = 1).
 */
import {
  BG_NBD_PARAMS,
  expectedIfAliveBgNbd,
  expectedPurchasesNewBgNbd,
  fitBetaGeo,
  logLikelihoodBetaGeoPrepared,
  pAliveSqlBetaGeo,
  preparedBgNbdFor,
  type BgNbdParams,
  type BgNbdPrepared,
} from './bg-nbd.ts';
import type { FitOptions, FitResult, FrequencyData, PurchaseModel } from './model.ts';
import { withLimits } from './limits.ts';

/** The parameters have BG/NBD's names and meanings: λ ~ Gamma(r, α), p ~ Beta(a, b). */
export type MbgNbdParams = BgNbdParams;

/** Display name. */
export const MBG_NBD_TITLE = 'MBG/NBD';
export const MBG_NBD_PARAMS = BG_NBD_PARAMS;

/** Log-likelihood on data prepared by prepareBgNbd, with its gradient in (r, α, a, b) when `grad` is given. */
export function logLikelihoodMbgNbdPrepared(params: MbgNbdParams, prep: BgNbdPrepared, grad: number[] | Float64Array | null): number {
  return logLikelihoodBetaGeoPrepared(params, prep, grad, true);
}

/** Total log-likelihood of the data (weights applied; formula in the header). */
export function logLikelihoodMbgNbd(params: MbgNbdParams, data: FrequencyData): number {
  return logLikelihoodMbgNbdPrepared(params, preparedBgNbdFor(data), null);
}

/**
 * Fits MBG/NBD by maximum likelihood (BG/NBD's fit: multi-start BFGS in
 * log-parameter space with the analytic gradient, large data screened on a
 * weighted sample). Throws ModelNotIdentifiedError for data that cannot
 * identify the model (no customers, one customer, no repeat purchases, no
 * observation time).
 */
export function fitMbgNbd(data: FrequencyData, options?: FitOptions): FitResult {
  return fitBetaGeo(MBG_NBD_TITLE, true, data, options);
}

/**
 * P(alive | x, t_x, T), for every x (x = 0 included; Batislam et al. 2007 appendix eq. 5):
 *   1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))
 * taken from the log of the odds, so that no power overflows.
 */
export function pAliveMbgNbd(params: MbgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const lnOdds = Math.log(a) - Math.log(b + x) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/**
 * E[Y(t) | x, T, alive]: expected purchases in (T, T+t] of a customer still
 * active at T. It is E[Y(t) | x, t_x, T] / P(alive | x, t_x, T), and t_x
 * cancels: lifetimes' conditional expectation is
 *   (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))]
 *   / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))
 * whose denominator is 1 / P(alive), the only place t_x enters. The remaining
 * factor is BG/NBD's E[Y(t) | x, T, alive] with b+1 in place of b (see the header).
 */
export function expectedIfAliveMbgNbd(params: MbgNbdParams, t: number, x: number, T: number): number {
  return expectedIfAliveBgNbd({ ...params, b: params.b + 1 }, t, x, T);
}

/** E[Y(t) | x, t_x, T] (lifetimes' conditional_expected_number_of_purchases_up_to_time) = E[Y(t) | x, T, alive] · P(alive | x, t_x, T). */
export function conditionalExpectedMbgNbd(params: MbgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  return expectedIfAliveMbgNbd(params, t, x, T) * pAliveMbgNbd(params, x, tx, T);
}

/**
 * E[X(t)], expected repeat purchases in (0, t] of a new customer (lifetimes'
 * expected_number_of_purchases_up_to_time):
 *   b/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b+1; a+b; t/(α+t))]
 * = b/(a+b) · BG/NBD's E[X(t)] with b+1 in place of b; b/(a+b) = E[1 − p] is the
 * chance of not dropping out right after the first purchase.
 */
export function expectedPurchasesNewMbgNbd(params: MbgNbdParams, t: number): number {
  const { a, b } = params;
  if (t === 0) return 0;
  return (b / (a + b)) * expectedPurchasesNewBgNbd({ ...params, b: b + 1 }, t);
}

function toParams(p: Record<string, number>): MbgNbdParams {
  return { r: p.r, alpha: p.alpha, a: p.a, b: p.b };
}

/** MBG/NBD behind the common {@link PurchaseModel} interface (its CLI id is given by lib/models/registry.ts), with its limits (lib/models/limits.ts). */
export const mbgNbd: PurchaseModel = withLimits({
  title: MBG_NBD_TITLE,
  paramNames: MBG_NBD_PARAMS,
  definition: {
    term: MBG_NBD_TITLE,
    definition:
      'Purchase model (Batislam, Denizel & Filiztekin 2007): like BG/NBD, but a customer may also leave for good right after their first purchase, so a customer who never came back is not assumed to be still active.',
  },
  logLikelihood: (p, d) => logLikelihoodMbgNbd(toParams(p), d),
  explain: (p, { unit, words: w }) => [
    `While they are active, customers make on average r/α = ${w.decimal(p.r / p.alpha, 4)} repeat purchases per ${unit}; purchase rates vary between customers as a gamma distribution with shape r = ${w.decimal(p.r, 4)}.`,
    `After each purchase, the first included, a customer drops out for good with probability a/(a+b) = ${w.percent(p.a / (p.a + p.b))} on average (beta distribution, a = ${w.decimal(p.a, 4)}, b = ${w.decimal(p.b, 4)}), so a customer who bought once may already be gone.`,
  ],
  fit: fitMbgNbd,
  pAlive: (p, x, tx, T) => pAliveMbgNbd(toParams(p), x, tx, T),
  expectedIfAlive: (p, t, x, T) => expectedIfAliveMbgNbd(toParams(p), t, x, T),
  conditionalExpected: (p, t, x, tx, T) => conditionalExpectedMbgNbd(toParams(p), t, x, tx, T),
  expectedNew: (p, t) => expectedPurchasesNewMbgNbd(toParams(p), t),
  pAliveSql: (p, unitDays) => pAliveSqlBetaGeo(toParams(p), unitDays, true),
}, 'modified-beta-geo', preparedBgNbdFor);
