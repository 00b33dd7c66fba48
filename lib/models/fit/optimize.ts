/**
 * A small minimizer for smooth functions of a few variables, plus finite-
 * difference Hessians and delta-method standard errors.
 *
 * The CLV models are fitted in log-parameter space (every natural parameter is
 * positive, θ = ln p), so the minimizer itself is unconstrained: BFGS with
 * central-difference gradients (or an analytic gradient when the caller has
 * one) and a backtracking (Armijo) line search, as in Nocedal & Wright,
 * "Numerical Optimization" (2nd ed.), Algorithm 6.1 with the initial scaling
 * of eq. 6.20.
 */

/** Function of a parameter vector. Non-finite values are treated as "outside the domain". */
export type Objective = (x: readonly number[]) => number;

/**
 * Function of a parameter vector together with its gradient: returns f(x) and
 * writes ∇f(x) into `grad` (length x.length). Non-finite values are treated as
 * "outside the domain" (the gradient is then not used).
 */
export type ObjectiveWithGradient = (x: readonly number[], grad: number[]) => number;

/** What {@link minimize} can use besides f itself. */
export interface MinimizeExtras {
  /**
   * f and its analytic gradient in one call (it must agree with f). BFGS then
   * needs one evaluation per step instead of 1 + 2n, and near the minimum,
   * where differences of f are lost to rounding, the line search accepts a
   * step by the approximate Wolfe conditions of Hager & Zhang (2005, "A new
   * conjugate gradient method with guaranteed descent and an efficient line
   * search", SIAM J. Optim. 16(1), eq. 4.1): f(x+αd) ≤ f(x) + ε|f(x)| with
   * ε = 1e-14 and ∇f(x+αd)·d ≤ (2δ−1) ∇f(x)·d with δ = 0.1. Where f itself is
   * only rounding noise (so that steps are accepted by chance and shrink to
   * nothing), the iteration stops after 5 steps in a row that change no
   * coordinate by more than 1e-10 (relative).
   */
  valueAndGradient?: ObjectiveWithGradient;
  /** Initial inverse Hessian approximation (symmetric positive definite); default the identity, rescaled after the first step (eq. 6.20). */
  inverseHessian?: readonly (readonly number[])[];
}

export interface MinimizeOptions {
  /**
   * Stop when the largest |gradient component| is at most this (default 1e-8).
   * When no step reduces f any more and the gradient is within 100× the
   * rounding noise of the central differences (ε·|f|/h), the result also
   * counts as converged.
   */
  gradTol?: number;
  /** Maximum BFGS iterations (default 500). */
  maxIter?: number;
  /** Relative step of the central differences (default 6e-6 ≈ ε^(1/3)). */
  diffStep?: number;
  /** Largest change of any coordinate in one line search step (default 2, i.e. a factor e² in log space). */
  maxStep?: number;
  /**
   * Time limit: the iteration stops (not converged) once performance.now() passes this (milliseconds,
   * checked before every step and every evaluation of the line search). A safety net for objectives
   * whose evaluations get slow: the iteration bound alone bounds the steps, not their cost.
   */
  deadline?: number;
  /** Checked before every step: a reason in plain words stops the iteration there (not converged). */
  stopWhen?: (x: readonly number[], value: number, gradient: readonly number[]) => string | undefined;
}

/** The message of an iteration stopped by {@link MinimizeOptions.deadline}. */
export const TIME_LIMIT_MESSAGE = 'reached its time limit';

export interface MinimizeResult {
  /** Best point found. */
  x: number[];
  /** f at x. */
  value: number;
  /** True when the gradient criterion was met. */
  converged: boolean;
  iterations: number;
  /** Largest |component| of the gradient at x (numerical, or the analytic one when given). */
  gradientNorm: number;
  /** Number of f evaluations. */
  evaluations: number;
  /** The gradient at x (numerical, or the analytic one when given; NaN where it could not be taken). */
  gradient: number[];
  /** Why the iteration stopped, in plain words. */
  message: string;
}

/** Central-difference gradient (one-sided where f is not finite on one side). */
export function numericalGradient(f: Objective, x: readonly number[], fx?: number, relStep = 6e-6): number[] {
  const n = x.length;
  const g = new Array<number>(n);
  const xp = x.slice();
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const h0 = relStep * Math.max(1, Math.abs(xi));
    const up = xi + h0;
    const down = xi - h0;
    xp[i] = up;
    const fUp = f(xp);
    xp[i] = down;
    const fDown = f(xp);
    xp[i] = xi;
    if (Number.isFinite(fUp) && Number.isFinite(fDown)) g[i] = (fUp - fDown) / (up - down);
    else {
      const f0 = fx ?? f(x);
      if (Number.isFinite(fUp)) g[i] = (fUp - f0) / (up - xi);
      else if (Number.isFinite(fDown)) g[i] = (f0 - fDown) / (xi - down);
      else g[i] = NaN;
    }
  }
  return g;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const e of v) {
    const a = Math.abs(e);
    if (!(a <= m)) m = a; // propagates NaN
  }
  return m;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function identity(n: number, scale = 1): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)));
}

