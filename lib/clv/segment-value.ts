/**
 * Projected CLV per segment with bootstrap intervals.
 *
 * A segment is a value of a grouping column of `customer_base` (an attribute
 * named with --segment-by as seg_0, seg_1 …, `acquisition_channel`, or any
 * other per-customer column such as RFM segments): {@link segmentValue} takes
 * any number of such columns and returns one row per (column, value), plus a
 * row for all customers.
 *
 * Point estimates: the purchase model (BG/NBD or Pareto/NBD) and Gamma-Gamma
 * are fitted on each segment's own customers (segments differ in how often
 * customers buy, how long they stay and what they spend; one fit on everyone
 * would pull every segment towards the average), and the segment's customers
 * are scored with them exactly as lib/clv/score-customers.ts scores customers.
 * Segments with fewer than MIN_SEGMENT_CUSTOMERS customers or
 * MIN_SEGMENT_REPEAT_BUYERS repeat buyers, or whose own fit fails, are scored
 * with the fits on all customers (the Customer value section's fits), which
 * also give the row for all customers.
 *
 * Speed: customers are compressed in DuckDB into "cells", the distinct
 * (segment values, x, t_x, T, z̄) with their counts. A customer's CLV depends
 * only on their cell: margin × E[Z | x, z̄] × discounted E[Y | x, t_x, T], and
 * the discounted expected purchases factor into a part per distinct (x, T)
 * (hypergeometric series, the slow part) times P(alive | x, t_x, T) (plain
 * arithmetic). So scoring a parameter set costs one pass over the (x, T)
 * pairs and one over the cells, never over millions of customers.
 *
 * Uncertainty: a nonparametric bootstrap over customers. Each replicate draws
 * as many customers as there are, with replacement (a multinomial resample of
 * the cells), refits both models on the resample (started from the point
 * estimates), rescores the cells, and records each segment's mean CLV over the
 * resampled customers. The 90% interval of a segment's mean is the 5th and 95th
 * percentile of the replicates; the interval of its total is the segment's
 * customer count times the interval of its mean (the customers are known; the
 * uncertainty is in what they are worth). The seeded generator makes the result
 * identical for a given seed.
 */
import { exactSum, ident, literal, type Database } from '../engine/database.ts';
import { DAYS_PER_UNIT, type TimeUnit } from '../engine/model-inputs.ts';
import { NO_VALUE } from '../engine/summarize.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { fitBgNbd, type BgNbdParams } from '../models/bg-nbd.ts';
import { fitParetoNbd, type ParetoNbdParams } from '../models/pareto-nbd.ts';
import { fitGammaGamma, type GammaGammaParams } from '../models/gamma-gamma.ts';
import { DAYS_PER_MONTH, horizonIfAlive, monthlyRate, pAlive, type HorizonOptions, type PurchaseModel } from './discounted-clv.ts';
import type { FitResult, FrequencyData, SpendData } from '../models/model.ts';
import { simpleClv, simpleClvInputs } from './simple-clv.ts';
import { CustomerResampler, percentileInterval, replicateRng } from './bootstrap.ts';

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
  /** Column of customer_base (e.g. `seg_0`, `acquisition_channel`). */
  column: string;
  /** Name shown in the report and in segment_column (e.g. `region`, `channel`). */
  name: string;
  /**
   * Score every segment with the all-customer fit instead of its own: for segments defined by the
   * purchase history itself (RFM), whose own fits would be biased by the selection.
   */
  pooledFit?: boolean;
}

