/**
 * Output folders. A report folder is replaced as a whole, so the tool only
 * ever replaces a folder that it wrote itself (its manifest.json names the
 * tool) or an empty one, never a plain file, a symbolic link or a folder that
 * holds one of the input files ({@link checkOutputDir}).
 *
 * The swap keeps a complete report at the path at every instant:
 *   1. every file is written into `.<name>.tmp-<tag>`              (written)
 *   2. that folder is renamed `.<name>.new-<tag>`                  (complete)
 *   3. `.<name>.new-<tag>` and `<name>` are exchanged in one step  (swapped)
 *      (Linux's renameat2 RENAME_EXCHANGE, lib/exchange.ts): the new report
 *      is at `<name>`, the previous one at `.<name>.new-<tag>`
 *   4. `.<name>.new-<tag>` (now the previous report) is removed     (done)
 * with tag = `<pid>-<time>-<n>`. When there is no previous folder, step 3 is
 * a plain rename. Where the exchange is not available (not Linux, no perl, a
 * file system without it, any failure) step 3 is two renames:
 *   3a. the previous `<name>` is renamed `.<name>.old-<tag>`       (set-aside)
 *   3b. `.<name>.new-<tag>` is renamed `<name>`                    (swapped)
 *   4.  `.<name>.old-<tag>` is removed                             (done)
 * and between 3a and 3b the path is empty for an instant.
 *
 * A failure at any step undoes the steps before it (the previous folder is
 * renamed back), and so do SIGINT, SIGTERM and SIGHUP (lib/scratch.ts; the
 * steps from 2 on are synchronous, each recorded in the same step, so a
 * handler sees a step either not done or done and recorded, never one under
 * way in another thread). A process killed outright (kill -9) leaves hidden folders,
 * which the next run for that folder tidies before it does anything else
 * ({@link recoverLeftovers}):
 *   - `.tmp-` is an unfinished report: removed;
 *   - `.new-` is removed whatever it holds: before the exchange it is the new
 *     report of a run that did not finish (rolled back: the previous report
 *     is at the path), after the exchange it is the previous report (the swap
 *     is done: the new one is at the path). Either way the path holds a
 *     complete report, so no marker is needed to tell them apart;
 *   - `.old-` (two renames only) is the previous report: put back when the
 *     path is empty (killed between 3a and 3b), else removed (killed after 3b).
 */
import { copyFile, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, renameSync, rmSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError, writeFailure } from '../errors.ts';
import { exchangeFolders } from '../exchange.ts';
import { onAbort, processAlive } from '../scratch.ts';
import { TOOL } from '../version.ts';

/** A file already written elsewhere (e.g. by DuckDB), moved into place. */
export interface FileOnDisk {
  fromFile: string;
}

/** Relative path (with `/`) → content. */
export type OutputFiles = Map<string, string | Uint8Array | FileOnDisk>;

/**
 * The steps of the swap, in order (see the module comment); 'set-aside' only
 * when the swap is made of two renames instead of one exchange.
 */
export type SwapStep = 'written' | 'complete' | 'set-aside' | 'swapped' | 'done';

export interface WriteOptions {
  /** Test hook: called after each file is written; throwing simulates a crash mid-write. */
  afterFile?: (path: string, index: number) => void;
  /** Test hook: called after each step of the swap (a test kills the process there). */
  afterStep?: (step: SwapStep) => void;
  /** Test hook: false makes the swap two renames even where the atomic exchange works. */
  exchange?: boolean;
  /** Input files, which must not be inside the folder that is replaced. */
  inputs?: (string | undefined)[];
  /** Told what was tidied after a killed run. */
  log?: (message: string) => void;
  /** How the folder was given, for messages (default `--out`). */
  flag?: string;
}

let counter = 0;

/** Whether `path` is `dir` or inside it. */
function within(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/** Whether `dir/manifest.json` was written by this tool. */
async function writtenByClv(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { tool?: { name?: unknown } };
    return manifest?.tool?.name === TOOL.name;
  } catch {
    return false;
  }
}

/**
 * The entry at the absolute path `target` (lstat), or null when there is none
 * yet and a folder can be made there: its nearest existing parent is a
 * folder; a parent that is a plain file is refused with a {@link UserError}.
 */
