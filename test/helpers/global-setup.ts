/**
 * Vitest global setup, run once before the test files:
 * - the end-to-end tests run the `clv` command as users do (bin/clv.js, from
 *   the compiled dist/), so dist/ is compiled first when it is missing or
 *   older than a source (`node bin/build.js --if-stale`; nothing to do after
 *   `npm ci` on an unchanged checkout);
 * - the sample data of seed 42, which many tests read, is generated once into
 *   a temporary folder that test/helpers/sample.ts copies from.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { writeSample } from '../../lib/sample/generate-sample.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder with writeSample(dir, { seed: 42, surveys: true })'s files (clv.config.json names surveys.csv). */
    sampleDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const r = spawnSync(process.execPath, ['bin/build.js', '--if-stale'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node bin/build.js --if-stale failed (exit ${r.status ?? r.signal}): the tests need dist/`);
  const sampleDir = mkdtempSync(join(tmpdir(), 'clv-test-sample-'));
  await writeSample(sampleDir, { seed: 42, surveys: true });
  project.provide('sampleDir', sampleDir);
  return () => rmSync(sampleDir, { recursive: true, force: true });
}
