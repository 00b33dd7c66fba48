/**
 * Sanity of projections (issue 12): Customer value says, next to the projection, when the existing
 * customers are projected to buy more a year than all customers bought last year, or when mean P(alive)
 * is above 95% while at least 25% of customers have not bought for a year. Figures by hand.
 */
import { describe, expect, it } from 'vitest';
import { sanityWarnings } from '../../lib/parts/customer-value/present.ts';
import type { PurchaseValueFigures } from '../../lib/parts/customer-value/compute.ts';
import { formatters } from '../../lib/report/format.ts';

const fmt = formatters('en-US', 'USD');
const base = {
  options: { horizonMonths: 6 } as PurchaseValueFigures['options'],
  totals: { p_alive: 0.5 } as PurchaseValueFigures['totals'],
  backtest: null,
  sanity: { projectedRevenue: 600, lastYearRevenue: 1000, lastYearFrom: '2023-01-01', lastYearTo: '2023-12-31', inactiveShare: 0.1, fullYear: true },
};

describe('sanity of a projection', () => {
  it('is quiet when the yearly rate is below last year and P(alive) is moderate', () => {
    // 600 over 6 months = 1,200 a year > 1,000: flagged; 400 over 6 months = 800: quiet.
    expect(sanityWarnings({ ...base, sanity: { ...base.sanity, projectedRevenue: 400 } }, fmt)).toEqual([]);
  });

  it('flags existing customers projected above last year, at the same yearly rate', () => {
    const [w, ...rest] = sanityWarnings(base, fmt);
    expect(rest).toEqual([]);
    expect(w).toBe(
      'Check this projection: the existing customers are projected to buy $1,200 a year (undiscounted revenue), more than all customers, new ones included, bought in the last full year ($1,000, 2023-01-01 to 2023-12-31); no holdout backtest checked the model in this run (--holdout-months).',
    );
  });

  it('does not compare with a last year the orders do not fully cover, nor without amounts', () => {
    expect(sanityWarnings({ ...base, sanity: { ...base.sanity, fullYear: false } }, fmt)).toEqual([]);
    expect(sanityWarnings({ ...base, sanity: { ...base.sanity, projectedRevenue: null } }, fmt)).toEqual([]);
  });

  it('flags a mean P(alive) above 95% when a quarter of customers have not bought for a year', () => {
    const quiet = { ...base, sanity: { ...base.sanity, projectedRevenue: 0 } };
    expect(sanityWarnings({ ...quiet, totals: { p_alive: 0.96 } as PurchaseValueFigures['totals'], sanity: { ...quiet.sanity, inactiveShare: 0.24 } }, fmt)).toEqual([]);
    expect(sanityWarnings({ ...quiet, totals: { p_alive: 0.96 } as PurchaseValueFigures['totals'], sanity: { ...quiet.sanity, inactiveShare: 0.25 } }, fmt)).toEqual([
      'Check this projection: the model says 96.0% of customers are still active on average, yet 25.0% have not bought for more than a year; no holdout backtest checked the model in this run (--holdout-months).',
    ]);
  });
});
