/**
 * Shifted-beta-geometric (sBG) model of contractual retention: Fader & Hardie
 * (2007), "How to Project Customer Retention", Journal of Interactive
 * Marketing 21(1), 76–90 (equation numbers "FH07 (n)" below), and for the
 * discounted lifetimes Fader & Hardie (2010), "Customer-Base Valuation in a
 * Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing
 * Science 29(1), 85–93 ("FH10 (n)"; its equation number for DERL is as cited
 * by public implementations, the paper itself was not at hand). The formulas
 * are also in docs/formulas.md.
 *
 * At the end of every period an active customer cancels with probability θ,
 * constant for the customer (a shifted geometric lifetime); θ varies across
 * customers as Beta(α, β). T is the period in which a customer cancels
 * (T = 1, 2, …), S(t) = P(T > t) the share of a cohort still active after t
 * periods (S(0) = 1).
 *
 *   P(T = t) = B(α+1, β+t−1) / B(α, β)                       FH07 (5)
 *   S(t)     = B(α, β+t) / B(α, β)                           FH07 (6)
 *   P(T = 1) = α/(α+β),  P(T = t) = (β+t−2)/(α+β+t−1) · P(T = t−1)   FH07 (7)
 *   r_t      = S(t)/S(t−1) = (β+t−1)/(α+β+t−1)               FH07 (8)
 *
 * The retention rate r_t rises with t although every customer's own rate is
 * constant: the customers who churn easily leave first (heterogeneity).
 *
 * Computation: S(t) = Π_{i≤t} r_i (the product form; in logs, each factor as
 * −log1p(α/(β+i−1)) so nothing cancels) and P(T = t) = S(t−1)·(1 − r_t) =
 * S(t−1)·α/(α+β+t−1), which is recursion FH07 (7) written through S.
 */
import {
  fitLogSpace,
  ModelInputError,
  ModelNotIdentifiedError,
  type ClvModel,
  type FitOptions,
  type FitResult,
} from './model.ts';
import { lnGamma, lnHyp2f1Detailed } from './fit/special.ts';

export interface SbgParams {
  alpha: number;
  beta: number;
}

/** Retention data of one cohort. */
export interface SurvivalData {
  /** customers alive at the start of each period 0..n: alive[0] is the cohort size */
  alive: number[];
}

export const SBG_PARAMS = ['alpha', 'beta'] as const;

/** Display name. */
const SBG = 'sBG';

/** Periods up to which S(t) is computed as a product; beyond, from lnΓ (FH07 eq. 6). */
const PRODUCT_LIMIT = 1000;

// ---------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------

function checkParams(params: SbgParams): void {
  const { alpha, beta } = params;
  if (!(alpha > 0) || !(beta > 0) || !Number.isFinite(alpha) || !Number.isFinite(beta)) {
    throw new ModelInputError(`sBG parameters alpha and beta must be positive finite numbers (got alpha=${alpha}, beta=${beta})`);
  }
}

function checkPeriod(t: number, what: string, min = 0): void {
  if (!Number.isInteger(t) || t < min) throw new ModelInputError(`${what} must be a whole number ≥ ${min} (got ${t})`);
}

function checkDiscount(d: number): void {
  if (!(d > 0) || !Number.isFinite(d)) {
    throw new ModelInputError(
      `the discount rate per period must be a positive number (got ${d}); with no discounting the expected lifetime can be infinite`,
    );
  }
}

/**
 * Checks one cohort: at least one entry, whole numbers ≥ 0, never more
 * customers alive in a later period than in an earlier one.
 */
function checkCohort(cohort: SurvivalData, label: string): void {
  const alive = cohort?.alive;
  if (!Array.isArray(alive) || alive.length === 0) {
    throw new ModelInputError(`${label}: alive must list the customers alive at the start of each period, beginning with the cohort size`);
  }
  for (let t = 0; t < alive.length; t++) {
    const v = alive[t];
    if (!Number.isInteger(v) || v < 0) {
      throw new ModelInputError(`${label}: customers alive in period ${t} must be a whole number ≥ 0 (got ${v}); pass counts of customers, not shares`);
    }
    if (t > 0 && v > alive[t - 1]) {
      throw new ModelInputError(
        `${label}: ${v} customers alive in period ${t} but only ${alive[t - 1]} in period ${t - 1}; a cohort can only shrink (customers who cancel do not come back)`,
      );
    }
  }
}

