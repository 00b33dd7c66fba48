/**
 * `clv report --summary FILE` (lib/run/summary-start.ts): the report from the per-customer summary
 * that `clv sql --dialect duckdb --result customers` computes, run here in DuckDB over the sample's
 * order rows (as a warehouse would), written as Parquet and as CSV. Its CLV figures must be the
 * orders run's: model_params.csv, every column of customers.csv (scores and RFM included) and
 * segment_value.csv (but the simple formula's column, which needs order rows per period) byte for
 * byte. The orders run without the holdout backtest, which a summary cannot run (the model is then
 * the configured one in both); the summary run with the default options, which ask for it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../lib/run/build-report.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import { summarySource } from '../../lib/sources/summary.ts';
import { customerBaseSql } from '../../lib/engine/customer-base-sql.ts';
import { DIALECTS } from '../../lib/engine/dialect.ts';
import { literal } from '../../lib/engine/sql.ts';
import { InputError } from '../../lib/errors.ts';
import { copySample } from '../helpers/sample.ts';
import { userErrorOf, withDb } from '../helpers/pipeline.ts';
import { runClv } from '../helpers/cli.ts';

function text(result: ReportResult, name: string): string {
  const f = result.files.get(name);
  if (typeof f === 'string') return f;
  if (f && typeof f === 'object' && 'fromFile' in f) return readFileSync(f.fromFile, 'utf8');
  throw new Error(`no ${name}`);
}

/** The CSV without one column (test data: no quoted commas in these files). */
function withoutColumn(csv: string, column: string): string {
  const lines = csv.trimEnd().split('\n');
  const at = lines[0].split(',').indexOf(column);
  expect(at).toBeGreaterThanOrEqual(0);
  return lines.map((l) => l.split(',').filter((_, i) => i !== at).join(',')).join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'clv-summary-'));
const common = { segmentBy: ['channel'], value: { bootstrap: 20, bootstrapSeed: 7 } };
let fromOrders: ReportResult;
let asOf: string;

beforeAll(async () => {
  copySample(work);
  fromOrders = await buildReport({ orders: fileOrders({ path: join(work, 'orders.csv') }), ...common, backtest: { holdoutMonths: 0, modelFixed: false } });
  asOf = fromOrders.orders.asOf;
  // What a warehouse does: clv sql's DuckDB rendering over the order rows, its result exported.
  await withDb(async (db) => {
    await db.run(`CREATE TABLE orders AS SELECT customer_id, CAST(order_date AS DATE) AS order_date, CAST(amount AS DECIMAL(18,4)) AS amount, channel, order_id
                  FROM read_csv(${literal(join(work, 'orders.csv'))}, header = true, all_varchar = true)`);
    const sql = customerBaseSql(DIALECTS.duckdb, { asOf, period: 'month', table: 'orders', rowOrder: 'order_id' }).trim();
    await db.run(`COPY (${sql}) TO ${literal(join(work, 'summary.parquet'))} (FORMAT parquet)`);
    await db.run(`COPY (${sql}) TO ${literal(join(work, 'summary.csv'))} (FORMAT csv, HEADER true)`);
  });
}, 180_000);

