/**
 * Stale data: an as-of date long after the last order. Every period after the last order then
 * shows no activity because there are no data, not because customers left: the report says so at
 * its top, `clv` says so on stderr, and `clv monthly` exits with {@link EXIT_STALE} (unless
 * --allow-stale) after writing the report.
 */
import { periodIndex, periodNoun, type PeriodUnit } from '../engine/periods.ts';

/** Exit code of `clv monthly` when the orders stop more than one period before the as-of date. */
export const EXIT_STALE = 5;

export interface Staleness {
  lastOrder: string;
  asOf: string;
  /** Whole periods from the last order's period to the as-of date's. */
  periods: number;
  message: string;
}

/** The staleness of the orders at the as-of date, when they end more than one period before it. */
export function staleness(orders: { lastDate: string; asOf: string }, unit: PeriodUnit): Staleness | undefined {
  const periods = periodIndex(unit, orders.asOf) - periodIndex(unit, orders.lastDate);
  if (periods < 2) return undefined;
  return {
    lastOrder: orders.lastDate,
    asOf: orders.asOf,
    periods,
    message: `No orders since ${orders.lastDate}: the as-of date ${orders.asOf} is ${periods} ${periodNoun(unit, periods)} later. The ${periodNoun(unit, 2)} after ${orders.lastDate} show no activity because there are no data, not because customers left; check that the orders export is complete, or report as of ${orders.lastDate} (--as-of).`,
  };
}
