/** Runs the load → summarize → analyze pipeline on a file, for tests. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../lib/engine/database.ts';
import { customerTable, summarize } from '../../lib/engine/summarize.ts';
import { loadOrders, type OrdersInput } from '../../lib/load/load-orders.ts';
import { analyzeCohorts } from '../../lib/cohorts/analyze-cohorts.ts';
import { periodsPerYear, type PeriodUnit } from '../../lib/engine/periods.ts';
import { UserError } from '../../lib/errors.ts';

export async function analyzeFile(input: OrdersInput, options: { period?: PeriodUnit; segmentBy?: string[]; activeWindow?: number } = {}) {
  const db = await openDatabase();
  try {
    const period = options.period ?? 'month';
    const orders = await loadOrders(db, input);
    const summary = await summarize(db, {
      period,
      asOf: orders.asOf,
      segmentBy: options.segmentBy ?? [],
      activeWindow: options.activeWindow ?? periodsPerYear(period),
    });
    const analysis = analyzeCohorts(summary, { period, asOf: orders.asOf });
    const [facts] = await db.rows<{ revenue: number; n: number }>(`SELECT CAST(sum(amount) AS DOUBLE) AS revenue, count(*) AS n FROM facts`);
    const customers = await customerTable(db, orders.asOf);
    return { orders, summary, analysis, facts, customers };
  } finally {
    db.close();
  }
}

/** Writes `content` to a fresh temporary file and returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'clv-test-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Rounds for comparisons of computed rates with hand-written fractions. */
export function round(n: number | null, digits = 10): number | null {
  return n === null ? null : Number(n.toFixed(digits));
}

/** The UserError that `run` fails with (any other outcome fails the test). */
export async function userErrorOf(run: () => Promise<unknown>): Promise<UserError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

/** Runs `fn` with a fresh in-memory database, closed afterwards. */
export async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase();
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