async function folderOrNew(target: string, flag: string, shown: string): Promise<Stats | null> {
  try {
    return await lstat(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  let parent = dirname(target);
  for (;;) {
    try {
      const p = await stat(parent);
      if (!p.isDirectory()) throw new UserError(`${flag} ${shown}: ${parent} is a file, not a folder, so no folder can be made under it; choose another ${flag}`);
      return null;
    } catch (e) {
      if (e instanceof UserError) throw e;
      const c = (e as NodeJS.ErrnoException).code;
      if ((c !== 'ENOENT' && c !== 'ENOTDIR') || dirname(parent) === parent) throw e;
      parent = dirname(parent);
    }
  }
}

/**
 * Checks that `dir` can be a folder the tool writes into (without replacing
 * it): a folder, or a path where one can be made. A plain file, or a path
 * under one, is refused with a {@link UserError} (exit code 2). Returns the
 * absolute path.
 */
export async function checkFolderPath(dir: string, flag: string): Promise<string> {
  const target = resolve(dir);
  const shown = JSON.stringify(dir);
  const st = await folderOrNew(target, flag, shown);
  if (st !== null && !(await stat(target)).isDirectory()) {
    throw new UserError(`${flag} ${shown} is a file, not a folder; choose a folder (it is made if missing)`);
  }
  return target;
}

/**
 * Checks that `dir` may be replaced by a report: it does not exist yet (and
 * its nearest existing parent is a folder), or it is an empty folder, or a
 * folder holding a report written by clv; and no input file is inside it.
 * Anything else is refused with a {@link UserError} (exit code 2). Returns
 * the absolute path.
 */
export async function checkOutputDir(dir: string, options: Pick<WriteOptions, 'inputs' | 'flag'> = {}): Promise<string> {
  const flag = options.flag ?? '--out';
  if (typeof dir !== 'string' || dir.trim() === '') throw new UserError(`${flag} ${JSON.stringify(dir ?? '')}: expected the path of a folder for the report`);
  const target = resolve(dir);
  const shown = JSON.stringify(dir);
  const realTarget = await realOrResolved(target);
  for (const input of options.inputs ?? []) {
    // A database URL is no file (and may hold a password, which must not be printed).
    if (input === undefined || input === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)) continue;
    const real = await realOrResolved(input);
    if (within(realTarget, real) || within(target, resolve(input))) {
      throw new UserError(
        `${flag} ${shown}: the folder holds the input file ${input}; clv replaces its output folder as a whole, so choose a folder that does not contain the inputs (e.g. ${JSON.stringify(join(dir, 'clv-report'))})`,
      );
    }
  }
  const st = await folderOrNew(target, flag, shown);
  if (st === null) return target;
  if (st.isSymbolicLink()) {
    throw new UserError(`${flag} ${shown} is a symbolic link; clv replaces its output folder as a whole, so give the path of a real folder`);
  }
  if (!st.isDirectory()) {
    throw new UserError(`${flag} ${shown} is a file, not a folder; clv would replace it with the report folder, so choose a new or empty folder`);
  }
  const entries = (await readdir(target)).sort();
  if (entries.length === 0 || (await writtenByClv(target))) return target;
  const listed = entries.slice(0, 3).map((e) => JSON.stringify(e)).join(', ') + (entries.length > 3 ? ` and ${entries.length - 3} more` : '');
  throw new UserError(
    `${flag} ${shown}: the folder is not a clv report (it holds ${listed}, and no manifest.json written by clv); clv replaces its output folder as a whole, so it only writes to a new or empty folder or to one that holds an earlier clv report. Nothing was changed; choose another folder (e.g. ${JSON.stringify(join(dir, 'clv-report'))})`,
  );
}

/** writeOutputDir's hidden folders: `.<name>.tmp-<pid>-<time>-<n>`, `.new-…`, `.old-…` (older runs: no `-<n>`). */
const LEFTOVER = /^\.(.+)\.(tmp|new|old)-(\d+)-[0-9a-z]+(-\d+)?$/;

/**
 * Tidies what killed runs left in `parent` for the entries whose name
 * `accept`s (only from processes that no longer run): a folder set aside
 * before a swap that did not finish is put back when its place is empty, a
 * set-aside folder whose swap did finish is removed, and `.tmp-` and `.new-`
 * folders are removed (a `.new-` is an unswapped new report, or after an
 * exchange the previous report: either way the path holds a complete one).
 */
export async function recoverLeftovers(parent: string, accept: (name: string) => boolean, log: (message: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  // Set-aside folders first: a new folder is removed only after the old one is back.
  const kindOrder = { old: 0, new: 1, tmp: 2 } as Record<string, number>;
  const leftovers = names
    .map((name) => ({ name, m: LEFTOVER.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null && accept(e.m[1]) && !processAlive(Number(e.m[3])))
    .sort((a, b) => kindOrder[a.m[2]] - kindOrder[b.m[2]] || (a.name < b.name ? -1 : 1));
  for (const { name, m } of leftovers) {
    const path = join(parent, name);
    if (m[2] === 'old') {
      const target = join(parent, m[1]);
      try {
        await rename(path, target);
        log(`restored ${target} from ${name}, set aside by a run (pid ${m[3]}) that stopped before finishing`);
        continue;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err;
      }
    }
    await rm(path, { recursive: true, force: true });
    log(`removed ${name}, left by a run (pid ${m[3]}) that stopped before finishing`);
  }
}

/**
 * Before any work for the output folder `dir`: completes or rolls back what
 * a killed run left next to it, then checks that it may be replaced
 * ({@link checkOutputDir}). Commands call it first, so that a refusal comes
 * before minutes of work.
 */
export async function prepareOutputDir(dir: string, options: Pick<WriteOptions, 'inputs' | 'flag' | 'log'> = {}): Promise<string> {
  if (typeof dir === 'string' && dir.trim() !== '') {
    const target = resolve(dir);
    await recoverLeftovers(dirname(target), (name) => name === basename(target), options.log ?? (() => {}));
  }
  return checkOutputDir(dir, options);
}

/**
 * Writes `files` into the folder `dir`, replacing it as a whole (see the
 * module comment). Errors of the file system (disk full, read-only…) are
 * thrown as they are; {@link writeReportDir} turns them into a user error.
 */
export async function writeOutputDir(dir: string, files: OutputFiles, options: WriteOptions = {}): Promise<string> {
  const target = await prepareOutputDir(dir, options);
  const parent = dirname(target);
  const name = basename(target);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const tmp = join(parent, `.${name}.tmp-${tag}`);
  const fresh = join(parent, `.${name}.new-${tag}`);
  const old = join(parent, `.${name}.old-${tag}`);
  let hadOld = false;
  // 'swapped' after an exchange: the previous report is at `fresh`; after two renames: at `old`.
  let state: 'writing' | 'set-aside' | 'swapped' = 'writing';
  // Undoes what was done so far (synchronous, for the signal handlers too: the process exits right after).
  const undo = () => {
    // In 'set-aside' the new report is not at the target yet (the renames are synchronous and the
    // state follows each in the same step), so the old one comes back; should the target be there
    // all the same, the swap is done and the old one goes.
    if (state === 'set-aside' && hadOld) {
      if (existsSync(target)) rmSync(old, { recursive: true, force: true });
      else renameSync(old, target);
    }
    if (state === 'swapped') rmSync(old, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
    rmSync(fresh, { recursive: true, force: true });
  };
  // On SIGINT/SIGTERM/SIGHUP.
  const unregister = onAbort(undo);
  try {
    await mkdir(tmp);
    let i = 0;
    for (const [rel, content] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const path = join(tmp, ...rel.split('/'));
      await mkdir(dirname(path), { recursive: true });
      if (typeof content === 'object' && 'fromFile' in content) await moveFile(content.fromFile, path);
      else await writeFile(path, content);
      options.afterFile?.(rel, i++);
    }
    options.afterStep?.('written');
    renameSync(tmp, fresh);
    options.afterStep?.('complete');
    // The folder may have changed while the report was being built.
    await checkOutputDir(dir, options);
    // Each step of the swap is synchronous, its state recorded in the same step: a signal handler
    // runs between steps, never while a rename is under way in another thread (an asynchronous
    // rename could land after the handler looked, and leave the previous report aside).
    if (options.exchange !== false && existsSync(target) && exchangeFolders(fresh, target)) {
      state = 'swapped';
    } else {
      try {
        renameSync(target, old);
        hadOld = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      state = 'set-aside';
      options.afterStep?.('set-aside');
      try {
        renameSync(fresh, target);
      } catch (err) {
        if (hadOld) renameSync(old, target);
        state = 'writing';
        throw err;
      }
      state = 'swapped';
    }
    options.afterStep?.('swapped');
    // The new report is in place: a previous one that cannot be removed now is removed by the next run.
    try {
      rmSync(hadOld ? old : fresh, { recursive: true, force: true });
    } catch {
      // left for the next run
    }
    options.afterStep?.('done');
    return target;
  } catch (err) {
    try {
      undo();
    } catch {
      // the error that stopped the swap is the one to report; the next run tidies what is left
    }
    throw err;
  } finally {
    unregister();
  }
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/**
 * Writes a built report's files to `dir` (atomically, see {@link writeOutputDir}),
 * then removes its scratch files whether or not the write worked. Returns the
 * path of the written index.html. A write the file system refuses (disk full,
 * read-only, permissions) is a one-line user error with exit code 4.
 */
export async function writeReportDir(dir: string, result: { files: OutputFiles; cleanup(): Promise<void> }, options: WriteOptions = {}): Promise<string> {
  try {
    return join(await writeOutputDir(dir, result.files, options), 'index.html');
  } catch (err) {
    throw writeFailure(err, typeof dir === 'string' && dir !== '' ? resolve(dir) : String(dir), 'the previous report is unchanged');
  } finally {
    await result.cleanup();
  }
}
