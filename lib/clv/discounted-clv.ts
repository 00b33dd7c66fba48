/**
 * Discounted CLV of one customer (docs/formulas.md, "Discounted CLV of one customer"):
 *
 *   CLV = Σ_{k=1..H} margin · E[Z] · (E[Y(k)] − E[Y(k−1)]) / (1+d)^k
 *
 * with H months of horizon, d the monthly discount rate, E[Y(t)] the expected
 * purchases in the next t (conditional on the customer's history) from
 * any registered purchase model (lib/models/registry.ts), and E[Z] the expected spend per purchase from
 * Gamma-Gamma. This file computes the part that depends on the purchase model
 * only, Σ_k (E[Y(k)] − E[Y(k−1)]) / (1+d)^k ("discounted expected purchases"),
 * so it can be evaluated once per distinct (x, t_x, T).
 */
import type { FittedPurchase } from '../models/registry.ts';

/** Days in an average month (365.25 / 12). */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Monthly rate equivalent to an annual discount rate: (1 + annual)^(1/12) − 1. */
export function monthlyRate(annual: number): number {
  return Math.pow(1 + annual, 1 / 12) - 1;
}

/** A fitted purchase model of the registry (lib/models/registry.ts): any model, with its parameters. */
export type PurchaseModel = FittedPurchase;

/** E[Y(t) | x, t_x, T] of the chosen purchase model. */
export function conditionalExpected(fit: PurchaseModel, t: number, x: number, tx: number, T: number): number {
  return fit.model.conditionalExpected(fit.params, t, x, tx, T);
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
 * Both models' E[Y(t) | x, t_x, T] factor as E[Y(t) | x, T, alive] × P(alive | x, t_x, T),
 * so this is {@link horizonIfAlive} × P(alive).
 */
export function horizonPurchases(model: PurchaseModel, x: number, tx: number, T: number, o: HorizonOptions): { expected: number; discounted: number } {
  const h = horizonIfAlive(model, x, T, o);
  const p = pAlive(model, x, tx, T);
  return { expected: h.expected * p, discounted: h.discounted * p };
}

/** P(alive | x, t_x, T) of the chosen purchase model. */
export function pAlive(fit: PurchaseModel, x: number, tx: number, T: number): number {
  return fit.model.pAlive(fit.params, x, tx, T);
}

/**
 * {@link horizonPurchases} of a customer known to be active at T: it depends
 * on (x, T) only, so scoring computes it once per distinct (x, T) and
 * multiplies by each customer's P(alive).
 */
export function horizonIfAlive(model: PurchaseModel, x: number, T: number, o: HorizonOptions): { expected: number; discounted: number } {
  let previous = 0;
  let discounted = 0;
  for (let k = 1; k <= o.horizonMonths; k++) {
    const t = k * o.monthLength;
    const current = model.model.expectedIfAlive(model.params, t, x, T);
    discounted += (current - previous) / Math.pow(1 + o.monthlyDiscount, k);
    previous = current;
  }
  return { expected: previous, discounted };
}
