/**
 * Disk full and read-only, for real: `clv report` and `clv monthly` write into
 * a 1 MB tmpfs mounted in a private mount namespace (`unshare --mount`, so
 * nothing is mounted outside this test), which is then filled up, then
 * remounted read-only. Each refused run is one line on stderr with exit code
 * 4, and the previous report is byte for byte what it was, with nothing left
 * beside it. Needs root (CI runs as root); elsewhere the injected ENOSPC
 * tests of test/report/write-output.test.ts and test/job/monthly.test.ts
 * cover the same code.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const canMount = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { timeout: 10_000 }).status === 0;

/** The script run in the namespace: prints `step <name> <exit code>` and each folder's file list with hashes. */
const SCRIPT = `set -u
mnt=$1; orders=$2; bin=$3
mount -t tmpfs -o size=1m tmpfs "$mnt" || exit 90
tree() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum; ls -A .. | LC_ALL=C sort | tr '\\n' ' '); echo; }
run() { name=$1; shift; node "$bin" "$@" --quiet >/dev/null 2>"$mnt/../$name.err"; echo "step $name $?"; }
run report-first report --orders "$orders" --out "$mnt/r" --no-clv
run monthly-first monthly --orders "$orders" --as-of 2024-03-31 --out-root "$mnt/m" --no-clv
echo "tree-before"; tree "$mnt/r"; tree "$mnt/m/2024-03"
head -c 2000000 /dev/zero > "$mnt/filler" 2>/dev/null
run report-full report --orders "$orders" --out "$mnt/r" --no-clv
run monthly-full monthly --orders "$orders" --as-of 2024-03-31 --out-root "$mnt/m" --no-clv
echo "tree-full"; tree "$mnt/r"; tree "$mnt/m/2024-03"
rm "$mnt/filler"
mount -o remount,ro "$mnt" || exit 91
run report-ro report --orders "$orders" --out "$mnt/r" --no-clv
run monthly-ro monthly --orders "$orders" --as-of 2024-03-31 --out-root "$mnt/m" --no-clv
echo "tree-ro"; tree "$mnt/r"; tree "$mnt/m/2024-03"
`;

describe.runIf(canMount)('a full disk and a read-only file system, for real (tmpfs)', () => {
  it('clv report and clv monthly exit 4 with one line; the previous report stays byte for byte', () => {
    const home = mkdtempSync(join(tmpdir(), 'clv-fs-'));
    copyFileSync('test/fixtures/hand-orders.csv', join(home, 'orders.csv'));
    mkdirSync(join(home, 'mnt'));
    const r = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'bash', '-c', SCRIPT, 'fs-test', join(home, 'mnt'), join(home, 'orders.csv'), join(process.cwd(), 'bin', 'clv.js')],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const steps = Object.fromEntries([...r.stdout.matchAll(/^step (\S+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(steps).toEqual({ 'report-first': 0, 'monthly-first': 0, 'report-full': 4, 'monthly-full': 4, 'report-ro': 4, 'monthly-ro': 4 });
    const trees = (name: string) => r.stdout.split(`${name}\n`)[1].split(/\n(?=tree-|step )/)[0].trimEnd() + '\n';
    const before = trees('tree-before');
    expect(before).toMatch(/ \.\/index\.html\n/);
    expect(before).toMatch(/ \.\/manifest\.json\n/);
    expect(before).toMatch(/ \.\/data\/customers\.csv\n/);
    // The same files with the same hashes, and the same neighbours (no hidden folder left).
    expect(trees('tree-full')).toBe(before.replace('\nm r \n', '\nfiller m r \n'));
    expect(trees('tree-ro')).toBe(before);
    const err = (name: string) => readFileSync(join(home, `${name}.err`), 'utf8');
    const mnt = join(home, 'mnt');
    expect(err('report-full')).toBe(`clv: cannot write ${mnt}/r: the disk is full (ENOSPC); the previous report is unchanged\n`);
    expect(err('report-ro')).toBe(`clv: cannot write ${mnt}/r: the file system is read-only (EROFS); the previous report is unchanged\n`);
    for (const name of ['monthly-full', 'monthly-ro']) {
      expect(err(name).split('\n').filter(Boolean)).toHaveLength(1);
      expect(err(name)).toMatch(/^clv: cannot write .*: (the disk is full \(ENOSPC\)|the file system is read-only \(EROFS\)); the previous output and the history page are unchanged\n$/);
    }
  }, 300_000);
});
