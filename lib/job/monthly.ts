/**
 * The monthly job: one report per month in `<outRoot>/<YYYY-MM>/`, compared
 * with the previous run, and the history page `<outRoot>/index.html`.
 *
 *   lock the output root ─► tidy what a killed run left ─► read the previous run
 *   ─► build the report (with "What changed") ─► history page to a temporary file
 *   ─► swap the month folder in (atomic) ─► rename the history page into place
 *   ─► release the lock
 *
 * Everything before the two swaps happens in temporary files, so a failed
 * run leaves the previous output and the history exactly as they were.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { OrdersSource } from '../sources/source.ts';
import type { Progress } from '../progress.ts';
import type { CohortReportOptions } from '../run/build-report.ts';
import type { HistoryRun } from '../report/history-page.ts';
import type { PreviousManifest } from '../parts/what-changed/present.ts';
import type { WriteOptions } from '../report/write-output.ts';
import { checkIsoDate, defaultMonthlyAsOf, MONTH_DIR, monthOf, previousMonth } from './as-of.ts';
import { acquireLock, processAlive } from './lock.ts';
import { findPreviousRun, monthFolders, parseManifest } from './previous-run.ts';

/** Exit code of a run whose output could not be written (disk full, permissions); nothing was changed. */
export const EXIT_WRITE_FAILED = 4;

export const DEFAULT_OUT_ROOT = join('reports', 'out');

export interface MonthlyOptions {
  orders: OrdersSource;
  /** Analysis and presentation options, as for `clv report`. */
  report: Omit<CohortReportOptions, 'orders' | 'progress' | 'previous'>;
  /** Report as of this date; default the last day of the previous month (UTC) by `now`. */
  asOf?: string;
  outRoot: string;
  /** The clock (tests fix it). */
  now: () => Date;
  progress: Progress;
  /** Test hook passed to the month folder's writer (throwing simulates a crash mid-write). */
  write?: WriteOptions;
}

export interface MonthlyResult {
  month: string;
  asOf: string;
  /** The month folder written. */
  dir: string;
  /** The history page. */
  history: string;
  /** Month of the run compared with, or null. */
  previous: string | null;
}

/** A write that failed for a reason outside the program (ENOSPC, EACCES…) becomes a one-line user error. */
function writeFailure(err: unknown, what: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return err;
  return new UserError(`cannot write ${what}: ${e.message}; the previous output and the history page are unchanged`, EXIT_WRITE_FAILED);
}

/** writeOutputDir's temporary and set-aside folders: `.<name>.tmp-<pid>-<time>-<n>` / `.<name>.old-…`. */
const LEFTOVER = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-z]+(-\d+)?$/;

/**
 * Tidies what a killed run left in the output root (only entries of month
 * folders or the history page, only from processes no longer running): a
 * month folder set aside just before the new one was swapped in is put back
 * when the new one is missing; temporary folders and files are removed.
 */
export async function recoverLeftovers(root: string, log: (message: string) => void): Promise<void> {
  for (const name of (await readdir(root)).sort()) {
    const m = LEFTOVER.exec(name);
    if (!m || !(MONTH_DIR.test(m[1]) || m[1] === 'index.html') || processAlive(Number(m[3]))) continue;
    const path = join(root, name);
    if (m[2] === 'old' && MONTH_DIR.test(m[1])) {
      const target = join(root, m[1]);
      try {
        await rename(path, target);
        log(`restored ${target} from ${name}, set aside by a run (pid ${m[3]}) that stopped before finishing`);
        continue;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      }
    }
    await rm(path, { recursive: true, force: true });
    log(`removed ${name}, left by a run (pid ${m[3]}) that stopped before finishing`);
  }
}

async function readHistory(root: string, except: string): Promise<HistoryRun[]> {
  const runs: HistoryRun[] = [];
  for (const month of await monthFolders(root)) {
    if (month === except) continue;
    let text: string;
    try {
      text = await readFile(join(root, month, 'manifest.json'), 'utf8');
    } catch (err) {
      runs.push({ month, problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest.json' : (err as Error).message });
      continue;
    }
    const parsed = parseManifest(text);
    runs.push('problem' in parsed ? { month, problem: parsed.problem } : { month, manifest: parsed.manifest });
  }
  return runs;
}

export async function runMonthly(options: MonthlyOptions): Promise<MonthlyResult> {
  const { progress } = options;
  const asOf = options.asOf !== undefined ? checkIsoDate(options.asOf, '--as-of') : defaultMonthlyAsOf(options.now());
  const month = monthOf(asOf);
  const root = resolve(options.outRoot);
  const dir = join(root, month);
  progress.detail?.(`as of ${asOf}${options.asOf === undefined ? ' (the last day of the previous month, UTC)' : ''}; output ${dir}`);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw writeFailure(err, root);
  }
  progress.step(`locking ${root}`);
  const lock = await acquireLock(root, { command: `clv monthly ${month}`, log: (m) => progress.warn?.(m), now: options.now }).catch((err) => {
    throw writeFailure(err, root);
  });
  progress.detail?.(`lock ${lock.path} (pid ${lock.info.pid})`);
  try {
    await recoverLeftovers(root, (m) => progress.warn?.(m));
    const previous = await findPreviousRun(root, month);
    if (previous === null) progress.detail?.(`no earlier run in ${root}: the report says so`);
    else if ('problem' in previous) progress.warn?.(`the previous run ${previous.month} cannot be read (${previous.problem}); the report says so`);
    else progress.detail?.(`comparing with ${previous.month}${previous.month !== previousMonth(month) ? ` (there is no run for ${previousMonth(month)})` : ''}`);

    // Loaded here so that `clv monthly --help` and refused runs do not load DuckDB and Vega.
    const { buildCohortReport } = await import('../run/build-report.ts');
    const { writeOutputDir } = await import('../report/write-output.ts');
    const { renderHistoryPage } = await import('../report/history-page.ts');
    const result = await buildCohortReport({ ...options.report, orders: options.orders.atAsOf(asOf), previous, progress });
    try {
      const input = result.orders.input;
      progress.detail?.(`${options.orders.describe().label}: ${input.rows_read} rows read, ${input.rows_kept} kept; ${result.analysis.kpis.customers} customers up to ${result.orders.asOf}`);
      progress.step('updating the history page');
      const runs = [...(await readHistory(root, month)), { month, manifest: result.manifest as PreviousManifest }];
      const historyPath = join(root, 'index.html');
      const historyTmp = join(root, `.index.html.tmp-${process.pid}-${Date.now().toString(36)}`);
      try {
        await writeFile(historyTmp, renderHistoryPage(runs));
      } catch (err) {
        await rm(historyTmp, { force: true });
        throw writeFailure(err, historyPath);
      }
      try {
        progress.step(`writing ${dir}`);
        try {
          await writeOutputDir(dir, result.files, options.write);
        } catch (err) {
          throw writeFailure(err, dir);
        }
        await rename(historyTmp, historyPath);
      } finally {
        await rm(historyTmp, { force: true });
      }
      progress.detail?.(`${result.files.size} files in ${dir}; history of ${runs.length} ${runs.length === 1 ? 'run' : 'runs'} in ${historyPath}`);
      return { month, asOf, dir, history: historyPath, previous: previous?.month ?? null };
    } finally {
      await result.cleanup();
    }
  } finally {
    await lock.release();
  }
}
