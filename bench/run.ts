/**
 * The benchmark of issue 11's targets, printed as one table with the
 * previous figures (bench/previous.json) beside the new ones.
 *
 *   npm run bench                                    # everything: 1m and 10m, start-up, npm start, npm test
 *   npm run bench -- --sizes 1m --runs 1             # quick: the 1M file only, one run per command
 *   npm run bench -- --parts help,start              # some figures only
 *   npm run bench -- --root DIR --save bench/previous.json   # measure another checkout (e.g. main
 *                                                    # before a change) and store its figures as the previous ones
 *
 * Options: --sizes LIST (1m, 10m, 500k, 250000 …; default 1m,10m), --runs N
 * (default 3), --parts LIST (report, help, start, test; default all), --seed N
 * (generator seed, default 42), --data DIR (the orders files, default
 * bench/data), --root DIR (the checkout whose clv is measured, default this
 * one), --save FILE (merge this run's figures into FILE), --label TEXT (what
 * --save records as their source; default the root's git commit).
 *
 * Parts:
 * - report: per size, three commands under GNU time (`/usr/bin/time -v`),
 *   alternating so that drift hits all alike: the bare DuckDB aggregation
 *   (bench/bare-duckdb.ts, compiled into dist/ like clv), `clv report` with
 *   the defaults (models, backtest, segment value, RFM, win back) and the
 *   cohorts only (`--no-clv --holdout-months 0`). Median wall and CPU
 *   (user + system) time, largest peak RSS. Missing orders files are generated
 *   first (bench/generate-orders.ts); an existing bench/data/orders-<size>.csv
 *   is reused whatever --seed says.
 * - sources: per size, `clv report` (defaults) from the CSV file, from the same rows as Parquet
 *   (written once by DuckDB beside the CSV, bench/data/orders-<size>.parquet) and from a PostgreSQL
 *   table (`?table=`), loaded once per bench run with psql's \copy into clv_bench_orders_<size>
 *   (columns text, text, date, numeric(12,2), text) of the server CLV_TEST_PG_URL names (required:
 *   `eval "$(bash .ci/postgres.sh start)"`), read twice: aggregated in PostgreSQL (the default for
 *   typed columns) and with every row streamed (--no-pushdown); the password goes to the runs in
 *   PGPASSWORD, not in argv.
 *   Median wall and CPU, largest peak RSS of the tool (the server's memory is the server's).
 * - help: `node bin/clv.js --help` and `node bin/clv.js report --help`, one
 *   warm-up and 10 timed runs each, median wall time.
 * - start: `npm start` (the sample report, bootstrap on), one warm-up (it
 *   generates the sample when missing) and --runs timed runs, median wall.
 * - test: `npm test`, once (minutes), wall time.
 *
 * Before measuring this checkout, `node bin/build.js` compiles dist/. Exits
 * non-zero when a command fails.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateOrders, parseSize } from './generate-orders.ts';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';
const PARTS = ['report', 'sources', 'help', 'start', 'test'] as const;
type Part = (typeof PARTS)[number];
const HELP_RUNS = 10;
/** The `lifetimes` pipeline's load + summary + BG/NBD fit of the 1M file, as measured in issue 11. */
const LIFETIMES_1M_S = 14;

interface Measurement {
  wallS: number;
  /** User + system CPU seconds: less sensitive than wall time to other load on the machine. */
  cpuS: number;
  rssKiB: number;
}

/** A stored figure: its value and where it comes from. */
interface Figure {
  value: number;
  source: string;
}

interface Command {
  name: 'bare' | 'report' | 'cohorts' | 'from_csv' | 'from_parquet' | 'from_pg' | 'from_pg_stream';
  label: string;
  argv: (file: string, outDir: string) => string[];
}

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

/** Runs a command to completion; fails the bench when it fails. */
function run(argv: string[], cwd: string, label: string): void {
  const res = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1' } });
  if (res.error) fail(`cannot run ${argv[0]}: ${res.error.message}`);
  if (res.status !== 0) {
    const output = `${res.stderr}${res.stdout}`;
    fail(`${label} failed (exit ${res.status ?? res.signal}): ${argv.join(' ')}\n${output.length > 4000 ? `…${output.slice(-4000)}` : output}`);
  }
}

