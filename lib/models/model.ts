/**
 * Shared types of the CLV models: compressed customer data, the fit result,
 * the model interfaces, typed errors, and the common log-space fitting routine.
 *
 * Notation (docs/formulas.md): x = repeat purchases (distinct purchase periods after
 * the first), t_x = time of the last purchase measured from the first, T = time
 * from the first purchase to the end of the calibration window; all in one
 * time unit.
 */
import { UserError } from '../errors.ts';
import {
  bestRun,
  hessian,
  hessianFromGradient,
  invertSpd,
  logSpaceInference,
  minimize,
  minimizeMultiStart,
  type MinimizeOptions,
  type MinimizeResult,
  type ObjectiveWithGradient,
  TIME_LIMIT_MESSAGE,
} from './fit/optimize.ts';

/** A model's id as the registry (lib/models/registry.ts) names it; the model files themselves name no id. */
export type ModelName = string;

/**
 * Customer data for the frequency models, compressed: one entry per distinct
 * (x, t_x, T) triple with the number of customers that have it (`weight`).
 * Customers with equal triples have equal likelihood.
 */
export interface FrequencyData {
  x: number[];
  tx: number[];
  T: number[];
  weight: number[];
}

/** Per-customer arrays (one entry per customer). */
export interface CustomerRows {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
}

/** Spend data for the Gamma-Gamma model: repeat buyers only, distinct (x, z̄) pairs with counts. */
export interface SpendData {
  /** Repeat purchases, ≥ 1. */
  x: number[];
  /** Mean value of the repeat purchases (first purchase excluded), > 0. */
  zbar: number[];
  weight: number[];
}

/** Result of fitting one model. Parameters are never NaN. */
export interface FitResult {
  model: ModelName;
  /** Natural parameters at the maximum of the likelihood. */
  params: Record<string, number>;
  /** Maximized log-likelihood (sum over customers). */
  logLikelihood: number;
  /** Akaike information criterion: 2k − 2·LL. */
  aic: number;
  /** True when the optimizer met its gradient criterion and no parameter ran off to 0 or ∞. */
  converged: boolean;
  iterations: number;
  /** Largest |component| of the gradient of −LL/N in log-parameter space at the optimum. */
  gradientNorm: number;
  /** Delta-method standard errors (null when the likelihood is flat or singular there, or a parameter ran off to 0 or ∞). */
  stdErrors: Record<string, number | null>;
  /** 95% intervals (log-scale Wald intervals mapped back; null when the likelihood is flat or singular there). */
  ci95: Record<string, [number, number] | null>;
  /** Number of customers the model was fitted on. */
  customers: number;
  /**
   * Asymptotic covariance of the log-parameters (the inverse Hessian of −LL in ln p, parameters in the
   * order of `params`) when the standard errors were computed and it exists: the parametric bootstrap
   * of lib/clv/segment-replicates.ts draws from N(ln p̂, this).
   */
  covarianceLog?: number[][];
  /** When converged is false: why, in plain words. */
  message?: string;
  /**
   * When converged is false: the parameters that ran off to 0 or ∞, or that the likelihood still
   * pushed towards 0 or ∞ from far out where the fit stopped (its iteration or time bound): the fit
   * was heading for the edge of the parameter space (lib/models/limits.ts then fits the limit).
   */
  edge?: { param: string; towards: 'zero' | 'infinity' }[];
  /**
   * Set when the full model ran to the edge of its parameter space and its limiting model was fitted
   * and used instead (lib/models/limits.ts): `params` are then the limiting model's.
   */
  limit?: FitLimit;
}

/**
 * The limits of the purchase models at the edge of their parameter space (lib/models/limits.ts):
 * `nbd`, no dropout identified (every customer stays active); `common_dropout`, the same dropout
 * probability (BG/NBD, MBG/NBD) or rate (Pareto/NBD) for every customer.
 */
export type LimitId = 'nbd' | 'common_dropout';

export interface FitLimit {
  id: LimitId;
  /** Which limit was taken and why, in plain words (the full model's run to the edge and the likelihoods compared). */
  reason: string;
  /** The full model's fit that ran to the edge: where it stopped, its log-likelihood and why it did not converge (none when the limit was given, e.g. a channel's fit around a fit on all customers that took it). */
  full?: { params: Record<string, number>; logLikelihood: number; message: string };
}

