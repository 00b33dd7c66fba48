/**
 * The minimizer and the finite-difference Hessian (lib/clv/optimize.ts).
 *
 * Sources: Rosenbrock's function f(x,y) = (1−x)² + 100(y−x²)² has its only
 * minimum at (1, 1) with f = 0 and Hessian [[802, −400], [−400, 200]] there
 * (Nocedal & Wright, "Numerical Optimization", 2nd ed., Exercise 2.1);
 * a quadratic ½(x−m)ᵀA(x−m) + c has its minimum c at m and Hessian A; the delta
 * method Var(e^θ) ≈ e^(2θ) Var(θ) (e.g. Casella & Berger, "Statistical
 * Inference", 2nd ed., Theorem 5.5.24).
 */
import { describe, expect, it } from 'vitest';
import { cholesky, hessian, invertSpd, logSpaceInference, minimize, minimizeMultiStart, numericalGradient, TIME_LIMIT_MESSAGE, Z_975 } from '../../../lib/models/fit/optimize.ts';

const rosenbrock = (v: readonly number[]): number => (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2;

const A = [
  [4, 1, 0.5],
  [1, 3, 0.2],
  [0.5, 0.2, 2],
];
const m = [1.5, -2, 0.25];
const quadratic = (v: readonly number[]): number => {
  const d = v.map((x, i) => x - m[i]);
  let s = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += 0.5 * d[i] * A[i][j] * d[j];
  return s + 7;
};

describe('minimize (BFGS, numerical gradients)', () => {
  it('finds the Rosenbrock minimum (1, 1) from the classic start (−1.2, 1)', () => {
    const r = minimize(rosenbrock, [-1.2, 1]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.value).toBeLessThan(1e-12);
    expect(r.gradientNorm).toBeLessThan(1e-6);
    expect(r.iterations).toBeLessThan(100);
  });

  it('finds the minimum of a quadratic with known minimizer and value', () => {
    const r = minimize(quadratic, [0, 0, 0]);
    expect(r.converged).toBe(true);
    r.x.forEach((x, i) => expect(x).toBeCloseTo(m[i], 7));
    expect(r.value).toBeCloseTo(7, 12);
  });

  it('treats non-finite values as outside the domain and stays inside', () => {
    // minimum of x − ln x at x = 1, undefined for x ≤ 0
    const f = (v: readonly number[]) => (v[0] > 0 ? v[0] - Math.log(v[0]) : NaN);
    const r = minimize(f, [20]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
  });

  it('reports a non-finite start instead of returning NaN', () => {
    const r = minimize(() => NaN, [1, 2]);
    expect(r.converged).toBe(false);
    expect(r.x).toEqual([1, 2]);
    expect(r.message).toMatch(/not finite/);
  });

  it('multi-start keeps the lowest of several local minima', () => {
    // two wells: f = (x²−1)² + 0.3x has its global minimum near x = −1
    const f = (v: readonly number[]) => (v[0] ** 2 - 1) ** 2 + 0.3 * v[0];
    const r = minimizeMultiStart(f, [[2], [-2]]);
    expect(r.runs).toHaveLength(2);
    expect(r.x[0]).toBeLessThan(0);
    expect(r.value).toBeLessThan(Math.min(...r.runs.map((q) => q.value)) + 1e-12);
  });
});

describe('finite differences', () => {
  it('central-difference gradient matches the analytic Rosenbrock gradient', () => {
    const p = [0.3, -0.7];
    const g = numericalGradient(rosenbrock, p);
    const exact = [-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)];
    g.forEach((v, i) => expect(v).toBeCloseTo(exact[i], 6));
  });

  it('Hessian of Rosenbrock at (1, 1) is [[802, −400], [−400, 200]]', () => {
    const H = hessian(rosenbrock, [1, 1]);
    expect(H[0][0]).toBeCloseTo(802, 3);
    expect(H[0][1]).toBeCloseTo(-400, 3);
    expect(H[1][0]).toBeCloseTo(-400, 3);
    expect(H[1][1]).toBeCloseTo(200, 3);
  });

  it('Hessian of the quadratic is A, and its inverse inverts A', () => {
    const H = hessian(quadratic, [0.1, 0.2, 0.3]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i][j]).toBeCloseTo(A[i][j], 5);
    const inv = invertSpd(A)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += A[i][k] * inv[k][j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(cholesky([[1, 2], [2, 1]])).toBeNull();
  });
});

describe('logSpaceInference (delta method)', () => {
  it('turns the Hessian in θ = ln p into standard errors and intervals of p', () => {
    // Hessian diag(100, 4) ⇒ se(θ) = 0.1, 0.5
    const theta = [Math.log(2), Math.log(10)];
    const inf = logSpaceInference(
      [
        [100, 0],
        [0, 4],
      ],
      theta,
      ['a', 'b'],
    );
    expect(inf.params.a).toBeCloseTo(2, 14);
    expect(inf.stdErrors.a).toBeCloseTo(2 * 0.1, 14);
    expect(inf.stdErrors.b).toBeCloseTo(10 * 0.5, 14);
    expect(inf.ci95.a![0]).toBeCloseTo(2 * Math.exp(-Z_975 * 0.1), 12);
    expect(inf.ci95.b![1]).toBeCloseTo(10 * Math.exp(Z_975 * 0.5), 12);
  });

  it('gives null (not NaN) standard errors when the Hessian is singular', () => {
    const inf = logSpaceInference(
      [
        [1, 1],
        [1, 1],
      ],
      [0, 0],
      ['a', 'b'],
    );
    expect(inf.stdErrors).toEqual({ a: null, b: null });
    expect(inf.ci95).toEqual({ a: null, b: null });
  });
});

describe('minimize: its bounds', () => {
  it('stops at its deadline, not converged, saying so', () => {
    const r = minimize(rosenbrock, [-1.2, 1], { deadline: performance.now() - 1 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(0);
    expect(r.message).toBe(TIME_LIMIT_MESSAGE);
    // a slow objective (2 ms an evaluation) with 30 ms to go: stopped after a few steps, far from its minimum
    const slow = (v: readonly number[]) => {
      const t = performance.now();
      while (performance.now() - t < 2);
      return rosenbrock(v);
    };
    const t0 = performance.now();
    const s = minimize(slow, [-1.2, 1], { deadline: t0 + 30 });
    expect(performance.now() - t0).toBeLessThan(300);
    expect(s.message).toBe(TIME_LIMIT_MESSAGE);
    expect(s.converged).toBe(false);
  });

  it('stops where stopWhen gives a reason, with the point, value and gradient it was given', () => {
    const seen: number[][] = [];
    const r = minimize(quadratic, [0, 0, 0], {
      stopWhen: (x, value, gradient) => {
        seen.push([...x, value, ...gradient]);
        return x[0] > 1 ? 'x0 passed 1' : undefined;
      },
    });
    expect(r.message).toBe('x0 passed 1');
    expect(r.converged).toBe(false);
    expect(r.x[0]).toBeGreaterThan(1);
    expect(r.gradient).toHaveLength(3);
    const last = seen[seen.length - 1];
    expect(last.slice(0, 3)).toEqual(r.x);
    expect(last[3]).toBe(r.value);
  });
});
