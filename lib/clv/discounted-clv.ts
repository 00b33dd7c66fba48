/**
 * Discounted CLV of one customer (FORMULAS.md, "Discounted CLV of one customer"):
 *
 *   CLV = Σ_{k=1..H} margin · E[Z] · (E[Y(k)] − E[Y(k−1)]) / (1+d)^k
 *
 * with H months of horizon, d the monthly discount rate, E[Y(t)] the expected
 * purchases in the next t (conditional on the customer's history) from
 * BG/NBD or Pareto/NBD, and E[Z] the expected spend per purchase from
 * Gamma-Gamma. This file computes the part that depends on the purchase model
 * only, Σ_k (E[Y(k)] − E[Y(k−1)]) / (1+d)^k ("discounted expected purchases"),
 * so it can be evaluated once per distinct (x, t_x, T).
 */
import { conditionalExpectedBgNbd, type BgNbdParams } from './bg-nbd.ts';
import { conditionalExpectedParetoNbd, type ParetoNbdParams } from './pareto-nbd.ts';

/** Days in an average month (365.25 / 12). */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Monthly rate equivalent to an annual discount rate: (1 + annual)^(1/12) − 1. */
export function monthlyRate(annual: number): number {
  return Math.pow(1 + annual, 1 / 12) - 1;
}

export type PurchaseModel = { name: 'bgnbd'; params: BgNbdParams } | { name: 'pareto-nbd'; params: ParetoNbdParams };

/** E[Y(t) | x, t_x, T] of the chosen purchase model. */
export function conditionalExpected(model: PurchaseModel, t: number, x: number, tx: number, T: number): number {
  return model.name === 'bgnbd'
    ? conditionalExpectedBgNbd(model.params, t, x, tx, T)
    : conditionalExpectedParetoNbd(model.params, t, x, tx, T);
}

export interface HorizonOptions {
  /** Horizon in months (H). */
  horizonMonths: number;
  /** Length of a month in the model's time unit (30.4375 for days, 30.4375/7 for weeks). */
  monthLength: number;
  /** Monthly discount rate d. */
  monthlyDiscount: number;
}

/**
 * Expected purchases over the horizon, E[Y(H)], and their discounted sum
 * Σ_k (E[Y(k)] − E[Y(k−1)]) / (1+d)^k, for one history (x, t_x, T).
 */
export function horizonPurchases(model: PurchaseModel, x: number, tx: number, T: number, o: HorizonOptions): { expected: number; discounted: number } {
  let previous = 0;
  let discounted = 0;
  for (let k = 1; k <= o.horizonMonths; k++) {
    const current = conditionalExpected(model, k * o.monthLength, x, tx, T);
    discounted += (current - previous) / Math.pow(1 + o.monthlyDiscount, k);
    previous = current;
  }
  return { expected: previous, discounted };
}
