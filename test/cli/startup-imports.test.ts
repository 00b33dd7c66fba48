/**
 * `clv --help` and `clv report --help` answer fast (issue 11: ≤ 0.3 s) only if the modules they load
 * statically stay light: jobs/cli.ts loads the module of the command being run, and a command's module
 * loads DuckDB, arquero, Vega and zod only when it computes (dynamic `import()`). This test walks the
 * static imports of the TypeScript sources (`import … from`, not `import type`, not `import()`) from
 * those entry points and fails when one reaches a heavy package. (A survey loader imported for one
 * constant once brought in DuckDB and arquero: `clv report --help` took 0.74 s of CPU instead of 0.33 s.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const HEAVY = ['@duckdb/node-api', 'arquero', 'vega', 'vega-lite', 'zod', 'pg'];

/** Static value imports of a source file: relative paths resolved, packages by name. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    if (m[1]) continue; // import type / export type: erased
    out.push(m[2].startsWith('.') ? resolve(dirname(file), m[2]) : m[2]);
  }
  return out;
}

/** Every module reached from `entry` through static imports, with the chain that reached it. */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const dep of staticImports(file)) {
      if (seen.has(dep)) continue;
      seen.set(dep, [...seen.get(file)!, dep]);
      if (dep.startsWith('/') && dep.endsWith('.ts')) queue.push(dep);
    }
  }
  return seen;
}

const ROOT = resolve(import.meta.dirname, '../..');

describe('start-up: what --help loads', () => {
  for (const entries of [['jobs/cli.ts'], ['jobs/cli.ts', 'jobs/report.ts'], ['jobs/cli.ts', 'jobs/score.ts'], ['jobs/cli.ts', 'jobs/fit.ts']]) {
    it(`${entries.join(' + ')} loads no heavy package statically`, () => {
      const heavy: string[] = [];
      for (const e of entries) {
        for (const [mod, chain] of reach(join(ROOT, e))) {
          if (HEAVY.some((h) => mod === h || mod.startsWith(`${h}/`))) heavy.push(chain.map((c) => c.replace(`${ROOT}/`, '')).join(' → '));
        }
      }
      expect(heavy).toEqual([]);
    });
  }

  it('finds a heavy import when there is one (the walk itself works)', () => {
    const chains = [...reach(join(ROOT, 'lib/load/load-surveys.ts')).entries()].filter(([m]) => m === '@duckdb/node-api');
    expect(chains.length).toBe(1);
  });
});

/** Static imports of a bundle file (esbuild's output: `import … from "./chunk-….js"`, packages by name). */
function bundleImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s*(?:[^'";]*?from\s*)?["']([^"']+)["']/gm)].map((m) => (m[1].startsWith('.') ? resolve(dirname(file), m[1]) : m[1]));
}

describe('start-up: the bundle clv runs (dist/bundle/, bin/build.js)', () => {
  const bundle = join(ROOT, 'dist/bundle');

  it('is what bin/clv.js runs once built (the test set-up builds it)', async () => {
    const { moduleResolver } = (await import(pathToFileURL(join(ROOT, 'bin/compiled.js')).href)) as { moduleResolver: () => Promise<(p: string) => string> };
    const resolveModule = await moduleResolver();
    expect(resolveModule('jobs/cli')).toBe(pathToFileURL(join(bundle, 'cli.js')).href);
    expect(resolveModule('lib/scratch')).toBe(pathToFileURL(join(bundle, 'scratch.js')).href);
    // The worker lib/clv/segment-replicates.ts starts by its file name, next to the chunk that starts it.
    expect(statSync(join(bundle, 'segment-replicates-worker.js')).isFile()).toBe(true);
  });

  it('keeps what --help needs small: cli.js loads no DuckDB and under a sixth of the bundle statically', () => {
    const seen = new Set([join(bundle, 'cli.js')]);
    const queue = [...seen];
    const packages: string[] = [];
    while (queue.length > 0) {
      for (const dep of bundleImports(queue.shift()!)) {
        if (!dep.startsWith('/')) packages.push(dep);
        else if (!seen.has(dep)) {
          seen.add(dep);
          queue.push(dep);
        }
      }
    }
    // Only Node's own modules: DuckDB (the one package left outside the bundle) is not among them.
    expect(packages.filter((p) => !p.startsWith('node:') && !builtinModules.includes(p))).toEqual([]);
    const size = (files: Iterable<string>) => [...files].reduce((n, f) => n + statSync(f).size, 0);
    const all = size(readdirFiles(bundle));
    expect(size(seen)).toBeLessThan(all / 6);
  });
});

function readdirFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => join(dir, f));
}
