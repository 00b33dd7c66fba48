/**
 * DuckDB's memory limit (--memory-limit, lib/engine/memory-limit.ts): a size that is not one is
 * refused, naming the flag, and a limit too small for a step DuckDB cannot spill stops the run with
 * one line that says to raise it (exit 2), for clv report, clv fit and clv score. That the results do
 * not depend on the limit (the sample under 64MB gives the files of the default) is checked by
 * memory-limit.slow.test.ts (npm run test:slow): it runs the sample twice per command.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileOrders } from '../../lib/sources/file.ts';
import { resolveRunOptions } from '../../lib/run/run-options.ts';
import { copySample } from '../helpers/sample.ts';
import { userErrorOf } from '../helpers/pipeline.ts';
import { runClv } from '../helpers/cli.ts';

describe('--memory-limit', () => {
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
  it('refuses a size that is not one and stops at one that is too small: one line, exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-memory-'));
    copySample(dir);
    const orders = join(dir, 'orders.csv');
    for (const [command, ...rest] of [['score'], ['fit', '--model', 'bgnbd']]) {
      const bad = runClv([command, ...rest, '--orders', orders, '--out', join(dir, `${command}-bad`), '--quiet', '--memory-limit', 'lots']);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim()).toBe('clv: --memory-limit "lots": expected a size such as 512MB, 1GB or 1.5GB (DuckDB\'s memory limit; default 512MB, or 128MB per thread on more than 4 cores)');
      expect(existsSync(join(dir, `${command}-bad`))).toBe(false);
    }
    const tiny = runClv(['score', '--orders', orders, '--memory-limit', '16MB', '--out', join(dir, 'score-tiny'), '--quiet']);
    expect(tiny.status).toBe(2);
    expect(tiny.stderr).toContain('DuckDB needed more memory than its limit of 16MB');
    expect(tiny.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'score-tiny'))).toBe(false);
  });
});
