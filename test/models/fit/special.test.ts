/**
 * Special functions of the CLV models (lib/clv/special.ts).
 *
 * Sources: Abramowitz & Stegun, "Handbook of Mathematical Functions" (A&S)
 * 6.1.8 (Γ(1/2) = √π), 6.1.6 (Γ(n+1) = n!), 6.1.12 (Γ(n+1/2)),
 * 15.1.3 (2F1(1,1;2;z) = −ln(1−z)/z), 15.1.6 (2F1(1/2,1/2;3/2;z²) = arcsin z / z),
 * 15.1.8 (2F1(a,b;b;z) = (1−z)^(−a)), 15.3.3 (Euler's transformation);
 * lnΓ(100) = 359.13420536957540 as given in the task; the remaining reference
 * values were computed with mpmath 1.3.0 (loggamma, hyp2f1) at 40 digits, at the
 * double nearest each decimal argument (near x = 1, 2 that matters at 1e-12).
 */
import { describe, expect, it } from 'vitest';
import { hyp2f1, lnBeta, lnGamma, lnHyp2f1, lnHyp2f1Detailed, lnHyp2f1Pareto, logAddExp, logDiffExp, logSumExp } from '../../../lib/models/fit/special.ts';

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('lnGamma', () => {
  it('matches closed forms (A&S 6.1.8, 6.1.6) and the task value of lnΓ(100)', () => {
    expect(relErr(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)))).toBeLessThan(1e-14);
    expect(relErr(lnGamma(10), Math.log(362880))).toBeLessThan(1e-14);
    expect(relErr(lnGamma(100), 359.1342053695754)).toBeLessThan(1e-14);
    expect(relErr(lnGamma(1.5), Math.log(Math.sqrt(Math.PI) / 2))).toBeLessThan(1e-13);
    expect(lnGamma(1)).toBe(0);
    expect(lnGamma(2)).toBe(0);
  });

  it('is exact to ~1e-14 relative for integers (lnΓ(n) = ln (n−1)!) and half-integers (A&S 6.1.12)', () => {
    let fact = 1; // (n−1)!
    for (let n = 3; n <= 170; n++) {
      fact *= n - 1;
      expect(relErr(lnGamma(n), Math.log(fact))).toBeLessThan(1e-13);
    }
    // Γ(n + 1/2) = (2n)! √π / (4^n n!), n = 1..80, in logs
    let lnRatio = 0; // ln((2n)! / (4^n n!))
    for (let n = 1; n <= 80; n++) {
      lnRatio += Math.log(((2 * n) * (2 * n - 1)) / (4 * n));
      const expected = lnRatio + 0.5 * Math.log(Math.PI);
      expect(relErr(lnGamma(n + 0.5), expected)).toBeLessThan(1e-13);
    }
  });

  it('keeps relative accuracy near its zeros at 1 and 2 and for tiny and huge x (mpmath references)', () => {
    const cases: [number, number][] = [
      [1e-10, 23.025850929882735237],
      [0.1, 2.252712651734205902],
      [1.0001, -0.000057713342220471268005],
      [1.4616321449683623, -0.1214862905358496081], // minimum of Γ
      [1.9999, -0.000042275208772153458011],
      [2.0001, 0.000042281658112919946317],
      [2.5, 0.28468287047291915963],
      [3.7, 1.4280723266653881292],
      [1e5, 1051287.7089736568949],
    ];
    for (const [x, expected] of cases) expect(relErr(lnGamma(x), expected)).toBeLessThan(1e-13);
  });

  it('returns Infinity at 0 and NaN for negative input', () => {
    expect(lnGamma(0)).toBe(Infinity);
    expect(lnGamma(-1)).toBeNaN();
  });
});

describe('lnBeta, logSumExp', () => {
  it('lnB(a,b) = ln(Γ(a)Γ(b)/Γ(a+b)): B(2,3) = 1/12, B(1/2,1/2) = π', () => {
    expect(relErr(lnBeta(2, 3), Math.log(1 / 12))).toBeLessThan(1e-14);
    expect(relErr(lnBeta(0.5, 0.5), Math.log(Math.PI))).toBeLessThan(1e-14);
  });

  it('logSumExp handles large values, weights and signs', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([-1000, -1000, -1000])).toBeCloseTo(-1000 + Math.log(3), 12);
    expect(logSumExp([Math.log(5), Math.log(3)], [1, -1])).toBeCloseTo(Math.log(2), 14);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([0, 0], [1, -2])).toBeNaN();
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
    expect(logDiffExp(Math.log(5), Math.log(3))).toBeCloseTo(Math.log(2), 14);
    expect(logDiffExp(2, 2)).toBe(-Infinity);
  });
});

