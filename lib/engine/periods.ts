/**
 * Calendar periods used for cohorts: months, ISO weeks and quarters, all in
 * UTC. A period is identified by an integer index so that offsets are plain
 * subtraction; labels follow the project's convention: `YYYY-MM`,
 * `YYYY-Www` (ISO week-numbering year) and `YYYY-Qn`.
 */

import { DUCKDB, type Dialect } from './dialect.ts';

export type PeriodUnit = 'month' | 'week' | 'quarter';

export const PERIOD_UNITS: readonly PeriodUnit[] = ['month', 'week', 'quarter'];

const DAY_MS = 86_400_000;
/** 1900-01-01 is a Monday: week indices count whole weeks from it. */
const WEEK_EPOCH_MS = Date.UTC(1900, 0, 1);

/** Parses `YYYY-MM-DD` as a UTC midnight timestamp (ms). */
export function parseIsoDate(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (formatIsoDate(ms) !== iso) throw new Error(`not a calendar date: ${iso}`);
  return ms;
}

/** Formats a UTC timestamp (ms) as `YYYY-MM-DD`. */
export function formatIsoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Days from `a` to `b` (both `YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((parseIsoDate(b) - parseIsoDate(a)) / DAY_MS);
}

/** Index of the period containing a UTC date (ms or `YYYY-MM-DD`). */
export function periodIndex(unit: PeriodUnit, date: number | string): number {
  const ms = typeof date === 'string' ? parseIsoDate(date) : date;
  const d = new Date(ms);
  if (unit === 'month') return d.getUTCFullYear() * 12 + d.getUTCMonth();
  if (unit === 'quarter') return d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3);
  return Math.floor((ms - WEEK_EPOCH_MS) / (7 * DAY_MS));
}

/** First day of a period, as UTC ms. */
export function periodStart(unit: PeriodUnit, index: number): number {
  if (unit === 'month') return Date.UTC(Math.floor(index / 12), index % 12, 1);
  if (unit === 'quarter') return Date.UTC(Math.floor(index / 4), (index % 4) * 3, 1);
  return WEEK_EPOCH_MS + index * 7 * DAY_MS;
}

/** Last day of a period (inclusive), as UTC ms. */
export function periodEnd(unit: PeriodUnit, index: number): number {
  return periodStart(unit, index + 1) - DAY_MS;
}

/** `YYYY-MM`, `YYYY-Www` or `YYYY-Qn`. */
export function periodLabel(unit: PeriodUnit, index: number): string {
  if (unit === 'month') return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  if (unit === 'quarter') return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
  // ISO week: the week belongs to the year of its Thursday.
  const thursday = new Date(periodStart('week', index) + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The last period that is complete at the as-of date (`YYYY-MM-DD`): the
 * as-of date's own period when the date is its last day, else the one before.
 */
export function lastCompletePeriod(unit: PeriodUnit, asOf: string): number {
  const day = parseIsoDate(asOf);
  const index = periodIndex(unit, day);
  return periodEnd(unit, index) === day ? index : index - 1;
}

/** Number of periods in a year: the trailing window that defines an active customer for CRR. */
export function periodsPerYear(unit: PeriodUnit): number {
  return unit === 'month' ? 12 : unit === 'quarter' ? 4 : 52;
}

/** Singular/plural nouns for narrative text. */
export function periodNoun(unit: PeriodUnit, n = 1): string {
  return n === 1 ? unit : `${unit}s`;
}

/**
 * SQL expression computing the same index as {@link periodIndex} for a DATE
 * expression inside DuckDB.
 */
export function periodIndexSql(unit: PeriodUnit, dateExpr: string, d: Dialect = DUCKDB): string {
  if (unit === 'month') return `(${d.year(dateExpr)} * 12 + ${d.month(dateExpr)} - 1)`;
  if (unit === 'quarter') return `(${d.year(dateExpr)} * 4 + ${d.quarter(dateExpr)} - 1)`;
  return d.floorDiv(d.daysBetween(`DATE '1900-01-01'`, dateExpr), 7);
}

/** SQL expression giving the same label as {@link periodLabel} for a DATE expression. */
export function periodLabelSql(unit: PeriodUnit, dateExpr: string): string {
  if (unit === 'month') return `strftime(${dateExpr}, '%Y-%m')`;
  if (unit === 'quarter') return `(CAST(year(${dateExpr}) AS VARCHAR) || '-Q' || CAST(quarter(${dateExpr}) AS VARCHAR))`;
  return `strftime(${dateExpr}, '%G-W%V')`;
}
