/**
 * Atomic exchange of two folders on Linux: `renameat2(…, RENAME_EXCHANGE)`
 * swaps two paths in one step, so that each path holds one of the two
 * folders at every instant. Node has no binding for it and clv adds no
 * native modules, so the system call is made by perl (`perl-base` is part
 * of every Debian and Ubuntu system), with the two paths as its arguments
 * (never as code) and a clean environment (no PERL5OPT, no PERL5LIB).
 *
 * Whether the exchange happened is read from the file system, not from
 * perl's answer: the folder that was at `from` must now be at `to` (same
 * device and inode). So a perl that is missing, killed, timed out or
 * refused by the file system (ENOSYS on old kernels, EINVAL on file systems
 * without the flag) all come out as "not exchanged", and the caller falls
 * back to two renames.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** renameat2's number per CPU (x86_64: arch/x86/entry/syscalls; aarch64: the generic table). */
const RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276 };
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

/** The perl program: signals that would stop it mid-way are ignored; exit 0 or print errno and exit 3. */
const PROGRAM = `$SIG{$_} = 'IGNORE' for qw(INT TERM HUP QUIT);
my $r = syscall($ARGV[0] + 0, ${AT_FDCWD}, $ARGV[1], ${AT_FDCWD}, $ARGV[2], ${RENAME_EXCHANGE});
if ($r == 0) { exit 0 } print STDOUT ($! + 0); exit 3;`;

/** Whether this platform may have the exchange at all (Linux on x86_64 or aarch64). */
export function exchangeSupported(): boolean {
  return process.platform === 'linux' && RENAMEAT2[process.arch] !== undefined;
}

function identity(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * Exchanges the folders at the absolute paths `from` and `to` (both must
 * exist) in one atomic step. Returns true when done, false when it was not
 * (not Linux, no perl, a file system without the exchange, any failure); then
 * neither path was changed. Synchronous, so that no signal handler of this
 * process runs between the exchange and the caller's record of it.
 */
export function exchangeFolders(from: string, to: string): boolean {
  const nr = RENAMEAT2[process.arch];
  if (process.platform !== 'linux' || nr === undefined) return false;
  const moving = identity(from);
  if (moving === null || identity(to) === null) return false;
  try {
    spawnSync('perl', ['-e', PROGRAM, String(nr), from, to], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      killSignal: 'SIGKILL',
    });
  } catch {
    // e.g. a path that cannot be an argument: judged below like any other failure
  }
  return identity(to) === moving;
}
