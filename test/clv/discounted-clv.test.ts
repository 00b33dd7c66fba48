/**
 * The discounted CLV sum: with no discount it telescopes to E[Y(H)]; with a
 * discount it lies between E[Y(H)]/(1+d)^H and E[Y(H)]. BG/NBD parameters and
 * the E[Y(39)] check value are from Fader, Hardie & Lee (2005), CDNOW, weeks.
 */
import { describe, expect, it } from 'vitest';
import { horizonPurchases, monthlyRate } from '../../lib/clv/discounted-clv.ts';
import { fitted } from '../../lib/models/registry.ts';
import { conditionalExpectedBgNbd } from '../../lib/models/bg-nbd.ts';

// Maximum-likelihood estimates on CDNOW (published: r 0.2426, α 4.414, a 0.7929, b 2.426).
const params = { r: 0.242594522536, alpha: 4.41360203376, a: 0.792921891146, b: 2.4259063099 };
const model = fitted('bgnbd', params);

describe('discounted expected purchases', () => {
  it('telescopes to E[Y(H)] without discounting', () => {
    const r = horizonPurchases(model, 2, 30.43, 38.86, { horizonMonths: 9, monthLength: 39 / 9, monthlyDiscount: 0 });
    expect(r.expected).toBeCloseTo(conditionalExpectedBgNbd(params, 39, 2, 30.43, 38.86), 12);
    expect(r.discounted).toBeCloseTo(r.expected, 12);
    expect(Number(r.expected.toPrecision(5))).toBe(1.2259); // published E[Y(39) | 2, 30.43, 38.86]
  });

  it('discounts later purchases more', () => {
    const d = monthlyRate(0.1);
    expect(Math.pow(1 + d, 12)).toBeCloseTo(1.1, 12);
    const r = horizonPurchases(model, 2, 30.43, 38.86, { horizonMonths: 12, monthLength: 365.25 / 12 / 7, monthlyDiscount: d });
    expect(r.discounted).toBeLessThan(r.expected);
    expect(r.discounted).toBeGreaterThan(r.expected / 1.1);
  });
});