/** How the report writes numbers (lib/report/format.ts implements it): what a model's explanation needs. */
export interface NumberWords {
  decimal(v: number, digits?: number): string;
  integer(v: number): string;
  percent(v: number | null): string;
  moneyPrecise(v: number): string;
}

/** Common shape of every CLV model: a display title, named parameters, a log-likelihood and a fit. */
export interface ClvModel<D> {
  /** Display name ("BG/NBD"); the CLI id is the registry's key (lib/models/registry.ts). */
  readonly title: string;
  /** The name spelled out where the title is an abbreviation that readers may not know ("shifted-beta-geometric"). */
  readonly fullName?: string;
  readonly paramNames: readonly string[];
  /** The model's entry in the report's Methods section. */
  readonly definition: { term: string; definition: string };
  /** Total log-likelihood of the data (weights applied). */
  logLikelihood(params: Record<string, number>, data: D): number;
  /**
   * Plain-words reading of fitted parameters for the report (time unit of the rates; the spend model's
   * frequency/spend correlation; the limit the fit took at the edge of the parameter space, whose
   * parameters `params` then are).
   */
  explain?(params: Record<string, number>, o: { unit: 'day' | 'week'; words: NumberWords; correlation?: number; limit?: FitLimit }): string[];
  /**
   * Maximum-likelihood fit. At the edge of the parameter space (a parameter running off to 0 or ∞,
   * a flat likelihood) it returns converged = false with a plain-words message, in bounded time;
   * data that cannot identify the model at all throw {@link ModelNotIdentifiedError}.
   */
  fit(data: D, options?: FitOptions): FitResult;
}

/**
 * SQL fast path of P(alive) for scoring millions of customers inside DuckDB. The expression reads
 * the history `h` (h.x, h.tx_days, h.T_days: whole days), `s.c` (= pairTerm(x, T) per distinct (x, T))
 * and `u.g` / `v.g` (= pointTerm(x, t) at t = t_x and t = T), all in the model's time unit where
 * the functions take times.
 */
export interface PAliveSql {
  sql: string;
  pairTerm?: (x: number, T: number) => number;
  pointTerm?: (x: number, t: number) => number;
}

/**
 * A purchase model (BG/NBD, Pareto/NBD, MBG/NBD): everything the report needs from it.
 * Every valuation (scoring, CLV, backtest, bootstrap, segment value) works on any model of this shape.
 */
export interface PurchaseModel extends ClvModel<FrequencyData> {
  /** P(alive | x, t_x, T). */
  pAlive(params: Record<string, number>, x: number, tx: number, T: number): number;
  /** E[Y(t) | x, T, alive]: expected purchases in (T, T+t] of a customer still active at T (independent of t_x). */
  expectedIfAlive(params: Record<string, number>, t: number, x: number, T: number): number;
  /** E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] · P(alive | x, t_x, T). */
  conditionalExpected(params: Record<string, number>, t: number, x: number, tx: number, T: number): number;
  /** E[X(t)]: expected purchases in (0, t] of a new customer. */
  expectedNew(params: Record<string, number>, t: number): number;
  /** A caveat on P(alive) that readers need (e.g. one-time buyers count as alive), or undefined. */
  readonly pAliveCaveat?: string;
  /** The Methods entry of a limit of the model at the edge of its parameter space (lib/models/limits.ts), for reports whose fit took it. */
  limitDefinition?(id: LimitId): { term: string; definition: string };
  /** Optional DuckDB fast path for P(alive); without it scoring evaluates {@link pAlive} once per distinct history. */
  pAliveSql?(params: Record<string, number>, unitDays: number): PAliveSql;
}

/** The spend model (Gamma-Gamma). */
export interface SpendModel extends ClvModel<SpendData> {
  /** E[Z | x, z̄]: expected average transaction value of a customer with this history. */
  conditionalExpectedSpend(params: Record<string, number>, x: number, zbar: number): number;
  /** SQL of E[Z | x, z̄] over columns `x` and `zbar` (z̄ NULL when x = 0): the one definition scoring uses in DuckDB. */
  expectedSpendSql(params: Record<string, number>, x: string, zbar: string): string;
}

/** The log-likelihood of a limit of the model and the margin within which a fit heading for it stops ({@link FitOptions.edgeReference}). */
export interface EdgeReference {
  logLikelihood: number;
  margin: number;
}