describe('clv report --summary', () => {
  for (const file of ['summary.parquet', 'summary.csv']) {
    it(`from ${file}: the CLV figures are the orders run's`, async () => {
      const result = await buildReport({ orders: summarySource(join(work, file)), ...common });
      try {
        expect(result.orders.asOf).toBe(asOf);
        expect(text(result, 'data/model_params.csv')).toBe(text(fromOrders, 'data/model_params.csv'));
        expect(text(result, 'data/customers.csv')).toBe(text(fromOrders, 'data/customers.csv'));
        const segments = text(result, 'data/segment_clv.csv');
        expect(withoutColumn(segments, 'simple_clv_mean')).toBe(withoutColumn(text(fromOrders, 'data/segment_clv.csv'), 'simple_clv_mean'));
        for (const name of [...fromOrders.files.keys()].filter((n) => n.startsWith('data/rfm') || n.startsWith('data/win_back'))) expect(text(result, name), name).toBe(text(fromOrders, name));
        // The sections that need order rows are left out, each with its sentence, in the report and the manifest.
        const m = result.manifest as { sections: string[]; warnings: string[]; summary: { customers: number; left_out: { part: string; reason: string }[] }; inputs: { role: string }[]; kpis: { customers: number; refunds: number | null } };
        expect(m.summary.left_out.map((l) => l.part)).toEqual(expect.arrayContaining(['cohorts', 'backtest', 'data-quality']));
        expect(m.sections).toEqual(['summary', 'customer-value', 'segment-value', 'rfm-segments', 'win-back', 'methods']);
        expect(m.sections).not.toContain('retention-triangle');
        const html = text(result, 'index.html');
        for (const l of m.summary.left_out) expect(m.warnings.some((w) => w.includes(l.reason))).toBe(true);
        expect(html).toContain('Left out: Headline figures, Retention by cohort');
        expect(html).toContain('a per-customer summary holds each customer&#39;s totals only');
        expect(m.inputs[0].role).toBe('summary');
        expect(m.kpis.customers).toBe((fromOrders.manifest as { kpis: { customers: number } }).kpis.customers);
        expect(m.kpis.refunds).toBeNull();
      } finally {
        await result.cleanup();
      }
    }, 180_000);
  }

  it('names the file, line and column of a bad value, and a missing column', async () => {
    const lines = readFileSync(join(work, 'summary.csv'), 'utf8').trimEnd().split('\n');
    const head = lines[0].split(',');
    const bad = lines.map((l, i) => {
      if (i !== 3) return l;
      const cells = l.split(',');
      cells[head.indexOf('frequency')] = 'two';
      return cells.join(',');
    });
    const file = join(work, 'bad.csv');
    writeFileSync(file, `${bad.join('\n')}\n`);
    const err = await userErrorOf(() => buildReport({ orders: summarySource(file), ...common }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${file}:4:${head.indexOf('frequency') + 1}: column "frequency": value "two": not a whole number`);

    const missing = join(work, 'missing.csv');
    writeFileSync(missing, `${lines.map((l) => l.split(',').slice(0, -1).join(',')).join('\n')}\n`);
    const err2 = await userErrorOf(() => buildReport({ orders: summarySource(missing), ...common }));
    expect(err2.message).toContain(`${missing}:1: missing required column "mean_repeat_order_value"`);

    // T_days that put a row at another as-of date than the others.
    const shifted = lines.map((l, i) => {
      if (i !== 5) return l;
      const cells = l.split(',');
      cells[head.indexOf('T_days')] = String(Number(cells[head.indexOf('T_days')]) + 1);
      return cells.join(',');
    });
    const other = join(work, 'shifted.csv');
    writeFileSync(other, `${shifted.join('\n')}\n`);
    const err3 = await userErrorOf(() => buildReport({ orders: summarySource(other), ...common }));
    expect(err3.message).toContain(`${other}:6:${head.indexOf('T_days') + 1}: column "T_days"`);
    expect(err3.message).toContain(`is not the as-of date ${asOf}`);

    // What a summary cannot have: other segments than the channel, the contractual model.
    const region = await userErrorOf(() => buildReport({ orders: summarySource(join(work, 'summary.csv')), segmentBy: ['region'] }));
    expect(region.message).toContain('--segment-by region: a --summary has no column "region"');
    const sbg = await userErrorOf(() => buildReport({ orders: summarySource(join(work, 'summary.csv')), value: { business: 'contractual' } }));
    expect(sbg.message).toContain('--business contractual with --summary');
  });

  it('from the command line: exit 2 on a bad file, nothing written; --summary with --orders refused', () => {
    const out = join(work, 'out-bad');
    const bad = runClv(['report', '--summary', join(work, 'bad.csv'), '--out', out, '--quiet']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a whole number');
    expect(existsSync(out)).toBe(false);
    const both = runClv(['report', '--summary', join(work, 'summary.csv'), '--orders', join(work, 'orders.csv'), '--out', out]);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toContain('--summary and --orders');
  });
});
