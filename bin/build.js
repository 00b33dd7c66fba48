#!/usr/bin/env node
/**
 * Compiles lib/ and jobs/ into dist/ for bin/clv.js (`tsc -p tsconfig.build.json`;
 * no type check here: `npm test` runs `tsc --noEmit`), then bundles the compiled
 * entry points with esbuild into dist/bundle/ (bin/compiled.js: BUNDLE_ENTRIES).
 * The bundle is what clv runs: one file per entry and per lazily imported part
 * instead of some 800 modules of lib/ and the packages, which cut every start by
 * about 0.3 s (clv --help 0.33 s → 0.27 s; bench/README.md).
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
import { rmSync } from 'node:fs';
import { BUNDLE_DIR, BUNDLE_ENTRIES, staleReason } from './compiled.js';

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
  rmSync(ROOT + BUNDLE_DIR, { recursive: true, force: true });
  if (spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) return false;
  return bundle();
}

/**
 * Bundles the compiled entry points into dist/bundle/ (ES modules, split where the code imports
 * lazily, so `clv --help` still loads neither DuckDB nor the charts). DuckDB's native binding and
 * the optional native PostgreSQL client stay packages; CommonJS packages inside get a `require`.
 * Without esbuild (npm ci --omit=dev) there is no bundle and clv runs dist/'s modules.
 */
function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild');
  } catch {
    return true;
  }
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(BUNDLE_ENTRIES).map(([name, module]) => [name, `dist/${module}.js`])),
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['@duckdb/*', 'pg-native', 'tsx', 'tsx/*', 'typescript'],
    banner: { js: "import { createRequire as __clvCreateRequire } from 'node:module'; const require = __clvCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return result.errors.length === 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flags = process.argv.slice(2);
  const reason = flags.includes('--if-stale') ? staleReason() : 'npm run build';
  const ok = reason === undefined || build(flags.includes('--if-stale') ? reason : undefined);
  if (!ok && !(flags.includes('--prepare') && tscPath() === undefined)) process.exitCode = 1;
}
