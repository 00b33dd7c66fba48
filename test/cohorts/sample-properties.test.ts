/**
 * Properties that must hold on the bundled sample data (generated with its
 * default seed): offset-0 retention is 100%, cohort cell revenues add up to
 * the total revenue kept, every customer is in exactly one cohort, segments
 * partition the customers, and rates stay within [0, 1].
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../helpers/pipeline.ts';
import { copySample } from '../helpers/sample.ts';

let result: Awaited<ReturnType<typeof analyzeFile>>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clv-sample-'));
  copySample(dir);
  result = await analyzeFile({ path: join(dir, 'orders.csv') }, { segmentBy: ['channel', 'region'] });
}, 60_000);

describe('cohort properties on the sample data', () => {
  it('offset-0 retention is exactly 1 for every cohort', () => {
    const zero = result.analysis.cells.filter((c) => c.period_offset === 0);
    expect(zero.length).toBe(36);
    expect(zero.every((c) => c.retention_rate === 1 && c.active_customers === c.cohort_customers)).toBe(true);
  });

  it('cell revenues add up to the total revenue kept (refunds included)', () => {
    const cells = result.analysis.cells.reduce((s, c) => s + c.revenue, 0);
    expect(cells).toBeCloseTo(result.facts.revenue, 6);
    expect(result.analysis.kpis.revenue).toBeCloseTo(result.facts.revenue, 6);
  });

  it('every customer is in exactly one cohort', () => {
    const customers = result.customers.objects() as { customer_id: string; cohort_index: number }[];
    expect(new Set(customers.map((c) => c.customer_id)).size).toBe(customers.length);
    const sizes = new Map<string, number>();
    for (const c of result.analysis.cells) if (c.period_offset === 0) sizes.set(c.cohort, c.cohort_customers);
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(customers.length);
  });

  it('each segment column partitions the customers and the revenue', () => {
    for (const seg of result.analysis.segments) {
      const size = seg.cells.filter((c) => c.period_offset === 0).reduce((s, c) => s + c.cohort_customers, 0);
      expect(size).toBe(result.analysis.kpis.customers);
      expect(seg.cells.reduce((s, c) => s + c.revenue, 0)).toBeCloseTo(result.facts.revenue, 6);
    }
  });

  it('retention rates are shares and the average curve is non-increasing early on', () => {
    expect(result.analysis.cells.every((c) => c.retention_rate >= 0 && c.retention_rate <= 1)).toBe(true);
    const avg = result.analysis.average;
    expect(avg[0].retention_rate).toBe(1);
    expect(avg[1].retention_rate).toBeLessThan(avg[0].retention_rate);
    expect(avg[12].retention_rate).toBeLessThan(avg[1].retention_rate);
  });

  it('orders in the cells add up to the purchase rows', () => {
    const orders = result.analysis.cells.reduce((s, c) => s + c.orders, 0);
    expect(orders).toBe(result.analysis.kpis.orders);
  });
});