export interface FitOptions {
  /** Starting points in natural parameters (replace the model's default multi-start set). */
  starts?: Record<string, number>[];
  /** Optimizer options (defaults are set by the model). */
  optimizer?: MinimizeOptions;
  /** Skip the Hessian and standard errors (faster; stdErrors and ci95 are then all null). */
  skipStdErrors?: boolean;
  /**
   * Confine the search to within a factor `factor` of these parameters (each one, in log space),
   * e.g. a segment's fit around the fit on everyone. An optimum on that box's edge is not converged
   * (the data pull a parameter towards 0 or ∞: the edge of the parameter space). Bounds the time a
   * fit can spend where the likelihood gets expensive (Pareto/NBD as s, β → ∞).
   */
  near?: { params: Record<string, number>; factor: number };
  /**
   * Time limit of the whole fit in seconds (every start; default {@link FIT_SECONDS}). A fit that
   * reaches it stops without converging and says so: the iteration bound alone bounds the steps,
   * not their cost (the Pareto/NBD likelihood gets expensive at the edge of its parameter space).
   */
  maxSeconds?: number;
  /**
   * The log-likelihood of the model's limit at an edge of its parameter space (lib/models/limits.ts
   * gives the no-dropout limit's): a start heading for an edge (a parameter more than a factor
   * e^6 from its reference size and pushed further out) whose log-likelihood is already within
   * `margin` of it stops there, not converged, instead of crawling on towards the edge. A function
   * is called only when a parameter is that far out (at most once: lib/models/limits.ts fits the
   * limit then, so a fit that stays clear of the edges never pays for it); undefined: no reference.
   */
  edgeReference?: EdgeReference | (() => EdgeReference | undefined);
  /**
   * false: the fit does not stop on its way to an edge (the rules of {@link EDGE_NEAR}), only at its
   * bounds or once a parameter has run off (lib/models/limits.ts resumes a fit so when the limit it
   * was heading for fits clearly worse). Default true.
   */
  stopAtEdge?: boolean;
  /**
   * On large data (more than 50,000 distinct entries) run the starts on a
   * weighted sample first and refine the best end points on the full data
   * (default true; see {@link fitLogSpace}). false runs every start on the full data.
   */
  screen?: boolean;
}

/** Input data that no model can use (bad values). A {@link UserError}: the CLI prints the message. */
export class ModelInputError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'ModelInputError';
  }
}

/**
 * The data cannot identify the model's parameters (no repeat buyers, a single
 * customer, …). The message says why in plain words.
 */
export class ModelNotIdentifiedError extends UserError {
  readonly model: ModelName;
  constructor(model: ModelName, message: string) {
    super(message, 2);
    this.name = 'ModelNotIdentifiedError';
    this.model = model;
  }
}

/** Sorting order of compressed triples: by x, then t_x, then T. */
function compareTriples(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Compresses per-customer (x, t_x, T) into distinct triples with counts,
 * sorted by x, t_x, T. Checks every value: x a non-negative integer,
 * 0 ≤ t_x ≤ T, finite numbers, and t_x = 0 when x = 0.
 */
export function compress(rows: CustomerRows): FrequencyData {
  const n = rows.x.length;
  if (rows.tx.length !== n || rows.T.length !== n) {
    throw new ModelInputError(`customer arrays differ in length: x has ${n}, t_x has ${rows.tx.length}, T has ${rows.T.length}`);
  }
  const counts = new Map<string, { key: [number, number, number]; w: number }>();
  for (let i = 0; i < n; i++) {
    const x = rows.x[i];
    const tx = rows.tx[i];
    const T = rows.T[i];
    checkCustomer(i, x, tx, T);
    const id = `${x}|${tx}|${T}`;
    const e = counts.get(id);
    if (e) e.w++;
    else counts.set(id, { key: [x, tx, T], w: 1 });
  }
  const entries = [...counts.values()].sort((a, b) => compareTriples(a.key, b.key));
  return {
    x: entries.map((e) => e.key[0]),
    tx: entries.map((e) => e.key[1]),
    T: entries.map((e) => e.key[2]),
    weight: entries.map((e) => e.w),
  };
}

function checkCustomer(i: number, x: number, tx: number, T: number): void {
  // fast path: the message is only built for a bad customer
  if (Number.isInteger(x) && x >= 0 && tx >= 0 && tx <= T && T < Infinity && (x > 0 || tx === 0)) return;
  const where = `customer ${i + 1}`;
  if (!Number.isInteger(x) || x < 0) throw new ModelInputError(`${where}: repeat purchases x must be a whole number ≥ 0 (got ${x})`);
  if (!Number.isFinite(tx) || !Number.isFinite(T)) throw new ModelInputError(`${where}: t_x and T must be finite numbers (got t_x=${tx}, T=${T})`);
  if (tx < 0) throw new ModelInputError(`${where}: recency t_x must be ≥ 0 (got ${tx})`);
  if (tx > T) throw new ModelInputError(`${where}: recency t_x (${tx}) is later than the age T (${T})`);
  if (x === 0 && tx !== 0) throw new ModelInputError(`${where}: a customer with no repeat purchase must have t_x = 0 (got ${tx})`);
}

/** Validates already-compressed data (lengths, values, positive weights). */
export function checkFrequencyData(data: FrequencyData): void {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n || data.weight.length !== n) {
    throw new ModelInputError('compressed data arrays x, tx, T and weight must have equal lengths');
  }
  for (let i = 0; i < n; i++) {
    checkCustomer(i, data.x[i], data.tx[i], data.T[i]);
    const w = data.weight[i];
    if (!(w >= 0) || !Number.isFinite(w)) throw new ModelInputError(`entry ${i + 1}: weight must be a finite number ≥ 0 (got ${w})`);
  }
}

