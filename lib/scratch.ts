/**
 * Scratch folders (files DuckDB writes before they are moved into the
 * output) and what must be undone when the process stops early.
 *
 * A scratch folder is `<system temp>/clv-scratch-<pid>-XXXXXX`. It is removed
 * by its owner when done, by {@link runExitCleanup} on exit and on SIGINT,
 * SIGTERM or SIGHUP, and, when the process was killed outright (kill -9, power
 * loss), by the next run: {@link removeStaleScratch} removes the folders of
 * processes that no longer run.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'clv-scratch-';
const SCRATCH = /^clv-scratch-(\d+)-[A-Za-z0-9]+$/;

/** Synchronous undo steps of this process (scratch folders, a half-done swap), run on exit and on signals. */
const undoSteps = new Set<() => void>();

/** Registers a synchronous step to run if the process exits or is stopped by a signal; returns its remover. */
export function onAbort(step: () => void): () => void {
  undoSteps.add(step);
  return () => undoSteps.delete(step);
}

/** Runs (once) every registered undo step, newest first; errors are ignored (best effort). */
export function runExitCleanup(): void {
  for (const step of [...undoSteps].reverse()) {
    undoSteps.delete(step);
    try {
      step();
    } catch {
      // best effort: the next run tidies what is left
    }
  }
}

/** A new scratch folder in the system's temp folder, removed on exit and on signals. */
export async function makeScratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const remove = onAbort(() => rmSync(dir, { recursive: true, force: true }));
  scratchRemovers.set(dir, remove);
  return dir;
}

const scratchRemovers = new Map<string, () => void>();

/** Removes a scratch folder made by {@link makeScratchDir}. */
export async function removeScratchDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  scratchRemovers.get(dir)?.();
  scratchRemovers.delete(dir);
}

/** Whether a process with this pid exists on this machine (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch folders of clv processes that no longer run; returns their names. */
export async function removeStaleScratch(dir = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const m = SCRATCH.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // someone else's, or already gone: not ours to insist on
    }
  }
  return removed;
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
let installed = false;

/**
 * For the `clv` command (not for tests that call it in-process): undo steps
 * run on exit and on SIGINT/SIGTERM/SIGHUP, after which the process exits
 * with 128 + the signal number, as shells expect.
 */
export function installExitCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runExitCleanup);
  for (const [signal, number] of Object.entries(SIGNALS)) {
    process.on(signal, () => {
      runExitCleanup();
      process.stderr.write(`\nclv: stopped by ${signal}; the previous output is unchanged\n`);
      process.exit(128 + number);
    });
  }
}