function asCohorts(data: SurvivalData | readonly SurvivalData[]): readonly SurvivalData[] {
  return Array.isArray(data) ? (data as readonly SurvivalData[]) : [data as SurvivalData];
}

function checkCohorts(cohorts: readonly SurvivalData[]): void {
  const many = cohorts.length > 1;
  cohorts.forEach((c, i) => checkCohort(c, many ? `cohort ${i + 1}` : 'cohort'));
}

// ---------------------------------------------------------------------------
// Distribution of T
// ---------------------------------------------------------------------------

/** ln r_t = ln((β+t−1)/(α+β+t−1)) = −log1p(α/(β+t−1)), FH07 (8). */
function lnRetention(alpha: number, beta: number, t: number): number {
  return -Math.log1p(alpha / (beta + t - 1));
}

/** ln S(t) for t ≥ 0: the product of FH07 (8) for small t, FH07 (6) via lnΓ beyond. */
function lnSurvival(alpha: number, beta: number, t: number): number {
  if (t <= PRODUCT_LIMIT) {
    let s = 0;
    for (let i = 1; i <= t; i++) s += lnRetention(alpha, beta, i);
    return s;
  }
  // ln B(α, β+t) − ln B(α, β) = lnΓ(β+t) − lnΓ(α+β+t) − lnΓ(β) + lnΓ(α+β)
  return lnGamma(beta + t) - lnGamma(alpha + beta + t) - lnGamma(beta) + lnGamma(alpha + beta);
}

/** Retention rate r_t = (β+t−1)/(α+β+t−1), t ≥ 1: the share of customers active in period t−1 who renew for period t (FH07 eq. 8). */
export function retentionRate(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t, 'period t', 1);
  return (params.beta + t - 1) / (params.alpha + params.beta + t - 1);
}

/** S(t) = P(T > t) = B(α, β+t)/B(α, β), t ≥ 0: the share of a new cohort still active after t periods (FH07 eq. 6). */
export function survival(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t, 'period t');
  return Math.exp(lnSurvival(params.alpha, params.beta, t));
}

/** P(T = t) = B(α+1, β+t−1)/B(α, β), t ≥ 1: the share of a new cohort that cancels at the end of period t (FH07 eqs. 5, 7). */
export function churnProbability(params: SbgParams, t: number): number {
  checkParams(params);
  checkPeriod(t, 'period t', 1);
  const { alpha, beta } = params;
  return Math.exp(lnSurvival(alpha, beta, t - 1) + Math.log(alpha) - Math.log(alpha + beta + t - 1));
}

/**
 * Projects the survival curve beyond period `fromPeriod` (FH07, "projecting
 * the survivor function"): S(fromPeriod+1), …, S(fromPeriod+periods).
 *
 * By default the shares are of the original cohort (multiply by alive[0] to
 * get customers). With `conditional: true` they are of the customers still
 * active after `fromPeriod`: S(fromPeriod+k)/S(fromPeriod), the probability
 * that such a customer is still active k periods later.
 */
