/**
 * Projected CLV per segment with bootstrap intervals.
 *
 * A segment is a value of a grouping column (an attribute named with
 * --segment-by, the acquisition channel, the RFM segment …): {@link segmentValue}
 * takes any number of such columns and returns one row per (column, value),
 * plus a row for all customers.
 *
 * Point estimates are sums over the run's one table of per-customer scores,
 * `customer_scores` (lib/clv/customer-fit.ts: the chosen purchase model and
 * Gamma-Gamma, fitted per acquisition channel where a channel is big enough):
 * a segment's mean CLV is the mean of its customers' CLV, and the row for all
 * customers is the mean of data/customers.csv's `clv`. So segments add up to
 * the total, and every section shows the same value for the same segment.
 *
 * Uncertainty: a nonparametric bootstrap over customers. Each replicate draws
 * as many customers as there are, with replacement (a multinomial resample of
 * the cells), refits the same fits on the resample (all customers, and each
 * channel with its own fit, started from the point estimates), rescores the
 * cells, and records each segment's mean CLV over the resampled customers. The
 * 90% interval of a segment's mean is the 5th and 95th percentile of the
 * replicates; the interval of its total is the segment's customer count times
 * the interval of its mean (the customers are known; the uncertainty is in what
 * they are worth). The seeded generator makes the result identical for a seed:
 * each replicate draws from its own stream, so the replicates can run on worker
 * threads (lib/clv/segment-replicates.ts) with the same result. The fit on all
 * customers is refitted only when it scores customers (when every channel has
 * its own fits, it scores none).
 *
 * Speed: customers are compressed in DuckDB into "cells", the distinct
 * (segment values, fit group, x, t_x, T, z̄) with their counts. A customer's CLV
 * depends only on their cell: margin × E[Z | x, z̄] × discounted E[Y | x, t_x, T],
 * and the discounted expected purchases factor into a part per distinct (x, T)
 * (hypergeometric series, the slow part) times P(alive | x, t_x, T). So scoring a
 * parameter set costs one pass over the (x, T) pairs and one over the cells,
 * never over millions of customers.
 */
import { exactAvg, exactSum, type Database } from '../engine/database.ts';
import { baseHistory, DAYS_PER_UNIT, type TimeUnit } from '../engine/customer-base.ts';
import { segmentValueSql } from '../engine/summarize.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { DAYS_PER_MONTH, monthlyRate } from './discounted-clv.ts';
import { simpleClv, simpleClvQuery, type SimpleClvInputs } from './simple-clv.ts';
import { percentileInterval } from './bootstrap.ts';
import { FIT_GROUP_COLUMN, GROUP_FIT_FACTOR, type CustomerFits, type ModelFits } from './customer-fit.ts';
import { bootstrapReplicates, type ReplicateJob } from './segment-replicates.ts';
import type { BootstrapMethod } from './value-options.ts';

export { fitCells, scoreCells, type CellScores } from './segment-replicates.ts';

/** The columns of segment_clv.csv (a contract: exactly these, in this order). */
export const SEGMENT_CLV_COLUMNS = [
  'segment_column',
  'segment',
  'customers',
  'p_alive_mean',
  'expected_purchases',
  'clv_mean',
  'clv_mean_low',
  'clv_mean_high',
  'clv_median',
  'clv_total',
  'clv_total_low',
  'clv_total_high',
  'simple_clv_mean',
  'realized_revenue',
  /** true when the segment has fewer customers than --min-segment-size: not ranked, interval unreliable. */
  'small_segment',
] as const;

/** segment_column of the row for all customers. */
export const ALL_COLUMN = 'all';
/** segment of the row for all customers. */
export const ALL_SEGMENT = 'all customers';

/** Default bootstrap replicates and seed. */
export const DEFAULT_BOOTSTRAP = 100;
/** Above this many customers the report runs the bootstrap only when --bootstrap is given. */
export const BOOTSTRAP_DEFAULT_MAX_CUSTOMERS = 50_000;
export const DEFAULT_BOOTSTRAP_SEED = 1;
/** Bootstrap replicates compute E[Y | x, T, alive] every this many days of T and interpolate (see scoreCells). */
export const REPLICATE_GRID_DAYS = 7;
/** Level of the percentile intervals. */
export const INTERVAL_LEVEL = 0.9;