/** Totals of frequency data used by the identification checks. */
export function frequencySummary(data: FrequencyData): {
  customers: number;
  repeaters: number;
  maxT: number;
  repeaterEntries: number;
  /** Σ x: repeat purchases of all customers. */
  sumX: number;
  /** Σ T: observation time of all customers. */
  sumT: number;
} {
  let customers = 0;
  let repeaters = 0;
  let repeaterEntries = 0;
  let maxT = 0;
  let sumX = 0;
  let sumT = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight[i];
    if (w === 0) continue;
    customers += w;
    sumX += w * data.x[i];
    sumT += w * data.T[i];
    if (data.x[i] > 0) {
      repeaters += w;
      repeaterEntries++;
    }
    if (data.T[i] > maxT) maxT = data.T[i];
  }
  return { customers, repeaters, maxT, repeaterEntries, sumX, sumT };
}

/**
 * Throws {@link ModelNotIdentifiedError} when frequency data cannot identify a
 * purchase-and-dropout model: no customers, one customer, no repeat purchases
 * at all, or no observation time.
 */
export function checkFrequencyIdentifiable(label: string, data: FrequencyData): void {
  checkFrequencyData(data);
  const { customers, repeaters, maxT } = frequencySummary(data);
  const model = label;
  if (customers === 0) throw new ModelNotIdentifiedError(model, `${label} cannot be fitted: there are no customers`);
  if (customers < 2) {
    throw new ModelNotIdentifiedError(
      model,
      `${label} cannot be fitted on a single customer: it estimates how purchase rates and dropout vary between customers, which takes many customers`,
    );
  }
  if (maxT === 0) {
    throw new ModelNotIdentifiedError(
      model,
      `${label} cannot be fitted: every customer was first seen at the very end of the observation window, so there is no time in which to observe repeat purchases`,
    );
  }
  if (repeaters === 0) {
    throw new ModelNotIdentifiedError(
      model,
      `${label} cannot be fitted: no customer made a repeat purchase (every customer bought on one day only), so the purchase rate and the dropout rate cannot be told apart`,
    );
  }
}

/** The search is confined to |θ| = |ln p| ≤ SEARCH_BOUND (≈ 1e-17 .. 2e17), which keeps every term finite. */
export const SEARCH_BOUND = 40;

/**
 * A fitted parameter more than a factor e^RUNAWAY_BOUND (≈ 160,000) away from its
 * reference size (1 for shape parameters, the data's time or money scale for
 * scale parameters) has run off to 0 or ∞: the data do not identify it.
 */
export const RUNAWAY_BOUND = 12;

/**
 * Numbers each distinct value it is given, in order of first appearance
 * (0, 1, 2, …): an open-addressing hash table on the bits of the double
 * (−0 counts as 0), several times faster than a Map on millions of lookups.
 * `values` lists the distinct values by number.
 */
