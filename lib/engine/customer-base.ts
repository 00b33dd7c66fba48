/**
 * The customer base: one row per customer (table `customer_base`, built by
 * summarize.ts) and the one definition of a customer's purchase history that
 * every model, score, backtest and export reads (docs/formulas.md, "Notation"):
 *
 *   x     = purchase days − 1          (repeat purchases: distinct days after the first)
 *   t_x   = last purchase day − first  (days)
 *   T     = end of the window − first  (days; the as-of date, or the calibration end)
 *   z̄     = (revenue of the purchase days − revenue of the first day) ÷ x   (x ≥ 1)
 *
 * `historySql` renders these over any table that has the per-customer
 * aggregates (customer_base, or the backtest's calibration customers), so the
 * SQL exists once. The model inputs are compressed inside DuckDB so that
 * millions of customers come back as a few thousand distinct rows:
 *   frequency models: distinct (x, t_x, T) with counts, in the chosen time unit;
 *   Gamma-Gamma: distinct (x, z̄) of repeat buyers with a positive z̄.
 */
import { literal, type Database } from './database.ts';
import { DUCKDB, type Dialect } from './dialect.ts';
import type { FrequencyData, SpendData } from '../models/model.ts';
import { DAYS_PER_UNIT, type TimeUnit } from './time-unit.ts';

// In their own module so that the command line's options do not load DuckDB.
export { DAYS_PER_UNIT, TIME_UNITS, type TimeUnit } from './time-unit.ts';

/** SQL expressions of the per-customer aggregates a history is computed from. */
export interface HistoryInputs {
  /** Distinct purchase days (≥ 1). */
  purchaseDays: string;
  firstDay: string;
  lastDay: string;
  /** End of the observation window, a DATE expression. */
  end: string;
  /** Revenue of all purchase days, and of the first one. */
  revenue: string;
  firstDayRevenue: string;
}

/** SQL of x, t_x (days), T (days) and z̄ (NULL when x = 0): the one definition of a history. */
export interface HistoryColumns {
  x: string;
  txDays: string;
  TDays: string;
  zbar: string;
}

export function historySql(c: HistoryInputs, d: Dialect = DUCKDB): HistoryColumns {
  return {
    x: `CAST(${c.purchaseDays} - 1 AS INTEGER)`,
    txDays: `CAST(${d.daysBetween(c.firstDay, c.lastDay)} AS INTEGER)`,
    TDays: `CAST(${d.daysBetween(c.firstDay, c.end)} AS INTEGER)`,
    zbar: `CASE WHEN ${c.purchaseDays} > 1 THEN CAST(${c.revenue} - ${c.firstDayRevenue} AS ${d.double}) / (${c.purchaseDays} - 1) END`,
  };
}

/** The history of a row of `customer_base` as of `asOf` (column prefix `p`, e.g. `c.`). */
export function baseHistory(asOf: string, p = ''): HistoryColumns {
  return historySql({
    purchaseDays: `${p}purchase_days`,
    firstDay: `${p}first_date`,
    lastDay: `${p}last_date`,
    end: `DATE ${literal(asOf)}`,
    revenue: `${p}purchase_revenue`,
    firstDayRevenue: `${p}first_day_purchases`,
  });
}

/** `SELECT customer_id, x, tx_days, T_days, zbar FROM customer_base [WHERE …]`: the customers' histories in whole days. */
export function baseHistoriesSelect(asOf: string, where?: string): string {
  const h = baseHistory(asOf);
  return `SELECT customer_id, ${h.x} AS x, ${h.txDays} AS tx_days, ${h.TDays} AS T_days, ${h.zbar} AS zbar FROM customer_base${where ? ` WHERE ${where}` : ''}`;
}

/** Compressed frequency-model input from a histories query (columns x, tx_days, T_days); `txDays` and `TDays` keep whole days (join keys). */
export async function frequencyDataFrom(db: Database, histories: string, unit: TimeUnit): Promise<FrequencyData & { txDays: number[]; TDays: number[] }> {
  // Read by columns: at 10M orders this is a million distinct histories.
  const c = await db.columns<{ x: number[]; tx: number[]; T: number[]; n: number[] }>(`
    SELECT x, tx_days AS tx, T_days AS T, CAST(count(*) AS INTEGER) AS n FROM (${histories}) GROUP BY ALL ORDER BY ALL`);
  const d = DAYS_PER_UNIT[unit];
  return {
    x: c.x,
    tx: c.tx.map((v) => v / d),
    T: c.T.map((v) => v / d),
    weight: c.n,
    txDays: c.tx,
    TDays: c.T,
  };
}

/** Compressed Gamma-Gamma input from a histories query: repeat buyers with z̄ > 0; the others with x ≥ 1 are counted as left out. */
export async function spendDataFrom(db: Database, histories: string): Promise<{ data: SpendData; left_out: number }> {
  const c = await db.columns<{ x: number[]; zbar: (number | null)[]; n: number[] }>(`
    SELECT x, zbar, CAST(count(*) AS INTEGER) AS n FROM (${histories}) WHERE x > 0 GROUP BY ALL ORDER BY ALL`);
  const data: SpendData = { x: [], zbar: [], weight: [] };
  let leftOut = 0;
  for (let i = 0; i < c.x.length; i++) {
    const z = c.zbar[i];
    if (z !== null && z > 0) {
      data.x.push(c.x[i]);
      data.zbar.push(z);
      data.weight.push(c.n[i]);
    } else leftOut += c.n[i];
  }
  return { data, left_out: leftOut };
}

/** Frequency-model input of `customer_base`. */
export function frequencyData(db: Database, options: { asOf: string; unit: TimeUnit }): Promise<FrequencyData & { txDays: number[]; TDays: number[] }> {
  return frequencyDataFrom(db, baseHistoriesSelect(options.asOf), options.unit);
}

/** Gamma-Gamma input of `customer_base`. */
export function spendData(db: Database, asOf: string): Promise<{ data: SpendData; left_out: number }> {
  return spendDataFrom(db, baseHistoriesSelect(asOf));
}
