#!/usr/bin/env node
/**
 * Compiles lib/ and jobs/ into dist/ for bin/clv.js (`tsc -p tsconfig.build.json`;
 * no type check here: `npm test` runs `tsc --noEmit`).
 *
 *   node bin/build.js              # npm run build
 *   node bin/build.js --if-stale   # only when dist/ is missing or older than a source (test setup)
 *   node bin/build.js --prepare    # npm ci's prepare script: without TypeScript installed
 *                                  # (npm ci --omit=dev) it says so and leaves dist/ out;
 *                                  # clv then runs the sources through tsx
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { staleReason } from './compiled.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The TypeScript compiler's script, or undefined when TypeScript is not installed. */
function tscPath() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Compiles the sources into dist/; true when it succeeded. `why`, when given, is said on stderr first. */
export function build(why) {
  const tsc = tscPath();
  if (tsc === undefined) {
    process.stderr.write('clv: TypeScript is not installed (npm ci --omit=dev?): dist/ is not built, clv runs the sources through tsx\n');
    return false;
  }
  if (why) process.stderr.write(`clv: compiling the TypeScript sources into dist/ (${why})\n`);
  return spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' }).status === 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flags = process.argv.slice(2);
  const reason = flags.includes('--if-stale') ? staleReason() : 'npm run build';
  const ok = reason === undefined || build(flags.includes('--if-stale') ? reason : undefined);
  if (!ok && !(flags.includes('--prepare') && tscPath() === undefined)) process.exitCode = 1;
}
