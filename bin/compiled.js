/**
 * Which JavaScript runs clv: the bundle of the compiled modules in dist/bundle/
 * (or the compiled modules in dist/ without it; both written by `npm run build`,
 * which `npm ci` runs as the `prepare` script) when they are up to date, else
 * the TypeScript sources through tsx.
 *
 * dist/ is up to date when every lib/ and jobs/ source has its compiled file
 * and none of them, nor the compiler settings, changed after it was written
 * (git pull and checkout give the files they change a new time). That takes
 * one stat per file, a few milliseconds.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where bin/build.js bundles the compiled entry points (relative to the package root). */
export const BUNDLE_DIR = 'dist/bundle';
/**
 * The bundle's entry points: file name in {@link BUNDLE_DIR} → module, as bin/ imports it. A
 * worker is an entry of its own: lib/clv/segment-replicates.ts starts it by its file name next
 * to the module that starts it, which in the bundle is this folder.
 */
export const BUNDLE_ENTRIES = {
  cli: 'jobs/cli',
  start: 'jobs/start',
  scratch: 'lib/scratch',
  'segment-replicates-worker': 'lib/clv/segment-replicates-worker',
};
const SOURCE_DIRS = ['lib', 'jobs'];
const SETTINGS = ['tsconfig.json', 'tsconfig.build.json'];

/** Why dist/ cannot run (missing, or older than a source), or undefined when it is up to date. */
export function staleReason() {
  const settings = Math.max(...SETTINGS.map((f) => statSync(ROOT + f).mtimeMs));
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(ROOT + dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const source = `${entry.parentPath ?? entry.path}/${entry.name}`.slice(ROOT.length);
      const compiled = `dist/${source.slice(0, -'.ts'.length)}.js`;
      const built = statSync(ROOT + compiled, { throwIfNoEntry: false })?.mtimeMs;
      if (built === undefined) return `${compiled} is missing`;
      if (built < settings) return `the compiler settings changed after ${compiled} was written`;
      if (built < statSync(ROOT + source).mtimeMs) return `${source} changed after ${compiled} was written`;
    }
  }
  if (canBundle() && !bundleIsFresh()) return `${BUNDLE_DIR} is missing or older than dist/`;
  return undefined;
}

/** True when esbuild is installed (not with npm ci --omit=dev): bin/build.js then writes the bundle. */
function canBundle() {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

/** True when every bundle entry exists and was written after the compiled module it bundles. */
function bundleIsFresh() {
  return Object.entries(BUNDLE_ENTRIES).every(([name, module]) => {
    const bundled = statSync(`${ROOT}${BUNDLE_DIR}/${name}.js`, { throwIfNoEntry: false })?.mtimeMs;
    return bundled !== undefined && bundled >= statSync(`${ROOT}dist/${module}.js`).mtimeMs;
  });
}

/**
 * A function that gives the URL to import for a module named without its
 * extension (`jobs/cli`): in dist/ when it is up to date; else the source, with
 * tsx registered and one line on stderr saying why.
 */
export async function moduleResolver() {
  const reason = staleReason();
  if (reason === undefined) {
    const bundled = new Map(Object.entries(BUNDLE_ENTRIES).map(([name, module]) => [module, `../${BUNDLE_DIR}/${name}.js`]));
    const fresh = bundleIsFresh();
    return (path) => new URL(fresh && bundled.has(path) ? bundled.get(path) : `../dist/${path}.js`, import.meta.url).href;
  }
  process.stderr.write(`clv: running the TypeScript sources through tsx, which is slower to start (${reason}); \`npm run build\` compiles them\n`);
  const { register } = await import('tsx/esm/api');
  register();
  return (path) => new URL(`../${path}.ts`, import.meta.url).href;
}
