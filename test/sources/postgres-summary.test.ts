/**
 * The per-customer summary computed inside PostgreSQL (`clv sql --dialect postgres`, as a view over
 * the sample's order rows) and read through the cursor by `clv report --summary
 * 'postgres://…?table=VIEW'`: only the summary's rows travel. Its CLV figures are the orders run's
 * (model_params.csv, customers.csv byte for byte). Needs a PostgreSQL server (CLV_TEST_PG_URL;
 * mandatory under CI=true, skipped with a visible message elsewhere).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../lib/run/build-report.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import { summarySource } from '../../lib/sources/summary.ts';
import { customerBaseSql } from '../../lib/engine/customer-base-sql.ts';
import { DIALECTS } from '../../lib/engine/dialect.ts';
import { copySample } from '../helpers/sample.ts';
import { loadCsvIntoPg, PG_URL, postgresAvailable, withPg } from '../helpers/postgres.ts';
import { userErrorOf } from '../helpers/pipeline.ts';

const available = postgresAvailable();
const T = { orders: 'clv_t_summary_orders', view: 'clv_t_summary', bad: 'clv_t_summary_bad' };
const work = mkdtempSync(join(tmpdir(), 'clv-pg-summary-'));
const common = { segmentBy: ['channel'], value: { bootstrap: 0 } };
let fromOrders: ReportResult;

function text(result: ReportResult, name: string): string {
  const f = result.files.get(name);
  if (typeof f === 'string') return f;
  if (f && typeof f === 'object' && 'fromFile' in f) return readFileSync(f.fromFile, 'utf8');
  throw new Error(`no ${name}`);
}

beforeAll(async () => {
  if (!available) return;
  copySample(work);
  fromOrders = await buildReport({ orders: fileOrders({ path: join(work, 'orders.csv') }), ...common, backtest: { holdoutMonths: 0, modelFixed: false } });
  // The view of an earlier run depends on the orders table, which loadCsvIntoPg drops.
  await withPg((c) => c.query(`DROP VIEW IF EXISTS ${T.view}`));
  await loadCsvIntoPg(T.orders, join(work, 'orders.csv'), { order_id: 'text', customer_id: 'text', order_date: 'date', amount: 'numeric(12,2)', channel: 'text', region: 'text', customer_type: 'text' });
  const sql = customerBaseSql(DIALECTS.postgres, { asOf: fromOrders.orders.asOf, period: 'month', table: T.orders, rowOrder: 'order_id' });
  await withPg(async (c) => {
    await c.query(`DROP VIEW IF EXISTS ${T.view}`);
    await c.query(`CREATE VIEW ${T.view} AS ${sql.trim()}`);
    // A summary whose third customer has a negative frequency.
    await c.query(`DROP TABLE IF EXISTS ${T.bad}`);
    await c.query(`CREATE TABLE ${T.bad} AS SELECT customer_id, first_order_date, acquisition_channel, orders,
                     CASE WHEN customer_id = (SELECT customer_id FROM ${T.view} ORDER BY customer_id OFFSET 2 LIMIT 1) THEN -1 ELSE frequency END AS frequency,
                     recency_days, T_days, revenue, mean_repeat_order_value FROM ${T.view} ORDER BY customer_id`);
  });
}, 180_000);

describe.skipIf(!available)('clv report --summary from a PostgreSQL view of clv sql --dialect postgres', () => {
  it('gives the orders run\'s model parameters and customer scores', async () => {
    const result = await buildReport({ orders: summarySource(`${PG_URL}?table=${T.view}`), ...common });
    try {
      expect(text(result, 'data/model_params.csv')).toBe(text(fromOrders, 'data/model_params.csv'));
      expect(text(result, 'data/customers.csv')).toBe(text(fromOrders, 'data/customers.csv'));
      const m = result.manifest as { inputs: { role: string; kind: string; label: string }[] };
      expect(m.inputs[0]).toMatchObject({ role: 'summary', kind: 'postgres' });
      expect(JSON.stringify(result.manifest)).not.toContain(new URL(PG_URL!).password);
    } finally {
      await result.cleanup();
    }
  }, 180_000);

  it('a bad value names the table, row and column', async () => {
    const err = await userErrorOf(() => buildReport({ orders: summarySource(`${PG_URL}?table=${T.bad}`), ...common }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`?table=${T.bad} row 3:5: column "frequency": value "-1": expected 0 ≤ frequency < orders`);
  }, 60_000);
});
