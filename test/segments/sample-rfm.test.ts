/**
 * Properties of the RFM segments and the win-back list on the bundled sample
 * (seed 42), with the BG/NBD scores and without the models (--no-clv rule):
 * every customer has exactly one segment, the segments partition customers
 * and net revenue, the win-back list is sorted by value at stake and every
 * customer on it meets the rule, and no file holds NaN or Infinity.
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCohortReport } from '../../lib/run/build-report.ts';
import { RFM_SEGMENTS } from '../../lib/segments/rfm.ts';
import { copySample } from '../helpers/sample.ts';

type Table = { header: string[]; rows: Record<string, string>[] };

/** Parses CSV text (quoted cells may hold commas and doubled quotes; no line breaks in this data). */
function parseCsv(text: string): Table {
  const split = (line: string) => {
    const out: string[] = [];
    for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]);
      if (m[2] === '') break;
    }
    return out;
  };
  const lines = text.trimEnd().split('\n');
  const header = split(lines[0]);
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(split(l).map((v, i) => [header[i], v]))) };
}

interface Run {
  files: Map<string, string>;
  manifest: Record<string, unknown>;
}

async function run(orders: string, value: false | { bootstrap: number }): Promise<Run> {
  const result = await buildCohortReport({ orders: fileOrders({ path: orders }), value });
  try {
    const files = new Map<string, string>();
    for (const [name, f] of result.files) files.set(name, typeof f === 'string' ? f : readFileSync((f as { fromFile: string }).fromFile, 'utf8'));
    return { files, manifest: result.manifest };
  } finally {
    await result.cleanup();
  }
}

let withModels: Run;
let without: Run;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clv-rfm-sample-'));
  copySample(dir);
  // The default models; no bootstrap: RFM reads the customers' scores, not the segment intervals.
  withModels = await run(join(dir, 'orders.csv'), { bootstrap: 0 });
  without = await run(join(dir, 'orders.csv'), false);
}, 120_000);

function checkSegments(r: Run) {
  const customers = parseCsv(r.files.get('data/customers.csv')!).rows;
  const rfm = parseCsv(r.files.get('data/rfm_customers.csv')!).rows;
  const segments = parseCsv(r.files.get('data/rfm_segments.csv')!).rows;
  // Exactly one row, and one known segment, per customer.
  expect(rfm.length).toBe(customers.length);
  expect(new Set(rfm.map((c) => c.customer_id)).size).toBe(rfm.length);
  expect(rfm.map((c) => c.customer_id)).toEqual(customers.map((c) => c.customer_id));
  for (const c of rfm) {
    expect(RFM_SEGMENTS as readonly string[]).toContain(c.rfm_segment);
    for (const k of ['r', 'f', 'm']) expect(['1', '2', '3', '4', '5']).toContain(c[k]);
  }
  // Segments partition customers and revenue.
  const kpis = r.manifest.kpis as { customers: number; revenue: number };
  expect(segments.map((s) => s.rfm_segment)).toEqual([...RFM_SEGMENTS]);
  expect(segments.reduce((s, x) => s + Number(x.customers), 0)).toBe(kpis.customers);
  expect(segments.reduce((s, x) => s + Number(x.revenue), 0)).toBeCloseTo(kpis.revenue, 2);
  expect(segments.reduce((s, x) => s + Number(x.customer_share), 0)).toBeCloseTo(1, 9);
  expect(segments.reduce((s, x) => s + Number(x.revenue_share), 0)).toBeCloseTo(1, 9);
  for (const s of segments) {
    const mine = rfm.filter((c) => c.rfm_segment === s.rfm_segment);
    expect(mine.length).toBe(Number(s.customers));
    expect(mine.reduce((t, c) => t + Number(c.revenue), 0)).toBeCloseTo(Number(s.revenue), 2);
  }
  // Scores follow the values: a customer with strictly fewer days since the last purchase never has a lower R.
  const byDays = [...rfm].sort((a, b) => Number(a.days_since_last) - Number(b.days_since_last));
  for (let i = 1; i < byDays.length; i++) {
    if (Number(byDays[i].days_since_last) > Number(byDays[i - 1].days_since_last)) expect(Number(byDays[i].r)).toBeLessThanOrEqual(Number(byDays[i - 1].r));
    else expect(byDays[i].r).toBe(byDays[i - 1].r);
  }
  return { customers, rfm, segments };
}

function checkNoNaN(r: Run) {
  for (const [name, content] of r.files) expect(/NaN|Infinity/.test(content), name).toBe(false);
}

