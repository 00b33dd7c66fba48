/**
 * `clv monthly` end to end on the sample data, as cron runs it: the same
 * report as `clv report` plus What changed, the history page, exit codes and
 * one-line messages, timestamped progress lines when stderr is not a terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../lib/job/lock.ts';
import { parseCsv } from '../../lib/job/read-csv.ts';
import { readTree, runClv } from '../helpers/cli.ts';
import { copySample } from '../helpers/sample.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-monthly-cli-'));
const out = join(work, 'out');
const config = join(work, 'clv.config.json');

beforeAll(async () => {
  copySample(join(work, 'sample'));
  // 20 bootstrap resamples (the fewest that give intervals) instead of 100: the runs compare their files, intervals included.
  writeFileSync(config, JSON.stringify({ orders: { path: 'sample/orders.csv' }, segment_by: ['channel'], clv: { bootstrap: 20 }, monthly: { out_root: 'out' } }));
}, 60_000);

describe('clv monthly', () => {
  it('writes the month, compares it with the previous one, and keeps the history', () => {
    const may = runClv(['monthly', '--config', config, '--as-of', '2024-05-31']);
    expect(may.status).toBe(0);
    expect(may.stdout).toBe(`${join(out, '2024-05', 'index.html')}\n`);
    // Not a terminal: plain timestamped lines.
    const lines = may.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z clv: \S/);
    expect(lines.some((l) => l.includes(`clv: locking ${out}`))).toBe(true);
    expect(lines.at(-1)).toMatch(/clv: monthly report for 2024-05 written \(\d+\.\d+s\)$/);

    const june = runClv(['monthly', '--config', config, '--as-of', '2024-06-30', '--quiet']);
    expect(june.stderr).toBe('');
    expect(june.status).toBe(0);

    // The same report as clv report, plus What changed.
    const plain = join(work, 'report-june');
    const report = runClv(['report', '--config', config, '--as-of', '2024-06-30', '--out', plain, '--quiet']);
    expect(report.status).toBe(0);
    const monthly = readTree(join(out, '2024-06'));
    const single = readTree(plain);
    expect([...monthly.keys()]).toEqual([...single.keys()]);
    for (const [name, content] of single) {
      if (name.startsWith('data/')) expect(monthly.get(name)?.equals(content), name).toBe(true);
    }
    const m = JSON.parse(monthly.get('manifest.json')!.toString('utf8'));
    const { what_changed: wc, ...rest } = m;
    // The same manifest as clv report's, plus what_changed and its section listed first.
    expect(rest.sections[0]).toBe('what-changed');
    expect({ ...rest, sections: rest.sections.slice(1) }).toEqual(JSON.parse(single.get('manifest.json')!.toString('utf8')));
    const html = monthly.get('index.html')!.toString('utf8');
    const ids = (h: string) => [...h.matchAll(/<section class="cell" id="([^"]+)"/g)].map((x) => x[1]);
    expect(ids(html)).toEqual(['what-changed', ...ids(single.get('index.html')!.toString('utf8'))]);

    // What changed, checked against both runs' files.
    const mayManifest = JSON.parse(readFileSync(join(out, '2024-05', 'manifest.json'), 'utf8'));
    expect(wc.previous).toEqual({ month: '2024-05', as_of: '2024-05-31' });
    expect(wc.kpis.customers).toEqual({ previous: mayManifest.kpis.customers, current: m.kpis.customers, change: m.kpis.customers - mayManifest.kpis.customers });
    expect(wc.kpis.customers.change).toBeGreaterThan(0);
    const juneCells = parseCsv(monthly.get('data/cohort_retention.csv')!.toString('utf8'));
    const newCohort = juneCells.find((c) => c.cohort === '2024-06' && c.period_offset === '0')!;
    expect(wc.new_cohorts).toEqual([{ cohort: '2024-06', customers: Number(newCohort.cohort_customers), revenue: Number(newCohort.revenue) }]);
    expect(wc.retention_moves.length).toBe(10);
    const before = parseCsv(readFileSync(join(out, '2024-05', 'data', 'model_params.csv'), 'utf8'));
    // What changed compares the fits on all customers (the channels' own fits are in the file too).
    const after = parseCsv(monthly.get('data/model_params.csv')!.toString('utf8')).filter((r) => r.fit_group === 'all customers');
    expect(wc.parameters).toHaveLength(after.length);
    for (const p of wc.parameters) {
      const b = before.find((r) => r.model === p.model && r.parameter === p.parameter)!;
      const a = after.find((r) => r.model === p.model && r.parameter === p.parameter)!;
      expect(p.previous).toBe(Number(b.value));
      expect(p.current).toBeCloseTo(Number(a.value), 9); // the CSV rounds to 12 significant digits
      expect(p.relative_change).toBeCloseTo((Number(a.value) - Number(b.value)) / Math.abs(Number(b.value)), 9);
      expect(p.outside_previous_ci).toBe(Number(a.value) < Number(b.ci_low) || Number(a.value) > Number(b.ci_high));
    }
    expect(html).toContain('Compared with the run of 2024-05 (orders up to 2024-05-31); this run has orders up to 2024-06-30.');

    const history = readFileSync(join(out, 'index.html'), 'utf8');
    expect([...history.matchAll(/<a href="([^"]+)">/g)].map((x) => x[1])).toEqual(['2024-06/index.html', '2024-05/index.html']);
  }, 180_000);

  it('refuses to run while another run holds the lock (exit 3, one line)', () => {
    const root = mkdtempSync(join(tmpdir(), 'clv-monthly-locked-'));
    const lock = { pid: process.pid, hostname: hostname(), started_at: '2024-07-01T06:00:00.000Z', command: 'clv monthly 2024-06' };
    writeFileSync(join(root, LOCK_FILE), JSON.stringify(lock));
    const r = runClv(['monthly', '--orders', 'test/fixtures/hand-orders.csv', '--as-of', '2024-03-31', '--out-root', root, '--quiet']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `clv: another run is in progress: clv monthly 2024-06 (pid ${process.pid}, started 2024-07-01T06:00:00.000Z) holds ${join(resolve(root), LOCK_FILE)}; wait for it to finish and run again\n`,
    );
  }, 60_000);

  it('names the config key or the option that is wrong (exit 2)', () => {
    const bad = join(work, 'bad.config.json');
    writeFileSync(bad, JSON.stringify({ orders: { path: 'sample/orders.csv' }, monthly: { out_root: ['x'], when: 'monthly' } }));
    const r = runClv(['monthly', '--config', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`clv: ${bad}: invalid configuration\n  monthly.out_root: expected string, received array\n  monthly.when: unknown key\n`);
    const date = runClv(['monthly', '--config', config, '--as-of', '2024-06-31']);
    expect(date.status).toBe(2);
    expect(date.stderr).toBe('clv: --as-of "2024-06-31": expected a calendar date as YYYY-MM-DD, e.g. 2024-06-30\n');
  }, 60_000);

  it('says that it ignores the config file\'s as_of, and explains itself in --help', () => {
    const withAsOf = join(work, 'as-of.config.json');
    const root = mkdtempSync(join(tmpdir(), 'clv-monthly-asof-'));
    writeFileSync(withAsOf, JSON.stringify({ orders: { path: relative(work, resolve('test/fixtures/hand-orders.csv')) }, as_of: '2024-02-29' }));
    const r = runClv(['monthly', '--config', withAsOf, '--as-of', '2024-03-31', '--out-root', root, '--quiet', '--no-clv']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(''); // --as-of given: nothing to say
    // Without --as-of it reports on the previous month (by the wall clock: the folder is not checked here) and warns, even with --quiet;
    // the fixture's orders end in 2024, so the data are stale by then (said on stderr; --allow-stale keeps the exit code 0).
    const d = runClv(['monthly', '--config', withAsOf, '--out-root', root, '--quiet', '--no-clv', '--allow-stale']);
    expect(d.status).toBe(0);
    expect(d.stderr).toMatch(new RegExp(`^\\S+ clv: ${withAsOf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} sets as_of 2024-02-29; clv monthly does not use it and reports on the previous month \\(pass --as-of to choose a date\\)\n\\S+ clv: No orders since 2024-03-`));
    const help = runClv(['monthly', '--help']);
    expect(help.status).toBe(0);
    for (const text of ['last day of the previous calendar month (UTC)', '<out-root>/<YYYY-MM>/', 'What changed', 'history', '--out-root', '--verbose', '--quiet', 'Exit codes: 0 done', '3 another run holds the lock', 'clv monthly --config clv.config.json']) {
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(text);
    }
  }, 60_000);
});