export interface SegmentValueOptions {
  asOf: string;
  /** Cohort period (for the simple formula's years). */
  period: PeriodUnit;
  model: 'bgnbd' | 'pareto-nbd';
  timeUnit: TimeUnit;
  horizonMonths: number;
  annualDiscountRate: number;
  /** Gross margin (1 = revenue). */
  margin: number;
  /** Grouping columns; empty: the row for all customers only. */
  columns: SegmentColumn[];
  /** Bootstrap replicates (0: no intervals). */
  bootstrap: number;
  bootstrapSeed: number;
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
  purchaseFit: FitResult;
  spendFit: FitResult;
  /** Segments scored with the all-customer fit (too small for their own, or their own fit failed). */
  pooledSegments: { column: string; segment: string }[];
  /** failedFits: unit fits that failed across the replicates (their replicate is left out for that group). */
  bootstrap: { requested: number; failedFits: number; seed: number; seconds: number; level: number };
  /** Compressed sizes: cells, distinct histories, distinct (x, T) pairs. */
  sizes: { customers: number; cells: number; histories: number; pairs: number };
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

/** Reads and compresses the customers (customer_base) into cells. */
export async function segmentCells(db: Database, o: { asOf: string; timeUnit: TimeUnit; columns: SegmentColumn[] }): Promise<SegmentCells> {
  const g = o.columns.map((c, i) => `coalesce(nullif(CAST(${ident(c.column)} AS VARCHAR), ''), ${literal(NO_VALUE)}) AS g${i}`);
  const rows = await db.rows<Record<string, unknown> & { x: number; tx: number; T: number; zbar: number; n: number }>(`
    SELECT ${[...g, ''].join(', ')}
           CAST(purchase_days - 1 AS INTEGER) AS x,
           CAST(date_diff('day', first_date, last_date) AS INTEGER) AS tx,
           CAST(date_diff('day', first_date, DATE ${literal(o.asOf)}) AS INTEGER) AS T,
           CASE WHEN purchase_days > 1 THEN CAST(purchase_revenue - first_day_purchases AS DOUBLE) / (purchase_days - 1) ELSE 0 END AS zbar,
           CAST(count(*) AS INTEGER) AS n
    FROM customer_base WHERE purchase_days > 0 GROUP BY ALL ORDER BY ALL`);
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
  const names = o.columns.map((_, i) => [...new Set(rows.map((r) => String(r[`g${i}`])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
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
    o.columns.forEach((_, i) => {
      cells.segments[i].index[c] = nameIndex[i].get(String(r[`g${i}`])) as number;
    });
  });
  return cells;
}

/** Per-cell scores for one parameter set: P(alive), expected purchases over the horizon and CLV of one customer of the cell. */
export interface CellScores {
  pAlive: Float64Array;
  expected: Float64Array;
  clv: Float64Array;
}

/**
 * Scores the cells with given parameters (the same formulas as score-customers.ts).
 * `pairWeight`: when given, (x, T) pairs with weight 0 are skipped (their cells get 0).
 * `only`: score these cells only, and the histories with a positive weight (the others get 0).
 * `gridDays`: when given, E[Y | x, T, alive] over the horizon (the slow,
 * hypergeometric part) is computed at T = 0, g, 2g … days only and
 * interpolated linearly in between (a smooth function of T: the bootstrap
 * replicates use g = 7, which changes segment means by far less than 0.1%;
 * see test/clv/segment-value.test.ts). Without it every T is exact.
 */
export function scoreCells(
  cells: SegmentCells,
  model: PurchaseModel,
  spend: GammaGammaParams,
  o: { horizon: HorizonOptions; margin: number; gridDays?: number },
  pairWeight?: Float64Array,
  only?: { cells: Int32Array; histWeight: Float64Array },
): CellScores {
  const nPairs = cells.pairs.x.length;
  const exp = new Float64Array(nPairs);
  const disc = new Float64Array(nPairs);
  const g = o.gridDays;
  const unitDays = cells.unitDays;
  const grid = new Map<number, { expected: number; discounted: number }>();
  const atGrid = (x: number, k: number) => {
    const key = x * 1e6 + k;
    let h = grid.get(key);
    if (!h) {
      h = horizonIfAlive(model, x, (k * (g as number)) / unitDays, o.horizon);
      grid.set(key, h);
    }
    return h;
  };
  // The grid pays off only for the x with many distinct T (few repeat purchases): elsewhere every T is exact.
  const useGrid = new Set<number>();
  if (g !== undefined) {
    const span = new Map<number, { n: number; min: number; max: number }>();
    for (let i = 0; i < nPairs; i++) {
      if (pairWeight && pairWeight[i] === 0) continue;
      const x = cells.pairs.x[i];
      const d = cells.pairs.TDays[i];
      const e = span.get(x);
      if (e) {
        e.n++;
        e.min = Math.min(e.min, d);
        e.max = Math.max(e.max, d);
      } else span.set(x, { n: 1, min: d, max: d });
    }
    for (const [x, e] of span) if ((e.max - e.min) / g + 2 < e.n / 2) useGrid.add(x);
  }
  for (let i = 0; i < nPairs; i++) {
    if (pairWeight && pairWeight[i] === 0) continue;
    const x = cells.pairs.x[i];
    if (g === undefined || !useGrid.has(x)) {
      const h = horizonIfAlive(model, x, cells.pairs.T[i], o.horizon);
      exp[i] = h.expected;
      disc[i] = h.discounted;
      continue;
    }
    const days = cells.pairs.TDays[i];
    const k = Math.floor(days / g);
    const f = days / g - k;
    const lo = atGrid(x, k);
    if (f === 0) {
      exp[i] = lo.expected;
      disc[i] = lo.discounted;
    } else {
      const hi = atGrid(x, k + 1);
      exp[i] = lo.expected + f * (hi.expected - lo.expected);
      disc[i] = lo.discounted + f * (hi.discounted - lo.discounted);
    }
  }
  const nHist = cells.histories.x.length;
  const pa = new Float64Array(nHist);
  const { x: hx, tx: htx, T: hT } = cells.histories;
  for (let i = 0; i < nHist; i++) if (!only || only.histWeight[i] > 0) pa[i] = pAlive(model, hx[i], htx[i], hT[i]);
  const k = cells.n.length;
  const out: CellScores = { pAlive: new Float64Array(k), expected: new Float64Array(k), clv: new Float64Array(k) };
  const { p, q, gamma } = spend;
  const list = only?.cells;
  const m = list ? list.length : k;
  for (let j = 0; j < m; j++) {
    const c = list ? list[j] : j;
    const x = cells.x[c];
    const a = pa[cells.hist[c]];
    const ez = (p * gamma + p * x * cells.zbar[c]) / (p * x + q - 1);
    out.pAlive[c] = a;
    out.expected[c] = exp[cells.pair[c]] * a;
    out.clv[c] = o.margin * ez * disc[cells.pair[c]] * a;
  }
  return out;
}

function purchaseModelOf(name: 'bgnbd' | 'pareto-nbd', fit: FitResult): PurchaseModel {
  return name === 'bgnbd' ? { name, params: fit.params as unknown as BgNbdParams } : { name, params: fit.params as unknown as ParetoNbdParams };
}

/** Fits the purchase model and Gamma-Gamma on the cells with the given customer counts per cell. */
export function fitCells(cells: SegmentCells, weight: ArrayLike<number>, model: 'bgnbd' | 'pareto-nbd', start?: { purchase: FitResult; spend: FitResult }): { purchase: FitResult; spend: FitResult } {
  const hw = new Float64Array(cells.histories.x.length);
  const sw = new Float64Array(cells.spend.x.length);
  for (let c = 0; c < cells.n.length; c++) {
    hw[cells.hist[c]] += weight[c];
    if (cells.spendRow[c] >= 0) sw[cells.spendRow[c]] += weight[c];
  }
  const freq: FrequencyData = { x: [], tx: [], T: [], weight: [] };
  for (let i = 0; i < hw.length; i++) {
    if (hw[i] === 0) continue;
    freq.x.push(cells.histories.x[i]);
    freq.tx.push(cells.histories.tx[i]);
    freq.T.push(cells.histories.T[i]);
    freq.weight.push(hw[i]);
  }
  const spend: SpendData = { x: [], zbar: [], weight: [] };
  for (let i = 0; i < sw.length; i++) {
    if (sw[i] === 0) continue;
    spend.x.push(cells.spend.x[i]);
    spend.zbar.push(cells.spend.zbar[i]);
    spend.weight.push(sw[i]);
  }
  const quick = (f: FitResult | undefined) => (f ? { starts: [f.params], skipStdErrors: true, screen: false, optimizer: { gradTol: 1e-6 } } : undefined);
  const purchase = model === 'bgnbd' ? fitBgNbd(freq, quick(start?.purchase)) : fitParetoNbd(freq, quick(start?.purchase));
  return { purchase, spend: fitGammaGamma(spend, quick(start?.spend)) };
}

/** Weighted lower median: the value at 0-based position ⌊(N − 1) / 2⌋ of the N customers sorted by value. */
function weightedMedian(values: number[], counts: number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const total = counts.reduce((s, v) => s + v, 0);
  const target = Math.floor((total - 1) / 2);
  let seen = 0;
  for (const i of order) {
    seen += counts[i];
    if (seen > target) return values[i];
  }
  return values[order[order.length - 1]];
}

/** Smallest segment fitted on its own customers; smaller segments are scored with the models fitted on all customers. */
export const MIN_SEGMENT_CUSTOMERS = 500;
/** Smallest number of repeat buyers (positive z̄) for a segment's own Gamma-Gamma fit. */
export const MIN_SEGMENT_REPEAT_BUYERS = 50;

/** A set of cells fitted together (all customers, or one segment) and the group its figures go to. */
interface FitUnit {
  group: number;
  cells: Int32Array;
  /** Scored with the all-customer fit (segment too small, or its own fit failed). */
  pooled: boolean;
}

/** Projected CLV per segment with bootstrap intervals (see the file comment). */
export async function segmentValue(db: Database, o: SegmentValueOptions): Promise<SegmentValueResult> {
  const cells = await segmentCells(db, o);
  const K = cells.n.length;
  const unitDays = DAYS_PER_UNIT[o.timeUnit];
  const scoring = { horizon: { horizonMonths: o.horizonMonths, monthLength: DAYS_PER_MONTH / unitDays, monthlyDiscount: monthlyRate(o.annualDiscountRate) }, margin: o.margin };

  // Groups: index 0 is all customers, then one per (column, segment); each is a fit unit.
  const groups: { column: string; segment: string }[] = [{ column: ALL_COLUMN, segment: ALL_SEGMENT }];
  const units: FitUnit[] = [{ group: 0, cells: Int32Array.from({ length: K }, (_, c) => c), pooled: true }];
  o.columns.forEach((col, i) => {
    const members: number[][] = cells.segments[i].names.map(() => []);
    for (let c = 0; c < K; c++) members[cells.segments[i].index[c]].push(c);
    cells.segments[i].names.forEach((s, j) => {
      const list = Int32Array.from(members[j]);
      let customers = 0;
      let repeat = 0;
      for (const c of list) {
        customers += cells.n[c];
        if (cells.spendRow[c] >= 0) repeat += cells.n[c];
      }
      units.push({ group: groups.length, cells: list, pooled: col.pooledFit === true || customers < MIN_SEGMENT_CUSTOMERS || repeat < MIN_SEGMENT_REPEAT_BUYERS });
      groups.push({ column: col.name, segment: s });
    });
  });
  const G = groups.length;

  /** Fits a unit on the weights (zero outside it) and scores its cells; null when the fit fails. */
  const masked = new Float64Array(K);
  const pairWeight = new Float64Array(cells.pairs.x.length);
  const histWeight = new Float64Array(cells.histories.x.length);
  const fitUnit = (u: FitUnit, weight: ArrayLike<number>, start: { purchase: FitResult; spend: FitResult } | undefined, gridDays?: number) => {
    masked.fill(0);
    pairWeight.fill(0);
    histWeight.fill(0);
    for (const c of u.cells) {
      masked[c] = weight[c];
      pairWeight[cells.pair[c]] += weight[c];
      histWeight[cells.hist[c]] += weight[c];
    }
    let fit;
    try {
      fit = fitCells(cells, masked, o.model, start);
    } catch {
      return null;
    }
    if (!fit.purchase.converged || !fit.spend.converged) return null;
    const scores = scoreCells(cells, purchaseModelOf(o.model, fit.purchase), fit.spend.params as unknown as GammaGammaParams, { ...scoring, gridDays }, pairWeight, { cells: u.cells, histWeight });
    return { fit, scores };
  };

  // Point estimates: the all-customer fit, then each segment's own fit.
  const pooled = fitCells(cells, cells.n, o.model);
  const pooledScores = scoreCells(cells, purchaseModelOf(o.model, pooled.purchase), pooled.spend.params as unknown as GammaGammaParams, scoring);
  const unitFits: ({ purchase: FitResult; spend: FitResult } | null)[] = units.map(() => null);
  unitFits[0] = pooled;
  const count = new Float64Array(G);
  const sumClv = new Float64Array(G);
  const sumAlive = new Float64Array(G);
  const sumExpected = new Float64Array(G);
  const clvValues: number[][] = groups.map(() => []);
  const clvCounts: number[][] = groups.map(() => []);
  for (const [i, u] of units.entries()) {
    let scores = pooledScores;
    if (!u.pooled) {
      const own = fitUnit(u, cells.n, undefined);
      if (own) {
        scores = own.scores;
        unitFits[i] = own.fit;
      } else {
        u.pooled = true;
      }
    }
    for (const c of u.cells) {
      const n = cells.n[c];
      count[u.group] += n;
      sumClv[u.group] += n * scores.clv[c];
      sumAlive[u.group] += n * scores.pAlive[c];
      sumExpected[u.group] += n * scores.expected[c];
      clvValues[u.group].push(scores.clv[c]);
      clvCounts[u.group].push(n);
    }
  }

  // Bootstrap: one resample of the customers per replicate, every unit refitted on it.
  const started = performance.now();
  const replicates: number[][] = groups.map(() => []);
  let failed = 0;
  if (o.bootstrap > 0) {
    const resampler = new CustomerResampler(cells.n);
    const w = new Float64Array(K);
    for (let b = 0; b < o.bootstrap; b++) {
      resampler.draw(replicateRng(o.bootstrapSeed, b), w);
      const pooledFit = fitUnit(units[0], w, pooled, REPLICATE_GRID_DAYS);
      for (const [i, u] of units.entries()) {
        const r = u.pooled || i === 0 ? pooledFit : fitUnit(u, w, unitFits[i] ?? pooled, REPLICATE_GRID_DAYS);
        if (!r) {
          failed++;
          continue;
        }
        let n = 0;
        let sum = 0;
        for (const c of u.cells) {
          n += w[c];
          sum += w[c] * r.scores.clv[c];
        }
        if (n > 0 && Number.isFinite(sum / n)) replicates[u.group].push(sum / n);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;

  // Realized value and simple CLV, per column (exact sums in DuckDB).
  const realized = new Map<string, number>();
  const simple = new Map<string, number | null>();
  const simpleOptions = { margin: o.margin, annualDiscountRate: o.annualDiscountRate };
  const [all] = await db.rows<{ revenue: number | null }>(`SELECT ${exactSum('revenue')} AS revenue FROM customer_base WHERE purchase_days > 0`);
  realized.set(`${ALL_COLUMN}\u0000${ALL_SEGMENT}`, all.revenue ?? 0);
  const overallSimple = await simpleClvInputs(db, { period: o.period, asOf: o.asOf });
  simple.set(`${ALL_COLUMN}\u0000${ALL_SEGMENT}`, simpleClv(overallSimple.overall, simpleOptions).simpleClv);
  for (const c of o.columns) {
    const rows = await db.rows<{ segment: string; revenue: number | null }>(`
      SELECT coalesce(nullif(CAST(${ident(c.column)} AS VARCHAR), ''), ${literal(NO_VALUE)}) AS segment, ${exactSum('revenue')} AS revenue
      FROM customer_base WHERE purchase_days > 0 GROUP BY 1`);
    for (const r of rows) realized.set(`${c.name}\u0000${r.segment}`, r.revenue ?? 0);
    const { groups: sg } = await simpleClvInputs(db, { period: o.period, asOf: o.asOf, groupBy: c.column });
    for (const s of sg) simple.set(`${c.name}\u0000${s.group}`, simpleClv(s, simpleOptions).simpleClv);
  }

  const finiteOrNull = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
  const rows: SegmentValueRow[] = groups.map((g, i) => {
    const n = count[i];
    const mean = sumClv[i] / n;
    // Intervals only from enough replicates for its percentiles to mean something.
    const interval = replicates[i].length >= 20 ? percentileInterval(replicates[i], INTERVAL_LEVEL) : null;
    const key = `${g.column}\u0000${g.segment}`;
    return {
      segment_column: g.column,
      segment: g.segment,
      customers: n,
      p_alive_mean: sumAlive[i] / n,
      expected_purchases: sumExpected[i],
      clv_mean: mean,
      clv_mean_low: finiteOrNull(interval?.[0]),
      clv_mean_high: finiteOrNull(interval?.[1]),
      clv_median: weightedMedian(clvValues[i], clvCounts[i]),
      clv_total: sumClv[i],
      clv_total_low: interval ? finiteOrNull(interval[0] * n) : null,
      clv_total_high: interval ? finiteOrNull(interval[1] * n) : null,
      simple_clv_mean: finiteOrNull(simple.get(key)),
      realized_revenue: realized.get(key) ?? 0,
    };
  });
  return {
    rows,
    purchaseFit: pooled.purchase,
    spendFit: pooled.spend,
    pooledSegments: units.filter((u, i) => i > 0 && u.pooled).map((u) => groups[u.group]),
    bootstrap: { requested: o.bootstrap, failedFits: failed, seed: o.bootstrapSeed, seconds, level: INTERVAL_LEVEL },
    sizes: { customers: cells.customers, cells: cells.n.length, histories: cells.histories.x.length, pairs: cells.pairs.x.length },
  };
}
