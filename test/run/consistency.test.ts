/**
 * One figure, one value (the run context, lib/run/run-context.ts): every part
 * that shows a model figure uses the model the holdout backtest chose, and
 * every model figure adds up the same per-customer scores. On CDNOW (as of
 * 1998-06-30, 9 holdout months: the backtest picks Pareto/NBD over BG/NBD,
 * which earlier reports ignored in Projected value by segment) and on the
 * bundled sample (5 acquisition channels fitted on their own):
 *   - the mean of `clv` in data/customers.csv equals `clv_mean` of the `all`
 *     row of data/segment_clv.csv (relative difference ≤ 1e-9);
 *   - Customer value, model_params.csv, Projected value by segment and
 *     Methods all name the chosen model;
 *   - a channel's value is the same in Customer value and in Projected value by segment.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../lib/run/build-report.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import { formatters } from '../../lib/report/format.ts';
import { modelTitle } from '../../lib/models/registry.ts';
import { cdnowOrdersFile } from '../helpers/cdnow-csv.ts';
import { copySample } from '../helpers/sample.ts';

function csv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  // Test data: no quoted commas in these files' ids and segment names.
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

function text(result: ReportResult, name: string): string {
  const f = result.files.get(name);
  if (typeof f === 'string') return f;
  if (f && typeof f === 'object' && 'fromFile' in f) return readFileSync(f.fromFile, 'utf8');
  throw new Error(`no ${name}`);
}

function checkOneValue(result: ReportResult, model: string) {
  const customers = csv(text(result, 'data/customers.csv'));
  const clv = customers.map((c) => Number(c.clv));
  expect(clv.every(Number.isFinite)).toBe(true);
  const mean = clv.reduce((s, v) => s + v, 0) / clv.length;
  const segments = csv(text(result, 'data/segment_clv.csv'));
  const all = segments.find((r) => r.segment_column === 'all')!;
  expect(Number(all.customers)).toBe(customers.length);
  expect(Math.abs(mean / Number(all.clv_mean) - 1)).toBeLessThanOrEqual(1e-9);
  // Every section with a model figure names the same model.
  const m = result.manifest as { customer_value: { options: { model: string } }; backtest?: { used: string } };
  expect(m.customer_value.options.model).toBe(model);
  const params = csv(text(result, 'data/model_params.csv'));
  expect(new Set(params.filter((p) => p.parameter === 'r').map((p) => p.model))).toEqual(new Set([model]));
  const segmentSection = result.sections.find((s) => s.id === 'segment-value')!;
  expect(segmentSection.bullets?.[0]).toContain(`Purchase model ${modelTitle(model)}`);
  const methods = JSON.stringify(result.sections.find((s) => s.id === 'methods'));
  expect(methods).toContain(`${modelTitle(model)} for purchases`);
  return { customers, segments };
}

describe('one fit for every model figure', () => {
  it('on CDNOW with a 9-month holdout: the backtest chooses Pareto/NBD and every part uses it', async () => {
    const result = await buildReport({ orders: fileOrders({ path: cdnowOrdersFile(), asOf: '1998-06-30', dateFormat: 'yyyyMMdd' }), backtest: { holdoutMonths: 9, modelFixed: false }, value: { bootstrap: 0 } });
    try {
      const backtest = (result.manifest as { backtest: { used: string; best: string } }).backtest;
      expect(backtest.best).toBe('pareto-nbd');
      expect(backtest.used).toBe('pareto-nbd');
      checkOneValue(result, 'pareto-nbd');
      const summary = csv(text(result, 'data/backtest_summary.csv'));
      expect(summary.filter((r) => r.chosen === 'true').map((r) => r.model)).toEqual(['pareto-nbd']);
    } finally {
      await result.cleanup();
    }
  }, 180_000);

  it('on the sample: the channels have their own fits, and a channel has one value everywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-one-value-'));
    copySample(dir);
    const result = await buildReport({ orders: fileOrders({ path: join(dir, 'orders.csv') }), value: { bootstrap: 0, margin: 0.35 } });
    try {
      const used = (result.manifest as { backtest: { used: string } }).backtest.used;
      const { customers, segments } = checkOneValue(result, used);
      const fmt = formatters('en-US', 'USD');
      const value = result.sections.find((s) => s.id === 'customer-value')!.narrative.join(' ');
      const channels = segments.filter((r) => r.segment_column === 'channel');
      expect(channels).toHaveLength(5);
      for (const c of channels) {
        // The segment row is the mean of its customers' clv in customers.csv …
        const own = customers.filter((r) => r.acquisition_channel === c.segment).map((r) => Number(r.clv));
        expect(Math.abs(own.reduce((s, v) => s + v, 0) / own.length / Number(c.clv_mean) - 1)).toBeLessThanOrEqual(1e-9);
      }
      // … and Customer value names the best and worst channel at the same value.
      const sorted = [...channels].sort((a, b) => Number(b.clv_mean) - Number(a.clv_mean));
      expect(value).toContain(`customers from "${sorted[0].segment}" are worth the most (${fmt.moneyPrecise(Number(sorted[0].clv_mean))} on average)`);
      expect(value).toContain(`those from "${sorted[4].segment}" the least (${fmt.moneyPrecise(Number(sorted[4].clv_mean))})`);
    } finally {
      await result.cleanup();
    }
  }, 180_000);
});
