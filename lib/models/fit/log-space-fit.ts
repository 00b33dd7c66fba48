/**
 * The fit scaffolding the likelihood-based models share: a log-likelihood on
 * prepared data (with its gradient in the natural parameters) turned into −LL
 * and its gradient in θ = ln p, the weighted sample on which large data screen
 * their starts, and the call of {@link fitLogSpace} that ties them together.
 * A model supplies its data preparation, its prepared log-likelihood, its
 * starting points and the natural size of its scale parameters.
 */
import {
  fitLogSpace,
  SCREEN_ABOVE,
  SCREEN_SAMPLE,
  weightedSample,
  type FitOptions,
  type FitResult,
  type NegLogLikelihood,
  type ScreeningSample,
} from '../model.ts';

/**
 * A model's log-likelihood (weighted sum) on prepared data; with `grad` it
 * also writes ∂LL/∂p, one entry per parameter in the order of the model's names.
 */
export type PreparedLogLikelihood<Params, Prepared> = (params: Params, prep: Prepared, grad: Float64Array | null) => number;

/** Parameters named `names`, p_i = e^θ_i. */
function fromTheta<Params>(names: readonly (keyof Params & string)[], theta: readonly number[]): Params {
  const p: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) p[names[i]] = Math.exp(theta[i]);
  return p as Params;
}

/** −LL of prepared data in θ = ln p, with the gradient in θ (∂/∂θ_i = p_i ∂/∂p_i). */
export function logSpaceObjective<Params, Prepared>(
  names: readonly (keyof Params & string)[],
  prep: Prepared,
  llPrepared: PreparedLogLikelihood<Params, Prepared>,
): Required<NegLogLikelihood> {
  const g = new Float64Array(names.length);
  return {
    negLLTotal: (theta) => -llPrepared(fromTheta(names, theta), prep, null),
    negLLGradTotal: (theta, grad) => {
      const p = fromTheta(names, theta);
      const ll = llPrepared(p, prep, g);
      for (let i = 0; i < names.length; i++) grad[i] = -(p[names[i]] as number) * g[i];
      return -ll;
    },
  };
}

/** Compressed data: parallel arrays, one entry per distinct history, with the number of customers having it in `weight`. */
export interface WeightedRows {
  weight: ArrayLike<number>;
}

/**
 * The entries `index` of every array of `data`, with `weight` replaced by the
 * weights they stand for (see {@link weightedSample}).
 */
function pickRows<D extends WeightedRows>(data: D, index: Int32Array, weight: Float64Array): D {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(data)) {
    out[key] = key === 'weight' ? Array.from(weight) : Array.from(index, (i) => (column as ArrayLike<unknown>)[i]);
  }
  return out as D;
}

/**
 * The likelihood of a weighted sample of `data` on which the starts are
 * screened, when the data have more than {@link SCREEN_ABOVE} distinct entries
 * and screening is not switched off; undefined otherwise.
 */
export function screeningSample<D extends WeightedRows, Params, Prepared>(
  data: D,
  names: readonly (keyof Params & string)[],
  prepare: (data: D) => Prepared,
  llPrepared: PreparedLogLikelihood<Params, Prepared>,
  options?: FitOptions,
  numericalGradient = false,
): ScreeningSample | undefined {
  if (options?.screen === false || data.weight.length <= SCREEN_ABOVE) return undefined;
  const sample = weightedSample(data.weight, SCREEN_SAMPLE);
  const sub = pickRows(data, sample.index, sample.weight);
  return { ...objective(names, prepare(sub), llPrepared, numericalGradient), customers: sample.weight.reduce((s, v) => s + v, 0) };
}

/** {@link logSpaceObjective}, without its gradient when the likelihood has none (`numericalGradient`: BFGS then takes differences). */
function objective<Params, Prepared>(
  names: readonly (keyof Params & string)[],
  prep: Prepared,
  llPrepared: PreparedLogLikelihood<Params, Prepared>,
  numericalGradient: boolean,
): NegLogLikelihood {
  const o = logSpaceObjective(names, prep, llPrepared);
  return numericalGradient ? { negLLTotal: o.negLLTotal } : o;
}

/**
 * Maximum-likelihood fit of a model with a prepared log-likelihood: multi-start
 * BFGS in θ = ln p with the analytic gradient (gradient tolerance 1e-9), the
 * starts screened on a weighted sample for large data (see
 * {@link fitLogSpace}). The caller checks that the data identify the model first.
 */
export function fitPrepared<D extends WeightedRows, Params, Prepared>(args: {
  /** Label of the model in the result and its messages. */
  model: string;
  names: readonly (keyof Params & string)[];
  data: D;
  /** Number of customers (the sum of the weights). */
  customers: number;
  prepare: (data: D) => Prepared;
  llPrepared: PreparedLogLikelihood<Params, Prepared>;
  starts: Record<string, number>[];
  /** Natural size of the scale parameters (see {@link fitLogSpace}). */
  reference?: Record<string, number>;
  options?: FitOptions;
  /** The likelihood writes no gradient: BFGS takes central differences of it instead. */
  numericalGradient?: boolean;
}): FitResult {
  const { names, data, prepare, llPrepared, options } = args;
  const numerical = args.numericalGradient ?? false;
  return fitLogSpace({
    model: args.model,
    names,
    ...objective(names, prepare(data), llPrepared, numerical),
    customers: args.customers,
    starts: args.starts,
    reference: args.reference,
    options,
    defaultOptimizer: { gradTol: 1e-9 },
    screen: screeningSample(data, names, prepare, llPrepared, options, numerical),
  });
}
