/** The sample data of seed 42 for tests, generated once per run by the global setup (test/helpers/global-setup.ts). */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/** Writes into `dir` (created when missing) the files of writeSample(dir, { seed: 42 }). */
export function copySample(dir: string): void {
  const from = inject('sampleDir');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(dir, name));
}
