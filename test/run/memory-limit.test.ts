/**
 * DuckDB's memory limit (--memory-limit, lib/engine/memory-limit.ts): beyond it DuckDB spills into
 * the run's scratch folder, and the results must not depend on it. On the sample, a limit of 64MB
 * gives every data/*.csv byte for byte as the default one (the 10M-order file under 512MB and without
 * a limit: docs/scale.md); a size that is not one is refused, naming the flag, and a limit too small
 * for a step DuckDB cannot spill stops the run with one line that says to raise it (exit 2).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../lib/run/build-report.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import { resolveRunOptions } from '../../lib/run/run-options.ts';
import { copySample } from '../helpers/sample.ts';
import { userErrorOf } from '../helpers/pipeline.ts';
import { runClv } from '../helpers/cli.ts';

function dataFiles(r: ReportResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, f] of r.files) {
    if (!name.startsWith('data/')) continue;
    out.set(name, typeof f === 'string' ? f : 'fromFile' in f ? readFileSync(f.fromFile, 'utf8') : String(f));
  }
  return out;
}

describe('--memory-limit', () => {
  it('the sample under a 64MB limit gives the data files of the default limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-memory-'));
    copySample(dir);
    const options = { orders: fileOrders({ path: join(dir, 'orders.csv') }), segmentBy: ['channel', 'region'], value: { bootstrap: 20 } };
    const normal = await buildReport(options);
    const small = await buildReport({ ...options, memoryLimit: '64MB' });
    try {
      const a = dataFiles(normal);
      expect(a.size).toBeGreaterThan(10);
      expect(dataFiles(small)).toEqual(a);
    } finally {
      await normal.cleanup();
      await small.cleanup();
    }
  }, 180_000);

  it('a limit too small: one line, exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-memory-'));
    copySample(dir);
    const out = join(dir, 'out');
    const r = runClv(['report', '--orders', join(dir, 'orders.csv'), '--memory-limit', '16MB', '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DuckDB needed more memory than its limit of 16MB');
    expect(r.stderr).toContain('raise --memory-limit');
    expect(r.stderr).not.toContain('cannot read');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a size that is not one', async () => {
    const err = await userErrorOf(async () => resolveRunOptions({ orders: fileOrders({ path: 'x.csv' }), memoryLimit: 'lots' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--memory-limit "lots": expected a size such as 512MB');
  });
});

describe('--memory-limit of clv fit and clv score', () => {
  it('bounds their DuckDB as for clv report: the same files under 64MB, one line and exit 2 for a size that is not one or is too small', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-memory-'));
    copySample(dir);
    const orders = join(dir, 'orders.csv');
    for (const command of [['score', '--segment-by', 'channel'], ['fit', '--model', 'bgnbd']]) {
      const run = (name: string, ...extra: string[]) => runClv([...command, '--orders', orders, '--out', join(dir, name), '--quiet', ...extra]);
      const normal = run(`${command[0]}-default`);
      expect(normal.status, normal.stderr).toBe(0);
      const small = run(`${command[0]}-64`, '--memory-limit', '64MB');
      expect(small.status, small.stderr).toBe(0);
      const data = (name: string) => readFileSync(join(dir, name, 'data', command[0] === 'score' ? 'customer_scores.csv' : 'model_params.csv'), 'utf8');
      expect(data(`${command[0]}-64`)).toBe(data(`${command[0]}-default`));
      const bad = run(`${command[0]}-bad`, '--memory-limit', 'lots');
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim()).toBe('clv: --memory-limit "lots": expected a size such as 512MB, 1GB or 1.5GB (DuckDB\'s memory limit; default 512MB, or 128MB per thread on more than 4 cores)');
      expect(existsSync(join(dir, `${command[0]}-bad`))).toBe(false);
    }
    const tiny = runClv(['score', '--orders', orders, '--memory-limit', '16MB', '--out', join(dir, 'score-tiny'), '--quiet']);
    expect(tiny.status).toBe(2);
    expect(tiny.stderr).toContain('DuckDB needed more memory than its limit of 16MB');
    expect(tiny.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'score-tiny'))).toBe(false);
  }, 180_000);
});
