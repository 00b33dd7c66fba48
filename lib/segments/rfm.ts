/**
 * RFM scores and named segments per customer, computed in DuckDB from
 * `customer_base` (lib/engine/summarize.ts). Builds the temp table
 * `customer_rfm`:
 *   customer_id, days_since_last, purchase_days, revenue, r, f, m, rfm_segment
 *
 * - Recency: days from the last purchase day to the as-of date (fewer days =
 *   higher score).
 * - Frequency: purchase days (distinct days with an order; x + 1).
 * - Monetary: net revenue (refunds included).
 *
 * Scores are quintiles with value-based breakpoints, so equal values always
 * get equal scores: with the n customers' values sorted ascending, breakpoint
 * k (k = 1…4) is the value at rank ceil(k·n/5) (nearest rank). For frequency
 * and monetary, score = 1 + the number of breakpoints the value is strictly
 * above; for recency, score = 5 − the number of breakpoints the days are
 * strictly above. When many customers share a value (e.g. one purchase day),
 * they share a score and some scores may be empty.
 */
import { literal, type Database } from '../engine/database.ts';

export const RFM_SEGMENTS = ['Champions', 'Loyal', "Can't lose them", 'At risk', 'New', 'Potential loyalists', 'Hibernating', 'Lost'] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** The segment rules, first match wins (R, F, M are the 1–5 scores). Together they cover every (R, F, M). */
export const RFM_RULES: { segment: RfmSegment; rule: string; sql: string }[] = [
  { segment: 'Champions', rule: 'R ≥ 4 and F ≥ 4: bought recently and often.', sql: 'r >= 4 AND f >= 4' },
  { segment: 'Loyal', rule: 'R ≥ 3 and F ≥ 3, not Champions: buy regularly and not long ago.', sql: 'r >= 3 AND f >= 3' },
  { segment: "Can't lose them", rule: 'R ≤ 2, F ≥ 4 and M ≥ 4: were among the best customers, but not for a while.', sql: 'r <= 2 AND f >= 4 AND m >= 4' },
  { segment: 'At risk', rule: "R ≤ 2 and F ≥ 3, not Can't lose them: bought often, but not for a while.", sql: 'r <= 2 AND f >= 3' },
  { segment: 'New', rule: 'R ≥ 4 and F = 1: bought recently, on one day only (so far).', sql: 'r >= 4 AND f = 1' },
  { segment: 'Potential loyalists', rule: 'R ≥ 3 and F ≤ 2, not New: recent customers with few purchases.', sql: 'r >= 3 AND f <= 2' },
  { segment: 'Hibernating', rule: 'R = 2 and F ≤ 2: few purchases, a while ago.', sql: 'r = 2 AND f <= 2' },
  { segment: 'Lost', rule: 'R = 1 and F ≤ 2: few purchases, long ago.', sql: 'r = 1 AND f <= 2' },
];

/** Methods entries for the RFM scores and segments. */
export const RFM_DEFINITIONS: { term: string; definition: string }[] = [
  { term: 'RFM recency (R)', definition: 'Days from the last purchase day to the as-of date; fewer days score higher (5 = most recent).' },
  { term: 'RFM frequency (F)', definition: 'Purchase days: distinct days with at least one order (refund rows do not count).' },
  { term: 'RFM monetary (M)', definition: 'Net revenue of the customer, refunds included.' },
  {
    term: 'RFM scores',
    definition:
      'Quintiles with value-based breakpoints, so equal values get equal scores: with the values of all n customers sorted ascending, breakpoint k (k = 1…4) is the value at rank ceil(k × n ÷ 5). F and M score 1 + the number of breakpoints the value is strictly above; R scores 5 − the number of breakpoints the days since the last purchase are strictly above. When many customers share a value (most often one purchase day), they share a score and some scores stay empty.',
  },
  ...RFM_RULES.map((r) => ({ term: `Segment: ${r.segment}`, definition: `${r.rule} Rules are checked in this order; the first that matches names the segment.` })),
];

/** Breakpoints of a column: the values at ranks ceil(k·n/5), k = 1…4 (SQL, one row b1…b4). */
function breakpointsSql(column: string, alias: string): string {
  return `${alias} AS (
    SELECT ${[1, 2, 3, 4].map((k) => `max(v) FILTER (WHERE rn = ceil(${k} * n / 5.0)) AS b${k}`).join(', ')}
    FROM (SELECT ${column} AS v, row_number() OVER (ORDER BY ${column}, customer_id) AS rn, count(*) OVER () AS n FROM rfm_values))`;
}

function above(column: string, alias: string): string {
  return `(${[1, 2, 3, 4].map((k) => `CAST(${column} > ${alias}.b${k} AS INTEGER)`).join(' + ')})`;
}

