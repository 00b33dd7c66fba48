/**
 * Fit + score on a real orders file, the way `clv score` runs them, with the
 * phases timed separately:
 *
 *   npx tsx bench/clv-score.ts bench/data/orders-10m.csv [--as-of 2024-12-31] [--models bgnbd,pareto-nbd] [--time-unit week]
 *
 * Phases: load (read + validate the CSV into DuckDB), summarise (the
 * per-customer table), then per purchase model: model inputs (distinct
 * (x, t_x, T) triples and (x, z̄) pairs compressed in DuckDB), the purchase
 * model fit and the Gamma-Gamma fit (standard errors included), and scoring
 * every customer (the `customer_scores` table: P(alive), expected purchases,
 * expected spend and discounted CLV for each customer). Wall times from
 * performance.now(); peak RSS from process.resourceUsage().maxRSS. Generate
 * the file first with bench/generate-orders.ts (see bench/README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../lib/engine/database.ts';
import { summarize } from '../lib/engine/summarize.ts';
import { frequencyData, spendData, type TimeUnit } from '../lib/engine/customer-base.ts';
import { loadOrders, releaseFacts } from '../lib/load/load-orders.ts';
import { fitPurchase, fitSpend, fitted, isPurchaseModelId, PURCHASE_MODEL_IDS } from '../lib/models/registry.ts';
import { scoreFittedCustomers } from '../lib/clv/score-customers.ts';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !args[args.indexOf(a) - 1]?.startsWith('--'));
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!file) {
  process.stderr.write('usage: npx tsx bench/clv-score.ts ORDERS.csv [--as-of DATE] [--models bgnbd,pareto-nbd] [--time-unit week|day]\n');
  process.exit(2);
}
const models = (flag('models') ?? PURCHASE_MODEL_IDS.join(',')).split(',');
for (const m of models) if (!isPurchaseModelId(m)) throw new Error(`--models: ${m} is not one of ${PURCHASE_MODEL_IDS.join(', ')}`);
const timeUnit = (flag('time-unit') ?? 'week') as TimeUnit;

const peakMiB = () => process.resourceUsage().maxRSS / 1024;
const rows: { phase: string; seconds: number; detail: string }[] = [];
async function timed<T>(phase: string, f: () => Promise<T> | T, detail: (r: T) => string = () => ''): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  rows.push({ phase, seconds: (performance.now() - t0) / 1000, detail: detail(r) });
  process.stderr.write(`${phase}: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  return r;
}

const db = await openDatabase();
const scratch = mkdtempSync(join(tmpdir(), 'clv-bench-score-'));
try {
  const orders = await timed('load', () => loadOrders(db, { path: file, asOf: flag('as-of') }), (o) => `${o.input.rows_read.toLocaleString('en-US')} rows`);
  await timed('summarise', () => summarize(db, { period: 'month', asOf: orders.asOf, segmentBy: [], afterFactsRead: () => releaseFacts(db) }));
  const [{ customers }] = await db.rows<{ customers: number }>('SELECT CAST(count(*) AS INTEGER) AS customers FROM customer_base');
  const freq = await timed('frequency inputs', () => frequencyData(db, { asOf: orders.asOf, unit: timeUnit }), (f) => `${f.x.length.toLocaleString('en-US')} distinct (x, t_x, T)`);
  const spend = await timed('spend inputs', () => spendData(db, orders.asOf), (s) => `${s.data.x.length.toLocaleString('en-US')} distinct (x, z̄)`);
  const gg = await timed('fit gamma-gamma', () => fitSpend(spend.data), (f) => `converged ${f.converged}`);
  for (const model of models) {
    if (!isPurchaseModelId(model)) continue;
    const fit = await timed(`fit ${model}`, () => fitPurchase(model, freq), (f) => `converged ${f.converged}, LL ${f.logLikelihood.toFixed(1)}`);
    const purchaseModel = fitted(model, fit.params);
    await db.run('DROP TABLE IF EXISTS customer_scores');
    await timed(
      `score ${model}`,
      () =>
        scoreFittedCustomers(db, {
          purchaseModel,
          spend: gg.params,
          asOf: orders.asOf,
          timeUnit,
          horizonMonths: 12,
          annualDiscountRate: 0.1,
          margin: 1,
        }),
      () => `${customers.toLocaleString('en-US')} customers`,
    );
  }
} finally {
  db.close();
  rmSync(scratch, { recursive: true, force: true });
}
process.stdout.write(`\n${file}, time unit ${timeUnit}, 12-month horizon\n\n| phase | wall s | |\n| --- | ---: | --- |\n`);
for (const r of rows) process.stdout.write(`| ${r.phase} | ${r.seconds.toFixed(2)} | ${r.detail} |\n`);
process.stdout.write(`\npeak RSS ${peakMiB().toFixed(0)} MiB\n`);
