/**
 * Collects, in DuckDB, the aggregates lib/cac/unit-economics.ts works from.
 *
 * 1. {@link captureCustomerMonths} runs while `customer_days` still exists (the
 *    summarize step's `afterFactsRead` hook): net revenue and orders per
 *    customer and calendar month (UTC) → temp table `cac_customer_months`
 *    (from customer-days, so also when the orders were aggregated in PostgreSQL).
 * 2. {@link collectCacInputs} runs after `customer_base` is built (and after
 *    the run's per-customer scores, `customer_scores`, when the models ran):
 *    each customer's acquisition month and channel (channel of the first
 *    order, or a column of the customers file), then new customers per channel
 *    and month, revenue per channel × cohort month × month offset, activity in
 *    the second year, and projected CLV per channel and cohort month.
 */
import { exactSum, ident, literal, type Database } from '../engine/database.ts';
import { NO_VALUE } from '../engine/summarize.ts';
import type { CacInputs } from './unit-economics.ts';

/** How each customer's acquisition channel is decided. */
export type Attribution = { kind: 'first-order' } | { kind: 'customers'; column: string };

/** Parses `first-order` or `customers:<column>`. Returns null when the text is neither. */
export function parseAttribution(text: string): Attribution | null {
  if (text === 'first-order') return { kind: 'first-order' };
  const m = /^customers:(.+)$/.exec(text);
  return m && m[1].trim() !== '' ? { kind: 'customers', column: m[1].trim() } : null;
}

const monthSql = (expr: string) => `CAST(year(${expr}) * 12 + month(${expr}) - 1 AS INTEGER)`;

export async function captureCustomerMonths(db: Database): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS cac_customer_months`);
  await db.run(`
    CREATE TEMP TABLE cac_customer_months AS
    SELECT customer_id, ${monthSql('order_date')} AS month_index,
           sum(net) AS revenue,
           CAST(sum(n_orders) AS INTEGER) AS orders
    FROM customer_days GROUP BY ALL`);
}

export interface CollectedCac {
  inputs: Pick<CacInputs, 'acquisitions' | 'cells' | 'secondYear' | 'projected'>;
  /** With customers-file attribution: customers of the orders missing from the file, and file rows without orders. */
  unmatched?: { customersNotInFile: number; fileRowsWithoutOrders: number; emptyChannel: number };
}

/** `projections`: the run's per-customer scores (lib/run/run-context.ts), when the models ran. */
export async function collectCacInputs(db: Database, attribution: Attribution, options: { projections?: { name: 'customer_scores' } }): Promise<CollectedCac> {
  const channel =
    attribution.kind === 'first-order' ? 'b.acquisition_channel' : `coalesce(a.${ident(attribution.column)}, ${literal(NO_VALUE)})`;
  const join = attribution.kind === 'first-order' ? '' : 'LEFT JOIN customer_attributes a USING (customer_id)';
  await db.run(`DROP TABLE IF EXISTS cac_customers`);
  await db.run(`
    CREATE TEMP TABLE cac_customers AS
    SELECT b.customer_id, ${monthSql('b.first_date')} AS month, ${channel} AS channel
    FROM customer_base b ${join}`);
  let unmatched: CollectedCac['unmatched'];
  if (attribution.kind === 'customers') {
    const [u] = await db.rows<{ missing: number; extra: number; empty: number }>(`
      SELECT CAST((SELECT count(*) FROM customer_base b WHERE NOT EXISTS (SELECT 1 FROM customer_attributes a WHERE a.customer_id = b.customer_id)) AS INTEGER) AS missing,
             CAST((SELECT count(*) FROM customer_attributes a WHERE NOT EXISTS (SELECT 1 FROM customer_base b WHERE a.customer_id = b.customer_id)) AS INTEGER) AS extra,
             CAST((SELECT count(*) FROM customer_base b JOIN customer_attributes a USING (customer_id) WHERE a.${ident(attribution.column)} IS NULL) AS INTEGER) AS empty`);
    unmatched = { customersNotInFile: u.missing, fileRowsWithoutOrders: u.extra, emptyChannel: u.empty };
  }
  const acquisitions = await db.rows<{ channel: string; month: number; customers: number }>(`
    SELECT channel, month, CAST(count(*) AS INTEGER) AS customers FROM cac_customers GROUP BY ALL ORDER BY ALL`);
  const cells = await db.rows<{ channel: string; month: number; offset: number; revenue: number }>(`
    SELECT c.channel, c.month, m.month_index - c.month AS offset, CAST(sum(m.revenue) AS DOUBLE) AS revenue
    FROM cac_customers c JOIN cac_customer_months m USING (customer_id)
    GROUP BY ALL ORDER BY ALL`);
  const secondYear = await db.rows<{ channel: string; month: number; active: number }>(`
    SELECT c.channel, c.month, CAST(count(DISTINCT c.customer_id) AS INTEGER) AS active
    FROM cac_customers c JOIN cac_customer_months m USING (customer_id)
    WHERE m.month_index - c.month BETWEEN 12 AND 23 AND m.orders > 0
    GROUP BY ALL ORDER BY ALL`);
  let projected: CollectedCac['inputs']['projected'];
  if (options.projections) {
    projected = await db.rows<{ channel: string; month: number; customers: number; clv: number }>(`
      SELECT c.channel, c.month, CAST(count(*) AS INTEGER) AS customers, ${exactSum('s.clv')} AS clv
      FROM ${options.projections.name} s JOIN cac_customers c USING (customer_id)
      GROUP BY ALL ORDER BY ALL`);
  }
  await db.run(`DROP TABLE cac_customers`);
  await db.run(`DROP TABLE IF EXISTS cac_customer_months`);
  return { inputs: { acquisitions, cells, secondYear, projected }, unmatched };
}