describe('hyp2f1', () => {
  const zs = [0, 1e-8, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999];

  it('2F1(1,1;2;z) = −ln(1−z)/z (A&S 15.1.3)', () => {
    for (const z of zs.filter((v) => v > 0)) expect(relErr(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    expect(hyp2f1(1, 1, 2, 0)).toBe(1);
  });

  it('2F1(a,b;b;z) = (1−z)^(−a) (A&S 15.1.8), including a, b up to 100', () => {
    for (const a of [0.1, 0.5, 2.4, 30, 100]) {
      for (const b of [0.3, 1, 7.5, 100]) {
        for (const z of zs) {
          const expected = -a * Math.log1p(-z);
          const tol = 1e-13 * Math.max(1, Math.abs(expected));
          // auto picks Euler here, where 2F1(b−a, 0; b; z) = 1 exactly; the direct series is the real test
          expect(Math.abs(lnHyp2f1(a, b, b, z) - expected)).toBeLessThanOrEqual(tol);
          expect(Math.abs(lnHyp2f1(a, b, b, z, { method: 'direct' }) - expected)).toBeLessThanOrEqual(10 * tol);
        }
      }
    }
  });

  it('2F1(1/2,1/2;3/2;z²) = arcsin(z)/z (A&S 15.1.6)', () => {
    for (const z of [0.001, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999]) expect(relErr(hyp2f1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z)).toBeLessThan(1e-13);
  });

  it('matches mpmath at BG/NBD and Pareto/NBD arguments, including one that overflows in the direct series', () => {
    expect(relErr(hyp2f1(0.2426, 2.426, 2.2189, 0.9464), 2.3862912514834895445)).toBeLessThan(1e-13);
    expect(relErr(hyp2f1(2.2426, 4.426, 4.2189, 0.5), 5.1604213294130012971)).toBeLessThan(1e-13);
    expect(relErr(lnHyp2f1(26.2426, 28.426, 28.2189, 0.99), 121.790272836550456)).toBeLessThan(1e-14);
    expect(relErr(hyp2f1(26.2426, 28.426, 28.2189, 0.99), 7.8134608856298733499e52)).toBeLessThan(1e-12);
    expect(relErr(lnHyp2f1Pareto(30.1595, 1.6062, 0.5), 1.0643826483951153855)).toBeLessThan(1e-14);
  });

  it('direct series and Euler-transformed form agree over a grid (BG/NBD shapes r+x ∈ [0.1, 100], z ∈ [0, 0.99]; A&S 15.3.3)', () => {
    let worst = 0;
    let cases = 0;
    for (const r of [0.1, 0.25, 1, 3]) {
      for (const x of [0, 1, 2, 5, 20, 50, 97]) {
        for (const a of [0.5, 0.8, 2.5]) {
          for (const b of [0.6, 2.4, 10]) {
            for (const z of [0, 0.05, 0.3, 0.6, 0.9, 0.95, 0.99]) {
              // E[Y(t)|x, t_x, T] evaluates 2F1(r+x, b+x; a+b+x−1; z)
              const A = r + x;
              const B = b + x;
              const C = a + b + x - 1;
              const direct = lnHyp2f1Detailed(A, B, C, z, { method: 'direct' });
              const euler = lnHyp2f1Detailed(A, B, C, z, { method: 'euler' });
              expect(direct.converged && euler.converged).toBe(true);
              worst = Math.max(worst, Math.abs(Math.expm1(direct.ln - euler.ln)));
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(4 * 7 * 3 * 3 * 7);
    expect(worst).toBeLessThan(1e-11);
  });

  it('direct, Euler and the Pareto fast path agree for 2F1(r+s+x, s+1 or r+x; r+s+x+1; z)', () => {
    let worst = 0;
    for (const r of [0.1, 0.55, 3]) {
      for (const s of [0.1, 0.6, 3]) {
        for (const x of [0, 1, 5, 30, 96]) {
          for (const z of [0, 0.1, 0.5, 0.9, 0.99]) {
            for (const b of [s + 1, r + x]) {
              const a = r + s + x;
              const direct = lnHyp2f1Detailed(a, b, a + 1, z, { method: 'direct' }).ln;
              const euler = lnHyp2f1Detailed(a, b, a + 1, z, { method: 'euler' }).ln;
              const fast = lnHyp2f1Pareto(a, b, z);
              worst = Math.max(worst, Math.abs(Math.expm1(direct - euler)), Math.abs(Math.expm1(direct - fast)));
            }
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-11);
  });

  it('the Pareto fast path returns NaN, never a truncated sum, outside its range', () => {
    expect(lnHyp2f1Pareto(30, 1.6, 0.9999)).toBeNaN(); // would need > 200,000 terms
    expect(lnHyp2f1Pareto(30, 1.6, 1)).toBeNaN();
    expect(lnHyp2f1Pareto(30, 1.6, -0.5)).toBeNaN();
    expect(lnHyp2f1Pareto(30, 1.6, 0)).toBe(0);
    expect(relErr(lnHyp2f1Pareto(30, 1.6, 0.999), lnHyp2f1(30, 1.6, 31, 0.999))).toBeLessThan(1e-13);
  });

  it('auto mode takes the Euler form when c − a − b < 0 (fewer terms) and the direct series otherwise', () => {
    const e = lnHyp2f1Detailed(26.2426, 28.426, 28.2189, 0.99);
    expect(e.method).toBe('euler');
    expect(e.terms).toBeLessThan(100);
    expect(lnHyp2f1Detailed(26.2426, 28.426, 28.2189, 0.99, { method: 'direct' }).terms).toBeGreaterThan(1000);
    expect(lnHyp2f1Detailed(0.5, 0.5, 1.5, 0.9).method).toBe('direct');
  });

  it('falls back to the direct series when the Euler form would cancel catastrophically', () => {
    // c − a − b < 0 but c − b < 0 < c − a: the Euler series alternates around a tiny value
    const r = lnHyp2f1Detailed(100, 0.5, 0.7, 0.99);
    expect(r.method).toBe('direct');
    expect(lnHyp2f1Detailed(100, 0.5, 0.7, 0.99, { method: 'euler' }).cancellationDigits).toBeGreaterThan(10);
  });

  it('terminates for polynomial cases and rejects |z| ≥ 1 otherwise', () => {
    // 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const b = 3;
    const c = 4;
    const z = 2.5;
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 12);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(/non-positive integer/);
  });
});
