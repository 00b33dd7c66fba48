/**
 * The customer-base SQL rendered for each engine (`clv sql`): each rendering on a golden file;
 * the DuckDB rendering run on the raw order rows gives the tool's own customer base (summarize.ts,
 * which is built from the same definitions); the PostgreSQL rendering run in a real server
 * (CLV_TEST_PG_URL) gives the same rows as the DuckDB one, for month, week and quarter cohorts.
 * Trino's rendering is checked on its golden file only (no Trino server here).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cohortCellsSql, customerBaseSql, type CustomerBaseSqlOptions } from '../../lib/engine/customer-base-sql.ts';
import type { Database } from '../../lib/engine/database.ts';
import { withDb } from '../helpers/pipeline.ts';
import { DIALECT_IDS, DIALECTS } from '../../lib/engine/dialect.ts';
import type { PeriodUnit } from '../../lib/engine/periods.ts';
import { customerTable, summarize } from '../../lib/engine/summarize.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { runClv } from '../helpers/cli.ts';
import { expectGolden } from '../helpers/golden.ts';
import { loadCsvIntoPg, postgresAvailable, withPg } from '../helpers/postgres.ts';
import { copySample } from '../helpers/sample.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-sql-'));
copySample(join(work, 'sample'));
const SAMPLE = join(work, 'sample', 'orders.csv');
const AS_OF = '2024-12-31';
/** A shop with what the query must leave out or get right: no customer, a refund before the first order, a later refund, two orders on a customer's first day. */
const SHOP = join(work, 'shop.csv');
writeFileSync(
  SHOP,
  `order_id,customer_id,order_date,amount,channel
1,A,2024-01-05,100,ads
2,A,2024-01-05,40,
3,A,2024-02-03,30,email
4,B,2024-01-10,80,
5,B,2024-03-15,-20,email
6,,2024-02-10,40,ads
7,D,2024-02-11,-15,email
8,D,2024-02-20,90,email
9,D,2024-02-20,10,ads
10,E,2023-12-30,25.25,ads
11,E,2024-06-02,12.5,ads
12,E,2025-01-02,99,ads
`,
);

type Row = Record<string, unknown>;
/** Rows with numbers as numbers (PostgreSQL returns numeric as text), by customer_id. */
function normal(rows: Row[]): Row[] {
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' && k !== 'customer_id' && /^-?[0-9.]+$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v])))
    .sort((a, b) => (String(a.customer_id) < String(b.customer_id) ? -1 : 1));
}

type Render = (d: (typeof DIALECTS)['duckdb'], o: CustomerBaseSqlOptions) => string;

/** The DuckDB rendering run over the CSV file's rows (typed by DuckDB's reader). */
function duckdbRendering(csv: string, period: PeriodUnit, render: Render = customerBaseSql): Promise<Row[]> {
  return withDb(async (db) => {
    await db.run(`CREATE TABLE orders AS SELECT customer_id, CAST(order_date AS DATE) AS order_date, CAST(amount AS DECIMAL(18,4)) AS amount, channel, CAST(order_id AS VARCHAR) AS order_id
                  FROM read_csv('${csv}', header = true, all_varchar = true)`);
    const rows = await db.rows<Row>(render(DIALECTS.duckdb, { asOf: AS_OF, period, table: 'orders', rowOrder: 'order_id' }));
    return render === customerBaseSql ? normal(rows) : rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? Number(v) : v])));
  });
}