/** With an analytic gradient, {@link minimize} stops after TINY_STEPS accepted steps in a row of at most TINY_STEP (relative). */
const TINY_STEP = 1e-10;
const TINY_STEPS = 5;

/** Copy of a symmetric positive definite matrix, or null when it is not one. */
function spdCopy(A: readonly (readonly number[])[] | undefined, n: number): number[][] | null {
  if (!A || A.length !== n || A.some((row) => row.length !== n || row.some((v) => !Number.isFinite(v)))) return null;
  if (!cholesky(A)) return null;
  return A.map((row) => row.slice());
}

/**
 * Minimizes f from x0 by BFGS. Never returns a non-finite point: when f is not
 * finite at x0 the result has converged = false and value = f(x0).
 * With `extras.valueAndGradient` the gradient is analytic (see {@link MinimizeExtras}).
 */
export function minimize(f: Objective, x0: readonly number[], options: MinimizeOptions = {}, extras: MinimizeExtras = {}): MinimizeResult {
  const gradTol = options.gradTol ?? 1e-8;
  const maxIter = options.maxIter ?? 500;
  const relStep = options.diffStep ?? 6e-6;
  const maxStep = options.maxStep ?? 2;
  const n = x0.length;
  const fg = extras.valueAndGradient;
  let evaluations = 0;
  const fe: Objective = (x) => {
    evaluations++;
    return f(x);
  };
  // with an analytic gradient every evaluation returns it too: `lastGrad` is ∇f at the last point evaluated
  let lastGrad: number[] = new Array<number>(n).fill(NaN);
  const evaluate: Objective = fg
    ? (x) => {
        evaluations++;
        const gr = new Array<number>(n).fill(NaN);
        const v = fg(x, gr);
        lastGrad = gr;
        return v;
      }
    : fe;
  const grad = (x: readonly number[], fx: number): number[] => (fg ? lastGrad : numericalGradient(fe, x, fx, relStep));

  let x = x0.slice();
  let fx = evaluate(x);
  if (!Number.isFinite(fx)) {
    return { x, value: fx, converged: false, iterations: 0, gradientNorm: NaN, evaluations, gradient: x.map(() => NaN), message: 'the objective is not finite at the starting point' };
  }
  let g = grad(x, fx);
  const H0 = spdCopy(extras.inverseHessian, n);
  let H = H0 ?? identity(n);
  let fresh = H0 === null; // H is the (unscaled) identity
  let iter = 0;
  let tinySteps = 0;
  let message = 'reached the iteration limit';
  let converged = false;

  for (; iter < maxIter; iter++) {
    const gn = maxAbs(g);
    if (!Number.isFinite(gn)) {
      message = 'the gradient is not finite';
      break;
    }
    if (gn <= gradTol) {
      converged = true;
      message = 'gradient below tolerance';
      break;
    }
    if (options.deadline !== undefined && performance.now() > options.deadline) {
      message = TIME_LIMIT_MESSAGE;
      break;
    }
    const stop = options.stopWhen?.(x, fx, g);
    if (stop !== undefined) {
      message = stop;
      break;
    }
    // search direction d = −H g
    let d = H.map((row) => -dot(row, g));
    let slope = dot(g, d);
    if (!(slope < 0)) {
      H = identity(n);
      fresh = true;
      d = g.map((v) => -v);
      slope = dot(g, d);
    }
    // limit the step so that no coordinate moves by more than maxStep
    const dMax = maxAbs(d);
    let step = dMax > maxStep ? maxStep / dMax : 1;
    // backtracking line search with the Armijo condition (c1 = 1e-4)
    let accepted = false;
    let xNew = x;
    let fNew = fx;
    let late = false;
    for (let ls = 0; ls < 60; ls++) {
      if (ls > 0 && options.deadline !== undefined && performance.now() > options.deadline) {
        late = true;
        break;
      }
      xNew = x.map((v, i) => v + step * d[i]);
      fNew = evaluate(xNew);
      // strict decrease as well as Armijo: at the rounding floor 1e-4·step·slope vanishes next to fx
      if (Number.isFinite(fNew) && fNew < fx && fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      // analytic gradient: approximate Wolfe (Hager & Zhang eq. 4.1) where f's differences are rounding noise
      if (fg && Number.isFinite(fNew) && fNew <= fx + 1e-14 * Math.abs(fx) && maxAbs(lastGrad) < Infinity && dot(lastGrad, d) <= -0.8 * slope) {
        accepted = true;
        break;
      }
      if (!Number.isFinite(fNew)) step *= 0.1;
      else {
        // minimizer of the quadratic through f(x), f'(x; d) and f(x + step d), kept in [0.1, 0.5]·step
        const q = (-slope * step * step) / (2 * (fNew - fx - slope * step));
        step = Math.min(Math.max(q, 0.1 * step), 0.5 * step);
      }
    }
    if (late) {
      message = TIME_LIMIT_MESSAGE;
      break;
    }
    if (!accepted) {
      if (!fresh) {
        // the curvature model may be poor: restart from steepest descent
        H = identity(n);
        fresh = true;
        continue;
      }
      // No decrease along −g: either the gradient is at the rounding-noise level of
      // the central differences (≈ ε·|f|/h), i.e. converged as far as doubles allow,
      // or the function is not smooth here.
      const noise = fg
        ? 2.2e-16 * Math.max(1, Math.abs(fx)) * 10 // rounding in the sums behind an analytic gradient
        : (2.2e-16 * Math.max(1, Math.abs(fx))) / (relStep * Math.max(1, Math.min(...x.map(Math.abs))));
      if (gn <= 100 * noise) {
        converged = true;
        message = fg ? 'gradient at the rounding-noise level' : 'gradient at the rounding-noise level of the numerical derivative';
      } else message = 'the line search could not reduce the objective (the function may not be smooth here)';
      break;
    }
    const gNew = grad(xNew, fNew);
    const s = xNew.map((v, i) => v - x[i]);
    const y = gNew.map((v, i) => v - g[i]);
    const sy = dot(s, y);
    x = xNew;
    fx = fNew;
    g = gNew;
    // analytic gradient: where f is rounding noise (e.g. lnΓ differences at huge parameters) steps
    // are accepted by chance and shrink to nothing; the numerical gradient stops there by itself
    if (fg) {
      tinySteps = maxAbs(s) <= TINY_STEP * Math.max(1, maxAbs(x)) ? tinySteps + 1 : 0;
      if (tinySteps >= TINY_STEPS) {
        iter++;
        message = `no progress: ${TINY_STEPS} steps in a row changed no coordinate by more than ${TINY_STEP} (the objective is flat at its rounding level here)`;
        break;
      }
    }
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y)) && Number.isFinite(sy)) {
      if (fresh) {
        // Nocedal & Wright eq. 6.20: scale the initial inverse Hessian
        H = identity(n, sy / dot(y, y));
        fresh = false;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      const Hy = H.map((row) => dot(row, y));
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i][j] += -rho * (s[i] * Hy[j] + Hy[i] * s[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
        }
      }
    }
  }
  const gradientNorm = maxAbs(g);
  if (!converged && gradientNorm <= gradTol) {
    converged = true;
    message = 'gradient below tolerance';
  }
  return { x, value: fx, converged, iterations: iter, gradientNorm, evaluations, gradient: g, message };
}

