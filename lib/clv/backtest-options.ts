/**
 * Options of the holdout backtest (`--holdout-months`, config `clv.holdout_months`)
 * and the calendar arithmetic of the calibration end. Light (no engine) so
 * that the CLI can use it before loading DuckDB.
 */
import { UserError } from '../errors.ts';

/** Default holdout: long enough for the sample data (three years of orders) to give a meaningful holdout. */
export const DEFAULT_HOLDOUT_MONTHS = 6;

export interface BacktestOptions {
  /** Months at the end of the data held out from the fit; 0 switches the backtest off. */
  holdoutMonths: number;
  /** The holdout was set (flag or config): when it does not fit in the data that is an error; the default one is only reported. Default true. */
  explicit?: boolean;
  /** The purchase model was named (--clv-model or clv.model): it is used whatever the backtest finds. */
  modelFixed: boolean;
}

/** Refuses a holdout that is not a whole number of months from 0 to 600, naming the flag. */
export function checkHoldoutMonths(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 600) {
    throw new UserError(`--holdout-months ${n}: expected a whole number of months from 0 to 600 (0 switches the backtest off)`);
  }
}

/** The backtest options from the flag, then the config's `clv` key, then the defaults. */
export function backtestOptions(args: { holdoutMonths?: number; clvModel?: string }, clv: { holdout_months?: number; model?: string } | undefined): BacktestOptions {
  const holdoutMonths = args.holdoutMonths ?? clv?.holdout_months ?? DEFAULT_HOLDOUT_MONTHS;
  checkHoldoutMonths(holdoutMonths);
  return { holdoutMonths, explicit: (args.holdoutMonths ?? clv?.holdout_months) !== undefined, modelFixed: (args.clvModel ?? clv?.model) !== undefined };
}

/**
 * The calibration end: the as-of date minus `months` calendar months (UTC),
 * the same day of the month, or that month's last day when it is shorter
 * (2024-03-31 minus 1 month is 2024-02-29). `YYYY-MM-DD` in and out.
 */
export function calibrationEnd(asOf: string, months: number): string {
  const [y, m, d] = asOf.split('-').map(Number);
  const index = y * 12 + (m - 1) - months;
  const ty = Math.floor(index / 12);
  const tm = index - ty * 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  const date = new Date(Date.UTC(ty, tm, Math.min(d, last)));
  return date.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (`YYYY-MM-DD`, UTC). */
export function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

/** The date `days` days after `a` (`YYYY-MM-DD`, UTC). */
export function addDays(a: string, days: number): string {
  return new Date(Date.parse(`${a}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
