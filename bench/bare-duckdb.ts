/**
 * Baseline of the benchmark: the least work a cohort report needs, done by
 * DuckDB alone in one statement over the same CSV that `clv report` reads.
 *
 *   node --import tsx bench/bare-duckdb.ts bench/data/orders-1m.csv
 *   node dist/bench/bare-duckdb.js bench/data/orders-1m.csv     # compiled (npm run build), as bench/run.ts runs it
 *
 * read_csv with auto-detected types (no validation, no all_varchar), then
 *   - per customer: first order date, orders, revenue;
 *   - cohort (month of the first order) × order month: distinct customers, revenue.
 * Both are materialized in full (the final SELECT folds every aggregate into a
 * checksum so DuckDB cannot prune them), and the numbers of result rows are
 * printed. Same settings as clv's database: in-memory, UTC, insertion order kept.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx bench/bare-duckdb.ts ORDERS.csv\n');
  process.exit(2);
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

const BARE_SQL = (path: string) => `
WITH orders AS MATERIALIZED (
  SELECT customer_id, order_date, amount FROM read_csv(${quote(path)})
),
customers AS MATERIALIZED (
  SELECT customer_id, min(order_date) AS first_date, count(*) AS orders, sum(amount) AS revenue
  FROM orders GROUP BY customer_id
),
cells AS MATERIALIZED (
  SELECT date_trunc('month', c.first_date) AS cohort, date_trunc('month', o.order_date) AS month,
         count(DISTINCT o.customer_id) AS customers, sum(o.amount) AS revenue
  FROM orders o JOIN customers c USING (customer_id)
  GROUP BY ALL
)
SELECT (SELECT count(*) FROM customers) AS customer_rows,
       (SELECT count(*) FROM cells) AS cell_rows,
       (SELECT sum(orders) + sum(revenue) + count(DISTINCT first_date) FROM customers) AS customer_check,
       (SELECT sum(customers) + sum(revenue) + count(DISTINCT cohort) + count(DISTINCT month) FROM cells) AS cell_check`;

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET TimeZone = 'UTC'`);
await conn.run(`SET preserve_insertion_order = true`);
const reader = await conn.runAndReadAll(BARE_SQL(file));
const [row] = reader.getRowObjectsJS() as { customer_rows: bigint; cell_rows: bigint; customer_check: number; cell_check: number }[];
process.stdout.write(
  `customers: ${row.customer_rows} rows, cohort cells: ${row.cell_rows} rows (checks ${row.customer_check.toFixed(2)} / ${row.cell_check.toFixed(2)})\n`,
);
conn.closeSync();
instance.closeSync();
