/**
 * Output folders: the tool replaces only a folder it wrote itself (or an
 * empty one), never one holding an input; the swap keeps the previous report
 * whatever happens (a failed write, a full disk, kill -9 at every step, a
 * signal), and what a killed run left is put right by the next one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_WRITE_FAILED, UserError } from '../../lib/errors.ts';
import { exchangeFolders, exchangeSupported } from '../../lib/exchange.ts';
import { checkOutputDir, prepareOutputDir, writeOutputDir, writeReportDir, type SwapStep } from '../../lib/report/write-output.ts';
import { makeScratchDir, removeScratchDir, removeStaleScratch, runExitCleanup } from '../../lib/scratch.ts';
import { TOOL } from '../../lib/version.ts';
import { readTree } from '../helpers/cli.ts';
import { deadPid } from '../helpers/processes.ts';

const manifest = (run: string) => `${JSON.stringify({ tool: TOOL, run })}\n`;

/** A parent folder holding `report/`, an earlier clv report (index.html, data/a.csv, manifest.json). */
function previousReport(): { parent: string; dir: string; before: Map<string, Buffer> } {
  const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
  const dir = join(parent, 'report');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<p>previous report</p>\n');
  writeFileSync(join(dir, 'data', 'a.csv'), 'a\nprevious\n');
  writeFileSync(join(dir, 'manifest.json'), manifest('previous'));
  return { parent, dir, before: readTree(dir) };
}