export interface SegmentColumn {
  /** SQL of the segment over `customer_base b` (and the tables of {@link SegmentValueOptions.from}), e.g. `b."seg_0"`. */
  sql: string;
  /** Name shown in the report and in segment_column (e.g. `region`, `channel`). */
  name: string;
}

export interface SegmentValueOptions {
  asOf: string;
  /** Cohort period (for the simple formula's years). */
  period: PeriodUnit;
  /** The run's fits (lib/clv/customer-fit.ts); `customer_scores` holds the customers scored with them. */
  fits: CustomerFits;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin (1 = revenue). */
  margin: number;
  /** Grouping columns; empty: the row for all customers only. */
  columns: SegmentColumn[];
  /** FROM clause the columns' SQL reads (default `customer_base b`; e.g. with `LEFT JOIN customer_rfm r USING (customer_id)`). */
  from?: string;
  /** The simple formula's counts over all customers (the run's `simple` product: not counted again). */
  simple: SimpleClvInputs;
  /** The table of the simple formula's per-customer rows, when the `simple` product kept one (SimpleFigures.customers); else they are grouped here. */
  simpleCustomers?: string;
  /** Bootstrap replicates (0: no intervals). */
  bootstrap: number;
  bootstrapSeed: number;
  /** How a replicate is made (lib/clv/segment-replicates.ts). */
  bootstrapMethod: BootstrapMethod;
}

export interface SegmentValueRow {
  segment_column: string;
  segment: string;
  customers: number;
  p_alive_mean: number;
  expected_purchases: number;
  clv_mean: number;
  clv_mean_low: number | null;
  clv_mean_high: number | null;
  clv_median: number;
  clv_total: number;
  clv_total_low: number | null;
  clv_total_high: number | null;
  simple_clv_mean: number | null;
  realized_revenue: number;
}

export interface SegmentValueResult {
  /** The row for all customers first, then per column (in the order given) per segment (sorted by name). */
  rows: SegmentValueRow[];
  /** failedFits: refits that failed across the replicates (their replicate is left out for the segments they score). */
  bootstrap: { requested: number; method: BootstrapMethod; failedFits: number; seed: number; seconds: number; level: number; threads: number };
  /** Compressed sizes of the bootstrap: cells, distinct histories, distinct (x, T) pairs (absent without a bootstrap, which alone needs them). */
  sizes?: { customers: number; cells: number; histories: number; pairs: number };
}

/** Customers compressed to cells (see the file comment), with indices into the distinct histories, (x, T) pairs and spend rows. */
export interface SegmentCells {
  customers: number;
  /** Days per model time unit. */
  unitDays: number;
  /** Per cell. */
  n: Float64Array;
  x: Int32Array;
  zbar: Float64Array;
  hist: Int32Array;
  pair: Int32Array;
  /** Index into `spend` (x ≥ 1 and z̄ > 0), else −1. */
  spendRow: Int32Array;
  /** Per column: segment index of each cell, and the segment names (sorted). */
  segments: { index: Int32Array; names: string[] }[];
  /** Distinct histories (x, t_x, T) in the time unit, sorted as frequencyData sorts them. */
  histories: { x: number[]; tx: number[]; T: number[] };
  /** Distinct (x, T) pairs (T also in whole days). */
  pairs: { x: number[]; T: number[]; TDays: number[] };
  /** Distinct (x, z̄) of the spend model, sorted as spendData sorts them. */
  spend: { x: number[]; zbar: number[] };
}


/**
 * Reads and compresses the customers (customer_base) into cells. `fitGroup`: SQL of the channel whose fit
 * scores the customer (cells then know it as segments[columns.length]).
 */
