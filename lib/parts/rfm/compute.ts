/**
 * The RFM part, computing half: the report's "RFM segments" and "Win back"
 * figures from the run's `customer_rfm` and (when the models ran) its
 * per-customer scores, and the large per-customer files written by DuckDB.
 *
 *   customer_base ─► customer_rfm (lib/segments/rfm.ts) ─► rfm_segments.csv, RFM segments
 *                 ─► win_back (lib/segments/win-back.ts)  ─► win_back.csv, Win back
 */
import { join } from 'node:path';
import { literal, type Database } from '../../engine/database.ts';
import { neutraliseSql, decimalTextSql } from '../../engine/export-customers.ts';
import { rfmGrid, rfmSegmentSummary, type RfmSegmentRow } from '../../segments/rfm.ts';
import { buildWinBack, winBackBy, winBackTop, writeWinBackCsv, WIN_BACK_COLUMNS, type WinBackGroup, type WinBackOptions, type WinBackResult } from '../../segments/win-back.ts';
import { PURCHASE_MODELS } from '../../models/registry.ts';
import type { RunContext } from '../../run/run-context.ts';
import type { DataFile } from '../part.ts';

/** Customers shown in the Win back table (the CSV has the whole list). */
export const WIN_BACK_SHOWN = 25;

export const RFM_SEGMENTS_COLUMNS = ['rfm_segment', 'rule', 'customers', 'customer_share', 'revenue', 'revenue_share', 'mean_revenue', 'mean_r', 'mean_f', 'mean_m', 'mean_p_alive', 'mean_clv'] as const;
export const RFM_CUSTOMERS_COLUMNS = ['customer_id', 'days_since_last', 'purchase_days', 'revenue', 'r', 'f', 'm', 'rfm_segment'] as const;

/** Writes the per-customer RFM scores (table `customer_rfm`) as CSV. */
async function writeRfmCustomersCsv(db: Database, path: string): Promise<number> {
  await db.run(`
    COPY (
      SELECT ${neutraliseSql('customer_id')} AS customer_id, days_since_last, purchase_days, ${decimalTextSql('revenue')} AS revenue, r, f, m, rfm_segment
      FROM customer_rfm ORDER BY customer_id
    ) TO ${literal(path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\\n')`);
  const [{ n }] = await db.rows<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM customer_rfm');
  return n;
}

export interface RfmFigures {
  /** P(alive) and projected CLV per customer exist (the models ran). */
  pAlive: boolean;
  clv: boolean;
  /** False for a purchase log without amounts: every M score is the same, and nothing is said in money. */
  money: boolean;
  /** The purchase model's caveat on P(alive), if any. */
  pAliveCaveat?: string;
  winBack: WinBackOptions;
  segments: RfmSegmentRow[];
  cells: { r: number; f: number; customers: number; revenue: number; segment: string }[];
  wb: WinBackResult;
  bySegment: WinBackGroup[];
  byChannel: WinBackGroup[];
  top: Record<string, unknown>[];
  /** Large CSVs DuckDB wrote into the scratch folder. */
  files: DataFile[];
}

export async function computeRfm(ctx: RunContext): Promise<RfmFigures> {
  const db = ctx.db;
  const winBack = (ctx.options.rfm as { winBack: WinBackOptions }).winBack;
  await ctx.product('rfm');
  const scores = ctx.options.value === false ? null : await ctx.product('scores');
  const fits = scores && ctx.value.business === 'non-contractual' ? await ctx.product('fits') : undefined;
  const pAliveCaveat = fits && !('failed' in fits) ? PURCHASE_MODELS[fits.model].pAliveCaveat : undefined;
  const pAlive = scores?.columns.includes('p_alive') ?? false;
  const clv = scores?.columns.includes('clv') ?? false;
  const segments = await rfmSegmentSummary(db, { pAlive, clv });
  const grid = await rfmGrid(db);
  const segmentOf = async (r: number, f: number) => {
    const [row] = await db.rows<{ s: string }>(`SELECT min(rfm_segment) AS s FROM customer_rfm WHERE r = ${r} AND f = ${f}`);
    return row.s;
  };
  const cells = [];
  for (const g of grid) cells.push({ ...g, segment: await segmentOf(g.r, g.f) });
  const wb = await buildWinBack(db, ctx.orders.asOf, winBack, scores);
  const bySegment = await winBackBy(db, 'rfm_segment');
  const byChannel = await winBackBy(db, 'acquisition_channel');
  const top = await winBackTop(db, WIN_BACK_SHOWN);
  const files: DataFile[] = [];
  if (ctx.wantsFile('rfm_customers.csv')) {
    const path = join(ctx.scratchDir, 'rfm_customers.csv');
    files.push({ name: 'rfm_customers.csv', path, columns: RFM_CUSTOMERS_COLUMNS, rowCount: await writeRfmCustomersCsv(db, path) });
  }
  if (ctx.wantsFile('win_back.csv')) {
    const path = join(ctx.scratchDir, 'win_back.csv');
    files.push({ name: 'win_back.csv', path, columns: WIN_BACK_COLUMNS, rowCount: await writeWinBackCsv(db, path) });
  }
  return { pAlive, clv, money: ctx.orders.money !== 'none', pAliveCaveat, winBack, segments, cells, wb, bySegment, byChannel, top, files };
}
