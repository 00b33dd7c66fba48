/**
 * Shared model plumbing (lib/clv/model.ts): compressing customers to distinct
 * (x, t_x, T) triples with counts, which Fader & Hardie use to fit on the
 * distinct patterns ("Customers with equal (x, t_x, T) have equal likelihood",
 * docs/formulas.md), and input validation.
 */
import { describe, expect, it } from 'vitest';
import { compress, ModelInputError } from '../../lib/models/model.ts';
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