export class DistinctIndexer {
  values: number[] = [];
  private keys = new Float64Array(1024);
  private slots = new Int32Array(1024).fill(-1);
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);

  /** Number of `v` (a new number when it is first seen). */
  indexOf(v: number): number {
    if (v === 0) v = 0; // −0 → 0
    const mask = this.slots.length - 1;
    this.bits[0] = v;
    let h = Math.imul(this.words[0] ^ Math.imul(this.words[1], 0x9e3779b1), 0x85ebca6b);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = this.slots[h];
      if (k < 0) break;
      if (this.keys[h] === v) return k;
      h = (h + 1) & mask;
    }
    const k = this.values.length;
    this.values.push(v);
    this.slots[h] = k;
    this.keys[h] = v;
    if (this.values.length * 2 > this.slots.length) this.grow();
    return k;
  }

  private grow(): void {
    const values = this.values;
    const size = this.slots.length * 4;
    this.keys = new Float64Array(size);
    this.slots = new Int32Array(size).fill(-1);
    this.values = [];
    for (const v of values) this.indexOf(v);
  }
}

/**
 * Entries of a systematic sample drawn with probability proportional to
 * weight (capped at 1), for screening starts on large data: about `size`
 * entries, each with the weight it stands for, w/π = max(w, 1/c), so that
 * weighted sums over the sample estimate those over all entries (Horvitz–
 * Thompson). Entries are taken in data order (compressed data are sorted by
 * x, t_x, T, so the sample is spread over them) with the fixed offset ½: the
 * same data always give the same sample.
 */
export function weightedSample(weight: ArrayLike<number>, size: number): { index: Int32Array; weight: Float64Array } {
  const n = weight.length;
  // find c with Σ min(1, c·w) = size: entries with c·w ≥ 1 are taken with certainty
  let total = 0;
  let positive = 0;
  for (let i = 0; i < n; i++) {
    if (weight[i] > 0) {
      total += weight[i];
      positive++;
    }
  }
  if (positive <= size) {
    const index: number[] = [];
    for (let i = 0; i < n; i++) if (weight[i] > 0) index.push(i);
    return { index: Int32Array.from(index), weight: Float64Array.from(index, (i) => weight[i]) };
  }
  // fixed point: c = (size − #certain) / (weight of the rest); c only grows, so the certain set only grows
  let c = size / total;
  let lastCertain = -1;
  for (let iter = 0; iter < 100; iter++) {
    let certain = 0;
    let rest = 0;
    for (let i = 0; i < n; i++) {
      const w = weight[i];
      if (!(w > 0)) continue;
      if (c * w >= 1) certain++;
      else rest += w;
    }
    if (certain === lastCertain) break;
    lastCertain = certain;
    const next = rest > 0 ? (size - certain) / rest : c;
    if (!(next > 0)) break;
    c = next;
  }
  const index: number[] = [];
  const sampled: number[] = [];
  let cum = 0.5;
  for (let i = 0; i < n; i++) {
    const w = weight[i];
    if (!(w > 0)) continue;
    const pi = Math.min(1, c * w);
    const before = Math.floor(cum);
    cum += pi;
    if (Math.floor(cum) > before) {
      index.push(i);
      sampled.push(w / pi);
    }
  }
  return { index: Int32Array.from(index), weight: Float64Array.from(sampled) };
}

/** −LL (weighted sum) of a model in θ = ln p, with its gradient in θ when the model has one. */
export interface NegLogLikelihood {
  /** −LL at θ; +Infinity (or NaN) where the likelihood cannot be evaluated. */
  negLLTotal: (theta: readonly number[]) => number;
  /** −LL at θ, writing ∂(−LL)/∂θ into `grad`. */
  negLLGradTotal?: ObjectiveWithGradient;
}

/** A weighted sample of the data (see {@link weightedSample}) on which the starts are screened. */
export interface ScreeningSample extends NegLogLikelihood {
  /** Customers the sample stands for (sum of its weights). */
  customers: number;
}

/** Default time limit of one fit, in seconds (see {@link FitOptions.maxSeconds}). */
export const FIT_SECONDS = 5;

