/**
 * Benchmark of `clv report` (the cohort report) against a bare DuckDB
 * aggregation of the same file (bench/bare-duckdb.ts).
 *
 *   npm run bench                                  # sizes 1m,10m, 3 runs each
 *   npx tsx bench/run.ts --sizes 1m --runs 1       # quick
 *
 * Options: --sizes LIST (1m, 10m, 500k, 250000 …; default 1m,10m),
 *          --runs N (default 3), --seed N (generator seed, default 42),
 *          --data DIR (where the orders files live, default bench/data).
 * An existing bench/data/orders-<size>.csv is reused whatever --seed says:
 * delete it to generate it again.
 *
 * Missing orders files are generated first (bench/generate-orders.ts). Each
 * command runs under GNU time (`/usr/bin/time -v`); the table shows the median
 * "Elapsed (wall clock) time" and the largest "Maximum resident set size" over
 * the runs, plus the median user+system CPU time (a check on the wall time
 * when something else runs on the machine; the load average is printed per
 * run). Both commands start a Node process that registers tsx (bin/clv.js
 * does it itself, the baseline through `node --import tsx`), so both pay the
 * same startup. Runs alternate bare/clv so that drift hits both alike.
 * Exits non-zero when a command fails.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateOrders, parseSize } from './generate-orders.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';
/** Targets from the issue, checked at the largest size. */
const TARGET_RATIO = 1.3;
const TARGET_RSS_MIB = 3 * 1024;

interface Measurement {
  wallS: number;
  /** User + system CPU seconds: less sensitive than wall time to other load on the machine. */
  cpuS: number;
  rssKiB: number;
}

interface Command {
  name: 'bare' | 'clv';
  label: string;
  argv: (file: string, outDir: string) => string[];
}