function expectSameTree(dir: string, expected: Map<string, Buffer>): void {
  const after = readTree(dir);
  expect([...after.keys()]).toEqual([...expected.keys()]);
  for (const [name, content] of expected) expect(after.get(name)?.equals(content), name).toBe(true);
}

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('writeOutputDir', () => {
  it('replaces an earlier clv report as a whole', async () => {
    const { parent, dir } = previousReport();
    writeFileSync(join(dir, 'stale.txt'), 'old');
    await writeOutputDir(dir, new Map([['index.html', 'new'], ['data/a.csv', 'a\n'], ['manifest.json', manifest('new')]]));
    expect(readdirSync(dir).sort()).toEqual(['data', 'index.html', 'manifest.json']);
    expect(readFileSync(join(dir, 'data/a.csv'), 'utf8')).toBe('a\n');
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('writes into an empty folder and creates missing parent folders', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    mkdirSync(join(parent, 'empty'));
    await writeOutputDir(join(parent, 'empty'), new Map([['x.txt', 'x']]));
    expect(readFileSync(join(parent, 'empty', 'x.txt'), 'utf8')).toBe('x');
    await writeOutputDir(join(parent, 'a', 'b'), new Map([['x.txt', 'x']]));
    expect(existsSync(join(parent, 'a', 'b', 'x.txt'))).toBe(true);
  });

  it('leaves an existing report untouched when writing fails midway', async () => {
    const { parent, dir, before } = previousReport();
    const files = new Map([['a.csv', 'a'], ['b.csv', 'b'], ['index.html', 'new']]);
    await expect(
      writeOutputDir(dir, files, {
        afterFile: (_p, i) => {
          if (i === 1) throw new Error('crash (simulated)');
        },
      }),
    ).rejects.toThrow('crash (simulated)');
    expectSameTree(dir, before);
    expect(readdirSync(parent)).toEqual(['report']); // no temporary folder left behind
  });

  it('a full disk is one plain line with exit code 4, and the previous report stays', async () => {
    const { parent, dir, before } = previousReport();
    let cleaned = false;
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const err = await refusal(
      writeReportDir(dir, { files: new Map([['a.csv', 'a'], ['index.html', 'new']]), cleanup: async () => { cleaned = true; } }, {
        afterFile: () => {
          throw full;
        },
      }),
    );
    expect(err.exitCode).toBe(EXIT_WRITE_FAILED);
    expect(err.message).toBe(`cannot write ${dir}: the disk is full (ENOSPC); the previous report is unchanged`);
    expect(cleaned).toBe(true);
    expectSameTree(dir, before);
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('a failure after the previous report was set aside (two renames) puts it back', async () => {
    const { parent, dir, before } = previousReport();
    await expect(
      writeOutputDir(dir, new Map([['index.html', 'new']]), {
        exchange: false,
        afterStep: (step) => {
          if (step === 'set-aside') throw Object.assign(new Error('EIO (simulated)'), { code: 'EIO' });
        },
      }),
    ).rejects.toThrow('EIO (simulated)');
    expectSameTree(dir, before);
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('a failure just before the exchange leaves the previous report; once swapped, removing the previous one is best effort', async () => {
    const { parent, dir, before } = previousReport();
    const eio = Object.assign(new Error('EIO (simulated)'), { code: 'EIO' });
    await expect(
      writeOutputDir(dir, new Map([['index.html', 'new']]), {
        afterStep: (step) => {
          if (step === 'complete') throw eio;
        },
      }),
    ).rejects.toThrow('EIO (simulated)');
    expectSameTree(dir, before);
    expect(readdirSync(parent)).toEqual(['report']);
    // The new report is in place when the hook throws after the swap: the run tells, the next one tidies.
    await expect(
      writeOutputDir(dir, new Map([['index.html', 'new'], ['manifest.json', manifest('new')]]), {
        afterStep: (step) => {
          if (step === 'swapped') throw eio;
        },
      }),
    ).rejects.toThrow('EIO (simulated)');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('new');
    expect(readdirSync(parent)).toEqual(['report']);
  });
});

describe('what --out may replace', () => {
  it('refuses a folder with a file clv did not write, and leaves the file as it was', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    const docs = join(parent, 'Documents');
    mkdirSync(docs);
    writeFileSync(join(docs, 'thesis.docx'), 'four years of work');
    const err = await refusal(writeOutputDir(docs, new Map([['index.html', 'new']])));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `--out ${JSON.stringify(docs)}: the folder is not a clv report (it holds "thesis.docx", and no manifest.json written by clv); clv replaces its output folder as a whole, so it only writes to a new or empty folder or to one that holds an earlier clv report. Nothing was changed; choose another folder (e.g. ${JSON.stringify(join(docs, 'clv-report'))})`,
    );
    expect(readdirSync(docs)).toEqual(['thesis.docx']);
    expect(readFileSync(join(docs, 'thesis.docx'), 'utf8')).toBe('four years of work');
    expect(readdirSync(parent)).toEqual(['Documents']);
  });

  it('refuses a manifest.json of another tool, a plain file, a symbolic link, an empty path and a path under a file', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-out-'));
    mkdirSync(join(parent, 'other'));
    writeFileSync(join(parent, 'other', 'manifest.json'), '{"tool":{"name":"webpack"}}');
    expect((await refusal(checkOutputDir(join(parent, 'other')))).message).toContain('the folder is not a clv report (it holds "manifest.json"');
    writeFileSync(join(parent, 'plain'), 'x');
    expect((await refusal(checkOutputDir(join(parent, 'plain')))).message).toContain('is a file, not a folder');
    expect((await refusal(checkOutputDir(join(parent, 'plain', 'sub')))).message).toContain(`${join(parent, 'plain')} is a file, not a folder, so no folder can be made under it`);
    mkdirSync(join(parent, 'real'));
    symlinkSync(join(parent, 'real'), join(parent, 'link'));
    expect((await refusal(checkOutputDir(join(parent, 'link')))).message).toContain('is a symbolic link');
    expect((await refusal(checkOutputDir(''))).message).toBe('--out "": expected the path of a folder for the report');
    expect((await refusal(checkOutputDir('  '))).message).toBe('--out "  ": expected the path of a folder for the report');
    expect(readFileSync(join(parent, 'plain'), 'utf8')).toBe('x');
  });

  it('refuses the folder holding an input file, even an earlier report folder', async () => {
    const { dir } = previousReport();
    writeFileSync(join(dir, 'orders.csv'), 'customer_id,order_date,amount\n');
    const err = await refusal(checkOutputDir(dir, { inputs: [join(dir, 'orders.csv')] }));
    expect(err.message).toContain(`the folder holds the input file ${join(dir, 'orders.csv')}`);
    const above = await refusal(checkOutputDir(join(dir, '..'), { inputs: [join(dir, 'data', 'a.csv')] }));
    expect(above.message).toContain('the folder holds the input file');
    expect(existsSync(join(dir, 'orders.csv'))).toBe(true);
  });

  it('clv report (and clv sample) --out . in the folder of the orders file is refused with exit 2 and nothing changes', () => {
    const home = mkdtempSync(join(tmpdir(), 'clv-home-'));
    writeFileSync(join(home, 'orders.csv'), readFileSync('test/fixtures/hand-orders.csv'));
    writeFileSync(join(home, 'notes.txt'), 'mine');
    const bin = join(process.cwd(), 'bin', 'clv.js');
    const run = (out: string) => spawnSync(process.execPath, [bin, 'report', '--orders', 'orders.csv', '--out', out, '--no-clv', '--quiet'], { cwd: home, encoding: 'utf8', timeout: 120_000 });
    for (const out of ['.', home, '']) {
      const r = run(out);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^clv: --out /);
    }
    mkdirSync(join(home, 'Documents'));
    writeFileSync(join(home, 'Documents', 'thesis.docx'), 'thesis');
    const docs = run('Documents');
    expect(docs.status).toBe(2);
    expect(docs.stderr).toContain('the folder is not a clv report (it holds "thesis.docx"');
    expect(readdirSync(home).sort()).toEqual(['Documents', 'notes.txt', 'orders.csv']);
    expect(readdirSync(join(home, 'Documents'))).toEqual(['thesis.docx']);
    // clv sample writes files into its folder: never over the shop's own orders.csv.
    const sample = spawnSync(process.execPath, [bin, 'sample', '--out', '.'], { cwd: home, encoding: 'utf8', timeout: 120_000 });
    expect(sample.status, sample.stderr).toBe(2);
    expect(sample.stderr).toMatch(/^clv: --out "\.": the folder holds "orders\.csv", which clv sample did not write .*\n$/);
    expect(readdirSync(home).sort()).toEqual(['Documents', 'notes.txt', 'orders.csv']);
    expect(readFileSync(join(home, 'orders.csv'))).toEqual(readFileSync('test/fixtures/hand-orders.csv'));
  });
});

/** Whether renameat2's exchange works here (Linux, perl, a file system that has it), tried on two folders. */
function exchangeWorks(): boolean {
  const parent = mkdtempSync(join(tmpdir(), 'clv-xchg-'));
  mkdirSync(join(parent, 'a'));
  mkdirSync(join(parent, 'b'));
  writeFileSync(join(parent, 'a', 'f'), 'a');
  writeFileSync(join(parent, 'b', 'f'), 'b');
  const done = exchangeFolders(join(parent, 'a'), join(parent, 'b'));
  const seen = readFileSync(join(parent, 'a', 'f'), 'utf8') + readFileSync(join(parent, 'b', 'f'), 'utf8');
  expect(seen).toBe(done ? 'ba' : 'ab'); // exchanged both ways, or left exactly as they were
  return done;
}

describe('the atomic exchange', () => {
  it('works on Linux (x86_64, aarch64): perl-base is on every Debian and Ubuntu system', () => {
    if (exchangeSupported()) expect(exchangeWorks()).toBe(true);
    else expect(exchangeWorks()).toBe(false);
  });

  it('changes nothing when it cannot be made: a missing folder, a path that cannot be an argument', () => {
    const parent = mkdtempSync(join(tmpdir(), 'clv-xchg-'));
    mkdirSync(join(parent, 'a'));
    expect(exchangeFolders(join(parent, 'a'), join(parent, 'missing'))).toBe(false);
    expect(exchangeFolders(join(parent, 'a'), join(parent, 'b\0c'))).toBe(false);
    expect(readdirSync(parent)).toEqual(['a']);
  });

  it('a reader polling the path during 40 swaps always finds a complete report; with two renames it finds none at times', async () => {
    // The reader is another process, so it sees the folder at any instant of the swaps.
    const poll = async (dir: string, swaps: (i: number) => Promise<void>) => {
      const stop = join(dir, '..', 'stop');
      const reader = spawn(
        process.execPath,
        [
          '-e',
          `const fs = require('node:fs'); const [dir, stop] = process.argv.slice(1); let reads = 0, misses = 0;
           while (!fs.existsSync(stop)) { reads++; try { if (!JSON.parse(fs.readFileSync(dir + '/manifest.json', 'utf8')).run) misses++; } catch { misses++; } }
           process.stdout.write(JSON.stringify({ reads, misses }));`,
          dir,
          stop,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      reader.stdout.on('data', (d: Buffer) => (out += d));
      const closed = new Promise((r) => reader.on('close', r));
      for (let i = 0; i < 40; i++) await swaps(i);
      writeFileSync(stop, '');
      await closed;
      return JSON.parse(out) as { reads: number; misses: number };
    };
    const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const files = (i: number) => new Map([['index.html', `run ${i}`], ['manifest.json', manifest(`run ${i}`)]]);

    const exchanged = previousReport();
    const atomic = await poll(exchanged.dir, async (i) => {
      const steps: SwapStep[] = [];
      await writeOutputDir(exchanged.dir, files(i), { afterStep: (s) => steps.push(s) });
      if (exchangeSupported()) expect(steps).toEqual(['written', 'complete', 'swapped', 'done']);
    });
    expect(atomic.reads).toBeGreaterThan(100);
    if (exchangeSupported()) expect(atomic.misses).toBe(0);

    // The same reader sees the gap of two renames (held open 20 ms here), so it would see one in the exchange.
    const renamed = previousReport();
    const gaps = await poll(renamed.dir, (i) =>
      writeOutputDir(renamed.dir, files(i), { exchange: false, afterStep: (s) => s === 'set-aside' && pause(20) }).then(() => undefined),
    );
    expect(gaps.misses).toBeGreaterThan(0);
    expect(readFileSync(join(renamed.dir, 'index.html'), 'utf8')).toBe('run 39');
    expect(readdirSync(renamed.parent).sort()).toEqual(['report', 'stop']);
    expect(readdirSync(exchanged.parent).sort()).toEqual(['report', 'stop']);
  });
});

const newTree = new Map<string, Buffer>([
  ['data/a.csv', Buffer.from('a\nnew\n')],
  ['data/b.csv', Buffer.from('b\nnew\n')],
  ['index.html', Buffer.from('<p>new report</p>\n')],
  ['manifest.json', Buffer.from(manifest('new'))],
]);

describe('a run killed during the swap', () => {
  const child = (dir: string, at: string, signal = 'SIGKILL', how: 'exchange' | 'renames' = 'exchange') =>
    spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/swap-child.ts', dir, at, signal, how], { encoding: 'utf8', timeout: 60_000 });
  const stepsOf = (stdout: string) => stdout.trim().split('\n').filter(Boolean);
  /** The next run puts things right before anything else (the report `expected` at the path, nothing aside), then writes its own; returns its log. */
  const nextRun = async (parent: string, dir: string, expected: Map<string, Buffer>) => {
    const log: string[] = [];
    await prepareOutputDir(dir, { log: (m) => log.push(m) });
    expect(readdirSync(parent)).toEqual(['report']);
    expectSameTree(dir, expected);
    await writeOutputDir(dir, new Map([['index.html', 'third'], ['manifest.json', manifest('third')]]));
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('third');
    expect(readdirSync(parent)).toEqual(['report']);
    return log;
  };

  // With the exchange (Linux): the path holds the previous report until the exchange, the new one from then on.
  const exchange = exchangeSupported();
  describe.runIf(exchange)('with the atomic exchange', () => {
    it('a whole run takes the steps written, complete, swapped, done (no set-aside)', () => {
      const { parent, dir } = previousReport();
      const r = child(dir, 'none');
      expect(r.status, r.stderr).toBe(0);
      expect(stepsOf(r.stdout)).toEqual(['written', 'complete', 'swapped', 'done', 'finished']);
      expectSameTree(dir, newTree);
      expect(readdirSync(parent)).toEqual(['report']);
    });

    const order = ['file:0', 'file:2', 'written', 'complete', 'swapped', 'done'];
    for (const at of order) {
      it(`kill -9 after "${at}": the path holds a complete report (the previous one, or the new one once swapped), and the next run tidies up`, async () => {
        const { parent, dir, before } = previousReport();
        const r = child(dir, at);
        expect(r.signal, r.stderr).toBe('SIGKILL');
        const swapped = at === 'swapped' || at === 'done';
        if (!at.startsWith('file:')) expect(stepsOf(r.stdout)).toEqual(order.slice(2, order.indexOf(at) + 1));
        expectSameTree(dir, swapped ? newTree : before);
        if (at === 'swapped') {
          // The exchange left the previous report, whole, under the hidden .new- name.
          const aside = readdirSync(parent).find((n) => n.startsWith('.report.new-'))!;
          expectSameTree(join(parent, aside), before);
        }
        const log = await nextRun(parent, dir, swapped ? newTree : before);
        if (at === 'swapped') expect(log).toEqual([expect.stringMatching(/^removed \.report\.new-\d+-[0-9a-z]+-\d+, left by a run \(pid \d+\) that stopped before finishing$/)]);
      });
    }

    for (const at of ['complete', 'swapped']) {
      it(`SIGTERM after "${at}": the run undoes itself or finishes; a complete report is at its path and nothing is left aside`, () => {
        const { parent, dir, before } = previousReport();
        const r = child(dir, at, 'SIGTERM');
        expect(r.status, r.stderr).toBe(143);
        expect(r.stderr).toContain('clv: stopped by SIGTERM');
        expect(readdirSync(parent)).toEqual(['report']);
        expectSameTree(dir, at === 'swapped' ? newTree : before);
      });
    }
  });

  // The fallback (no exchange: not Linux, no perl, a file system without it), forced here by a test hook.
  describe('with two renames (the fallback)', () => {
    const steps: SwapStep[] = ['written', 'complete', 'set-aside', 'swapped', 'done'];
    for (const at of ['file:0', 'file:2', ...steps]) {
      it(`kill -9 after "${at}": the next run finds the previous report complete (or the new one, once swapped)`, async () => {
        const { parent, dir, before } = previousReport();
        const r = child(dir, at, 'SIGKILL', 'renames');
        expect(r.signal, r.stderr).toBe('SIGKILL');
        const swapped = at === 'swapped' || at === 'done';
        if (at !== 'set-aside') {
          // At its path, whatever the moment of the kill: a complete report.
          expectSameTree(dir, swapped ? newTree : before);
        } else {
          // The only moment the path is empty: the previous report is whole under its hidden name.
          expect(existsSync(dir)).toBe(false);
          const aside = readdirSync(parent).find((n) => n.startsWith('.report.old-'))!;
          expectSameTree(join(parent, aside), before);
        }
        const log = await nextRun(parent, dir, swapped ? newTree : before);
        if (at === 'set-aside') expect(log[0]).toMatch(/^restored .*report from \.report\.old-\d+-[0-9a-z]+-\d+, set aside by a run \(pid \d+\) that stopped before finishing$/);
      });
    }

    for (const at of ['complete', 'set-aside']) {
      it(`SIGTERM after "${at}": the run undoes itself or finishes; a complete report is at its path and nothing is left aside`, () => {
        const { parent, dir, before } = previousReport();
        const r = child(dir, at, 'SIGTERM', 'renames');
        expect(r.status, r.stderr).toBe(143);
        expect(r.stderr).toContain('clv: stopped by SIGTERM');
        expect(readdirSync(parent)).toEqual(['report']);
        const run = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).run;
        if (run === 'previous') expectSameTree(dir, before);
        else expectSameTree(dir, newTree); // the rename finished before the handler ran: the new report, complete
      });
    }
  });

  it('leftovers of a live run are not touched', async () => {
    const { parent, dir } = previousReport();
    mkdirSync(join(parent, `.report.tmp-${process.pid}-abc-0`));
    await prepareOutputDir(dir);
    expect(readdirSync(parent).sort()).toEqual([`.report.tmp-${process.pid}-abc-0`, 'report']);
  });
});

describe('scratch folders', () => {
  it('are removed on exit, and those of dead processes by the next run', async () => {
    const dir = await makeScratchDir();
    writeFileSync(join(dir, 'x.csv'), 'x');
    runExitCleanup();
    expect(existsSync(dir)).toBe(false);
    const mine = await makeScratchDir();
    await removeScratchDir(mine);
    expect(existsSync(mine)).toBe(false);

    const tmp = mkdtempSync(join(tmpdir(), 'clv-tmp-'));
    const dead = `clv-scratch-${deadPid()}-Ab12Cd`;
    const live = `clv-scratch-${process.pid}-Xy34Zw`;
    for (const n of [dead, live, 'clv-scratch-notapid', 'other']) mkdirSync(join(tmp, n));
    expect(await removeStaleScratch(tmp)).toEqual([dead]);
    expect(readdirSync(tmp).sort()).toEqual(['clv-scratch-notapid', live, 'other'].sort());
  });
});