/**
 * A fit stops once a parameter has run off (more than a factor e^RUNAWAY_BOUND from its reference
 * size) and the likelihood still pushes it further out, or once it is more than e^(RUNAWAY_BOUND +
 * EDGE_STOP) away: it is reported as run off either way, and going on would only crawl towards the
 * search bound while the likelihood changes in digits that do not matter (on UCI Online Retail,
 * Pareto/NBD's s crawled from e^−12 to e^−14 in 17 s, its likelihood changing by less than 1e-6).
 */
const EDGE_STOP = 4;
/**
 * A fit is heading for an edge of the parameter space, and stops there, when a parameter is more than
 * a factor e^EDGE_NEAR (≈ 400) from its reference size, the likelihood pushes it further out and the
 * likelihood is already within the margin of a limit's ({@link FitOptions.edgeReference}); or when two
 * parameters or more are each more than e^JOINT_NEAR (≈ 55) out and pushed further out together, as on the way to
 * a common dropout (BG/NBD's a, b → ∞; Pareto/NBD's s, β → ∞: the gamma or beta spread of the
 * dropout is then below ~13% of its mean and the likelihood barely differs from the limit's, while
 * Pareto/NBD's evaluations there take seconds each). An unconverged fit stopped by its iteration
 * or time bound with a parameter more than e^EDGE_NEAR out and pushed further counts as heading
 * for the edge too.
 */
const EDGE_NEAR = 6;
const JOINT_NEAR = 4;

/** Distinct entries above which the models screen their starts on a weighted sample (see {@link fitLogSpace}). */
export const SCREEN_ABOVE = 50_000;
/** Entries in that sample. */
export const SCREEN_SAMPLE = 20_000;

/** Starting points closer than this in every θ = ln p coordinate are one candidate. */
const SAME_OPTIMUM = 1e-2;

/**
 * Fits a model by minimizing −LL/N over θ = ln p from several starts, then
 * computes standard errors from the Hessian of −LL in θ (delta method).
 *
 * `negLLTotal(θ)` must return −LL (the weighted sum) and +Infinity (or NaN)
 * where the likelihood cannot be evaluated; with `negLLGradTotal` (−LL and its
 * analytic gradient in θ) BFGS needs one evaluation per step and the Hessian
 * is taken by differences of the gradient. `reference` gives the natural size
 * of scale parameters (α, β in the data's time unit, γ in its money unit) for
 * the run-off check; shape parameters default to 1.
 *
 * Large data: with `screen` (the likelihood of a weighted sample, see
 * {@link weightedSample}) every start is first run on the sample; each
 * distinct end point (the best, and any other converged one) is then
 * refined on the full data by BFGS started from the sample's inverse Hessian,
 * and the best refined run is kept, as without screening. The optimum is the
 * full data's (the refinement meets the same gradient criterion there); only
 * the search for its neighbourhood is done on the sample.
 *
 * The result has converged = false (with a message) when the optimizer did not
 * meet its gradient criterion, when a parameter ran off to 0 or ∞, or when the
 * Hessian at the optimum is not positive definite (a flat or singular
 * likelihood, so not a well-defined maximum).
 */