/** The lowest finite result (with the best converged one preferred on ties); undefined when none is finite. */
export function bestRun<R extends MinimizeResult>(runs: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const r of runs) {
    if (!Number.isFinite(r.value)) continue;
    if (!best || r.value < best.value - 1e-12 * Math.abs(best.value) || (r.converged && !best.converged && r.value <= best.value + 1e-9 * Math.abs(best.value))) best = r;
  }
  return best;
}

/** Runs {@link minimize} from each start and returns the lowest finite result (with the best converged one preferred on ties). */
export function minimizeMultiStart(
  f: Objective,
  starts: readonly (readonly number[])[],
  options: MinimizeOptions = {},
  extras: MinimizeExtras = {},
): MinimizeResult & { runs: MinimizeResult[] } {
  const runs = starts.map((s) => minimize(f, s, options, extras));
  return { ...(bestRun(runs) ?? runs[0]), runs };
}

/**
 * Hessian of f at x by central second differences (step ≈ ε^(1/4) relative):
 * H_ii = (f(x+h_i) − 2f(x) + f(x−h_i)) / h_i²,
 * H_ij = (f(x+h_i+h_j) − f(x+h_i−h_j) − f(x−h_i+h_j) + f(x−h_i−h_j)) / (4 h_i h_j).
 */
export function hessian(f: Objective, x: readonly number[], relStep = 1e-4): number[][] {
  const n = x.length;
  const h = x.map((v) => {
    const step = relStep * Math.max(1, Math.abs(v));
    return v + step - v; // exactly representable step
  });
  const f0 = f(x);
  const H = identity(n, 0);
  const at = (di: number, si: number, dj: number, sj: number): number => {
    const p = x.slice();
    p[di] += si * h[di];
    if (dj >= 0) p[dj] += sj * h[dj];
    return f(p);
  };
  for (let i = 0; i < n; i++) {
    H[i][i] = (at(i, 1, -1, 0) - 2 * f0 + at(i, -1, -1, 0)) / (h[i] * h[i]);
    for (let j = 0; j < i; j++) {
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h[i] * h[j]);
      H[i][j] = v;
      H[j][i] = v;
    }
  }
  return H;
}

