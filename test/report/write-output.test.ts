/**
 * Output folders: the tool replaces only a folder it wrote itself (or an
 * empty one), never one holding an input; the swap keeps the previous report
 * whatever happens (a failed write, a full disk, kill -9 at every step, a
 * signal), and what a killed run left is put right by the next one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_WRITE_FAILED, UserError } from '../../lib/errors.ts';
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

  it('a failure after the previous report was set aside puts it back', async () => {
    const { parent, dir, before } = previousReport();
    await expect(
      writeOutputDir(dir, new Map([['index.html', 'new']]), {
        afterStep: (step) => {
          if (step === 'set-aside') throw Object.assign(new Error('EIO (simulated)'), { code: 'EIO' });
        },
      }),
    ).rejects.toThrow('EIO (simulated)');
    expectSameTree(dir, before);
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

  it('clv report --out . in the folder of the orders file is refused with exit 2 and nothing changes', () => {
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
  });
});

describe('a run killed during the swap', () => {
  const child = (dir: string, at: string, signal = 'SIGKILL') =>
    spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/swap-child.ts', dir, at, signal], { encoding: 'utf8', timeout: 60_000 });
  const steps: SwapStep[] = ['written', 'complete', 'set-aside', 'swapped', 'done'];

  for (const at of ['file:0', 'file:2', ...steps]) {
    it(`kill -9 after "${at}": the next run finds the previous report complete (or the new one, once swapped)`, async () => {
      const { parent, dir, before } = previousReport();
      const r = child(dir, at);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      const swapped = at === 'swapped' || at === 'done';
      if (at !== 'set-aside') {
        // At its path, whatever the moment of the kill: a complete report.
        expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest(swapped ? 'new' : 'previous'));
      } else {
        // The only moment the path is empty: the previous report is whole under its hidden name.
        expect(existsSync(dir)).toBe(false);
        const aside = readdirSync(parent).find((n) => n.startsWith('.report.old-'))!;
        expectSameTree(join(parent, aside), before);
      }
      // The next run puts things right before anything else.
      const log: string[] = [];
      await prepareOutputDir(dir, { log: (m) => log.push(m) });
      expect(readdirSync(parent)).toEqual(['report']);
      if (swapped) expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest('new'));
      else expectSameTree(dir, before);
      if (at === 'set-aside') expect(log[0]).toMatch(/^restored .*report from \.report\.old-\d+-[0-9a-z]+-\d+, set aside by a run \(pid \d+\) that stopped before finishing$/);
      // And then writes its own report.
      await writeOutputDir(dir, new Map([['index.html', 'third'], ['manifest.json', manifest('third')]]));
      expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('third');
      expect(readdirSync(parent)).toEqual(['report']);
    });
  }

  for (const at of ['complete', 'set-aside']) {
    it(`SIGTERM after "${at}": the run undoes itself; a complete report is at its path and nothing is left aside`, () => {
      const { parent, dir, before } = previousReport();
      const r = child(dir, at, 'SIGTERM');
      expect(r.status, r.stderr).toBe(143);
      expect(r.stderr).toContain('clv: stopped by SIGTERM');
      expect(readdirSync(parent)).toEqual(['report']);
      const run = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).run;
      if (run === 'previous') expectSameTree(dir, before);
      else expect(run).toBe('new'); // the rename finished before the handler ran: the new report, complete
    });
  }

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
