/**
 * Fuzz tests with a seeded generator (the same seeds, the same cases): random
 * CSV shapes through the orders loader, and random command lines through the
 * option parser. Nothing crashes (only user errors, exit 2), and every
 * refusal names its place: the file (and line or column where there is one)
 * or the flag, without NaN, undefined or [object Object].
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { InputError, UserError } from '../../lib/errors.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { Rng } from '../../lib/sample/rng.ts';
import { main } from '../../jobs/cli.ts';

const GARBAGE = /NaN|undefined|\[object Object\]|\n\s+at /;
const work = mkdtempSync(join(tmpdir(), 'clv-fuzz-'));

const choose = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(0, items.length - 1)];

const HEADERS = ['customer_id', 'order_date', 'amount', 'order_id', 'channel', 'Customer ID', 'AMOUNT', 'region', 'rowid', 'seq', '', ' ', '"q""uote"', 'a;b', 'x\ty', 'é', '=1+1'];
const VALUES = [
  '', ' ', 'c1', 'c2', '2024-01-05', '2024-02-29', '2023-02-29', '2024-13-01', '2024-01-05T23:30:00-05:00', 'epoch', 'infinity', '0000-01-01', '99999-01-01',
  '12.5', '-3', '0', '1_000', '1e3', '0x10', '9'.repeat(30), '.5', '5.', 'NaN', 'null', '"', '""', '"a,b"', '"line\nbreak"', "'; DROP TABLE facts; --",
  'COPY (SELECT 1) TO \'/tmp/x\'', 'Müller', '\u00e9', '\u{1F600}', '\u0000', '\u0007', '\r', '=SUM(A1)',
];

/** A random CSV-ish file: header, delimiter, line ends, quoting, rows of random length, sometimes gzip or Latin-1. */
function randomFile(rng: Rng, i: number): string {
  const delim = choose(rng, [',', ',', ';', '\t', '|']);
  const eol = choose(rng, ['\n', '\r\n', '\r']);
  const width = rng.int(0, 6);
  const clean = rng.next() < 0.5;
  const extras = clean ? ['region', 'channel', 'order_id', 'plan'].slice(0, rng.int(0, 4)) : Array.from({ length: width }, () => choose(rng, HEADERS));
  const header = rng.next() < 0.8 ? ['customer_id', 'order_date', 'amount', ...extras] : Array.from({ length: width + 1 }, () => choose(rng, HEADERS));
  if (rng.next() < 0.3) header.sort(() => rng.next() - 0.5);
  const cell = (v: string) => (v.includes(delim) && !v.startsWith('"') ? `"${v.replaceAll('"', '""')}"` : v);
  const rows = Array.from({ length: rng.int(0, 12) }, () => {
    const n = clean || rng.next() < 0.85 ? header.length : rng.int(0, header.length + 2);
    const good = clean ? 0.97 : 0.7;
    const value = (name: string) =>
      rng.next() >= good ? choose(rng, VALUES)
      : name === 'order_date' ? `2024-0${rng.int(1, 9)}-1${rng.int(0, 9)}`
      : name === 'amount' ? String(rng.int(-5, 500))
      : name === 'customer_id' ? `c${rng.int(1, 9)}`
      : choose(rng, VALUES.filter((v) => !/[\u0000\u0007\r"\n]/.test(v)));
    return Array.from({ length: n }, (_v, k) => cell(value(header[k] ?? ''))).join(delim);
  });
  const text = (rng.next() < 0.1 ? '\uFEFF' : '') + [header.map(cell).join(delim), ...rows].join(eol) + (rng.next() < 0.8 ? eol : '');
  const kind = rng.next();
  const path = join(work, `f${i}${kind < 0.1 ? '.csv.gz' : '.csv'}`);
  if (kind < 0.05) writeFileSync(path, gzipSync(Buffer.from(text)));
  else if (kind < 0.1) writeFileSync(path, gzipSync(Buffer.from(text)).subarray(0, Math.max(1, rng.int(0, text.length))));
  else if (kind < 0.15) writeFileSync(path, Buffer.from(text, 'latin1'));
  else writeFileSync(path, text);
  return path;
}

describe('fuzz: the orders loader', () => {
  it('300 random files: each loads or is refused by a user error that names the file and a place', async () => {
    const rng = new Rng(20241203, 7);
    const outcomes = { loaded: 0, refused: 0 };
    const db = await openDatabase();
    try {
      for (let i = 0; i < 300; i++) {
        const path = randomFile(rng, i);
        const err = await loadOrders(db, { path }).then(() => null, (e: unknown) => e);
        if (err === null) {
          outcomes.loaded++;
          continue;
        }
        outcomes.refused++;
        if (!(err instanceof UserError)) throw new Error(`file ${path}: not a user error: ${err instanceof Error ? err.stack : String(err)}`);
        expect(err.exitCode, path).toBe(2);
        expect(err.message, path).not.toMatch(GARBAGE);
        if (err instanceof InputError) {
          expect(err.message.startsWith(`cannot read ${path}: `), err.message).toBe(true);
          for (const line of err.message.split('\n').slice(1)) expect(line.startsWith(`  ${path}`) || line.startsWith('  … and '), `${path}: ${line}`).toBe(true);
        } else {
          expect(err.message.includes(path) || err.message.startsWith('--'), err.message).toBe(true);
        }
      }
    } finally {
      db.close();
    }
    // The generator reaches both outcomes (a generator that only made garbage would test little).
    expect(outcomes.loaded).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(100);
  }, 300_000);
});

const FLAGS = ['--orders', '--out', '--config', '--map', '--date-format', '--as-of', '--period', '--segment-by', '--horizon-months', '--margin', '--annual-discount-rate', '--bootstrap', '--holdout-months', '--currency', '--valid-years', '--sections', '--win-back-p-alive', '--quiet', '--no-clv', '--model', '--time-unit', '--bogus', '-x'];
const ARGS = ['abc', '12', '-1', '0', 'NaN', 'Infinity', '1e400', '', ' ', 'month', 'week', 'bgnbd', 'a=b', 'customer_id=', '=x', '2024-01-01', '2024-13-45', '1900-2200', 'x/y', '--', '=evil()', 'retention', '[object Object]'];

describe('fuzz: the option parser', () => {
  it('200 random command lines never crash: exit 0 or 2, and a refusal names the flag, value or file', async () => {
    const rng = new Rng(20241203, 8);
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (let i = 0; i < 200; i++) {
        const argv = [choose(rng, ['report', 'score', 'fit', 'view', 'report', 'bogus'])];
        if (argv[0] === 'view') argv.push(choose(rng, ['retention', 'crr', 'nope']));
        // A missing orders file: a valid command line stops at reading it, quickly.
        argv.push('--orders', join(work, 'missing.csv'), '--out', join(work, `out-${i}`));
        for (let k = rng.int(0, 5); k > 0; k--) {
          argv.push(choose(rng, FLAGS));
          if (rng.next() < 0.8) argv.push(choose(rng, ARGS));
        }
        stderr = '';
        const code = await main(argv);
        const shown = `clv ${argv.join(' ')} → ${code}: ${stderr}`;
        expect([0, 2], shown).toContain(code);
        // What the user typed is quoted back (NaN may be their value); apart from that, no garbage.
        const untyped = argv.reduce((text, arg) => (arg.length >= 3 ? text.replaceAll(arg, '') : text), stderr);
        expect(untyped, shown).not.toMatch(GARBAGE);
        // The refusal is the last line (progress lines may come before it); usage errors add a hint line.
        const refusal = stderr.split('\n').filter((l) => l.startsWith('clv: ')).pop() ?? '';
        // It names a flag, something typed (a file, a value) or the command.
        const named = /--|[Aa]rgument|command|view|Invalid values|Not enough/.test(refusal) || argv.some((arg) => arg.trim().length >= 2 && refusal.includes(arg));
        if (code === 2) expect(named, shown).toBe(true);
      }
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  }, 300_000);
});
