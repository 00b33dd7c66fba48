/**
 * The monthly job in process, on the hand-checkable fixture
 * (test/fixtures/hand-orders.csv, orders from January to March 2024): month
 * folders, What changed between two runs, the history page, atomic failure,
 * the lock and the clock.
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMonthly, type MonthlyOptions } from '../../lib/job/monthly.ts';
import { EXIT_LOCKED, LOCK_FILE } from '../../lib/job/lock.ts';
import { UserError } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import { readTree } from '../helpers/cli.ts';
import { deadPid } from '../helpers/processes.ts';

const HAND = 'test/fixtures/hand-orders.csv';

function recorder(): Progress & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, step() {}, done() {}, detail() {}, warn: (m) => warnings.push(m) };
}

function options(outRoot: string, extra: Partial<MonthlyOptions> = {}): MonthlyOptions {
  return {
    orders: fileOrders({ path: HAND }),
    report: { value: false },
    outRoot,
    now: () => new Date('2024-04-01T02:00:00Z'),
    progress: recorder(),
    ...extra,
  };
}

function root(): string {
  return mkdtempSync(join(tmpdir(), 'clv-monthly-'));
}

function manifest(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section class="cell" id="([^"]+)"/g)].map((m) => m[1]);
}

describe('clv monthly (in process)', () => {
  it('reports on the previous UTC month by default, on a fixed clock in a non-UTC zone', async () => {
    const out = root();
    // 02:00 UTC on 1 April is 31 March (22:00) in New York: the previous UTC month is March.
    const r = await runMonthly(options(out));
    expect(r).toMatchObject({ month: '2024-03', asOf: '2024-03-31', dir: join(out, '2024-03'), previous: null });
    expect(manifest(r.dir).as_of).toBe('2024-03-31');
    expect(readdirSync(out).sort()).toEqual(['2024-03', 'index.html']);
    // In January, the previous month is December of the year before; 03:00 UTC on
    // 1 January 2025 is still 2024 in New York, where local time would give November.
    const january = await runMonthly(options(root(), { now: () => new Date('2025-01-01T03:00:00Z') }));
    expect(january).toMatchObject({ month: '2024-12', asOf: '2024-12-31' });
    // A month before the first order is refused (exit 2), and nothing is left behind.
    const early = root();
    const err = await runMonthly(options(early, { now: () => new Date('2024-01-10T12:00:00Z') })).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe(`--as-of 2023-12-31 is before the first order in ${HAND} (2024-01-05); nothing would be left to report`);
    expect(readdirSync(early)).toEqual([]);
  });

  it('says in one sentence that there is nothing to compare on the first run', async () => {
    const out = root();
    const r = await runMonthly(options(out, { asOf: '2024-02-29' }));
    const html = readFileSync(join(r.dir, 'index.html'), 'utf8');
    expect(sectionIds(html)[0]).toBe('what-changed');
    const section = html.slice(html.indexOf('id="what-changed"'), html.indexOf('</section>', html.indexOf('id="what-changed"')));
    expect(section).toContain('<p>This is the first monthly run in this output folder, so there is no earlier run to compare with.</p>');
    expect(section.match(/<p>/g)).toHaveLength(1);
    expect(manifest(r.dir).what_changed).toEqual({ previous: null });
  });

  it('compares two runs: KPI deltas, the new cohort, retention moves (hand-checked)', async () => {
    const out = root();
    await runMonthly(options(out, { asOf: '2024-02-29' }));
    const r = await runMonthly(options(out, { asOf: '2024-03-31' }));
    expect(r.previous).toBe('2024-02');
    const wc = manifest(r.dir).what_changed;
    expect(wc.previous).toEqual({ month: '2024-02', as_of: '2024-02-29' });
    // Up to 29 Feb: A (3 orders, 3 days), B (1), C (2 orders, 1 day), D (1): 4 customers,
    // 7 orders, 100+50+30+80+60+40+90 = 450, repeat customers A only = 1/4.
    // March adds B 20 and a refund of 10, C 25 and the new customer E 70:
    // 5 customers, 10 orders, 555, repeat A, B, C = 3/5.
    expect(wc.kpis.customers).toEqual({ previous: 4, current: 5, change: 1 });
    expect(wc.kpis.orders).toEqual({ previous: 7, current: 10, change: 3 });
    expect(wc.kpis.revenue).toEqual({ previous: 450, current: 555, change: 105 });
    expect(wc.kpis.aov.previous).toBeCloseTo(450 / 7, 12);
    expect(wc.kpis.aov.current).toBe(55.5);
    expect(wc.kpis.repeat_customer_rate.previous).toBe(0.25);
    expect(wc.kpis.repeat_customer_rate.current).toBe(0.6);
    expect(wc.new_cohorts).toEqual([{ cohort: '2024-03', customers: 1, revenue: 70 }]);
    // 2024-02 (C, D): 100% in February, 1 of 2 active in March: −50 pts over month 0 → 1,
    // as the average curve (month 1: 2024-01 1/2, 2024-02 1/2 → 2/4). 2024-01 (A, B):
    // A active in February (1/2), B in March (1/2): 0 pts over month 1 → 2, average 0.
    expect(wc.retention_moves).toEqual([
      { cohort: '2024-01', customers: 2, previous_offset: 1, previous_rate: 0.5, offset: 2, rate: 0.5, change: 0, typical_change: 0 },
      { cohort: '2024-02', customers: 2, previous_offset: 0, previous_rate: 1, offset: 1, rate: 0.5, change: -0.5, typical_change: -0.5 },
    ]);
    expect(wc.revised_cells).toBe(0);
    expect(wc.parameters).toEqual([]);
    const html = readFileSync(join(r.dir, 'index.html'), 'utf8');
    expect(sectionIds(html).slice(0, 3)).toEqual(['what-changed', 'summary', 'headline']);
    // Growth accounting (see the hand-report golden): February: A retained, C and D new, B churned (active in
    // January, not in February); March: C retained, E new, B reactivated, A and D churned.
    expect(wc.lifecycle.previous).toMatchObject({ period: '2024-02', active: 3, new: 2, retained: 1, reactivated: 0, churned: 1, quick_ratio: 2 });
    expect(wc.lifecycle.current).toMatchObject({ period: '2024-03', active: 3, new: 1, retained: 1, reactivated: 1, churned: 2, quick_ratio: 1 });
    expect(wc.lifecycle.change).toEqual({ new: -1, retained: 0, reactivated: 1, churned: 1 });
    expect(html).toContain(
      'Growth accounting, 2024-03: 3 active customers, 1 new, 1 retained, 1 reactivated and 2 churned (quick ratio 1.00); in the previous run, 2024-02: 3 active, 2 new, 1 retained, 0 reactivated and 1 churned (quick ratio 2.00).',
    );
    expect(html).toContain('Compared with the run of 2024-02 (orders up to 2024-02-29); this run has orders up to 2024-03-31.');
    expect(html).toContain('Since the previous run: 1 more customer (5 in all), 3 more orders, net revenue up by $105 to $555 and the average order value down from $64.29 to $55.50.');
    expect(html).toContain('The repeat-customer rate moved from 25.0% to 60.0% (35.0 pts up).');
    expect(html).toContain('New cohort 2024-03: 1 customer who spent $70 in their first month.');
  });

  it('notices revised figures and a gap of months', async () => {
    const out = root();
    await runMonthly(options(out, { asOf: '2024-01-31' }));
    // A data correction: B's January order is removed, so cohort 2024-01 shrinks to A.
    const corrected = join(out, '..', `${out.split('/').pop()}-orders.csv`);
    writeFileSync(corrected, readFileSync(HAND, 'utf8').replace('4,B,2024-01-10,80,email\n', ''));
    const r = await runMonthly(options(out, { asOf: '2024-03-31', orders: fileOrders({ path: corrected }) }));
    const wc = manifest(r.dir).what_changed;
    expect(wc.revised_cells).toBe(1); // cohort 2024-01, month 0: 2 → 1 customers (still 100%)
    const html = readFileSync(join(r.dir, 'index.html'), 'utf8');
    expect(html).toContain('There is no run for 2024-02, so the changes span more than one month.');
    expect(html).toContain('1 complete figure of earlier months changed since the previous run');
  });

  it('replaces a month when it runs again, with the same bytes for the same inputs', async () => {
    const out = root();
    await runMonthly(options(out, { asOf: '2024-02-29' }));
    await runMonthly(options(out, { asOf: '2024-03-31' }));
    const before = readTree(out);
    await runMonthly(options(out, { asOf: '2024-03-31' }));
    const after = readTree(out);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, content] of before) expect(after.get(name)?.equals(content), name).toBe(true);
    await runMonthly(options(out, { asOf: '2024-03-31', report: { value: false, title: 'Corrected' } }));
    expect(readFileSync(join(out, '2024-03', 'index.html'), 'utf8')).toContain('<h1>Corrected</h1>');
    expect(readdirSync(out).sort()).toEqual(['2024-02', '2024-03', 'index.html']);
  });

  it('leaves the previous month and the history untouched when a run dies mid-write', async () => {
    const out = root();
    await runMonthly(options(out, { asOf: '2024-02-29' }));
    await runMonthly(options(out, { asOf: '2024-03-31' }));
    const before = readTree(out);
    const crash = { afterFile: (_p: string, i: number) => { if (i === 2) throw new Error('killed (simulated)'); } };
    // The same month again, and a new month.
    for (const asOf of ['2024-03-31', '2024-04-30']) {
      let written = 0;
      await expect(
        runMonthly(options(out, { asOf, write: { afterFile: (p, i) => { written++; crash.afterFile(p, i); } } })),
      ).rejects.toThrow('killed (simulated)');
      expect(written).toBe(3); // it died with part of the output written
      const after = readTree(out);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [name, content] of before) expect(after.get(name)?.equals(content), name).toBe(true);
      expect(readdirSync(out).sort()).toEqual(['2024-02', '2024-03', 'index.html']); // no temporary files, no lock
    }
    // A disk that fills up: a one-line user error (exit 4), the same untouched state.
    const full = { afterFile: (_p: string, i: number) => { if (i === 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); } };
    const err = await runMonthly(options(out, { asOf: '2024-03-31', write: full })).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(4);
    expect((err as UserError).message).toBe(`cannot write ${join(out, '2024-03')}: the disk is full (ENOSPC); the previous output and the history page are unchanged`);
    const after = readTree(out);
    for (const [name, content] of before) expect(after.get(name)?.equals(content), name).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['2024-02', '2024-03', 'index.html']);
  });

  it('an --out-root that is a plain file, or under one, is refused with exit 2 and the file is left alone', async () => {
    const out = root();
    const file = join(out, 'notes.txt');
    writeFileSync(file, 'mine');
    for (const [outRoot, message] of [
      [file, `--out-root ${JSON.stringify(file)} is a file, not a folder; choose a folder (it is made if missing)`],
      [join(file, 'sub'), `--out-root ${JSON.stringify(join(file, 'sub'))}: ${file} is a file, not a folder, so no folder can be made under it; choose another --out-root`],
    ]) {
      const err = await runMonthly(options(outRoot)).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).exitCode).toBe(2);
      expect((err as UserError).message).toBe(message);
    }
    expect(readdirSync(out)).toEqual(['notes.txt']);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('refuses to run while another live run holds the lock', async () => {
    const out = root();
    const lock = `${JSON.stringify({ pid: process.pid, hostname: hostname(), started_at: '2024-04-01T02:00:00.000Z', command: 'clv monthly 2024-03' })}\n`;
    writeFileSync(join(out, LOCK_FILE), lock);
    const err = await runMonthly(options(out)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(EXIT_LOCKED);
    expect((err as UserError).message).toContain(`(pid ${process.pid}, started 2024-04-01T02:00:00.000Z)`);
    expect(readdirSync(out)).toEqual([LOCK_FILE]);
    expect(readFileSync(join(out, LOCK_FILE), 'utf8')).toBe(lock);
  });

  it('takes over a stale lock and puts back a month folder a killed run had set aside', async () => {
    const out = root();
    await runMonthly(options(out, { asOf: '2024-02-29' }));
    const dead = deadPid();
    writeFileSync(join(out, LOCK_FILE), `${JSON.stringify({ pid: dead, hostname: hostname(), started_at: '2024-04-01T02:00:00.000Z', command: 'clv monthly 2024-03' })}\n`);
    // A run killed between its two renames: 2024-02 moved aside, the new one not yet in place.
    const february = readTree(join(out, '2024-02'));
    const aside = `.2024-02.old-${dead}-lq3x1a-0`;
    const { renameSync } = await import('node:fs');
    renameSync(join(out, '2024-02'), join(out, aside));
    mkdirSync(join(out, `.2024-03.tmp-${dead}-lq3x1a-1`));
    const progress = recorder();
    const r = await runMonthly(options(out, { asOf: '2024-03-31', progress }));
    expect(progress.warnings).toEqual([
      `taking over a stale lock: clv monthly 2024-03 (pid ${dead}, started 2024-04-01T02:00:00.000Z) is no longer running`,
      `restored ${join(out, '2024-02')} from ${aside}, set aside by a run (pid ${dead}) that stopped before finishing`,
      `removed .2024-03.tmp-${dead}-lq3x1a-1, left by a run (pid ${dead}) that stopped before finishing`,
    ]);
    expect(r.previous).toBe('2024-02');
    const restored = readTree(join(out, '2024-02'));
    for (const [name, content] of february) expect(restored.get(name)?.equals(content), name).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['2024-02', '2024-03', 'index.html']);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});
