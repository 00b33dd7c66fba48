/**
 * First products, computing half: which product of the first order makes the
 * most valuable customers. For every customer acquired at least 12 months
 * before the as-of date, the net revenue of their first 12 months (the first
 * order's day included) is credited to each product of their first order
 * (every purchased line of it: the same rule as `--segment-by first:product`,
 * lib/engine/summarize.ts firstValuesSql); per product: customers, mean,
 * a 90% bootstrap interval of the mean (customers resampled with
 * replacement, seeded), total.
 *
 *   facts (while loaded: captureFacts) ─► first_product_value (customer, products, value_12m)
 *   ─► per product: values ─► mean, bootstrap interval
 */
import type { Database } from '../../engine/database.ts';
import { literal } from '../../engine/database.ts';
import { firstValuesSql, NO_VALUE } from '../../engine/summarize.ts';
import type { LoadedOrders } from '../../load/load-orders.ts';
import type { RunContext } from '../../run/run-context.ts';
import { percentileInterval, replicateRng } from '../../clv/bootstrap.ts';
import { INTERVAL_LEVEL } from '../../clv/segment-value.ts';

/** Months of value counted from the first order. */
export const FIRST_PRODUCT_MONTHS = 12;
/** Products with fewer acquired customers are listed in the CSV but not ranked. */
export const MIN_PRODUCT_CUSTOMERS = 30;
/** Products ranked in the section. */
export const TOP_PRODUCTS = 10;
/** Bootstrap resamples of each ranked product's customers, and their seed. */
export const PRODUCT_BOOTSTRAP = 200;
export const PRODUCT_BOOTSTRAP_SEED = 1;

/** Columns of data/first_products.csv (a contract: add, never rename). */
export const FIRST_PRODUCTS_COLUMNS = ['product', 'customers', 'value_12m_mean', 'value_12m_low', 'value_12m_high', 'value_12m_total', 'ranked'] as const;

export interface FirstProductRow {
  product: string;
  customers: number;
  value_12m_mean: number;
  /** 90% bootstrap interval of the mean (ranked products only). */
  value_12m_low: number | null;
  value_12m_high: number | null;
  value_12m_total: number;
  /** At least MIN_PRODUCT_CUSTOMERS customers: ranked in the section. */
  ranked: boolean;
}

export interface FirstProductFigures {
  /** The product column of the orders (its name in the file), or null when none is mapped. */
  column: string | null;
  /** The latest first order among the customers counted (null when none has 12 months yet). */
  acquiredBy: string | null;
  /** Customers counted (each once, whatever the number of products of the first order). */
  customers: number;
  /** Customers whose first order held more than one product. */
  multiProduct: number;
  rows: FirstProductRow[];
}

/** While `facts` is loaded: each customer's first-order products and net revenue of their first 12 months (table first_product_value). */
export async function captureFirstProducts(db: Database, orders: LoadedOrders): Promise<void> {
  const column = orders.productColumn;
  if (column === undefined || orders.money === 'none') return;
  await db.run(`DROP TABLE IF EXISTS first_product_value`);
  await db.run(`
    CREATE TEMP TABLE first_product_value AS
    WITH firsts AS (
      SELECT customer_id,
             min(order_date) FILTER (WHERE amount >= 0) AS first_date,
             arg_min(${firstValuesSql(column, orders.lineValues)}, (order_date, seq)) FILTER (WHERE amount >= 0) AS products
      FROM facts GROUP BY customer_id)
    SELECT f.customer_id, f.first_date,
           coalesce(nullif(f.products, []), [${literal(NO_VALUE)}]) AS products,
           sum(o.amount) FILTER (WHERE o.order_date < f.first_date + INTERVAL ${FIRST_PRODUCT_MONTHS} MONTH) AS value_12m
    FROM firsts f JOIN facts o USING (customer_id)
    WHERE f.first_date IS NOT NULL
    GROUP BY ALL`);
}

/** Mean of `values` resampled with replacement, `n` times: the bootstrap interval of the mean. */
function meanInterval(values: Float64Array, replicates: number, seed: number): [number, number] | null {
  const n = values.length;
  if (n === 0 || replicates === 0) return null;
  const means: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const rng = replicateRng(seed, b);
    let sum = 0;
    for (let k = 0; k < n; k++) sum += values[Math.floor(rng.next() * n)];
    means.push(sum / n);
  }
  return percentileInterval(means, INTERVAL_LEVEL);
}

export async function computeFirstProducts(ctx: RunContext): Promise<FirstProductFigures> {
  // Nothing without a product column, or without amounts (a purchase log has no value to rank by).
  const column = ctx.orders.money !== 'none' ? (ctx.orders.productColumn ?? null) : null;
  if (column === null) return { column: null, acquiredBy: null, customers: 0, multiProduct: 0, rows: [] };
  const db = ctx.db;
  // The customers whose first 12 months are over at the as-of date.
  const eligible = `first_date + INTERVAL ${FIRST_PRODUCT_MONTHS} MONTH <= DATE ${literal(ctx.orders.asOf)} + INTERVAL 1 DAY`;
  const [{ customers, multi, by }] = await db.rows<{ customers: number; multi: number; by: string | null }>(
    `SELECT CAST(count(*) AS INTEGER) AS customers, CAST(count(*) FILTER (WHERE len(products) > 1) AS INTEGER) AS multi, strftime(max(first_date), '%Y-%m-%d') AS by
     FROM first_product_value WHERE ${eligible}`,
  );
  const rows = await db.rows<{ product: string; customers: number; value_12m_mean: number; value_12m_total: number }>(`
    SELECT product, CAST(count(*) AS INTEGER) AS customers,
           CAST(avg(value_12m) AS DOUBLE) AS value_12m_mean, CAST(sum(value_12m) AS DOUBLE) AS value_12m_total
    FROM (SELECT unnest(products) AS product, value_12m FROM first_product_value WHERE ${eligible})
    GROUP BY product ORDER BY value_12m_mean DESC, product`);
  const out: FirstProductRow[] = [];
  let shown = 0;
  for (const r of rows) {
    const ranked = r.customers >= MIN_PRODUCT_CUSTOMERS;
    let interval: [number, number] | null = null;
    if (ranked && shown < TOP_PRODUCTS) {
      shown++;
      const values = await db.rows<{ v: number }>(
        `SELECT CAST(value_12m AS DOUBLE) AS v FROM first_product_value WHERE ${eligible} AND list_contains(products, ${literal(r.product)}) ORDER BY customer_id`,
      );
      interval = meanInterval(Float64Array.from(values, (x) => x.v), PRODUCT_BOOTSTRAP, PRODUCT_BOOTSTRAP_SEED);
    }
    out.push({ ...r, value_12m_low: interval?.[0] ?? null, value_12m_high: interval?.[1] ?? null, ranked });
  }
  await db.run('DROP TABLE IF EXISTS first_product_value');
  return { column, acquiredBy: by, customers, multiProduct: multi, rows: out };
}