/** Builds the temp table `customer_rfm` (see the top of this file). */
export async function buildRfm(db: Database, asOf: string): Promise<void> {
  await db.run('DROP TABLE IF EXISTS customer_rfm');
  await db.run(`
    CREATE TEMP TABLE rfm_values AS
    SELECT customer_id,
           CAST(date_diff('day', last_date, DATE ${literal(asOf)}) AS INTEGER) AS days_since_last,
           CAST(purchase_days AS INTEGER) AS purchase_days,
           CAST(revenue AS DOUBLE) AS revenue
    FROM customer_base`);
  await db.run(`
    CREATE TEMP TABLE customer_rfm AS
    WITH ${breakpointsSql('days_since_last', 'br')}, ${breakpointsSql('purchase_days', 'bf')}, ${breakpointsSql('revenue', 'bm')},
    scored AS (
      SELECT v.*, CAST(5 - ${above('v.days_since_last', 'br')} AS INTEGER) AS r,
             CAST(1 + ${above('v.purchase_days', 'bf')} AS INTEGER) AS f,
             CAST(1 + ${above('v.revenue', 'bm')} AS INTEGER) AS m
      FROM rfm_values v, br, bf, bm)
    SELECT *, CASE ${RFM_RULES.map((r) => `WHEN ${r.sql} THEN ${literal(r.segment)}`).join(' ')} END AS rfm_segment
    FROM scored`);
  await db.run('DROP TABLE rfm_values');
}

export interface RfmSegmentRow {
  rfm_segment: RfmSegment;
  rule: string;
  customers: number;
  customer_share: number;
  revenue: number;
  revenue_share: number;
  mean_revenue: number;
  mean_r: number;
  mean_f: number;
  mean_m: number;
  /** Mean P(alive) and projected CLV; null without the models. */
  mean_p_alive: number | null;
  mean_clv: number | null;
}

/** Per segment summary, in the order of RFM_SEGMENTS (segments without customers included, with 0). */
export async function rfmSegmentSummary(db: Database, scores: { pAlive: boolean; clv: boolean }): Promise<RfmSegmentRow[]> {
  const join = scores.pAlive || scores.clv ? 'LEFT JOIN customer_scores s USING (customer_id)' : '';
  const rows = await db.rows<Omit<RfmSegmentRow, 'rule' | 'customer_share' | 'revenue_share'>>(`
    SELECT rfm_segment, CAST(count(*) AS INTEGER) AS customers,
           CAST(sum(CAST(revenue AS DECIMAL(38,9))) AS DOUBLE) AS revenue,
           CAST(sum(CAST(revenue AS DECIMAL(38,9))) / count(*) AS DOUBLE) AS mean_revenue,
           CAST(sum(r) AS DOUBLE) / count(*) AS mean_r, CAST(sum(f) AS DOUBLE) / count(*) AS mean_f, CAST(sum(m) AS DOUBLE) / count(*) AS mean_m,
           ${scores.pAlive ? 'CAST(sum(CAST(s.p_alive AS DECIMAL(38,9))) / count(s.p_alive) AS DOUBLE)' : 'NULL'} AS mean_p_alive,
           ${scores.clv ? 'CAST(sum(CAST(s.clv AS DECIMAL(38,9))) / count(s.clv) AS DOUBLE)' : 'NULL'} AS mean_clv
    FROM customer_rfm ${join}
    GROUP BY rfm_segment`);
  const customers = rows.reduce((s, r) => s + r.customers, 0);
  const revenue = rows.reduce((s, r) => s + r.revenue, 0);
  return RFM_RULES.map(({ segment, rule }) => {
    const r = rows.find((x) => x.rfm_segment === segment);
    return {
      rfm_segment: segment,
      rule,
      customers: r?.customers ?? 0,
      customer_share: customers > 0 ? (r?.customers ?? 0) / customers : 0,
      revenue: r?.revenue ?? 0,
      revenue_share: revenue !== 0 ? (r?.revenue ?? 0) / revenue : 0,
      mean_revenue: r?.mean_revenue ?? 0,
      mean_r: r?.mean_r ?? 0,
      mean_f: r?.mean_f ?? 0,
      mean_m: r?.mean_m ?? 0,
      mean_p_alive: r && scores.pAlive ? r.mean_p_alive : null,
      mean_clv: r && scores.clv ? r.mean_clv : null,
    };
  });
}

/** Customers per (R, F) score pair, for the grid chart. */
export async function rfmGrid(db: Database): Promise<{ r: number; f: number; customers: number; revenue: number }[]> {
  return db.rows(`
    SELECT r, f, CAST(count(*) AS INTEGER) AS customers, CAST(sum(CAST(revenue AS DECIMAL(38,9))) AS DOUBLE) AS revenue
    FROM customer_rfm GROUP BY ALL ORDER BY ALL`);
}