describe('RFM and win back on the sample (seed 42)', () => {
  it('with the models: one segment per customer, a partition of customers and revenue, P(alive) and CLV per segment', () => {
    const { segments } = checkSegments(withModels);
    for (const s of segments) {
      if (Number(s.customers) === 0) continue;
      expect(Number(s.mean_p_alive)).toBeGreaterThanOrEqual(0);
      expect(Number(s.mean_p_alive)).toBeLessThanOrEqual(1);
      expect(s.mean_clv).not.toBe('');
    }
    checkNoNaN(withModels);
  });

  it('with the models: the win-back list is sorted by value at stake and all its customers meet the rule', () => {
    const list = parseCsv(withModels.files.get('data/win_back.csv')!).rows;
    const rfm = new Map(parseCsv(withModels.files.get('data/rfm_customers.csv')!).rows.map((c) => [c.customer_id, c]));
    const wb = (withModels.manifest.rfm as { win_back: { rule: string; revenue_threshold: number; customers: number; high_value: number } }).win_back;
    expect(wb.rule).toBe('p-alive');
    expect(list.length).toBe(wb.customers);
    expect(list.length).toBeGreaterThan(100);
    // Top 20% by revenue: about a fifth of the customers (ties all in or all out).
    expect(wb.high_value / rfm.size).toBeGreaterThan(0.15);
    expect(wb.high_value / rfm.size).toBeLessThanOrEqual(0.2);
    list.forEach((c, i) => {
      expect(Number(c.rank)).toBe(i + 1);
      expect(Number(c.revenue)).toBeGreaterThan(wb.revenue_threshold);
      expect(Number(c.p_alive)).toBeLessThan(0.3);
      // P(alive) is written with 4 decimals: up to 0.00005 × revenue apart, plus the rounding of the value.
      expect(Math.abs(Number(c.value_at_stake) - Number(c.revenue) * (1 - Number(c.p_alive)))).toBeLessThanOrEqual(Number(c.revenue) * 0.00005 + 0.0001);
      expect(Number(c.value_at_stake)).toBeLessThanOrEqual(Number(c.revenue));
      expect(c.rfm_segment).toBe(rfm.get(c.customer_id)?.rfm_segment);
      if (i > 0) {
        const prev = list[i - 1];
        expect(Number(c.value_at_stake)).toBeLessThanOrEqual(Number(prev.value_at_stake));
        if (c.value_at_stake === prev.value_at_stake) expect(c.customer_id > prev.customer_id).toBe(true);
      }
    });
    // Nobody with P(alive) < 0.3 and revenue above the threshold is missing.
    const high = [...rfm.values()].filter((c) => Number(c.revenue) > wb.revenue_threshold).length;
    expect(high).toBe(wb.high_value);
  });

  it('without the models: RFM still works and the list uses the lapsed rule', () => {
    checkSegments(without);
    checkNoNaN(without);
    const list = parseCsv(without.files.get('data/win_back.csv')!).rows;
    const customers = new Map(parseCsv(without.files.get('data/customers.csv')!).rows.map((c) => [c.customer_id, c]));
    const wb = (without.manifest.rfm as { win_back: { rule: string; revenue_threshold: number; customers: number } }).win_back;
    expect(wb.rule).toBe('lapsed');
    expect(list.length).toBe(wb.customers);
    expect(list.length).toBeGreaterThan(100);
    list.forEach((c, i) => {
      const base = customers.get(c.customer_id)!;
      const days = Number(c.days_since_last);
      const x = Number(base.frequency);
      const meanGap = x > 0 ? Number(base.recency_days) / x : null;
      expect(days > 365 || (meanGap !== null && days > 2 * meanGap)).toBe(true);
      expect(Number(c.revenue)).toBeGreaterThan(wb.revenue_threshold);
      expect(c.p_alive).toBe('');
      expect(c.clv).toBe('');
      expect(c.value_at_stake).toBe(c.revenue);
      if (i > 0) expect(Number(c.value_at_stake)).toBeLessThanOrEqual(Number(list[i - 1].value_at_stake));
    });
    // Every lapsed high-value customer is on the list.
    const expected = [...customers.values()].filter((b) => {
      const rfm = Number(b.revenue) > wb.revenue_threshold;
      const x = Number(b.frequency);
      const days = Number(b.T_days) - Number(b.recency_days);
      return rfm && (days > 365 || (x > 0 && days > (2 * Number(b.recency_days)) / x));
    });
    expect(expected.length).toBe(list.length);
    const html = without.files.get('index.html')!;
    expect(html).toContain('The CLV models gave no P(alive) for this report, so the list uses a plain rule');
  });
});
