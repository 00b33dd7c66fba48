/** The sample data of seed 42 for tests, generated once per run by the global setup (test/helpers/global-setup.ts). */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

/** Writes into `dir` (created when missing) the files of writeSample(dir, { seed: 42, surveys: true }). */
export function copySample(dir: string): void {
  const from = inject('sampleDir');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(dir, name));
}

/**
 * A temporary folder laid out as a checkout after `npm start`: the repository's clv.config.json
 * beside data/sample/ (a clean clone has no data/sample/ until `npm start` writes it). Returns the
 * path of the copied config.
 */
export function sampleConfig(prefix = 'clv-sample-'): string {
  const work = mkdtempSync(join(tmpdir(), prefix));
  copySample(join(work, 'data', 'sample'));
  copyFileSync('clv.config.json', join(work, 'clv.config.json'));
  return join(work, 'clv.config.json');
}