export function fitLogSpace(args: {
  model: ModelName;
  names: readonly string[];
  negLLTotal: (theta: readonly number[]) => number;
  negLLGradTotal?: ObjectiveWithGradient;
  customers: number;
  starts: Record<string, number>[];
  reference?: Record<string, number>;
  options?: FitOptions;
  defaultOptimizer?: MinimizeOptions;
  screen?: ScreeningSample;
}): FitResult {
  const { model, names, negLLTotal, customers } = args;
  const near = args.options?.near;
  const box = near
    ? names.map((n) => {
        const c = Math.log(near.params[n]);
        const w = Math.log(near.factor);
        return [Math.max(-SEARCH_BOUND, c - w), Math.min(SEARCH_BOUND, c + w)] as const;
      })
    : undefined;
  const { f: bounded, fg: boundedGrad } = boundedObjective(args, customers, box);
  const starts = (args.options?.starts ?? args.starts).map((s) =>
    names.map((n) => {
      const v = s[n];
      if (!(v > 0) || !Number.isFinite(v)) throw new ModelInputError(`starting value of ${n} must be a positive number (got ${v})`);
      return Math.log(v);
    }),
  );
  const ref = names.map((n) => Math.log(args.reference?.[n] ?? 1));
  /** Coordinates more than `far` from their reference that the descent direction −∇ moves further out. */
  const outward = (theta: readonly number[], grad: readonly number[], far: number): number[] =>
    theta.flatMap((t, i) => (Math.abs(t - ref[i]) > far && grad[i] * (t - ref[i]) < 0 ? [i] : []));
  /** Coordinates heading for an edge (see {@link EDGE_NEAR}); `value` is −LL/N (of the screening sample on large data: an estimate there, and the refinement checks again). */
  const edgeward = (theta: readonly number[], value: number, grad: readonly number[]): number[] => {
    // two or more far out, and moving them all further out together lowers −LL (a ridge: each alone may be pushed back)
    const joint = theta.flatMap((t, i) => (Math.abs(t - ref[i]) > JOINT_NEAR ? [i] : []));
    if (joint.length >= 2 && joint.reduce((s, i) => s + grad[i] * Math.sign(theta[i] - ref[i]), 0) < 0) return joint;
    const far = outward(theta, grad, EDGE_NEAR);
    if (far.length === 0) return [];
    const given = args.options?.edgeReference;
    const limit = typeof given === 'function' ? given() : given;
    return limit && Math.abs(value * customers + limit.logLikelihood) <= limit.margin ? far : [];
  };
  const seconds = args.options?.maxSeconds ?? FIT_SECONDS;
  const optimizer: MinimizeOptions = {
    ...args.defaultOptimizer,
    deadline: performance.now() + 1000 * seconds,
    stopWhen: (theta, value, grad) => {
      if (outward(theta, grad, RUNAWAY_BOUND).length > 0 || theta.some((t, i) => Math.abs(t - ref[i]) > RUNAWAY_BOUND + EDGE_STOP)) return 'a parameter ran off to 0 or ∞';
      return args.options?.stopAtEdge !== false && edgeward(theta, value, grad).length > 0 ? 'it is heading for the edge of the parameter space' : undefined;
    },
    ...args.options?.optimizer,
  };
  const opt =
    (args.screen && args.options?.screen !== false && screenedMinimize(bounded, boundedGrad, boundedObjective(args.screen, args.screen.customers, box), starts, optimizer)) ||
    minimizeMultiStart(bounded, starts, optimizer, { valueAndGradient: boundedGrad });
  let converged = opt.converged && Number.isFinite(opt.value);
  let message: string | undefined = converged
    ? undefined
    : opt.message === TIME_LIMIT_MESSAGE
      ? `the optimizer stopped at the time limit of ${seconds} s without converging (the likelihood is slow to evaluate there)`
      : `the optimizer stopped without converging: ${opt.message}`;
  const theta = opt.x;
  const runaway = names.flatMap((_, i) => (Math.abs(theta[i] - ref[i]) > RUNAWAY_BOUND ? [i] : []));
  const edge = box ? names.filter((_, i) => theta[i] - box[i][0] < 0.01 || box[i][1] - theta[i] < 0.01) : [];
  // run off, or stopped (by the edge rule, or its iteration or time bound) on its way to an edge of the parameter space
  const heading =
    edge.length > 0 && runaway.length === 0
      ? []
      : [...new Set([...runaway, ...(opt.converged ? [] : [...edgeward(theta, opt.value, opt.gradient), ...outward(theta, opt.gradient, EDGE_NEAR)])])].sort((i, j) => i - j);
  if (heading.length > 0) {
    converged = false;
    message = `the likelihood keeps improving as ${heading
      .map((i) => `${names[i]} ${theta[i] > ref[i] ? 'grows without bound' : 'shrinks towards 0'}`)
      .join(', ')}: the data do not pin down this model's parameters (too few customers or repeat purchases, or too little variation between customers)`;
  } else if (edge.length > 0) {
    converged = false;
    message = `the likelihood keeps improving as ${edge.map((n) => `${n} moves more than a factor ${Math.round(near!.factor)} away from the fit on all customers`).join(', ')}: the data pull the model to the edge of its parameter space`;
  }
  if (!Number.isFinite(opt.value)) {
    converged = false;
    message = 'the likelihood could not be evaluated at any starting point';
  }
  const ll = -opt.value * customers;
  let stdErrors: Record<string, number | null> = Object.fromEntries(names.map((n) => [n, null]));
  let ci95: Record<string, [number, number] | null> = Object.fromEntries(names.map((n) => [n, null]));
  let covarianceLog: number[][] | undefined;
  // standard errors are meaningless when a parameter ran off to its boundary
  if (!args.options?.skipStdErrors && Number.isFinite(opt.value) && heading.length === 0 && edge.length === 0) {
    const negLLGrad = args.negLLGradTotal;
    const H = negLLGrad ? hessianFromGradient((t, g) => negLLGrad(t, g), theta) : hessian((t) => negLLTotal(t), theta);
    const inf = logSpaceInference(H, theta, names);
    stdErrors = inf.stdErrors;
    ci95 = inf.ci95;
    covarianceLog = inf.covarianceLog ?? undefined;
    if (!inf.covarianceLog && converged) {
      converged = false;
      message = 'the likelihood is flat or singular at its maximum (its Hessian is not positive definite), so the parameters are not identified by these data';
    }
  }
  const params = Object.fromEntries(names.map((n, i) => [n, Math.exp(theta[i])]));
  const result: FitResult = {
    model,
    params,
    logLikelihood: ll,
    aic: 2 * names.length - 2 * ll,
    converged,
    iterations: opt.iterations,
    gradientNorm: opt.gradientNorm,
    stdErrors,
    ci95,
    customers,
  };
  if (message !== undefined) result.message = message;
  if (covarianceLog && converged) result.covarianceLog = covarianceLog;
  if (heading.length > 0) result.edge = heading.map((i) => ({ param: names[i], towards: theta[i] > ref[i] ? 'infinity' : 'zero' }));
  return result;
}

