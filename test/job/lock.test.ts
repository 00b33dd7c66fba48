/** The monthly job's lock: one run at a time, stale locks of dead processes taken over. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, EXIT_LOCKED, LOCK_FILE } from '../../lib/job/lock.ts';
import { UserError } from '../../lib/errors.ts';
import { deadPid } from '../helpers/processes.ts';

function lockInfo(pid: number, host = hostname()) {
  return `${JSON.stringify({ pid, hostname: host, started_at: '2024-07-01T06:00:00.000Z', command: 'clv monthly 2024-06' })}\n`;
}

async function refusal(dir: string): Promise<UserError> {
  const err = await acquireLock(dir, { command: 'clv monthly 2024-06', log: () => {} }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('acquireLock', () => {
  it('writes the pid, host and start time, and release removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lock-'));
    const lock = await acquireLock(dir, { command: 'clv monthly 2024-06', log: () => {}, now: () => new Date('2024-07-01T06:00:00Z') });
    const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(info).toEqual({ pid: process.pid, hostname: hostname(), started_at: '2024-07-01T06:00:00.000Z', command: 'clv monthly 2024-06' });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // no private file left behind
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses while a live process holds the lock, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lock-'));
    writeFileSync(join(dir, LOCK_FILE), lockInfo(process.pid));
    const err = await refusal(dir);
    expect(err.exitCode).toBe(EXIT_LOCKED);
    expect(err.message).toBe(
      `another run is in progress: clv monthly 2024-06 (pid ${process.pid}, started 2024-07-01T06:00:00.000Z) holds ${join(dir, LOCK_FILE)}; wait for it to finish and run again`,
    );
    expect(err.message).not.toContain('\n');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockInfo(process.pid));
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('takes over the lock of a process that is gone, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lock-'));
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), lockInfo(dead));
    const logs: string[] = [];
    const lock = await acquireLock(dir, { command: 'clv monthly 2024-07', log: (m) => logs.push(m) });
    expect(logs).toEqual([`taking over a stale lock: clv monthly 2024-06 (pid ${dead}, started 2024-07-01T06:00:00.000Z) is no longer running`]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('does not release a lock that another run has taken since', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lock-'));
    const lock = await acquireLock(dir, { command: 'clv monthly 2024-06', log: () => {} });
    writeFileSync(join(dir, LOCK_FILE), lockInfo(process.pid, 'other-host'));
    await lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockInfo(process.pid, 'other-host'));
  });

  it('refuses a lock from another host and a file it did not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-lock-'));
    writeFileSync(join(dir, LOCK_FILE), lockInfo(deadPid(), 'batch-2.example'));
    const other = await refusal(dir);
    expect(other.exitCode).toBe(EXIT_LOCKED);
    expect(other.message).toContain('on host batch-2.example');
    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    const garbage = await refusal(dir);
    expect(garbage.exitCode).toBe(EXIT_LOCKED);
    expect(garbage.message).toContain('is not a lock written by clv');
  });
});