/** Wall seconds of one run. */
function timed(argv: string[], cwd: string, label: string): number {
  const t0 = performance.now();
  run(argv, cwd, label);
  return (performance.now() - t0) / 1000;
}

/** One run under GNU time. */
function timedV(argv: string[], cwd: string, label: string): Measurement {
  const scratch = mkdtempSync(join(tmpdir(), 'clv-bench-'));
  try {
    const timeFile = join(scratch, 'time.txt');
    run([TIME, '-v', '-o', timeFile, ...argv.map((a) => a.replaceAll('{scratch}', scratch))], cwd, label);
    return parseTimeReport(readFileSync(timeFile, 'utf8'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The server of CLV_TEST_PG_URL, its password moved into PGPASSWORD (for psql and the runs) so that no argv holds it. */
function pgTarget(): { url: string; urlWithoutPassword: string } {
  const raw = process.env.CLV_TEST_PG_URL;
  if (!raw) fail('--parts sources needs a PostgreSQL server: CLV_TEST_PG_URL (eval "$(bash .ci/postgres.sh start)")');
  const u = new URL(raw);
  if (u.password) process.env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  const url = u.toString();
  return { url, urlWithoutPassword: url.replace(/\/$/, '') };
}

/** The CSV file's rows as Parquet, typed as the PostgreSQL table is (written once, by DuckDB). */
async function toParquet(csv: string, parquet: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const q = (p: string) => `'${p.replaceAll("'", "''")}'`;
  await conn.run(`COPY (SELECT order_id, customer_id, CAST(order_date AS DATE) AS order_date, CAST(amount AS DECIMAL(12,2)) AS amount, channel
                  FROM read_csv(${q(csv)}, header = true, all_varchar = true)) TO ${q(parquet)} (FORMAT parquet)`);
  conn.closeSync();
  instance.closeSync();
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
    return (JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
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
  return `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
}

/** The rows of the table: a figure, how it is shown, and the issue's target when it sets one. */
interface Row {
  label: string;
  /** The figure from the measured figures (undefined when they lack what it needs). */
  value: (f: Record<string, number>) => number | undefined;
  unit: 's' | '×' | 'MiB';
  /** Met when the value is at most this. */
  target?: number;
  targetText?: string;
}

function rowsFor(sizes: string[]): Row[] {
  const ratio = (a: string, b: string) => (f: Record<string, number>) => (f[a] !== undefined && f[b] !== undefined ? f[a] / f[b] : undefined);
  const rows: Row[] = [];
  for (const size of sizes) {
    const big = size === '10m';
    rows.push(
      { label: `${size}: bare DuckDB, wall`, value: (f) => f[`${size}.bare.wall_s`], unit: 's' },
      { label: `${size}: bare DuckDB, CPU`, value: (f) => f[`${size}.bare.cpu_s`], unit: 's' },
      { label: `${size}: bare DuckDB, peak RSS`, value: (f) => f[`${size}.bare.rss_mib`], unit: 'MiB' },
      {
        label: `${size}: clv report (default), wall`,
        value: (f) => f[`${size}.report.wall_s`],
        unit: 's',
        ...(size === '1m' ? { target: LIFETIMES_1M_S, targetText: `< ${LIFETIMES_1M_S} s (lifetimes)` } : {}),
      },
      { label: `${size}: clv report (default), CPU`, value: (f) => f[`${size}.report.cpu_s`], unit: 's' },
      { label: `${size}: clv report (default), peak RSS`, value: (f) => f[`${size}.report.rss_mib`], unit: 'MiB', ...(big ? { target: 2560, targetText: '≤ 2.5 GB' } : {}) },
      { label: `${size}: report ÷ bare, wall`, value: ratio(`${size}.report.wall_s`, `${size}.bare.wall_s`), unit: '×', target: 2.5, targetText: '≤ 2.5×' },
      { label: `${size}: report ÷ bare, CPU`, value: ratio(`${size}.report.cpu_s`, `${size}.bare.cpu_s`), unit: '×', target: 2.5, targetText: '≤ 2.5×' },
      { label: `${size}: cohorts only, wall`, value: (f) => f[`${size}.cohorts.wall_s`], unit: 's' },
      { label: `${size}: cohorts only, CPU`, value: (f) => f[`${size}.cohorts.cpu_s`], unit: 's' },
      { label: `${size}: cohorts only, peak RSS`, value: (f) => f[`${size}.cohorts.rss_mib`], unit: 'MiB' },
      { label: `${size}: cohorts only ÷ bare, wall`, value: ratio(`${size}.cohorts.wall_s`, `${size}.bare.wall_s`), unit: '×', ...(big ? { target: 1.5, targetText: '≤ 1.5×' } : {}) },
      { label: `${size}: cohorts only ÷ bare, CPU`, value: ratio(`${size}.cohorts.cpu_s`, `${size}.bare.cpu_s`), unit: '×', ...(big ? { target: 1.5, targetText: '≤ 1.5×' } : {}) },
    );
  }
  for (const size of sizes) {
    for (const [name, what] of [['from_csv', 'CSV'], ['from_parquet', 'Parquet'], ['from_pg', 'PostgreSQL table (aggregated there)'], ['from_pg_stream', 'PostgreSQL table (rows streamed, --no-pushdown)']] as const) {
      rows.push(
        { label: `${size}: clv report from ${what}, wall`, value: (f) => f[`${size}.${name}.wall_s`], unit: 's' },
        { label: `${size}: clv report from ${what}, CPU`, value: (f) => f[`${size}.${name}.cpu_s`], unit: 's' },
        { label: `${size}: clv report from ${what}, peak RSS`, value: (f) => f[`${size}.${name}.rss_mib`], unit: 'MiB', ...(size === '10m' ? { target: 1536, targetText: '≤ 1.5 GB' } : {}) },
      );
    }
    rows.push({ label: `${size}: COPY into PostgreSQL (psql \\copy), wall`, value: (f) => f[`${size}.pg_load.wall_s`], unit: 's' });
  }
  rows.push(
    { label: '`clv --help`, wall', value: (f) => f['help.wall_s'], unit: 's', target: 0.3, targetText: '≤ 0.3 s' },
    { label: '`clv report --help`, wall', value: (f) => f['report_help.wall_s'], unit: 's', target: 0.3, targetText: '≤ 0.3 s' },
    { label: '`npm start` (sample, bootstrap on), wall', value: (f) => f['start.wall_s'], unit: 's', target: 8, targetText: '≤ 8 s' },
    { label: '`npm test`, wall', value: (f) => f['test.wall_s'], unit: 's', target: 240, targetText: '≤ 4 min' },
  );
  return rows;
}

function show(v: number | undefined, unit: Row['unit']): string {
  if (v === undefined) return '';
  if (unit === '×') return `${v.toFixed(2)}×`;
  if (unit === 'MiB') return `${v.toFixed(0)} MiB`;
  return v >= 100 ? `${v.toFixed(0)} s` : v >= 1 ? `${v.toFixed(2)} s` : `${v.toFixed(3)} s`;
}

function readFigures(file: string): Record<string, Figure> {
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { figures: Record<string, Figure> }).figures;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1m,10m' },
      runs: { type: 'string', default: '3' },
      parts: { type: 'string', default: PARTS.join(',') },
      seed: { type: 'string', default: '42' },
      data: { type: 'string', default: join('bench', 'data') },
      root: { type: 'string' },
      save: { type: 'string' },
      label: { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseSize);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got ${values.runs}`);
  const parts = values.parts.split(',').map((s) => s.trim()) as Part[];
  for (const p of parts) if (!PARTS.includes(p)) fail(`--parts: unknown part ${JSON.stringify(p)}; choose from ${PARTS.join(', ')}`);
  if (parts.includes('report') && sizes.length === 0) fail('--sizes: name at least one size, e.g. --sizes 1m');
  const seed = Number(values.seed);
  const dataDir = resolve(HERE, values.data);
  const root = resolve(values.root ?? HERE);
  if (!existsSync(join(root, 'bin', 'clv.js'))) fail(`${root}: no bin/clv.js there`);
  if (!existsSync(TIME)) fail(`${TIME} (GNU time) is required: apt-get install time`);

  const git = spawnSync('git', ['-C', root, 'log', '-1', '--format=%h %cs'], { encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : 'not a git checkout';
  const cpuList = cpus();
  const models = [...new Set(cpuList.map((c) => c.model.trim()))].join(', ');
  console.log(`machine: ${cpuList.length} CPUs (${models}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform} ${release()}`);
  console.log(
    `versions: node ${process.version}, DuckDB ${await duckdbVersion()}, @duckdb/node-api ${packageVersion('@duckdb/node-api')}, GNU time ${firstLine('dpkg-query', ['-W', '-f', '${Version}', 'time'])}`,
  );
  console.log(`measuring: ${root} (${commit}); parts ${parts.join(', ')}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  // dist/ is what bin/clv.js runs, and the bare baseline runs compiled too (no tsx at start-up for either).
  run([process.execPath, 'bin/build.js'], HERE, 'npm run build');
  if (root !== HERE && existsSync(join(root, 'bin', 'build.js'))) run([process.execPath, 'bin/build.js'], root, 'npm run build (root)');
  const commands: Command[] = [
    { name: 'bare', label: 'bare DuckDB', argv: (file) => [process.execPath, join(HERE, 'dist', 'bench', 'bare-duckdb.js'), file] },
    { name: 'report', label: 'clv report', argv: (file, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', file, '--out', out, '--quiet'] },
    { name: 'cohorts', label: 'clv report --no-clv --holdout-months 0', argv: (file, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', file, '--no-clv', '--holdout-months', '0', '--out', out, '--quiet'] },
  ];

  const figures: Record<string, number> = {};
  const pgUrl = parts.includes('sources') ? pgTarget() : undefined;
  const note = (what: string, s: string) => console.log(`  ${what}: ${s} (load avg ${loadavg()[0].toFixed(2)})`);
  /** Runs the commands of a size `runs` times, alternating, and records median wall and CPU and the largest peak RSS of each. */
  const measure = (cmds: Command[], file: string, size: string) => {
    const measured = new Map<Command, Measurement[]>(cmds.map((c) => [c, []]));
    for (let r = 0; r < runs; r++) {
      for (const cmd of cmds) {
        const m = timedV(cmd.argv(file, join('{scratch}', 'out')), cmd.name === 'bare' ? HERE : root, `${size} ${cmd.label}`);
        measured.get(cmd)!.push(m);
        note(`${size} ${cmd.label} run ${r + 1}/${runs}`, `${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU, ${(m.rssKiB / 1024).toFixed(0)} MiB`);
      }
    }
    for (const [cmd, ms] of measured) {
      figures[`${size}.${cmd.name}.wall_s`] = median(ms.map((m) => m.wallS));
      figures[`${size}.${cmd.name}.cpu_s`] = median(ms.map((m) => m.cpuS));
      figures[`${size}.${cmd.name}.rss_mib`] = Math.max(...ms.map((m) => m.rssKiB)) / 1024;
    }
  };
  if (parts.includes('report')) {
    for (const rows of sizes) {
      const size = sizeLabel(rows);
      const file = join(dataDir, `orders-${size}.csv`);
      if (!existsSync(file)) {
        const t0 = performance.now();
        const g = generateOrders({ rows, out: file, seed });
        console.log(`generated ${relative(HERE, file)}: ${g.rows} rows, ${g.customers} customers, ${(g.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      await warmCache(file);
      measure(commands, file, size);
    }
  }
  if (parts.includes('sources') && pgUrl) {
    for (const rows of sizes) {
      const size = sizeLabel(rows);
      const file = join(dataDir, `orders-${size}.csv`);
      if (!existsSync(file)) generateOrders({ rows, out: file, seed });
      const parquet = join(dataDir, `orders-${size}.parquet`);
      if (!existsSync(parquet)) await toParquet(file, parquet);
      const table = `clv_bench_orders_${size}`;
      const loadS = timed(['psql', pgUrl.url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `DROP TABLE IF EXISTS ${table}`, '-c', `CREATE TABLE ${table} (order_id text, customer_id text, order_date date, amount numeric(12,2), channel text)`, '-c', `\\copy ${table} FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, HEADER true)`], HERE, `COPY ${size} into PostgreSQL`);
      figures[`${size}.pg_load.wall_s`] = loadS;
      note(`${size} COPY into ${table}`, `${loadS.toFixed(1)} s`);
      await warmCache(file);
      const sources: Command[] = [
        { name: 'from_csv', label: 'clv report from CSV', argv: (_f, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', file, '--out', out, '--quiet'] },
        { name: 'from_parquet', label: 'clv report from Parquet', argv: (_f, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', parquet, '--out', out, '--quiet'] },
        { name: 'from_pg', label: 'clv report from PostgreSQL (aggregated there)', argv: (_f, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', `${pgUrl.urlWithoutPassword}?table=${table}`, '--out', out, '--quiet'] },
        { name: 'from_pg_stream', label: 'clv report from PostgreSQL (rows streamed)', argv: (_f, out) => [process.execPath, 'bin/clv.js', 'report', '--orders', `${pgUrl.urlWithoutPassword}?table=${table}`, '--no-pushdown', '--out', out, '--quiet'] },
      ];
      measure(sources, file, size);
    }
  }
  if (parts.includes('help')) {
    for (const [key, args] of [['help', ['--help']], ['report_help', ['report', '--help']]] as const) {
      const argv = [process.execPath, 'bin/clv.js', ...args];
      timed(argv, root, `clv ${args.join(' ')}`);
      const walls = Array.from({ length: HELP_RUNS }, () => timed(argv, root, `clv ${args.join(' ')}`));
      figures[`${key}.wall_s`] = median(walls);
      note(`clv ${args.join(' ')}`, `median ${median(walls).toFixed(3)} s of ${HELP_RUNS} (${Math.min(...walls).toFixed(3)}–${Math.max(...walls).toFixed(3)})`);
    }
  }
  if (parts.includes('start')) {
    timed(['npm', 'start', '--silent'], root, 'npm start');
    const walls = Array.from({ length: runs }, () => timed(['npm', 'start', '--silent'], root, 'npm start'));
    figures['start.wall_s'] = median(walls);
    note('npm start', `median ${median(walls).toFixed(2)} s of ${runs} (${walls.map((w) => w.toFixed(2)).join(' ')})`);
  }
  if (parts.includes('test')) {
    const wall = timed(['npm', 'test', '--silent'], root, 'npm test');
    figures['test.wall_s'] = wall;
    note('npm test', `${wall.toFixed(0)} s`);
  }

  const previousFile = join(HERE, 'bench', 'previous.json');
  const previous = readFigures(previousFile);
  const prev = Object.fromEntries(Object.entries(previous).map(([k, f]) => [k, f.value]));
  const measuredSizes = parts.includes('report') || parts.includes('sources') ? sizes.map(sizeLabel) : [];
  const rows = rowsFor(measuredSizes).filter((r) => r.value(figures) !== undefined);
  const header = ['figure', 'target', 'previous', 'now', ''];
  const table = rows.map((r) => {
    const now = r.value(figures) as number;
    const status = r.target === undefined ? '' : now <= r.target ? 'met' : 'MISSED';
    return [r.label, r.targetText ?? '', show(r.value(prev), r.unit), show(now, r.unit), status];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const right = [false, false, true, true, false];
  console.log('');
  console.log(pad(header, widths, right));
  console.log(`|${widths.map((w, i) => (right[i] ? ` ${'-'.repeat(w - 1)}: ` : ` ${'-'.repeat(w)} `)).join('|')}|`);
  for (const row of table) console.log(pad(row, widths, right));
  const sources = [...new Set(Object.values(previous).map((f) => f.source))];
  if (sources.length > 0) console.log(`\nprevious: ${sources.join('; ')}`);

  if (values.save !== undefined) {
    const file = resolve(values.save);
    const source = values.label ?? `bench/run.ts on ${commit}, ${new Date().toISOString().slice(0, 10)}`;
    const stored = readFigures(file);
    for (const [k, v] of Object.entries(figures)) stored[k] = { value: Number(v.toPrecision(4)), source };
    const sorted = Object.fromEntries(Object.entries(stored).sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(file, `${JSON.stringify({ about: 'Figures of bench/run.ts that the next run shows as "previous" (seconds, MiB).', figures: sorted }, null, 2)}\n`);
    console.log(`saved ${Object.keys(figures).length} figures to ${relative(process.cwd(), file)}`);
  }
}

await main();
