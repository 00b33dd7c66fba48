/**
 * The win-back list: customers of high historical value who are probably
 * gone. Built in DuckDB from `customer_base`, `customer_rfm`
 * (lib/segments/rfm.ts) and, when the CLV models ran, `customer_scores`
 * (lib/clv/score-customers.ts). Builds the temp table `win_back`:
 *   rank, customer_id, rfm_segment, acquisition_channel, last_order_date,
 *   orders, revenue, days_since_last, p_alive, value_at_stake, clv
 *
 * High value: net revenue above the breakpoint at rank ceil((1 − top share)·n)
 * of the customers' revenues sorted ascending (top share 0.2: the top 20%;
 * equal revenues are all in or all out), and above 0.
 *
 * With P(alive) (BG/NBD or Pareto/NBD scores): high value and P(alive) below
 * the threshold; value at stake = revenue × (1 − P(alive)), the historical
 * value the business is likely to have lost; projected value lost = what the
 * customer would bring over the horizon if still active minus the model's
 * expectation = CLV ÷ P(alive) − CLV (the purchase models' expected purchases
 * are P(alive) × those of an active customer).
 * Without it (--no-clv, no model identified, contractual): high value and
 * lapsed, i.e. no purchase for more than 365 days, or (repeat buyers) for more
 * than 2 × the customer's mean gap between purchase days; value at stake =
 * revenue.
 * Ranked by value at stake, largest first, then customer id.
 */
import { baseHistory } from '../engine/customer-base.ts';
import { double, literal, type Database } from '../engine/database.ts';
import { decimalTextSql, neutraliseSql } from '../engine/export-customers.ts';
import { UserError } from '../errors.ts';

export interface WinBackOptions {
  /** P(alive) below this puts a high-value customer on the list (default 0.3). */
  pAliveBelow: number;
  /** Share of customers, by net revenue, counted as high value (default 0.2 = top 20%). */
  topShare: number;
}

export const DEFAULT_WIN_BACK: WinBackOptions = { pAliveBelow: 0.3, topShare: 0.2 };

/** Days without a purchase after which anyone counts as lapsed (rule without the models). */
export const LAPSED_DAYS = 365;
/** A repeat buyer is lapsed after this many times their mean gap between purchase days (rule without the models). */
export const LAPSED_GAPS = 2;

export const WIN_BACK_COLUMNS = ['rank', 'customer_id', 'rfm_segment', 'acquisition_channel', 'last_order_date', 'orders', 'revenue', 'days_since_last', 'p_alive', 'value_at_stake', 'clv', 'projected_value_lost'] as const;

export interface WinBackResult {
  /** 'p-alive': the models' P(alive) was used; 'lapsed': the plain rule. */
  rule: 'p-alive' | 'lapsed';
  /** Customers with revenue above this are high value. */
  revenueThreshold: number;
  highValue: number;
  customers: number;
  valueAtStake: number;
  /** Whether `clv` is filled (projected CLV from the models). */
  hasClv: boolean;
  /** Σ projected value lost (with P(alive) and CLV), else null. */
  valueLost: number | null;
}

/** Columns of `customer_scores` (none when the table does not exist). */
export function checkWinBackOptions(o: WinBackOptions): void {
  if (!(o.pAliveBelow > 0 && o.pAliveBelow <= 1)) throw new UserError(`--win-back-p-alive ${o.pAliveBelow}: expected a probability such as 0.3 (0 < p ≤ 1)`);
  if (!(o.topShare > 0 && o.topShare <= 1)) throw new UserError(`--win-back-top-share ${o.topShare}: expected a fraction of customers such as 0.2 (0 < share ≤ 1)`);
}

/**
 * Builds the temp table `win_back` (see the top of this file). Needs `customer_rfm`, and the run's
 * per-customer scores when the models ran (`scores`: the table and its columns, lib/run/run-context.ts).
 */