/**
 * Hessian of f at x by central differences of its analytic gradient
 * (2n gradient evaluations instead of the 1 + 2n² function evaluations of
 * {@link hessian}), symmetrized:
 * H_ij = ½ [(∂_j f(x+h_i) − ∂_j f(x−h_i)) / (2h_i) + (∂_i f(x+h_j) − ∂_i f(x−h_j)) / (2h_j)].
 * The step h_i = relStep·max(1, |x_i|) (default 1e-5 ≈ ε^(1/3): truncation
 * and rounding errors both about 1e-10 relative).
 */
export function hessianFromGradient(fg: ObjectiveWithGradient, x: readonly number[], relStep = 1e-5): number[][] {
  const n = x.length;
  const h = x.map((v) => {
    const step = relStep * Math.max(1, Math.abs(v));
    return v + step - v; // exactly representable step
  });
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const p = x.slice();
    const up = new Array<number>(n).fill(NaN);
    const down = new Array<number>(n).fill(NaN);
    p[i] = x[i] + h[i];
    const fUp = fg(p, up);
    p[i] = x[i] - h[i];
    const fDown = fg(p, down);
    const ok = Number.isFinite(fUp) && Number.isFinite(fDown);
    rows.push(up.map((u, j) => (ok ? (u - down[j]) / (2 * h[i]) : NaN)));
  }
  const H = identity(n, 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i][j] = 0.5 * (rows[i][j] + rows[j][i]);
  return H;
}

/** Cholesky factor L (A = L Lᵀ) of a symmetric matrix, or null when A is not positive definite. */
export function cholesky(A: readonly (readonly number[])[]): number[][] | null {
  const n = A.length;
  const L = identity(n, 0);
  for (let j = 0; j < n; j++) {
    let d = A[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / L[j][j];
    }
  }
  return L;
}

/** Inverse of a symmetric positive definite matrix via Cholesky, or null when it is not positive definite. */
export function invertSpd(A: readonly (readonly number[])[]): number[][] | null {
  const L = cholesky(A);
  if (!L) return null;
  const n = A.length;
  // invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹
  const Li = identity(n, 0);
  for (let i = 0; i < n; i++) {
    Li[i][i] = 1 / L[i][i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i][k] * Li[k][j];
      Li[i][j] = s / L[i][i];
    }
  }
  const inv = identity(n, 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k][i] * Li[k][j];
      inv[i][j] = s;
      inv[j][i] = s;
    }
  }
  return inv;
}

/** 97.5% quantile of the standard normal distribution. */
export const Z_975 = 1.959963984540054;

export interface LogSpaceInference {
  /** Natural parameters p = e^θ. */
  params: Record<string, number>;
  /** Delta-method standard errors of p: se(p) = p · se(θ); null when the Hessian is not positive definite. */
  stdErrors: Record<string, number | null>;
  /**
   * 95% intervals of p, the log-scale Wald interval mapped back:
   * [e^(θ − 1.96 se(θ)), e^(θ + 1.96 se(θ))] (always positive, asymmetric);
   * null when the Hessian is not positive definite.
   */
  ci95: Record<string, [number, number] | null>;
  /** Covariance of θ = ln p (inverse Hessian), or null. */
  covarianceLog: number[][] | null;
}

/**
 * Standard errors and 95% intervals of the natural parameters from the
 * Hessian of the negative log-likelihood in log-parameter space (θ = ln p).
 * Cov(θ) = H⁻¹ (observed information); by the delta method
 * Var(p_i) ≈ (∂p_i/∂θ_i)² Var(θ_i) = p_i² Var(θ_i).
 */
export function logSpaceInference(hessianLog: readonly (readonly number[])[], theta: readonly number[], names: readonly string[]): LogSpaceInference {
  const cov = invertSpd(hessianLog);
  const params: Record<string, number> = {};
  const stdErrors: Record<string, number | null> = {};
  const ci95: Record<string, [number, number] | null> = {};
  names.forEach((name, i) => {
    const p = Math.exp(theta[i]);
    params[name] = p;
    const v = cov ? cov[i][i] : NaN;
    if (cov && v > 0 && Number.isFinite(v)) {
      const se = Math.sqrt(v);
      stdErrors[name] = p * se;
      ci95[name] = [Math.exp(theta[i] - Z_975 * se), Math.exp(theta[i] + Z_975 * se)];
    } else {
      stdErrors[name] = null;
      ci95[name] = null;
    }
  });
  return { params, stdErrors, ci95, covarianceLog: cov };
}