/** −LL/N confined to |θ| ≤ SEARCH_BOUND (+Infinity outside and where it is not finite), with its gradient when there is one. */
function boundedObjective(
  nll: NegLogLikelihood,
  customers: number,
  box?: readonly (readonly [number, number])[],
): { f: (theta: readonly number[]) => number; fg?: ObjectiveWithGradient } {
  const scale = 1 / customers;
  const inside = (theta: readonly number[]): boolean => {
    for (const t of theta) if (!(Math.abs(t) <= SEARCH_BOUND)) return false;
    if (box) for (let i = 0; i < theta.length; i++) if (!(theta[i] >= box[i][0] && theta[i] <= box[i][1])) return false;
    return true;
  };
  const f = (theta: readonly number[]): number => {
    if (!inside(theta)) return Infinity;
    const v = nll.negLLTotal(theta) * scale;
    return Number.isFinite(v) ? v : Infinity;
  };
  const negLLGrad = nll.negLLGradTotal;
  if (!negLLGrad) return { f };
  const fg: ObjectiveWithGradient = (theta, grad) => {
    if (!inside(theta)) return Infinity;
    const v = negLLGrad(theta, grad) * scale;
    for (let i = 0; i < grad.length; i++) grad[i] *= scale;
    return Number.isFinite(v) ? v : Infinity;
  };
  return { f, fg };
}

/**
 * Multi-start on a weighted sample, then refinement on the full data (see
 * {@link fitLogSpace}). Undefined when no refined run has a finite value (the
 * caller then runs the multi-start on the full data).
 */
function screenedMinimize(
  f: (theta: readonly number[]) => number,
  fg: ObjectiveWithGradient | undefined,
  sample: { f: (theta: readonly number[]) => number; fg?: ObjectiveWithGradient },
  starts: number[][],
  optimizer: MinimizeOptions,
): MinimizeResult | undefined {
  const screened = starts.map((s) => minimize(sample.f, s, optimizer, { valueAndGradient: sample.fg }));
  const best = bestRun(screened);
  if (!best) return undefined;
  // candidates: the best end point and every other converged one, each distinct optimum once, best first
  const candidates: MinimizeResult[] = [];
  for (const r of [...screened].sort((a, b) => a.value - b.value)) {
    if (!Number.isFinite(r.value) || (r !== best && !r.converged)) continue;
    if (candidates.some((c) => c.x.every((v, i) => Math.abs(v - r.x[i]) <= SAME_OPTIMUM))) continue;
    candidates.push(r);
  }
  const refined = candidates.map((c) => {
    const H = sample.fg ? hessianFromGradient(sample.fg, c.x) : hessian(sample.f, c.x);
    const inverse = invertSpd(H) ?? undefined;
    const r = minimize(f, c.x, optimizer, { valueAndGradient: fg, inverseHessian: inverse });
    return { ...r, iterations: c.iterations + r.iterations, evaluations: c.evaluations + r.evaluations };
  });
  return bestRun(refined);
}