const COMMANDS: Command[] = [
  {
    name: 'bare',
    label: 'bare DuckDB',
    argv: (file) => [process.execPath, '--import', 'tsx', 'bench/bare-duckdb.ts', file],
  },
  {
    name: 'clv',
    label: 'clv report',
    argv: (file, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', file, '--no-clv', '--out', out, '--quiet'],
  },
];

/** `h:mm:ss` or `m:ss.ss` → seconds. */
export function parseElapsed(text: string): number {
  const parts = text.trim().split(':').map(Number);
  if (parts.length < 2 || parts.some((p) => !Number.isFinite(p))) throw new Error(`cannot parse elapsed time ${JSON.stringify(text)}`);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** Parses the report of `/usr/bin/time -v`. */
export function parseTimeReport(report: string): Measurement {
  const wall = /Elapsed \(wall clock\) time(?: \([^)]*\))?:\s*(\S+)/.exec(report);
  const user = /User time \(seconds\):\s*([\d.]+)/.exec(report);
  const sys = /System time \(seconds\):\s*([\d.]+)/.exec(report);
  const rss = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report);
  if (!wall || !rss || !user || !sys) throw new Error(`unexpected output of ${TIME} -v:\n${report}`);
  return { wallS: parseElapsed(wall[1]), cpuS: Number(user[1]) + Number(sys[1]), rssKiB: Number(rss[1]) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function sizeLabel(rows: number): string {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}m`;
  if (rows % 1_000 === 0) return `${rows / 1_000}k`;
  return String(rows);
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function runOnce(cmd: Command, file: string): Measurement {
  const scratch = mkdtempSync(join(tmpdir(), 'clv-bench-'));
  const timeFile = join(scratch, 'time.txt');
  try {
    const argv = cmd.argv(file, join(scratch, 'out'));
    const res = spawnSync(TIME, ['-v', '-o', timeFile, ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (res.error || res.status !== 0) rmSync(scratch, { recursive: true, force: true }); // fail() exits at once
    if (res.error) fail(`cannot run ${TIME}: ${res.error.message}`);
    if (res.status !== 0) {
      const output = `${res.stderr}${res.stdout}`;
      fail(`${cmd.label} failed (exit ${res.status ?? res.signal}): ${argv.join(' ')}\n${output.length > 4000 ? `…${output.slice(-4000)}` : output}`);
    }
    return parseTimeReport(readFileSync(timeFile, 'utf8'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Reads the file once so that every timed run starts with it in the page cache. */
async function warmCache(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 8 << 20 })) void _;
}

function firstLine(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  return (res.stdout || res.stderr || '').split('\n')[0]?.trim() || 'unknown';
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll('SELECT version() AS v, source_id AS s FROM pragma_version()');
  const [row] = reader.getRowObjectsJS() as { v: string; s: string }[];
  conn.closeSync();
  instance.closeSync();
  return `${row.v} (${row.s})`;
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1m,10m' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '42' },
      data: { type: 'string', default: join('bench', 'data') },
    },
  });
  const sizes = values.sizes.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseSize);
  if (sizes.length === 0) fail('--sizes: name at least one size, e.g. --sizes 1m');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got ${values.runs}`);
  const seed = Number(values.seed);
  const dataDir = resolve(ROOT, values.data);
  if (!existsSync(TIME)) fail(`${TIME} (GNU time) is required: apt-get install time`);

  const cpuList = cpus();
  const models = [...new Set(cpuList.map((c) => c.model.trim()))].join(', ');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  console.log(`machine: ${cpuList.length} CPUs (${models}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform} ${release()}`);
  console.log(
    `versions: ${pkg.name} ${pkg.version}, node ${process.version}, DuckDB ${await duckdbVersion()}, @duckdb/node-api ${packageVersion('@duckdb/node-api')}, tsx ${packageVersion('tsx')}, GNU time ${firstLine('dpkg-query', ['-W', '-f', '${Version}', 'time'])}`,
  );
  console.log(`runs: ${runs} per command and size (median wall and CPU time, largest peak RSS); load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  const results: { size: string; rows: number; cmd: Command; m: Measurement[] }[] = [];
  for (const rows of sizes) {
    const size = sizeLabel(rows);
    const file = join(dataDir, `orders-${size}.csv`);
    const rel = relative(ROOT, file);
    if (!existsSync(file)) {
      const t0 = performance.now();
      const g = generateOrders({ rows, out: file, seed });
      console.log(`generated ${rel}: ${g.rows} rows, ${g.customers} customers, ${(g.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    await warmCache(file);
    const bySize = COMMANDS.map((cmd) => ({ size, rows, cmd, m: [] as Measurement[] }));
    for (let r = 0; r < runs; r++) {
      for (const entry of bySize) {
        const m = runOnce(entry.cmd, rel);
        entry.m.push(m);
        console.log(
          `  ${size} ${entry.cmd.label} run ${r + 1}/${runs}: ${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU, ${(m.rssKiB / 1024).toFixed(0)} MiB (load avg ${loadavg()[0].toFixed(2)})`,
        );
      }
    }
    results.push(...bySize);
  }

  const header = ['size', 'rows', 'command', 'median wall s', 'median CPU s', 'peak RSS MiB', 'clv/bare wall', 'clv/bare RSS', 'runs (wall s)'];
  const right = [false, true, false, true, true, true, true, true, false];
  const table = results.map((e) => {
    const wall = median(e.m.map((m) => m.wallS));
    const cpu = median(e.m.map((m) => m.cpuS));
    const rss = Math.max(...e.m.map((m) => m.rssKiB)) / 1024;
    const bare = results.find((b) => b.rows === e.rows && b.cmd.name === 'bare')!;
    const bareWall = median(bare.m.map((m) => m.wallS));
    const bareRss = Math.max(...bare.m.map((m) => m.rssKiB)) / 1024;
    return [
      e.size,
      e.rows.toLocaleString('en-US'),
      e.cmd.label,
      wall.toFixed(2),
      cpu.toFixed(2),
      rss.toFixed(0),
      e.cmd.name === 'clv' ? `${(wall / bareWall).toFixed(2)}×` : '',
      e.cmd.name === 'clv' ? `${(rss / bareRss).toFixed(2)}×` : '',
      e.m.map((m) => m.wallS.toFixed(2)).join(' '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  console.log('');
  console.log(pad(header, widths, right));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(pad(row, widths, right));

  const largest = Math.max(...sizes);
  const clv = results.find((e) => e.rows === largest && e.cmd.name === 'clv')!;
  const bare = results.find((e) => e.rows === largest && e.cmd.name === 'bare')!;
  const ratio = median(clv.m.map((m) => m.wallS)) / median(bare.m.map((m) => m.wallS));
  const rss = Math.max(...clv.m.map((m) => m.rssKiB)) / 1024;
  console.log(
    `\ntargets at ${sizeLabel(largest)}: wall ≤ ${TARGET_RATIO}× bare: ${ratio.toFixed(2)}× ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'}; ` +
      `peak RSS ≤ ${TARGET_RSS_MIB} MiB: ${rss.toFixed(0)} MiB ${rss <= TARGET_RSS_MIB ? 'MET' : 'MISSED'}`,
  );
}

await main();
