/**
 * Shared model plumbing (lib/clv/model.ts): compressing customers to distinct
 * (x, t_x, T) triples with counts, which Fader & Hardie use to fit on the
 * distinct patterns ("Customers with equal (x, t_x, T) have equal likelihood",
 * docs/formulas.md), input validation, and the bounds of fitLogSpace (a
 * parameter run off to 0, a time limit) on objectives whose minimum is known.
 */
import { describe, expect, it } from 'vitest';
import { compress, fitLogSpace, ModelInputError, RUNAWAY_BOUND } from '../../lib/models/model.ts';
import { logLikelihoodBgNbd } from '../../lib/models/bg-nbd.ts';

describe('compress', () => {
  it('groups equal triples, counts them and sorts by x, t_x, T', () => {
    const d = compress({ x: [2, 0, 2, 0, 1], tx: [5, 0, 5, 0, 3], T: [10, 8, 10, 9, 10] });
    expect(d).toEqual({ x: [0, 0, 1, 2], tx: [0, 0, 3, 5], T: [8, 9, 10, 10], weight: [1, 1, 1, 2] });
  });

  it('leaves the likelihood unchanged (weighted sum over triples = sum over customers)', () => {
    const rows = { x: [2, 0, 2, 0, 1, 3], tx: [5, 0, 5, 0, 3, 9.5], T: [10, 8, 10, 8, 10, 12] };
    const params = { r: 0.5, alpha: 3, a: 0.8, b: 2 };
    const perCustomer = {
      x: rows.x,
      tx: rows.tx,
      T: rows.T,
      weight: rows.x.map(() => 1),
    };
    expect(logLikelihoodBgNbd(params, compress(rows))).toBeCloseTo(logLikelihoodBgNbd(params, perCustomer), 10);
  });

  it('rejects impossible customers with a plain message', () => {
    expect(() => compress({ x: [1.5], tx: [1], T: [2] })).toThrow(ModelInputError);
    expect(() => compress({ x: [-1], tx: [0], T: [2] })).toThrow(/whole number/);
    expect(() => compress({ x: [1], tx: [3], T: [2] })).toThrow(/later than the age/);
    expect(() => compress({ x: [0], tx: [1], T: [2] })).toThrow(/no repeat purchase must have t_x = 0/);
    expect(() => compress({ x: [1], tx: [NaN], T: [2] })).toThrow(/finite/);
    expect(() => compress({ x: [1, 2], tx: [1], T: [2] })).toThrow(/differ in length/);
  });
});

describe('fitLogSpace at the edge of the parameter space', () => {
  // −LL/N = e^θ0 + θ1²: decreasing for ever as p0 = e^θ0 → 0 (run off), minimal at p1 = 1
  const runOff = (t: readonly number[]) => 100 * (Math.exp(t[0]) + t[1] * t[1]);

  it('stops once a parameter has run off and is still pushed out, naming it and where it went, without standard errors', () => {
    const fit = fitLogSpace({ model: 'test', names: ['p0', 'p1'], negLLTotal: runOff, customers: 100, starts: [{ p0: 1, p1: 2 }] });
    expect(fit.converged).toBe(false);
    expect(fit.edge).toEqual([{ param: 'p0', towards: 'zero' }]);
    expect(fit.message).toMatch(/^the likelihood keeps improving as p0 shrinks towards 0: the data do not pin down/);
    expect(Math.log(fit.params.p0)).toBeLessThan(-RUNAWAY_BOUND);
    expect(Math.log(fit.params.p0)).toBeGreaterThan(-RUNAWAY_BOUND - 6); // stopped soon after, not crawling to the search bound
    expect(fit.params.p1).toBeCloseTo(1, 3);
    expect(fit.stdErrors.p0).toBeNull();
  });

  it('stops at its time limit, saying so; an interior maximum that converges has no edge', () => {
    const slow = (t: readonly number[]) => {
      const t0 = performance.now();
      while (performance.now() - t0 < 5);
      return 100 * ((t[0] - 1) ** 2 + (t[1] + 1) ** 2);
    };
    const late = fitLogSpace({ model: 'test', names: ['p0', 'p1'], negLLTotal: slow, customers: 100, starts: [{ p0: 0.01, p1: 50 }], options: { maxSeconds: 0.02, skipStdErrors: true } });
    expect(late.converged).toBe(false);
    expect(late.message).toBe('the optimizer stopped at the time limit of 0.02 s without converging (the likelihood is slow to evaluate there)');
    expect(late.edge).toBeUndefined();
    const fit = fitLogSpace({ model: 'test', names: ['p0', 'p1'], negLLTotal: (t) => 100 * ((t[0] - 1) ** 2 + (t[1] + 1) ** 2), customers: 100, starts: [{ p0: 0.01, p1: 50 }] });
    expect(fit.converged).toBe(true);
    expect(fit.edge).toBeUndefined();
    expect(fit.params.p0).toBeCloseTo(Math.E, 5);
  });

  it('asks for a lazy edge reference only once a parameter is far out (e^6), and then stops at it', () => {
    // Interior optimum at p = (e, 1/e), reached from starts within e^3 of the reference 1: never asked.
    let asked = 0;
    const reference = () => {
      asked++;
      return { logLikelihood: 0, margin: 1e9 };
    };
    const inner = fitLogSpace({ model: 'test', names: ['p0', 'p1'], negLLTotal: (t) => 100 * ((t[0] - 1) ** 2 + (t[1] + 1) ** 2), customers: 100, starts: [{ p0: 0.1, p1: 5 }], options: { edgeReference: reference } });
    expect(inner.converged).toBe(true);
    expect(asked).toBe(0);
    // Running off to p0 → 0: past e^−6 the reference is asked for, its likelihood is within the margin, and the fit stops there.
    const edge = fitLogSpace({ model: 'test', names: ['p0', 'p1'], negLLTotal: runOff, customers: 100, starts: [{ p0: 1, p1: 2 }], options: { edgeReference: reference, skipStdErrors: true } });
    expect(asked).toBeGreaterThan(0);
    expect(edge.converged).toBe(false);
    expect(Math.log(edge.params.p0)).toBeLessThan(-6);
    expect(Math.log(edge.params.p0)).toBeGreaterThan(-RUNAWAY_BOUND); // stopped by the reference, before running off
  });
});