export function projectSurvival(params: SbgParams, fromPeriod: number, periods: number, options: { conditional?: boolean } = {}): number[] {
  checkParams(params);
  checkPeriod(fromPeriod, 'fromPeriod');
  checkPeriod(periods, 'periods');
  const { alpha, beta } = params;
  let ln = options.conditional ? 0 : lnSurvival(alpha, beta, fromPeriod);
  const out: number[] = [];
  for (let k = 1; k <= periods; k++) {
    ln += lnRetention(alpha, beta, fromPeriod + k);
    out.push(Math.exp(ln));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Likelihood and fit
// ---------------------------------------------------------------------------

/**
 * Total log-likelihood of one or several cohorts (FH07 Appendix B; docs/formulas.md):
 *   LL = Σ_cohorts [ Σ_{t=1}^{n} n_churned(t)·ln P(T = t) + alive[n]·ln S(n) ]
 * with n the cohort's last observed period and n_churned(t) = alive[t−1] − alive[t].
 * The last term is the customers still active at the end (right-censored).
 * Throws ModelInputError for bad data or parameters.
 */
export function logLikelihoodSbg(params: SbgParams, data: SurvivalData | readonly SurvivalData[]): number {
  checkParams(params);
  const cohorts = asCohorts(data);
  checkCohorts(cohorts);
  return sumLogLikelihood(params.alpha, params.beta, cohorts);
}

/** The log-likelihood without checks (data already validated). */
function sumLogLikelihood(alpha: number, beta: number, cohorts: readonly SurvivalData[]): number {
  const lnAlpha = Math.log(alpha);
  let ll = 0;
  for (const { alive } of cohorts) {
    let lnS = 0; // ln S(t−1)
    for (let t = 1; t < alive.length; t++) {
      const churned = alive[t - 1] - alive[t];
      // ln P(T = t) = ln S(t−1) + ln α − ln(α+β+t−1)    (FH07 eq. 7 through S)
      if (churned > 0) ll += churned * (lnS + lnAlpha - Math.log(alpha + beta + t - 1));
      lnS += lnRetention(alpha, beta, t);
    }
    const last = alive[alive.length - 1];
    if (last > 0) ll += last * lnS;
  }
  return ll;
}

/** Totals used by the identification checks and the starting values. */
function cohortSummary(cohorts: readonly SurvivalData[]): {
  customers: number;
  churned: number;
  /** Customers at risk in period 1 and churned in it (cohorts that observed period 1). */
  atRisk1: number;
  churned1: number;
  /** Customers at risk in a period ≥ 2 (active after period 1 in a cohort that observed period 2). */
  atRiskLater: number;
} {
  let customers = 0;
  let churned = 0;
  let atRisk1 = 0;
  let churned1 = 0;
  let atRiskLater = 0;
  for (const { alive } of cohorts) {
    const n = alive.length - 1;
    customers += alive[0];
    churned += alive[0] - alive[n];
    if (n >= 1) {
      atRisk1 += alive[0];
      churned1 += alive[0] - alive[1];
    }
    if (n >= 2) atRiskLater += alive[1];
  }
  return { customers, churned, atRisk1, churned1, atRiskLater };
}

/**
 * Throws ModelNotIdentifiedError when the cohorts cannot identify α and β: no
 * customers, a single customer, no observed period, no cancellations at all,
 * or only first-period outcomes (everyone cancelled in period 1, or only one
 * period observed), which show the average churn rate α/(α+β) but not how it
 * varies between customers.
 */
function checkIdentifiable(cohorts: readonly SurvivalData[]): void {
  const { customers, churned, atRisk1, churned1, atRiskLater } = cohortSummary(cohorts);
  if (customers === 0) throw new ModelNotIdentifiedError(SBG, 'the retention model cannot be fitted: there are no customers');
  if (customers < 2) {
    throw new ModelNotIdentifiedError(
      SBG,
      'the retention model cannot be fitted on a single customer: it estimates how churn rates vary between customers, which takes many customers',
    );
  }
  if (atRisk1 === 0) {
    throw new ModelNotIdentifiedError(
      SBG,
      'the retention model cannot be fitted: no cohort has been observed for a full period yet, so no renewal or cancellation has been seen',
    );
  }
  if (churned === 0) {
    throw new ModelNotIdentifiedError(
      SBG,
      'the retention model cannot be fitted: no customer has cancelled, so there is nothing to estimate a churn rate from (the best fit would be a churn rate of zero)',
    );
  }
  if (atRiskLater === 0) {
    const why =
      churned1 === atRisk1
        ? 'every customer cancelled in the first period'
        : 'only the first period has been observed';
    throw new ModelNotIdentifiedError(
      SBG,
      `the retention model cannot be fitted: ${why}, which shows the average first-period churn rate but not how churn rates vary between customers; it takes customers observed over at least two periods`,
    );
  }
}

/**
 * Fits the sBG by maximum likelihood (multi-start BFGS in log-parameter space)
 * to one cohort or to several pooled cohorts with a common (α, β) (FH07,
 * "multiple cohorts", option 1); the cohorts may have been observed for
 * different numbers of periods.
 *
 * Throws ModelInputError for bad data and ModelNotIdentifiedError when the data
 * cannot identify the model. When the retention rates do not rise over time
 * (every customer seems to share one churn rate), α and β run off to ∞ and the
 * result has converged = false with a message saying so.
 *
 * `model` in the result is the model's title (the registry stamps its id).
 */
export function fitSbg(data: SurvivalData | readonly SurvivalData[], options?: FitOptions): FitResult {
  const cohorts = asCohorts(data);
  if (cohorts.length === 0) throw new ModelNotIdentifiedError(SBG, 'the retention model cannot be fitted: there are no cohorts');
  checkCohorts(cohorts);
  checkIdentifiable(cohorts);
  const { customers, atRisk1, churned1 } = cohortSummary(cohorts);
  // the first-period churn rate estimates the mean α/(α+β) of the churn probability
  const m = Math.min(Math.max(churned1 / atRisk1, 0.01), 0.99);
  const starts = [
    { alpha: 1, beta: 1 },
    { alpha: m, beta: 1 - m }, // α+β = 1: strongly heterogeneous
    { alpha: 10 * m, beta: 10 * (1 - m) }, // α+β = 10: fairly homogeneous
    { alpha: 0.1, beta: 0.1 },
  ];
  const negLL = (theta: readonly number[]): number => -sumLogLikelihood(Math.exp(theta[0]), Math.exp(theta[1]), cohorts);
  const result = fitLogSpace({ model: SBG, names: SBG_PARAMS, negLLTotal: negLL, customers, starts, options, defaultOptimizer: { gradTol: 1e-9 } });
  // replace the generic run-off message by one in retention terms
  const { alpha, beta } = result.params;
  // run off, or stopped on its way to the edge (fitLogSpace's `edge`)
  const edge = result.edge ?? [];
  if (edge.length > 0) {
    result.converged = false;
    result.message =
      alpha < 1 && beta < 1
        ? 'after the first period (almost) no customer cancelled: the fit splits the customers into ones who leave at once and ones who never leave (α and β → 0), so the spread of churn rates between customers cannot be estimated'
        : alpha > 1 && beta > 1
        ? `the retention rates in these data do not rise over time, so every customer looks alike: the fit drifts towards one common churn rate of ${(alpha / (alpha + beta)).toPrecision(3)} per period (α and β grow without bound) and the spread of churn rates between customers cannot be estimated`
        : `the likelihood keeps improving as ${edge
            .map((e) => `${e.param === 'alpha' ? 'α' : 'β'} ${e.towards === 'infinity' ? 'grows without bound' : 'shrinks towards 0'}`)
            .join(', ')}: these retention data do not pin down the model's parameters (too few customers or periods)`;
  }
  return result;
}

// ---------------------------------------------------------------------------
// Discounted lifetimes
// ---------------------------------------------------------------------------

/** 2F1(1, b; c; 1/(1+d)) for d > 0, c > b > 0 (a series of positive terms); throws when it cannot be summed. */
function hyp2f1One(b: number, c: number, d: number): number {
  const h = lnHyp2f1Detailed(1, b, c, 1 / (1 + d));
  if (!h.converged || h.sign <= 0 || !Number.isFinite(h.ln)) {
    throw new ModelInputError(
      `the discounted lifetime could not be summed for a discount rate of ${d} per period: the rate is too small for the series to converge in reasonable time; use a larger per-period rate`,
    );
  }
  return Math.exp(h.ln);
}

/**
 * Discounted expected lifetime of a just-acquired customer (FH10;
 * docs/formulas.md), in periods paid for, the first payment made at acquisition
 * and not discounted:
 *   DEL(d) = Σ_{t≥0} S(t)/(1+d)^t = 2F1(1, β; α+β; 1/(1+d))
 * E(CLV) = m · DEL(d) for a margin m per period. `d` is the discount rate per
 * period (e.g. 0.1 for 10% per year with yearly periods), > 0.
 */
export function discountedExpectedLifetime(params: SbgParams, d: number): number {
  checkParams(params);
  checkDiscount(d);
  return hyp2f1One(params.beta, params.alpha + params.beta, d);
}

/**
 * Discounted expected residual lifetime of a customer who has made `renewals`
 * contract renewals so far (FH10 eq. 6, with n − 1 = renewals: the customer is
 * in period n), valued at the end of period n just before the next renewal
 * decision, so the first future payment (period n+1, if they renew) is not
 * discounted:
 *   DERL(d | n−1 renewals) = Σ_{t≥n} S(t)/S(n−1) / (1+d)^(t−n)
 *                          = (β+n−1)/(α+β+n−1) · 2F1(1, β+n; α+β+n; 1/(1+d))
 * For a new customer (renewals = 0), DEL(d) = 1 + DERL(d | 0)/(1+d).
 * Expected residual value = m · DERL for a margin m per period.
 */
export function discountedExpectedResidualLifetime(params: SbgParams, d: number, renewals: number): number {
  checkParams(params);
  checkDiscount(d);
  checkPeriod(renewals, 'renewals');
  const { alpha, beta } = params;
  const n = renewals + 1;
  return ((beta + n - 1) / (alpha + beta + n - 1)) * hyp2f1One(beta + n, alpha + beta + n, d);
}

// ---------------------------------------------------------------------------
// Building survival data
// ---------------------------------------------------------------------------

/**
 * Builds a cohort's SurvivalData from run-length counts, for retention
 * measured from activity: a customer counts as retained at period k when they
 * ordered in every period 1..k after their first (period 0).
 *
 * `runCounts[k]` = customers whose run of consecutive active periods after the
 * first ends at k (k = 0: not active in period 1). Runs that reach
 * `observedPeriods` (default runCounts.length − 1, the last observed period)
 * are still going: those customers are counted as alive at the end.
 * Returns alive[j] = Σ_{k≥j} runCounts[k] for j = 0..observedPeriods.
 */
export function survivalFromActivity(runCounts: readonly number[], observedPeriods: number = runCounts.length - 1): SurvivalData {
  if (!Array.isArray(runCounts) || runCounts.length === 0) throw new ModelInputError('run counts must be a non-empty array (entry k = customers whose run of active periods ends at k)');
  checkPeriod(observedPeriods, 'observedPeriods');
  runCounts.forEach((v, k) => {
    if (!Number.isInteger(v) || v < 0) throw new ModelInputError(`run count for ${k} periods must be a whole number ≥ 0 (got ${v})`);
    if (k > observedPeriods && v > 0) {
      throw new ModelInputError(`${v} customers have a run of ${k} active periods, longer than the ${observedPeriods} periods observed`);
    }
  });
  const alive = new Array<number>(observedPeriods + 1).fill(0);
  let sum = 0;
  for (let j = observedPeriods; j >= 0; j--) {
    sum += runCounts[j] ?? 0;
    alive[j] = sum;
  }
  return { alive };
}

function toParams(p: Record<string, number>): SbgParams {
  return { alpha: p.alpha, beta: p.beta };
}

/** The sBG behind the common {@link ClvModel} interface. */
export const sbg: ClvModel<SurvivalData | readonly SurvivalData[]> = {
  title: SBG,
  fullName: 'shifted-beta-geometric',
  definition: {
    term: 'sBG (shifted-beta-geometric)',
    definition:
      "Retention model for subscriptions (Fader & Hardie 2007): at the end of every period each customer stops with their own fixed probability, and these probabilities vary between customers as a beta distribution (α, β). Survival S(t) = B(α, β+t) ÷ B(α, β); retention in period t = (β+t−1) ÷ (α+β+t−1).",
  },
  paramNames: SBG_PARAMS,
  logLikelihood: (p, d) => logLikelihoodSbg(toParams(p), d),
  fit: fitSbg,
};
