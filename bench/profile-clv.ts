/**
 * Where the time of `clv report` goes: runs the same code as the command
 * (buildCohortReport + writeOutputDir) with timers around every DuckDB call
 * and every progress step. Nothing in lib/ is changed: the DuckDB
 * connection's methods are wrapped at run time.
 *
 *   node --import tsx bench/profile-clv.ts bench/data/orders-10m.csv
 *
 * Prints each SQL statement (query + fetch, then the JS conversion of its
 * result), its share of the total and the RSS after it, then the phases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { buildCohortReport } from '../lib/run/build-report.ts';
import { fileOrders } from '../lib/sources/file.ts';
import { writeOutputDir } from '../lib/report/write-output.ts';

const file = process.argv[2];
/** --full: the default report (models, backtest, segment value), as `clv report` runs it. */
const full = process.argv.includes('--full');
if (!file) {
  process.stderr.write('usage: node --import tsx bench/profile-clv.ts ORDERS.csv\n');
  process.exit(2);
}

interface Entry {
  sql: string;
  ms: number;
  convertMs: number;
  rows?: number;
  rssMiB: number;
}
const entries: Entry[] = [];
let depth = 0;

const proto = DuckDBConnection.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const method of ['run', 'runAndReadAll'] as const) {
  const original = proto[method];
  proto[method] = async function (this: unknown, ...args: unknown[]) {
    if (depth > 0) return original.apply(this, args);
    depth++;
    const t0 = performance.now();
    try {
      const res = await original.apply(this, args);
      entries.push({
        sql: String(args[0]),
        ms: performance.now() - t0,
        convertMs: 0,
        rows: res instanceof DuckDBResultReader ? res.currentRowCount : undefined,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
      });
      return res;
    } finally {
      depth--;
    }
  };
}
const readerProto = DuckDBResultReader.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const method of ['getColumnsObjectJS', 'getRowObjectsJS'] as const) {
  const original = readerProto[method];
  readerProto[method] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const res = original.apply(this, args);
    const last = entries.at(-1);
    if (last) last.convertMs += performance.now() - t0;
    return res;
  };
}

const phases: { name: string; at: number }[] = [];
const start = performance.now();
const mark = (name: string) => phases.push({ name, at: performance.now() });
const scratch = mkdtempSync(join(tmpdir(), 'clv-profile-'));
try {
  const result = await buildCohortReport({
    orders: fileOrders({ path: file }),
    period: 'month',
    ...(full ? {} : { value: false as const }), // without --full the cohort part only
    progress: { step: mark, done: () => {} },
  });
  mark('writeOutputDir');
  await writeOutputDir(join(scratch, 'out'), result.files);
  mark('end');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const total = performance.now() - start;

const label = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 110);
console.log(`file ${file}; total in-process ${(total / 1000).toFixed(2)} s (without Node/tsx startup)\n`);
console.log('  query+fetch s  convert s    %   RSS MiB  rows      statement');
for (const e of entries) {
  console.log(
    `${(e.ms / 1000).toFixed(2).padStart(15)}  ${(e.convertMs / 1000).toFixed(2).padStart(9)}  ${((100 * (e.ms + e.convertMs)) / total).toFixed(1).padStart(4)}  ${e.rssMiB.toFixed(0).padStart(7)}  ${String(e.rows ?? '').padStart(8)}  ${label(e.sql)}`,
  );
}
const sqlMs = entries.reduce((a, e) => a + e.ms, 0);
const convMs = entries.reduce((a, e) => a + e.convertMs, 0);
console.log(`\nSQL ${(sqlMs / 1000).toFixed(2)} s, result conversion ${(convMs / 1000).toFixed(2)} s, rest ${((total - sqlMs - convMs) / 1000).toFixed(2)} s\n`);
console.log('phases (progress steps of buildCohortReport):');
let prev = start;
let prevName = 'start';
for (const p of phases) {
  console.log(`${((p.at - prev) / 1000).toFixed(2).padStart(8)} s  ${prevName}`);
  prev = p.at;
  prevName = p.name;
}
