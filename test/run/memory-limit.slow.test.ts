/**
 * DuckDB's memory limit (--memory-limit, lib/engine/memory-limit.ts): beyond it DuckDB spills into
 * the run's scratch folder, and the results must not depend on it. On the sample, a limit of 64MB
 * gives every data/*.csv byte for byte as the default one, for clv report, clv score and clv fit (the
 * 10M-order file under 512MB and without a limit: docs/scale.md). Two runs of the sample per command:
 * in the slow suite (npm run test:slow); memory-limit.test.ts checks the refusals.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../lib/run/build-report.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import { copySample } from '../helpers/sample.ts';
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

});

describe('--memory-limit of clv fit and clv score', () => {
  it('bounds their DuckDB as for clv report: the same files under 64MB', () => {
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
    }
  }, 180_000);
});
