/**
 * Atomic output directories. Everything is written into a temporary sibling
 * directory; only when every file is complete does it replace the target.
 * A failure at any point leaves an existing target untouched and removes the
 * temporary directory.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A file already written elsewhere (e.g. by DuckDB), moved into place. */
export interface FileOnDisk {
  fromFile: string;
}

/** Relative path (with `/`) → content. */
export type OutputFiles = Map<string, string | Uint8Array | FileOnDisk>;

export interface WriteOptions {
  /** Test hook: called after each file is written; throwing simulates a crash mid-write. */
  afterFile?: (path: string, index: number) => void;
}

let counter = 0;

export async function writeOutputDir(dir: string, files: OutputFiles, options: WriteOptions = {}): Promise<string> {
  const target = resolve(dir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  const old = join(parent, `.${basename(target)}.old-${tag}`);
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
    let hadOld = false;
    try {
      await rename(target, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      if (hadOld) await rename(old, target);
      throw err;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
    return target;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
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
 * path of the written index.html.
 */
export async function writeReportDir(dir: string, result: { files: OutputFiles; cleanup(): Promise<void> }): Promise<string> {
  try {
    return join(await writeOutputDir(dir, result.files), 'index.html');
  } finally {
    await result.cleanup();
  }
}