export async function buildWinBack(db: Database, asOf: string, o: WinBackOptions, scores: { name: 'customer_scores'; columns: readonly string[] } | null): Promise<WinBackResult> {
  checkWinBackOptions(o);
  const cols = scores?.columns ?? [];
  const usePAlive = cols.includes('p_alive');
  const hasClv = cols.includes('clv');
  const [{ threshold }] = await db.rows<{ threshold: number | null }>(`
    SELECT max(revenue) FILTER (WHERE rn = greatest(1, ceil(${double(1 - o.topShare)} * n))) AS threshold
    FROM (SELECT CAST(revenue AS DOUBLE) AS revenue, row_number() OVER (ORDER BY revenue, customer_id) AS rn, count(*) OVER () AS n FROM customer_base)`);
  // With top share 1 every customer with revenue > 0 is high value.
  const cut = o.topShare >= 1 ? 'TRUE' : `c.revenue > ${double(threshold ?? 0)}`;
  const days = `date_diff('day', c.last_date, DATE ${literal(asOf)})`;
  const h = baseHistory(asOf, 'c.');
  const gone = usePAlive
    ? `s.p_alive < ${double(o.pAliveBelow)}`
    : `(${days} > ${LAPSED_DAYS} OR (${h.x} > 0 AND ${days} > ${LAPSED_GAPS} * ${h.txDays} / CAST(${h.x} AS DOUBLE)))`;
  await db.run('DROP TABLE IF EXISTS win_back');
  await db.run(`
    CREATE TEMP TABLE win_back AS
    SELECT CAST(row_number() OVER (ORDER BY value_at_stake DESC, customer_id) AS INTEGER) AS rank, *
    FROM (
      SELECT c.customer_id, r.rfm_segment, c.acquisition_channel,
             strftime(c.last_date, '%Y-%m-%d') AS last_order_date,
             CAST(c.orders AS INTEGER) AS orders,
             CAST(c.revenue AS DOUBLE) AS revenue,
             CAST(${days} AS INTEGER) AS days_since_last,
             ${usePAlive ? 's.p_alive' : 'CAST(NULL AS DOUBLE)'} AS p_alive,
             ${usePAlive ? 'CAST(c.revenue AS DOUBLE) * (1 - s.p_alive)' : 'CAST(c.revenue AS DOUBLE)'} AS value_at_stake,
             ${hasClv ? 's.clv' : 'CAST(NULL AS DOUBLE)'} AS clv,
             ${usePAlive && hasClv ? 'CASE WHEN s.p_alive > 0 THEN s.clv * (1 - s.p_alive) / s.p_alive END' : 'CAST(NULL AS DOUBLE)'} AS projected_value_lost
      FROM customer_base c JOIN customer_rfm r USING (customer_id)
      ${scores ? `LEFT JOIN ${scores.name} s USING (customer_id)` : ''}
      WHERE c.revenue > 0 AND ${cut} AND ${gone})
    ORDER BY rank`);
  const [t] = await db.rows<{ high: number; n: number; stake: number | null; lost: number | null }>(`
    SELECT (SELECT CAST(count(*) AS INTEGER) FROM customer_base c WHERE c.revenue > 0 AND ${cut}) AS high,
           CAST(count(*) AS INTEGER) AS n, CAST(sum(CAST(value_at_stake AS DECIMAL(38,9))) AS DOUBLE) AS stake,
           CAST(sum(CAST(projected_value_lost AS DECIMAL(38,9))) AS DOUBLE) AS lost
    FROM win_back`);
  const valueLost = usePAlive && hasClv ? (t.lost ?? 0) : null;
  return { rule: usePAlive ? 'p-alive' : 'lapsed', revenueThreshold: o.topShare >= 1 ? 0 : (threshold ?? 0), highValue: t.high, customers: t.n, valueAtStake: t.stake ?? 0, hasClv, valueLost };
}

export interface WinBackGroup {
  group: string;
  customers: number;
  value_at_stake: number;
  revenue: number;
}

/** Customers and value at stake on the list per RFM segment or acquisition channel, largest value first. */
export async function winBackBy(db: Database, column: 'rfm_segment' | 'acquisition_channel'): Promise<WinBackGroup[]> {
  return db.rows<WinBackGroup>(`
    SELECT ${column} AS "group", CAST(count(*) AS INTEGER) AS customers,
           CAST(sum(CAST(value_at_stake AS DECIMAL(38,9))) AS DOUBLE) AS value_at_stake,
           CAST(sum(CAST(revenue AS DECIMAL(38,9))) AS DOUBLE) AS revenue
    FROM win_back GROUP BY ALL ORDER BY value_at_stake DESC, "group"`);
}

/** The top `limit` customers of the list, in rank order. */
export async function winBackTop(db: Database, limit: number): Promise<Record<string, unknown>[]> {
  return db.rows(`SELECT * FROM win_back ORDER BY rank LIMIT ${Math.max(0, Math.floor(limit))}`);
}

/**
 * Writes `win_back` as CSV straight from DuckDB (the list can be long), with
 * the rules of lib/engine/export-customers.ts: text cells that start with
 * = + - @ tab or CR prefixed with a quote, numbers with at most 4 decimals.
 */
export async function writeWinBackCsv(db: Database, path: string): Promise<number> {
  await db.run(`
    COPY (
      SELECT rank, ${neutraliseSql('customer_id')} AS customer_id, rfm_segment,
             ${neutraliseSql('acquisition_channel')} AS acquisition_channel,
             last_order_date, orders, ${decimalTextSql('revenue')} AS revenue, days_since_last,
             ${decimalTextSql('p_alive')} AS p_alive, ${decimalTextSql('value_at_stake')} AS value_at_stake, ${decimalTextSql('clv')} AS clv,
             ${decimalTextSql('projected_value_lost')} AS projected_value_lost
      FROM win_back ORDER BY rank
    ) TO ${literal(path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\\n')`);
  const [{ n }] = await db.rows<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM win_back');
  return n;
}
