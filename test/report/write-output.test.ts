/** Atomic output directories: a failed write leaves the previous output untouched. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputDir } from '../../lib/report/write-output.ts';

describe('writeOutputDir', () => {
  it('replaces the directory as a whole', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    const dir = join(parent, 'report');
    mkdirSync(dir);
    writeFileSync(join(dir, 'stale.txt'), 'old');
    await writeOutputDir(dir, new Map([['index.html', 'new'], ['data/a.csv', 'a\n']]));
    expect(readdirSync(dir).sort()).toEqual(['data', 'index.html']);
    expect(readFileSync(join(dir, 'data/a.csv'), 'utf8')).toBe('a\n');
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('leaves an existing directory untouched when writing fails midway', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    const dir = join(parent, 'report');
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.html'), 'previous');
    const files = new Map([['a.csv', 'a'], ['b.csv', 'b'], ['index.html', 'new']]);
    await expect(
      writeOutputDir(dir, files, {
        afterFile: (_p, i) => {
          if (i === 1) throw new Error('disk full (simulated)');
        },
      }),
    ).rejects.toThrow('disk full (simulated)');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['index.html']);
    expect(readdirSync(parent)).toEqual(['report']); // no temporary directory left behind
  });

  it('creates missing parent directories', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    const dir = join(parent, 'a', 'b');
    await writeOutputDir(dir, new Map([['x.txt', 'x']]));
    expect(existsSync(join(dir, 'x.txt'))).toBe(true);
  });
});
