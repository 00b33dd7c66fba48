import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './package-root.ts';

const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { name: string; version: string };

/** Name and version of this tool, as recorded in manifests and report footers. */
export const TOOL = { name: pkg.name, version: pkg.version } as const;
