/** Process helpers for the lock tests. */
import { spawnSync } from 'node:child_process';
import { processAlive } from '../../lib/job/lock.ts';

/** The pid of a process that has exited (a short-lived child). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (r.status !== 0 || processAlive(r.pid)) throw new Error('could not obtain the pid of an exited process');
  return r.pid;
}
