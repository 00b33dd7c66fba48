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
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT_WRITE_FAILED, UserError, writeFailure } from '../errors.ts';
import type { Staleness } from '../run/stale.ts';
import type { OrdersSource } from '../sources/source.ts';
import type { Progress } from '../progress.ts';
import type { CohortReportOptions } from '../run/build-report.ts';
import type { HistoryRun } from '../report/history-page.ts';
import type { PreviousManifest } from '../parts/what-changed/present.ts';
import { checkFolderPath, recoverLeftovers as recoverOutputLeftovers, type WriteOptions } from '../report/write-output.ts';
import { checkIsoDate, defaultMonthlyAsOf, MONTH_DIR, monthOf, previousMonth } from './as-of.ts';
import { acquireLock } from './lock.ts';
import { HISTORY_MARK } from '../report/history-page.ts';
import { findPreviousRun, monthFolders, parseManifest } from './previous-run.ts';

/** Exit code of a run whose output could not be written (disk full, permissions); nothing was changed. */
export { EXIT_WRITE_FAILED };

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
  /** Input files (orders, spend, customers, config), which must not be inside the month folder. */
  inputs?: (string | undefined)[];
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
  /** Set when the orders end more than one period before the as-of date. */
  stale?: Staleness;
}

const UNCHANGED = 'the previous output and the history page are unchanged';

/**
 * Tidies what a killed run left in the output root (only entries of month
 * folders or the history page, only from processes no longer running): a
 * month folder set aside just before the new one was swapped in is put back
 * when the new one is missing; temporary folders and files are removed.
 */
export async function recoverLeftovers(root: string, log: (message: string) => void): Promise<void> {
  await recoverOutputLeftovers(root, (name) => MONTH_DIR.test(name) || name === 'index.html', log);
}

/** The history page may only replace a history page (or nothing): never a user's own index.html. */
async function checkHistoryPage(path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeFailure(err, path, UNCHANGED);
  }
  if (!text.includes(HISTORY_MARK)) {
    throw new UserError(`${path} exists and is not the history page of clv monthly; it would be replaced, so choose another --out-root (or move that file). Nothing was changed`);
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
  await checkFolderPath(options.outRoot, '--out-root');
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw writeFailure(err, root, UNCHANGED);
  }
  progress.step(`locking ${root}`);
  const lock = await acquireLock(root, { command: `clv monthly ${month}`, log: (m) => progress.warn?.(m), now: options.now }).catch((err) => {
    throw writeFailure(err, root, UNCHANGED);
  });
  progress.detail?.(`lock ${lock.path} (pid ${lock.info.pid})`);
  try {
    await recoverLeftovers(root, (m) => progress.warn?.(m));
    await checkHistoryPage(join(root, 'index.html'));
    const { checkOutputDir } = await import('../report/write-output.ts');
    await checkOutputDir(dir, { inputs: options.inputs, flag: 'the month folder' });
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
        throw writeFailure(err, historyPath, UNCHANGED);
      }
      try {
        progress.step(`writing ${dir}`);
        try {
          await writeOutputDir(dir, result.files, { ...options.write, inputs: options.inputs, flag: 'the month folder' });
        } catch (err) {
          throw writeFailure(err, dir, UNCHANGED);
        }
        await rename(historyTmp, historyPath);
      } finally {
        await rm(historyTmp, { force: true });
      }
      progress.detail?.(`${result.files.size} files in ${dir}; history of ${runs.length} ${runs.length === 1 ? 'run' : 'runs'} in ${historyPath}`);
      return { month, asOf, dir, history: historyPath, previous: previous?.month ?? null, ...(result.stale ? { stale: result.stale } : {}) };
    } finally {
      await result.cleanup();
    }
  } finally {
    await lock.release();
  }
}
