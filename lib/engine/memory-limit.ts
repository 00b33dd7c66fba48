// In a module of its own so that the command line's options do not load DuckDB.

import { availableParallelism } from 'node:os';
import { UserError } from '../errors.ts';

/**
 * DuckDB's memory limit for a report (lib/run/build-report.ts), which spills into the run's scratch
 * folder beyond it. DuckDB's own default is 80% of the machine's memory, and it keeps what it was
 * given. 512 MB (128 MB per thread on more than 4 cores): the 10M-order report then peaks at 1.3 GiB
 * instead of 2.6 GiB, for the same CPU time (docs/scale.md, "Memory"). Results do not depend on the limit.
 */
export const DEFAULT_MEMORY_TEXT = '512MB, or 128MB per thread on more than 4 cores';
export const DEFAULT_MEMORY_LIMIT = `${Math.max(512, 128 * availableParallelism())}MB`;

/** A memory size as DuckDB's memory_limit takes it: a number and a unit (`512MB`, `1.5GB`, `2GiB`). */
export const MEMORY_SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** The `--memory-limit` option of clv report, view, monthly, fit and score (yargs). */
export const MEMORY_LIMIT_OPTION = {
  type: 'string',
  describe: `DuckDB's memory limit, e.g. 2GB; beyond it DuckDB writes to a temporary folder instead of growing (default ${DEFAULT_MEMORY_TEXT})`,
} as const;

/** The memory limit of a run: the given size (the flag or the config's `memory_limit`), checked, or the default. */
export function checkMemoryLimit(size: string | undefined): string {
  if (size === undefined) return DEFAULT_MEMORY_LIMIT;
  if (!MEMORY_SIZE.test(size.trim())) throw new UserError(`--memory-limit ${JSON.stringify(size)}: expected a size such as 512MB, 1GB or 1.5GB (DuckDB's memory limit; default ${DEFAULT_MEMORY_TEXT})`);
  return size.trim();
}
