/**
 * One run at a time per output root: a lock file holding the holder's pid,
 * host and start time. It is created atomically (written to a private file,
 * then hard-linked into place, which fails if a lock exists), so a lock file
 * is never seen half-written. A lock left by a process that is no longer
 * running (killed, machine rebooted) is taken over, and the caller is told.
 */
import { hostname } from 'node:os';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { processAlive } from '../scratch.ts';

/** Exit code of a run refused because another run holds the lock. */
export const EXIT_LOCKED = 3;

export const LOCK_FILE = '.clv-monthly.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  /** When the holder started, ISO 8601 (UTC). */
  started_at: string;
  /** What the holder is doing, for the message. */
  command: string;
}

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** Removes the lock file if it is still this run's. */
  release(): Promise<void>;
}

/** Whether a process with this pid exists on this machine (kept here for the lock's callers). */
export { processAlive };

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.hostname === 'string' && typeof v.started_at === 'string') {
      return { pid: v.pid, hostname: v.hostname, started_at: v.started_at, command: typeof v.command === 'string' ? v.command : 'clv monthly' };
    }
  } catch {
    // fall through
  }
  return null;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export interface AcquireOptions {
  command: string;
  /** Told when a stale lock is taken over. */
  log: (message: string) => void;
  /** Clock for the start time recorded in the lock (tests fix it). */
  now?: () => Date;
  pid?: number;
}

/**
 * Takes the lock of `dir` (which must exist), or throws a UserError with
 * exit code {@link EXIT_LOCKED} naming the holder.
 */
export async function acquireLock(dir: string, options: AcquireOptions): Promise<HeldLock> {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: options.pid ?? process.pid,
    hostname: hostname(),
    started_at: (options.now?.() ?? new Date()).toISOString(),
    command: options.command,
  };
  const text = `${JSON.stringify(info)}\n`;
  const mine = `${path}.${info.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(mine, text, { flag: 'wx' });
  } catch (err) {
    // A full disk creates the file and then refuses its text: take the empty file away too.
    await unlink(mine).catch(() => {});
    throw err;
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, path);
        return {
          path,
          info,
          release: async () => {
            if ((await readText(path)) === text) await unlink(path).catch(() => {});
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = await readText(path);
      if (current === null) continue; // released in the meantime
      const holder = parseLock(current);
      if (holder === null) {
        throw new UserError(`${path} exists but is not a lock written by clv; if no clv monthly run is going on, delete it and run again`, EXIT_LOCKED);
      }
      if (holder.hostname !== info.hostname) {
        throw new UserError(
          `another run holds ${path}: pid ${holder.pid} on host ${holder.hostname}, started ${holder.started_at}; it cannot be checked from ${info.hostname}, so delete the file only if that run is surely over`,
          EXIT_LOCKED,
        );
      }
      if (processAlive(holder.pid)) {
        throw new UserError(
          `another run is in progress: ${holder.command} (pid ${holder.pid}, started ${holder.started_at}) holds ${path}; wait for it to finish and run again`,
          EXIT_LOCKED,
        );
      }
      // Stale: move it aside, and check that what was moved is the stale lock
      // (not a lock another process took over in the meantime).
      const aside = `${path}.stale-${info.pid}`;
      try {
        await rename(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await readText(aside);
      if (moved !== current) {
        await link(aside, path).catch(() => {});
        await unlink(aside).catch(() => {});
        continue;
      }
      await unlink(aside);
      options.log(`taking over a stale lock: ${holder.command} (pid ${holder.pid}, started ${holder.started_at}) is no longer running`);
    }
    throw new UserError(`could not take the lock ${path}: other runs keep taking it; run again later`, EXIT_LOCKED);
  } finally {
    await unlink(mine).catch(() => {});
  }
}
