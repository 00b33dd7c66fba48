/**
 * Options of the customer-value computations (report's Customer value
 * section, `clv score`), their defaults and their checks. Kept free of heavy
 * imports so that the CLI can use it before loading DuckDB.
 */
import type { TimeUnit } from '../engine/customer-base.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_PURCHASE_MODEL, type PurchaseModelId } from '../models/registry.ts';

export const BUSINESS_TYPES = ['non-contractual', 'contractual'] as const;

/** How a bootstrap replicate is made (lib/clv/segment-replicates.ts). */
export const BOOTSTRAP_METHODS = ['refit', 'parametric'] as const;
export type BootstrapMethod = (typeof BOOTSTRAP_METHODS)[number];
export type Business = (typeof BUSINESS_TYPES)[number];

export interface ValueOptions {
  /** The purchase model (lib/models/registry.ts). */
  model: PurchaseModelId;
  timeUnit: TimeUnit;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin; undefined = revenue. */
  margin?: number;
  /** non-contractual: a purchase model with Gamma-Gamma; contractual: sBG on retention from activity. */
  business: Business;
  /** Bootstrap resamples behind the per-segment intervals (Projected value by segment); default 100, 0 = none. */
  bootstrap?: number;
  /** Seed of the bootstrap's random numbers (default 1). */
  bootstrapSeed?: number;
  /**
   * How the bootstrap makes a replicate: `refit` resamples the customers and refits the models,
   * `parametric` resamples them too but draws the fits' parameters from their asymptotic normal
   * instead of refitting (faster on many customers). Default refit.
   */
  bootstrapMethod?: BootstrapMethod;
  /** Segments with fewer customers are shown but not ranked, and their intervals are marked unreliable (default {@link DEFAULT_MIN_SEGMENT_SIZE}). */
  minSegmentSize?: number;
}

/** Smallest segment that Projected value by segment ranks or names as worth the most or least. */
export const DEFAULT_MIN_SEGMENT_SIZE = 30;

/** Default model options of the report. */
export const DEFAULT_VALUE_OPTIONS: ValueOptions = { model: DEFAULT_PURCHASE_MODEL, timeUnit: 'week', horizonMonths: 12, annualDiscountRate: 0.1, business: 'non-contractual' };

/** Refuses a horizon, discount rate or margin outside its range, naming the flag. */
export function checkValueOptions(o: { horizonMonths: number; annualDiscountRate: number; margin?: number; bootstrap?: number; bootstrapSeed?: number; minSegmentSize?: number }): void {
  if (o.minSegmentSize !== undefined && !(Number.isInteger(o.minSegmentSize) && o.minSegmentSize >= 1 && o.minSegmentSize <= 1_000_000)) {
    throw new UserError(`--min-segment-size ${o.minSegmentSize}: expected a whole number of customers from 1 to 1000000, such as 30`);
  }
  if (o.bootstrap !== undefined && !(Number.isInteger(o.bootstrap) && o.bootstrap >= 0 && o.bootstrap <= 10_000)) {
    throw new UserError(`--bootstrap ${o.bootstrap}: expected a whole number of resamples from 0 (no intervals) to 10000, such as 100`);
  }
  if (o.bootstrapSeed !== undefined && !(Number.isSafeInteger(o.bootstrapSeed) && o.bootstrapSeed >= 0)) {
    throw new UserError(`--bootstrap-seed ${o.bootstrapSeed}: expected a whole number ≥ 0`);
  }
  if (!Number.isInteger(o.horizonMonths) || o.horizonMonths < 1 || o.horizonMonths > 600) {
    throw new UserError(`--horizon-months ${o.horizonMonths}: expected a whole number of months from 1 to 600`);
  }
  if (!(o.annualDiscountRate >= 0 && o.annualDiscountRate < 1)) {
    throw new UserError(`--annual-discount-rate ${o.annualDiscountRate}: expected a fraction such as 0.10 (0 ≤ rate < 1)`);
  }
  if (o.margin !== undefined && !(o.margin > 0 && o.margin <= 1)) {
    throw new UserError(`--margin ${o.margin}: expected the fraction of revenue kept as gross profit, such as 0.35 (0 < margin ≤ 1)`);
  }
}