export async function segmentCells(db: Database, o: { asOf: string; timeUnit: TimeUnit; columns: SegmentColumn[]; from?: string; fitGroup?: string }): Promise<SegmentCells> {
  const keys = [...o.columns.map((c) => c.sql), ...(o.fitGroup ? [o.fitGroup] : [])];
  const g = keys.map((sql, i) => `${segmentValueSql(sql)} AS g${i}`);
  const h = baseHistory(o.asOf, 'b.');
  const rows = await db.rows<Record<string, unknown> & { x: number; tx: number; T: number; zbar: number; n: number }>(`
    SELECT ${[...g, ''].join(', ')}
           ${h.x} AS x, ${h.txDays} AS tx, ${h.TDays} AS T, coalesce(${h.zbar}, 0) AS zbar,
           CAST(count(*) AS INTEGER) AS n
    FROM ${o.from ?? 'customer_base b'} GROUP BY ALL ORDER BY ALL`);
  const k = rows.length;
  const d = DAYS_PER_UNIT[o.timeUnit];
  const cells: SegmentCells = {
    customers: 0,
    unitDays: d,
    n: new Float64Array(k),
    x: new Int32Array(k),
    zbar: new Float64Array(k),
    hist: new Int32Array(k),
    pair: new Int32Array(k),
    spendRow: new Int32Array(k),
    segments: [],
    histories: { x: [], tx: [], T: [] },
    pairs: { x: [], T: [], TDays: [] },
    spend: { x: [], zbar: [] },
  };
  const byOrder = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const distinct = (keyOf: (r: (typeof rows)[number]) => number[]) => {
    const keys = new Map<string, number[]>();
    for (const r of rows) {
      const key = keyOf(r);
      keys.set(key.join('|'), key);
    }
    const sorted = [...keys.values()].sort(byOrder);
    const index = new Map(sorted.map((key, i) => [key.join('|'), i]));
    return { sorted, indexOf: (r: (typeof rows)[number]) => index.get(keyOf(r).join('|')) as number };
  };
  const hist = distinct((r) => [r.x, r.tx, r.T]);
  const pair = distinct((r) => [r.x, r.T]);
  const spendRows = rows.filter((r) => r.x >= 1 && r.zbar > 0);
  const spendKeys = new Map<string, number[]>();
  for (const r of spendRows) spendKeys.set(`${r.x}|${r.zbar}`, [r.x, r.zbar]);
  const spendSorted = [...spendKeys.values()].sort(byOrder);
  const spendIndex = new Map(spendSorted.map((key, i) => [`${key[0]}|${key[1]}`, i]));
  cells.histories = { x: hist.sorted.map((h) => h[0]), tx: hist.sorted.map((h) => h[1] / d), T: hist.sorted.map((h) => h[2] / d) };
  cells.pairs = { x: pair.sorted.map((p) => p[0]), T: pair.sorted.map((p) => p[1] / d), TDays: pair.sorted.map((p) => p[1]) };
  cells.spend = { x: spendSorted.map((s) => s[0]), zbar: spendSorted.map((s) => s[1]) };
  const names = keys.map((_, i) => [...new Set(rows.map((r) => String(r[`g${i}`])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const nameIndex = names.map((ns) => new Map(ns.map((s, i) => [s, i])));
  cells.segments = names.map((ns) => ({ index: new Int32Array(k), names: ns }));
  rows.forEach((r, c) => {
    cells.n[c] = r.n;
    cells.customers += r.n;
    cells.x[c] = r.x;
    cells.zbar[c] = r.zbar;
    cells.hist[c] = hist.indexOf(r);
    cells.pair[c] = pair.indexOf(r);
    cells.spendRow[c] = r.x >= 1 && r.zbar > 0 ? (spendIndex.get(`${r.x}|${r.zbar}`) as number) : -1;
    keys.forEach((_, i) => {
      cells.segments[i].index[c] = nameIndex[i].get(String(r[`g${i}`])) as number;
    });
  });
  return cells;
}

/** A row's figures: sums over `customer_scores`, realized revenue and the simple formula's counts. */
interface PointRow {
  segment: string;
  customers: number;
  p_alive_mean: number;
  expected_purchases: number;
  clv_mean: number;
  clv_median: number;
  clv_total: number;
  realized: number | null;
  simple: SimpleClvInputs;
}

/**
 * The point figures of every row in one pass over the customers: GROUPING SETS of all customers and of each
 * column. `realized` is the net revenue of customers with a purchase; the simple formula's counts are those of
 * lib/clv/simple-clv.ts per group.
 */
async function pointRows(db: Database, o: SegmentValueOptions): Promise<{ all: PointRow | undefined; byColumn: PointRow[][] }> {
  const q = simpleClvQuery(o);
  const g = o.columns.map((c, i) => `${segmentValueSql(c.sql)} AS g${i}`);
  const sets = ['()', ...o.columns.map((_, i) => `(g${i})`)];
  const rows = await db.rows<Record<string, unknown> & { set: number }>(`
    WITH pc AS (${o.simpleCustomers ? `SELECT * FROM ${o.simpleCustomers}` : q.perCustomer}),
    j AS (
      SELECT ${[...g, ''].join(', ')} s.customer_id AS scored, s.p_alive, s.expected_purchases, s.clv,
             CASE WHEN b.purchase_days > 0 THEN b.revenue END AS realized, pc.orders_1, pc.revenue_1, pc.active_1, pc.active_0
      FROM ${o.from ?? 'customer_base b'} LEFT JOIN customer_scores s USING (customer_id) LEFT JOIN pc USING (customer_id))
    SELECT ${o.columns.length > 0 ? `GROUPING(${o.columns.map((_, i) => `g${i}`).join(', ')})` : '0'} AS set, ${[...o.columns.map((_, i) => `g${i}`), ''].join(', ')}
           CAST(count(pc.scored) AS INTEGER) AS customers, ${exactAvg('pc.p_alive')} AS p_alive_mean, ${exactSum('pc.expected_purchases')} AS expected_purchases,
           ${exactAvg('pc.clv')} AS clv_mean, quantile_disc(pc.clv, 0.5) AS clv_median, ${exactSum('pc.clv')} AS clv_total,
           ${exactSum('pc.realized')} AS realized, ${q.measures}
    FROM j pc GROUP BY GROUPING SETS (${sets.join(', ')})`);
  const point = (r: Record<string, unknown>, segment: string): PointRow => ({
    segment,
    customers: Number(r.customers),
    p_alive_mean: r.p_alive_mean as number,
    expected_purchases: r.expected_purchases as number,
    clv_mean: r.clv_mean as number,
    clv_median: r.clv_median as number,
    clv_total: r.clv_total as number,
    realized: r.realized as number | null,
    simple: q.toInputs(r as unknown as Parameters<typeof q.toInputs>[0]),
  });
  // GROUPING(g0, …, gk-1) has a bit per column, the first column the highest: all ones for (), all but column i's for (gi).
  const k = o.columns.length;
  const full = (1 << k) - 1;
  const allRow = rows.find((r) => Number(r.set) === full);
  const byColumn = o.columns.map((_, i) =>
    rows
      .filter((r) => Number(r.set) === full - (1 << (k - 1 - i)))
      .map((r) => point(r, String(r[`g${i}`])))
      .sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0)),
  );
  return { all: allRow ? point(allRow, '') : undefined, byColumn };
}

/**
 * The bootstrap (see the file comment): the customers compressed into cells, the groups of the rows (all
 * customers, then each column's segments, sorted) and each group's replicate means. Only run when resamples
 * are asked for: the point estimates never need the cells.
 */
async function bootstrapSegments(db: Database, o: SegmentValueOptions) {
  const fits = o.fits;
  const own = fits.groups.map((g) => g.value);
  const cells = await segmentCells(db, { asOf: o.asOf, timeUnit: fits.timeUnit, columns: o.columns, from: o.from, fitGroup: own.length > 0 ? `b.${FIT_GROUP_COLUMN}` : undefined });
  const K = cells.n.length;
  const unitDays = DAYS_PER_UNIT[fits.timeUnit];
  const scoring = { horizon: { horizonMonths: o.horizonMonths, monthLength: DAYS_PER_MONTH / unitDays, monthlyDiscount: monthlyRate(o.annualDiscountRate) }, margin: o.margin };

  // Groups of the rows: index 0 is all customers, then one per (column, segment); cell → group per column.
  const groups: { column: string; segment: string }[] = [{ column: ALL_COLUMN, segment: ALL_SEGMENT }];
  const groupOf: Int32Array[] = o.columns.map((col, i) => {
    const first = groups.length;
    for (const name of cells.segments[i].names) groups.push({ column: col.name, segment: name });
    return Int32Array.from(cells.segments[i].index, (j) => first + j);
  });
  const G = groups.length;

  // Fit units: each channel with its own fit, and the all-customer fit (index 0) for the rest.
  const fitIndex = own.length > 0 ? cells.segments[o.columns.length] : undefined;
  const unitOfCell = new Int32Array(K);
  if (fitIndex) for (let c = 0; c < K; c++) unitOfCell[c] = own.indexOf(fitIndex.names[fitIndex.index[c]]) + 1;
  const allCells = Int32Array.from({ length: K }, (_, c) => c);
  const unitCells = [0, ...own.map((_, i) => i + 1)].map((u) => allCells.filter((c) => unitOfCell[c] === u));
  const starts: ModelFits[] = [fits.all, ...fits.groups];

  // Bootstrap: one resample of the customers per replicate, every fit refitted on it, every cell rescored
  // (lib/clv/segment-replicates.ts; on worker threads when the work is large enough).
  const started = performance.now();
  const replicates: number[][] = groups.map(() => []);
  const job: ReplicateJob = {
    cells,
    model: fits.model,
    starts,
    unitCells,
    groupOf,
    groups: G,
    scoring: { ...scoring, gridDays: REPLICATE_GRID_DAYS },
    nearFactor: GROUP_FIT_FACTOR,
    seed: o.bootstrapSeed,
    method: o.bootstrapMethod,
  };
  const results = await bootstrapReplicates(job, o.bootstrap);
  for (let b = 0; b < o.bootstrap; b++) {
    for (let g = 0; g < G; g++) {
      const mean = results.means[b * G + g];
      if (!Number.isNaN(mean)) replicates[g].push(mean);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const sizes = { customers: cells.customers, cells: cells.n.length, histories: cells.histories.x.length, pairs: cells.pairs.x.length };
  return { groups, replicates, failed: results.failed, threads: results.threads, seconds, sizes };
}


/** Projected CLV per segment with bootstrap intervals (see the file comment). */
export async function segmentValue(db: Database, o: SegmentValueOptions): Promise<SegmentValueResult> {
  const boot = o.bootstrap > 0 ? await bootstrapSegments(db, o) : undefined;
  // Point estimates: sums over customer_scores; realized value and simple CLV (exact sums in DuckDB).
  const point = new Map<string, PointRow>();
  const simpleOptions = { margin: o.margin, annualDiscountRate: o.annualDiscountRate };
  const allKey = `${ALL_COLUMN}\u0000${ALL_SEGMENT}`;
  const { all, byColumn } = await pointRows(db, o);
  // The row for all customers: its simple formula is the run's (the `simple` product, over all customers).
  if (all && all.customers > 0) point.set(allKey, { ...all, simple: o.simple });
  o.columns.forEach((c, i) => {
    for (const r of byColumn[i]) if (r.customers > 0) point.set(`${c.name}\u0000${r.segment}`, r);
  });
  // Groups of the rows: index 0 is all customers, then one per (column, segment), sorted by name.
  const groups = boot?.groups ?? [{ column: ALL_COLUMN, segment: ALL_SEGMENT }, ...o.columns.flatMap((c, i) => byColumn[i].map((r) => ({ column: c.name, segment: r.segment })))];
  const replicates = boot?.replicates ?? groups.map(() => [] as number[]);

  const finiteOrNull = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
  const rows: SegmentValueRow[] = [];
  groups.forEach((g, i) => {
    const key = `${g.column}\u0000${g.segment}`;
    const p = point.get(key);
    if (!p) return;
    const n = p.customers;
    // Intervals only from enough replicates for its percentiles to mean something.
    const interval = replicates[i].length >= 20 ? percentileInterval(replicates[i], INTERVAL_LEVEL) : null;
    rows.push({
      segment_column: g.column,
      segment: g.segment,
      customers: n,
      p_alive_mean: p.p_alive_mean,
      expected_purchases: p.expected_purchases,
      clv_mean: p.clv_mean,
      clv_mean_low: finiteOrNull(interval?.[0]),
      clv_mean_high: finiteOrNull(interval?.[1]),
      clv_median: p.clv_median,
      clv_total: p.clv_total,
      clv_total_low: interval ? finiteOrNull(interval[0] * n) : null,
      clv_total_high: interval ? finiteOrNull(interval[1] * n) : null,
      simple_clv_mean: finiteOrNull(simpleClv(p.simple, simpleOptions).simpleClv),
      realized_revenue: p.realized ?? 0,
    });
  });
  return {
    rows,
    bootstrap: { requested: o.bootstrap, method: o.bootstrapMethod, failedFits: boot?.failed ?? 0, seed: o.bootstrapSeed, seconds: boot?.seconds ?? 0, level: INTERVAL_LEVEL, threads: boot?.threads ?? 1 },
    sizes: boot?.sizes,
  };
}
