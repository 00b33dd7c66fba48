/**
 * Gamma-Gamma spend model on the CDNOW sample (lib/clv/gamma-gamma.ts).
 *
 * Published figures: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value
 * Curves for Customer Base Analysis", Journal of Marketing Research 42(4):
 * p = 6.250, q = 3.744, γ = 15.44, LL = −4055.92 on the 946 repeat buyers of
 * the 39-week calibration period (z̄ = mean of the repeat transactions, the
 * first purchase excluded), figures as quoted in the issue. The correlation of
 * x and z̄ on Hardie's summary file, 0.113884, is the one printed in the README
 * of the Python `lifetimes` package (CamDavidsonPilon/lifetimes, section "The
 * Gamma-Gamma model and the independence assumption").
 *
 * Data: built from the raw transactions (test/fixtures/cdnow/CDNOW_sample.txt;
 * a customer's rows on one day are one transaction). It reproduces every
 * figure; Hardie's 2-decimal summary file (z̄ rounded to cents) gives
 * p = 6.2488, q = 3.7446 and γ = 15.448, which miss the published 6.250, 3.744
 * and 15.44 in the last digit, so the raw transactions are used.
 */
import { describe, expect, it } from 'vitest';
import {
  compressSpend,
  conditionalExpectedSpend,
  fitGammaGamma,
  gammaGamma,
  logLikelihoodGammaGamma,
  spendFrequencyCorrelation,
} from '../../lib/models/gamma-gamma.ts';
import { ModelInputError, ModelNotIdentifiedError } from '../../lib/models/model.ts';
import { cdnowFromSummary, cdnowFromTransactions } from '../clv/cdnow.ts';
import { asPublished, expectPublished } from '../clv/published.ts';

const customers = cdnowFromTransactions();
const data = compressSpend(customers);
const fit = fitGammaGamma(data);
const params = { p: fit.params.p, q: fit.params.q, gamma: fit.params.gamma };

describe('Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005, "RFM and CLV")', () => {
  it('fits on the 946 repeat buyers only', () => {
    expect(data.weight.reduce((s, w) => s + w, 0)).toBe(946);
    expect(Math.min(...data.x)).toBe(1);
    expect(fit.customers).toBe(946);
  });

  it('reproduces the published estimates and log-likelihood', () => {
    expect(fit.converged).toBe(true);
    expectPublished(fit.params.p, '6.250', 'p');
    expectPublished(fit.params.q, '3.744', 'q');
    expectPublished(fit.params.gamma, '15.44', 'gamma');
    expectPublished(fit.logLikelihood, '-4055.92', 'LL');
  });

  it('reports the correlation of x and z̄ the model assumes away (lifetimes README: 0.113884 on the summary file)', () => {
    expectPublished(spendFrequencyCorrelation(compressSpend(cdnowFromSummary())), '0.113884');
    expectPublished(spendFrequencyCorrelation(data), '0.1139');
  });

  it('E[Z | x, z̄] is the credibility-weighted mean of the population mean pγ/(q−1) and z̄', () => {
    const popMean = (params.p * params.gamma) / (params.q - 1);
    expect(conditionalExpectedSpend(params, 0, 0)).toBeCloseTo(popMean, 10);
    for (const [x, z] of [
      [1, 10],
      [2, 22.35],
      [10, 80],
    ]) {
      const w = (params.p * x) / (params.p * x + params.q - 1);
      expect(conditionalExpectedSpend(params, x, z)).toBeCloseTo((1 - w) * popMean + w * z, 10);
    }
    // more repeat purchases ⇒ closer to the customer's own average
    expect(Math.abs(conditionalExpectedSpend(params, 20, 100) - 100)).toBeLessThan(Math.abs(conditionalExpectedSpend(params, 1, 100) - 100));
  });

  it('is exposed through the common SpendModel interface', () => {
    expect(gammaGamma.title).toBe('Gamma-Gamma');
    expect(gammaGamma.logLikelihood(fit.params, data)).toBeCloseTo(logLikelihoodGammaGamma(params, data), 10);
    expect(gammaGamma.conditionalExpectedSpend(fit.params, 2, 22.35)).toBe(conditionalExpectedSpend(params, 2, 22.35));
  });

  it("Hardie's summary file (z̄ rounded to cents) misses p, q and γ in the last published digit (why the raw data are used)", () => {
    const s = fitGammaGamma(compressSpend(cdnowFromSummary()), { skipStdErrors: true });
    expect(asPublished(s.params.p, '6.250')).toBe('6.249');
    expect(asPublished(s.params.gamma, '15.44')).toBe('15.45');
    expect(asPublished(s.params.q, '3.744')).toBe('3.745');
  });
});

describe('Gamma-Gamma on data that cannot identify it', () => {
  it('throws plain-words errors: no repeat buyers, a single repeat buyer, everyone spending the same', () => {
    expect(() => fitGammaGamma(compressSpend({ x: [0, 0], zbar: [0, 0] }))).toThrow(/no customer made a repeat purchase/);
    expect(() => fitGammaGamma(compressSpend({ x: [0, 3], zbar: [0, 20] }))).toThrow(/single repeat buyer/);
    expect(() => fitGammaGamma(compressSpend({ x: [1, 2, 5], zbar: [20, 20, 20] }))).toThrow(ModelNotIdentifiedError);
    expect(() => compressSpend({ x: [1], zbar: [0] })).toThrow(ModelInputError);
  });
});
