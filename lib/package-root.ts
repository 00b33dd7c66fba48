import { existsSync } from 'node:fs';

/**
 * The package's root folder (package.json, reports/): one level up from this
 * module in the sources (lib/), two levels up when it runs compiled (dist/lib/,
 * written by `npm run build`).
 */
export const PACKAGE_ROOT: URL = existsSync(new URL('../package.json', import.meta.url))
  ? new URL('../', import.meta.url)
  : new URL('../../', import.meta.url);
