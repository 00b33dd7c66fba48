/**
 * Model inputs read from the per-customer summary (`customer_base`, see
 * summarize.ts), compressed inside DuckDB so that millions of customers come
 * back as a few thousand distinct rows:
 *   frequency models: distinct (x, t_x, T) with counts, in the chosen time unit;
 *   Gamma-Gamma: distinct (x, z̄) of repeat buyers with a positive z̄.
 */
import { literal, type Database } from './database.ts';
import type { FrequencyData, SpendData } from '../models/model.ts';

export type TimeUnit = 'day' | 'week';
export const TIME_UNITS: readonly TimeUnit[] = ['day', 'week'];
export const DAYS_PER_UNIT: Record<TimeUnit, number> = { day: 1, week: 7 };

/** Frequency-model input; `txDays` and `TDays` keep the whole-day values (join keys back to customers). */
export async function frequencyData(db: Database, options: { asOf: string; unit: TimeUnit }): Promise<FrequencyData & { txDays: number[]; TDays: number[] }> {
  const rows = await db.rows<{ x: number; tx: number; T: number; n: number }>(`
    SELECT CAST(purchase_days - 1 AS INTEGER) AS x,
           CAST(date_diff('day', first_date, last_date) AS INTEGER) AS tx,
           CAST(date_diff('day', first_date, DATE ${literal(options.asOf)}) AS INTEGER) AS T,
           CAST(count(*) AS INTEGER) AS n
    FROM customer_base GROUP BY ALL ORDER BY ALL`);
  const d = DAYS_PER_UNIT[options.unit];
  return {
    x: rows.map((r) => r.x),
    tx: rows.map((r) => r.tx / d),
    T: rows.map((r) => r.T / d),
    weight: rows.map((r) => r.n),
    txDays: rows.map((r) => r.tx),
    TDays: rows.map((r) => r.T),
  };
}

export async function spendData(db: Database): Promise<{ data: SpendData; left_out: number }> {
  const rows = await db.rows<{ x: number; zbar: number; n: number }>(`
    SELECT CAST(purchase_days - 1 AS INTEGER) AS x,
           CAST(purchase_revenue - first_day_purchases AS DOUBLE) / (purchase_days - 1) AS zbar,
           CAST(count(*) AS INTEGER) AS n
    FROM customer_base WHERE purchase_days > 1 GROUP BY ALL ORDER BY ALL`);
  const kept = rows.filter((r) => r.zbar > 0);
  return {
    data: { x: kept.map((r) => r.x), zbar: kept.map((r) => r.zbar), weight: kept.map((r) => r.n) },
    left_out: rows.filter((r) => !(r.zbar > 0)).reduce((s, r) => s + r.n, 0),
  };
}