describe('the customer-base SQL of every dialect', () => {
  it('each rendering is its golden file; clv sql prints it', () => {
    for (const id of DIALECT_IDS) {
      const sql = customerBaseSql(DIALECTS[id], { asOf: AS_OF, period: 'month', table: 'orders', rowOrder: 'order_id' });
      expectGolden(`sql/customer-base.${id}.sql`, sql);
    }
    for (const id of DIALECT_IDS) expectGolden(`sql/cohort-cells.${id}.sql`, cohortCellsSql(DIALECTS[id], { asOf: AS_OF, period: 'month', table: 'orders', rowOrder: 'order_id' }));
    expectGolden('sql/customer-base.trino.week.sql', customerBaseSql(DIALECTS.trino, { asOf: AS_OF, period: 'week', table: 'hive.sales.orders', rowOrder: 'line_no' }));
    const r = runClv(['sql', '--dialect', 'trino', '--as-of', AS_OF]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(customerBaseSql(DIALECTS.trino, { asOf: AS_OF, period: 'month', table: 'orders', rowOrder: 'order_id' }));
    const cohorts = runClv(['sql', '--dialect', 'postgres', '--as-of', AS_OF, '--result', 'cohorts', '--period', 'quarter']);
    expect(cohorts.stdout).toBe(cohortCellsSql(DIALECTS.postgres, { asOf: AS_OF, period: 'quarter', table: 'orders', rowOrder: 'order_id' }));
    const bad = runClv(['sql', '--as-of', '2024-13-01']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('clv: --as-of "2024-13-01": expected a date as YYYY-MM-DD\n');
  });

  it('DuckDB rendering = the customer base the report computes (the hand-made shop and the sample)', async () => {
    for (const csv of [SHOP, SAMPLE]) {
      const tool = await withDb(async (db) => {
        await loadOrders(db, { path: csv, asOf: AS_OF });
        await summarize(db, { period: 'month', asOf: AS_OF, segmentBy: [] });
        return normal((await customerTable(db, AS_OF)).objects() as Row[]);
      });
      const rendered = await duckdbRendering(csv, 'month');
      expect(rendered.length, csv).toBe(tool.length);
      expect(rendered).toEqual(tool);
    }
    // The cohort cells: the DuckDB rendering = the report's cells (summarize.ts), for every period unit.
    for (const period of ['month', 'week', 'quarter'] as const) {
      for (const csv of [SHOP, SAMPLE]) {
        const tool = await withDb(async (db) => {
          await loadOrders(db, { path: csv, asOf: AS_OF });
          return (await summarize(db, { period, asOf: AS_OF, segmentBy: [] })).cells.objects() as Row[];
        });
        expect(await duckdbRendering(csv, period, cohortCellsSql), `${csv} ${period}`).toEqual(tool);
      }
    }
    // By hand from SHOP, months since 2024-01 (index 24288): A is active in 2024-01 and 2024-02; B orders in 2024-01 and refunds 20 in 2024-03.
    const cells = await duckdbRendering(SHOP, 'month', cohortCellsSql);
    expect(cells.filter((c) => c.cohort_index === 24288)).toEqual([
      { cohort_index: 24288, period_index: 24288, active_customers: 2, orders: 3, revenue: 220 },
      { cohort_index: 24288, period_index: 24289, active_customers: 1, orders: 1, revenue: 30 },
      { cohort_index: 24288, period_index: 24290, active_customers: 0, orders: 0, revenue: -20 },
    ]);
    // By hand from SHOP: A's first day has two orders (100 ads, then 40 without channel): channel ads,
    // 2 purchase days, z̄ = 30; B's refund counts in revenue; D's first refund is left out; E's 2025 order is after the as-of date.
    const shop = await duckdbRendering(SHOP, 'month');
    expect(shop.map((r) => [r.customer_id, r.acquisition_channel, r.orders, r.frequency, r.recency_days, r.t_days, r.revenue, r.mean_repeat_order_value])).toEqual([
      ['A', 'ads', 3, 1, 29, 361, 170, 30],
      ['B', '(none)', 1, 0, 0, 356, 60, null],
      ['D', 'email', 2, 0, 0, 315, 100, null],
      ['E', 'ads', 2, 1, 155, 367, 37.75, 12.5],
    ]);
  });
});

describe.skipIf(!postgresAvailable())('the PostgreSQL rendering in a real server', () => {
  it('gives the rows of the DuckDB rendering (customers and cohort cells), for month, week and quarter cohorts', async () => {
    for (const [csv, table] of [[SHOP, 'clv_t_sql_shop'], [SAMPLE, 'clv_t_sql_sample']] as const) {
      await loadCsvIntoPg(table, csv, { order_id: 'text', customer_id: 'text', order_date: 'date', amount: 'numeric(18,4)', channel: 'text' });
      try {
        for (const period of ['month', 'week', 'quarter'] as const) {
          const pg = await withPg(async (c) => normal((await c.query(customerBaseSql(DIALECTS.postgres, { asOf: AS_OF, period, table, rowOrder: 'order_id' }))).rows));
          const pgCells = await withPg(async (c) => (await c.query(cohortCellsSql(DIALECTS.postgres, { asOf: AS_OF, period, table, rowOrder: 'order_id' }))).rows);
          const duckCells = await duckdbRendering(csv, period, cohortCellsSql);
          expect(pgCells.length).toBeGreaterThan(0);
          expect(pgCells, `${csv} ${period} cells`).toEqual(duckCells);
          const duck = await duckdbRendering(csv, period);
          expect(pg.length, `${csv} ${period}`).toBe(duck.length);
          for (let i = 0; i < duck.length; i++) {
            const { mean_repeat_order_value: zp, ...p } = pg[i];
            const { mean_repeat_order_value: zd, ...d } = duck[i];
            expect(p, `${csv} ${period} row ${i}`).toEqual(d);
            // Both divide a DOUBLE; the last bits may differ.
            if (zd === null) expect(zp).toBeNull();
            else expect(zp as number).toBeCloseTo(zd as number, 9);
          }
        }
      } finally {
        await withPg((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
      }
    }
  });
});
