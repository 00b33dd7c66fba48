/**
 * Vitest global setup: the end-to-end tests run the `clv` command as users do
 * (bin/clv.js, from the compiled dist/), so dist/ is compiled first when it is
 * missing or older than a source (`node bin/build.js --if-stale`; nothing to do
 * after `npm ci` on an unchanged checkout).
 */
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['bin/build.js', '--if-stale'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node bin/build.js --if-stale failed (exit ${r.status ?? r.signal}): the tests need dist/`);
}
