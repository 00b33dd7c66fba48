/**
 * The sample's survey file (`clv sample --surveys`): deterministic for a seed,
 * drawn from its own random stream (orders, customers and spend are byte-identical
 * with and without it), in range, and related to how much customers buy.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSample, SURVEY_PARAMETERS } from '../../lib/sample/generate-sample.ts';
import { runClv } from '../helpers/cli.ts';

const plain = generateSample({ seed: 42 });
const withSurveys = generateSample({ seed: 42, surveys: true });

describe('sample surveys.csv', () => {
  it('is deterministic for a seed, differs between seeds, and leaves the other files byte-identical', () => {
    expect(plain.surveys).toBeUndefined();
    expect(generateSample({ seed: 42, surveys: true }).surveys).toBe(withSurveys.surveys);
    expect(withSurveys.orders).toBe(plain.orders);
    expect(withSurveys.customers).toBe(plain.customers);
    expect(withSurveys.spend).toBe(plain.spend);
    // The README gains a section after the unchanged text.
    expect(withSurveys.readme.startsWith(plain.readme)).toBe(true);
    expect(withSurveys.readme.slice(plain.readme.length)).toContain('## surveys.csv');
    const other = generateSample({ seed: 7, start: '2023-01-01', end: '2023-06-30', surveys: true });
    expect(other.surveys).not.toBe(generateSample({ seed: 8, start: '2023-01-01', end: '2023-06-30', surveys: true }).surveys);
  });

  it('has whole scores 0–10 (a few empty), dated in the window after one of the customer\'s orders', () => {
    const lines = withSurveys.surveys!.trim().split('\n');
    expect(lines[0]).toBe('customer_id,date,score');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(5000);
    const firstOrder = new Map<string, string>();
    for (const l of plain.orders.trim().split('\n').slice(1)) {
      const [, customer, date] = l.split(',');
      if (!firstOrder.has(customer) || date < firstOrder.get(customer)!) firstOrder.set(customer, date);
    }
    const bad = rows.filter(([c, d, s]) => !(s === '' || (/^\d+$/.test(s) && Number(s) <= 10)) || !(d > firstOrder.get(c)!) || d > '2024-12-31');
    expect(bad.slice(0, 5)).toEqual([]);
    const empty = rows.filter((r) => r[2] === '').length / rows.length;
    expect(empty).toBeGreaterThan(SURVEY_PARAMETERS.emptyShare / 2);
    expect(empty).toBeLessThan(SURVEY_PARAMETERS.emptyShare * 2);
  });

  it('relates scores to how much customers buy: frequent buyers score higher than one-time buyers', () => {
    const orders = new Map<string, number>();
    for (const l of plain.orders.trim().split('\n').slice(1)) {
      const [id, customer] = l.split(',');
      if (id.startsWith('O')) orders.set(customer, (orders.get(customer) ?? 0) + 1);
    }
    const mean = (keep: (n: number) => boolean) => {
      const s = withSurveys.surveys!.trim().split('\n').slice(1).map((l) => l.split(',')).filter(([c, , v]) => v !== '' && keep(orders.get(c) ?? 0));
      return s.reduce((t, r) => t + Number(r[2]), 0) / s.length;
    };
    expect(mean((n) => n >= 6) - mean((n) => n === 1)).toBeGreaterThan(1);
  });

  it('clv sample --surveys writes surveys.csv beside the other files', () => {
    const out = mkdtempSync(join(tmpdir(), 'clv-sample-surveys-'));
    const r = runClv(['sample', '--surveys', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'customers.csv', 'orders.csv', 'spend.csv', 'surveys.csv']);
    expect(readFileSync(join(out, 'surveys.csv'), 'utf8')).toBe(withSurveys.surveys);
    expect(readFileSync(join(out, 'orders.csv'), 'utf8')).toBe(plain.orders);
  });
});
