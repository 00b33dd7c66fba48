/**
 * `clv view`: one section as its own report (same contract: index.html,
 * data/, manifest.json), the cohort range, the list of views, unknown names;
 * `report.sections` in the report; cohort range bounds.
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBound } from '../../lib/cohorts/cohort-range.ts';
import { periodLabel } from '../../lib/engine/periods.ts';
import { buildCohortReport } from '../../lib/run/build-report.ts';
import { formatViewList, viewNames, VIEWS } from '../../lib/parts/registry.ts';
import { readConfig } from '../../lib/config/report-config.ts';
import { readTree, runClv } from '../helpers/cli.ts';
import { reportStructure } from '../helpers/golden.ts';
import { copySample } from '../helpers/sample.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-view-'));
let orders: string;

beforeAll(async () => {
  copySample(join(work, 'sample'));
  orders = join(work, 'sample', 'orders.csv');
}, 60_000);

describe('clv view', () => {
  it('retention --from 2023-01 --to 2023-06 writes only that section, for those cohorts, with the contract files', () => {
    const out = join(work, 'retention');
    const r = runClv(['view', 'retention', '--orders', orders, '--from', '2023-01', '--to', '2023-06', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'index.html'));
    expect([...readTree(out).keys()]).toEqual(['data/cohort_retention.csv', 'index.html', 'manifest.json']);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const page = reportStructure(html);
    expect(page.sections.map((s) => s.id)).toEqual(['retention-triangle', 'methods']);
    const cohorts = ['2023-01', '2023-02', '2023-03', '2023-04', '2023-05', '2023-06'];
    const triangle = page.sections[0];
    expect(triangle.table!.rows.map((row) => row[0])).toEqual(cohorts);
    expect(triangle.csv!.content.split('\n').slice(1, -1).map((l) => l.split(',')[0])).toEqual(cohorts);
    expect(page.header.facts).toContain('Cohorts: 2023-01 to 2023-06');
    expect(page.sections[1].definitions).toContain('Cohort range: Only the cohorts from 2023-01 to 2023-06 are shown; averages are over these cohorts.');
    const csv = readFileSync(join(out, 'data/cohort_retention.csv'), 'utf8').trim().split('\n').slice(1);
    expect([...new Set(csv.map((l) => l.split(',')[0]))]).toEqual(cohorts);
    // 2023-01 … 2024-12 is 24 periods for the first cohort, 19 for the last.
    expect(csv.length).toBe(24 + 23 + 22 + 21 + 20 + 19);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ command: 'view', view: 'retention', sections: ['retention-triangle', 'methods'], options: { from: '2023-01', to: '2023-06', metric: 'customers' } });
    expect(manifest.outputs.map((o: { path: string }) => o.path)).toEqual(['data/cohort_retention.csv', 'index.html']);
    // Other sections are absent.
    expect(html).not.toContain('id="retention-curves"');
    expect(html).not.toContain('id="headline"');
  }, 60_000);

  it('the revenue metric changes what the triangle measures', () => {
    const out = join(work, 'retention-revenue');
    const r = runClv(['view', 'retention', '--orders', orders, '--metric', 'revenue', '--period', 'quarter', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const page = reportStructure(readFileSync(join(out, 'index.html'), 'utf8'));
    expect(page.title).toBe('Revenue retention by cohort');
    expect(page.sections[0].narrative[0]).toMatch(/^On average cohorts bring in \d+\.\d% of their first quarter's net revenue in the quarter after it/);
    const cells = readFileSync(join(out, 'data/cohort_retention.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // Header: cohort,period_offset,…,revenue_retention_rate (index 7),…,complete; the table shows it for complete cells.
    const first = cells.find((c) => c[0] === '2022-Q1' && c[1] === '1')!;
    const tableRow = page.sections[0].csv!.content.split('\n').find((l) => l.startsWith('2022-Q1,'))!.split(',');
    expect(Number(tableRow[3])).toBeCloseTo(Number(first[7]), 10);
  }, 60_000);

  it('segments needs --segment-by; customer-value and data-quality render alone', () => {
    const missing = runClv(['view', 'segments', '--orders', orders, '--out', join(work, 'seg0'), '--quiet']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('clv: view segments: nothing to show; name the columns to segment by with --segment-by (e.g. --segment-by channel,region)\n');
    const seg = runClv(['view', 'segments', '--orders', orders, '--segment-by', 'channel,region', '--out', join(work, 'seg'), '--quiet']);
    expect(seg.status, seg.stderr).toBe(0);
    expect(reportStructure(readFileSync(join(work, 'seg', 'index.html'), 'utf8')).sections.map((s) => s.id)).toEqual(['segment-1-channel', 'segment-2-region', 'methods']);
    const dq = runClv(['view', 'data-quality', '--orders', 'test/fixtures/hand-orders.csv', '--out', join(work, 'dq'), '--quiet']);
    expect(dq.status, dq.stderr).toBe(0);
    expect([...readTree(join(work, 'dq')).keys()]).toEqual(['index.html', 'manifest.json']);
  }, 60_000);

  it('cac, payback and unit-economics need a spend file and write their own data file', () => {
    const spend = join(work, 'sample', 'spend.csv');
    const missing = runClv(['view', 'payback', '--orders', orders, '--out', join(work, 'pb0'), '--quiet']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('clv: clv view payback: needs a spend file: --spend FILE (or spend.path in the config)\n');
    const cac = runClv(['view', 'cac', '--orders', orders, '--spend', spend, '--period', 'quarter', '--out', join(work, 'cac'), '--quiet']);
    expect(cac.status, cac.stderr).toBe(0);
    expect([...readTree(join(work, 'cac')).keys()]).toEqual(['data/cac_by_channel.csv', 'index.html', 'manifest.json']);
    expect(reportStructure(readFileSync(join(work, 'cac', 'index.html'), 'utf8')).sections.map((s) => s.id)).toEqual(['cac-by-channel', 'spend-and-customers', 'methods']);
    // Quarterly periods: the CSV's periods are quarters.
    expect(readFileSync(join(work, 'cac', 'data/cac_by_channel.csv'), 'utf8').split('\n')[1]).toMatch(/^[^,]+,\d{4}-Q\d,/);
    const pb = runClv(['view', 'payback', '--orders', orders, '--spend', spend, '--margin', '0.35', '--out', join(work, 'pb'), '--quiet']);
    expect(pb.status, pb.stderr).toBe(0);
    expect([...readTree(join(work, 'pb')).keys()]).toEqual(['data/unit_economics.csv', 'index.html', 'manifest.json']);
  }, 60_000);

  it('--list names every view with its options; unknown views exit 2 with the list', () => {
    const list = runClv(['view', '--list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toBe(formatViewList());
    for (const v of VIEWS) expect(list.stdout.split('\n').some((l) => l.startsWith(`  ${v.name} `) && l.includes(` ${v.title}: ${v.describe}`)), v.name).toBe(true);
    expect(list.stdout).toContain('--metric customers|revenue');
    const bad = runClv(['view', 'triangle', '--orders', orders]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`clv: unknown view "triangle"; choose one of: ${viewNames().join(', ')}\n`);
    const none = runClv(['view']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('name a view');
    const help = runClv(['view', 'retention', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('clv view retention --orders FILE [options]');
    expect(help.stdout).toContain('--from');
    expect(help.stdout).toContain('[choices: "customers", "revenue"]');
    expect(help.stdout).not.toContain('--horizon-months');
    const top = runClv(['--help']);
    expect(top.stdout).toContain('clv view');
  }, 60_000);

  it('refuses a bad range with exit code 2', () => {
    const r = runClv(['view', 'curves', '--orders', orders, '--from', '2030-01', '--out', join(work, 'x'), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('clv: --from/--to: no cohort between 2030-01 and the last; the data has cohorts from 2022-01 to 2024-12\n');
    const r2 = runClv(['view', 'curves', '--orders', orders, '--from', '2024-01', '--to', '2023-01', '--out', join(work, 'x'), '--quiet']);
    expect(r2.stderr).toBe('clv: --from 2024-01 is after --to 2023-01\n');
  }, 60_000);
});

describe('report.sections', () => {
  it('shows the chosen sections in the given order, then Methods & assumptions', async () => {
    const result = await buildCohortReport({ orders: fileOrders({ path: 'test/fixtures/hand-orders.csv' }), sections: ['crr', 'headline'], value: false });
    try {
      expect(result.sections.map((s) => s.id)).toEqual(['crr', 'headline', 'methods']);
      const methods = result.sections[2];
      // General terms, then the formulas of the sections shown (and only those).
      expect(methods.groups!.map((g) => g.title)).toEqual(['Assumptions in force', 'General', 'Customer retention rate (CRR)', 'Headline figures']);
      // All data files are still written by the report.
      expect([...result.files.keys()].sort()).toEqual(['data/cohort_retention.csv', 'data/crr.csv', 'data/customers.csv', 'data/retention_curve.csv', 'index.html', 'manifest.json']);
    } finally {
      await result.cleanup();
    }
  });

  it('the config refuses unknown section names and lists the valid ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ report: { company: 'Acme', sections: ['headline', 'cohorts'] } }));
    expect(() => readConfig(file)).toThrow(`  report.sections[1]: unknown section "cohorts"; choose from ${viewNames().join(', ')}`);
    writeFileSync(file, JSON.stringify({ report: { company: 'Acme', sections: ['retention', 'crr'] } }));
    expect(readConfig(file).report).toEqual({ company: 'Acme', sections: ['retention', 'crr'] });
  });
});

describe('cohort range bounds', () => {
  it('read period labels, months and dates for every period unit', () => {
    expect(periodLabel('month', parseBound('2023-06', 'month', 'to'))).toBe('2023-06');
    expect(periodLabel('month', parseBound('2023-06-30', 'month', 'from'))).toBe('2023-06');
    expect(periodLabel('quarter', parseBound('2023-Q2', 'quarter', 'from'))).toBe('2023-Q2');
    expect(periodLabel('quarter', parseBound('2023-05', 'quarter', 'to'))).toBe('2023-Q2');
    expect(periodLabel('week', parseBound('2023-W01', 'week', 'from'))).toBe('2023-W01');
    expect(periodLabel('week', parseBound('2020-W53', 'week', 'from'))).toBe('2020-W53');
    expect(() => parseBound('2021-W53', 'week', 'from')).toThrow('expected a week such as 2024-W05');
    // A month as --from starts with the week of its first day, as --to ends with the week of its last day.
    expect(periodLabel('week', parseBound('2023-01', 'week', 'from'))).toBe('2022-W52');
    expect(periodLabel('week', parseBound('2023-01', 'week', 'to'))).toBe('2023-W05');
    expect(() => parseBound('2023-W54', 'week', 'from')).toThrow('expected a week such as 2024-W05');
    expect(() => parseBound('2023-Q1', 'month', 'from')).toThrow('expected a month such as 2024-03');
    expect(() => parseBound('2023-02-30', 'month', 'from')).toThrow('--from "2023-02-30"');
  });
});
