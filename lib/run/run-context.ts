/**
 * The run context: what one run of the report knows, and the results that
 * several parts share, each computed once, on first request, and handed out
 * as typed values (`ctx.product(key)`). A product that lives in DuckDB is a
 * table declared here (its name and columns in its type); no part reads a
 * table another part created unless it is one of these.
 *
 *   backtest ──► model ──► fits ──► scores (customer_scores) ──► segment-value
 *                                      ▲                            ▲
 *   contractual (sBG, subscriber_scores)┘           rfm (customer_rfm)
 *   simple (the simple CLV formulas)
 */
import type { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { LoadedOrders } from '../load/load-orders.ts';
import type { LoadedCustomers } from '../load/load-customers.ts';
import type { LoadedSpend } from '../load/load-spend.ts';
import type { LoadedSurveys } from '../load/load-surveys.ts';
import type { CohortAnalysis } from '../cohorts/analyze-cohorts.ts';
import type { Formatters } from '../report/format.ts';
import type { RunOptions } from './run-options.ts';
import type { Plan } from '../parts/part.ts';
import type { SourceDescription } from '../sources/source.ts';
import type { ValueOptions } from '../clv/value-options.ts';
import { backtestAggregates, dropBacktestInputs, prepareBacktestDays, runBacktest, type BacktestResult } from '../clv/backtest.ts';
import { fitCustomers, scoreCustomerFits, type CustomerFits } from '../clv/customer-fit.ts';
import { simpleFigures, type SimpleFigures } from '../clv/simple-clv.ts';
import { computeContractual, type ContractualFigures } from '../clv/contractual-value.ts';
import { buildRfm } from '../segments/rfm.ts';
import { computeSegmentValue, type SegmentValueFigures } from '../clv/segment-value-product.ts';
import { modelTitle, type PurchaseModelId } from '../models/registry.ts';

/** Fewer customers than this: no model is fitted (the simple formulas are shown instead). */
export const MIN_CUSTOMERS = 50;

/** The holdout backtest: not wanted (null), not run (why), or its result and the model it leads to. */
export type BacktestOutcome = { state: 'not-run'; reason: string } | { state: 'ran'; result: BacktestResult; used: PurchaseModelId; modelFixed: boolean };

/** The purchase model of the run, and where the choice came from. */
export interface ChosenModel {
  id: PurchaseModelId;
  /** `fixed`: --clv-model or clv.model; `backtest`: the backtest's choice; `default`: neither decided. */
  source: 'fixed' | 'backtest' | 'default';
}

/** The per-customer scores table and the columns it has (declared here, so nobody probes the catalog). */
export interface ScoresTable {
  name: 'customer_scores';
  /** p_alive and expected_purchases exist for the purchase models; contractual scores have clv only. */
  columns: readonly ('customer_id' | 'p_alive' | 'expected_purchases' | 'expected_avg_spend' | 'clv')[];
}

export interface Products {
  backtest: BacktestOutcome | null;
  model: ChosenModel;
  /** The fits every model figure uses (non-contractual), or why there are none. */
  fits: CustomerFits | { failed: string };
  /** Contractual mode: the sBG fit and the subscribers' values, or why there are none. */
  contractual: ContractualFigures | { failed: string };
  /** `customer_scores`, or null when no model could be fitted (or Customer value is off). */
  scores: ScoresTable | null;
  simple: SimpleFigures;
  /** `customer_rfm` (lib/segments/rfm.ts). */
  rfm: { name: 'customer_rfm' };
  'segment-value': SegmentValueFigures | { failed: string };
}
export type ProductKey = keyof Products;

export interface RunContext {
  db: Database;
  orders: LoadedOrders;
  /** The other inputs (lib/run/load-inputs.ts). */
  inputs: { customers?: LoadedCustomers; spend?: LoadedSpend; surveys?: LoadedSurveys };
  analysis: CohortAnalysis;
  options: RunOptions;
  /** Which views the report shows. */
  plan: Plan;
  /** The products the run's parts need (lib/run/build-report.ts): what else may ask for one without computing more. */
  needed: ReadonlySet<ProductKey>;
  /** Where the orders came from. */
  source: SourceDescription;
  /** Customer value options in force (throws when Customer value is off: parts that need it are not enabled then). */
  value: ValueOptions;
  fmt: Formatters;
  /** Folder for large files DuckDB writes (moved into the output when it is written). */
  scratchDir: string;
  /** Whether the output keeps this file under data/ (a view keeps its own files only). */
  wantsFile(name: string): boolean;
  progress?: Progress;
  /** A report from a per-customer summary (lib/run/summary-start.ts): the simple formulas' figures (none, and why), instead of counting them. */
  simple?: SimpleFigures;
  product<K extends ProductKey>(key: K): Promise<Products[K]>;
}

/** Products a product needs first (for capture planning: see neededProducts). */
export function productDeps(options: RunOptions, key: ProductKey): ProductKey[] {
  const v = options.value;
  switch (key) {
    case 'model':
      return v !== false && v.business === 'non-contractual' && !options.backtest.modelFixed && options.backtest.holdoutMonths > 0 ? ['backtest'] : [];
    case 'fits':
      return ['model'];
    case 'scores':
      return v !== false && v.business === 'contractual' ? ['contractual'] : ['fits'];
    case 'segment-value':
      return ['scores', 'fits', 'rfm', 'simple'];
    default:
      return [];
  }
}

/** Every product the given ones need, themselves included. */
export function neededProducts(options: RunOptions, keys: readonly ProductKey[]): Set<ProductKey> {
  const out = new Set<ProductKey>();
  const visit = (k: ProductKey) => {
    if (out.has(k)) return;
    out.add(k);
    for (const d of productDeps(options, k)) visit(d);
  };
  for (const k of keys) visit(k);
  return out;
}

/** Captures what the products need from the order rows while they are loaded (summarize's afterFactsRead). */
export async function captureProducts(db: Database, needed: Set<ProductKey>): Promise<void> {
  if (needed.has('backtest')) await prepareBacktestDays(db);
}

/** What the products need per customer in the pass that builds customer_base (summarize's customerAggregates). */
export function productAggregates(options: RunOptions, needed: Set<ProductKey>, asOf: string): string[] {
  const v = options.value;
  const bt = options.backtest;
  return needed.has('backtest') && v !== false && v.business !== 'contractual' && bt.holdoutMonths > 0 ? backtestAggregates(asOf, bt.holdoutMonths) : [];
}

type Computers = { [K in ProductKey]: (ctx: RunContext) => Promise<Products[K]> };

const COMPUTE: Computers = {
  async backtest(ctx) {
    const v = ctx.options.value;
    const bt = ctx.options.backtest;
    if (v === false || bt.holdoutMonths === 0) return null;
    if (v.business === 'contractual') {
      return { state: 'not-run', reason: 'Not run: with --business contractual the Customer value section uses the sBG retention model, which the holdout backtest does not cover; the backtest compares the purchase models of non-contractual businesses.' };
    }
    ctx.progress?.step('backtesting the purchase models on a holdout');
    try {
      const result = await runBacktest(ctx.db, { asOf: ctx.orders.asOf, firstDate: ctx.orders.firstDate, holdoutMonths: bt.holdoutMonths, timeUnit: v.timeUnit, progress: ctx.progress, money: ctx.orders.money !== 'none' });
      return { state: 'ran', result, used: bt.modelFixed ? v.model : (result.best ?? v.model), modelFixed: bt.modelFixed };
    } catch (err) {
      // A holdout the user asked for that does not fit the data is their error; the default one is only reported.
      if (!(err instanceof UserError) || bt.explicit !== false) throw err;
      return { state: 'not-run', reason: `Not run: the default holdout of ${bt.holdoutMonths} months does not fit in the data (${err.message.replace(/^--holdout-months \d+: /, '')}).` };
    } finally {
      await dropBacktestInputs(ctx.db);
    }
  },
  async model(ctx) {
    const configured = ctx.value.model;
    if (ctx.options.backtest.modelFixed) return { id: configured, source: 'fixed' };
    if (!productDeps(ctx.options, 'model').includes('backtest')) return { id: configured, source: 'default' };
    const bt = await ctx.product('backtest');
    return bt?.state === 'ran' && bt.result.best ? { id: bt.result.best, source: 'backtest' } : { id: configured, source: 'default' };
  },
  async fits(ctx) {
    const model = (await ctx.product('model')).id;
    const [{ customers }] = await ctx.db.rows<{ customers: number }>('SELECT CAST(count(*) AS INTEGER) AS customers FROM customer_base');
    if (customers < MIN_CUSTOMERS) return { failed: `${modelTitle(model)} cannot be fitted: only ${customers} customers; at least ${MIN_CUSTOMERS} are needed for a reliable fit` };
    ctx.progress?.step('fitting the CLV models');
    try {
      return await fitCustomers(ctx.db, { asOf: ctx.orders.asOf, model, timeUnit: ctx.value.timeUnit, byChannel: ctx.orders.hasChannel, progress: ctx.progress, money: ctx.orders.money !== 'none' });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return { failed: err.message };
    }
  },
  async contractual(ctx) {
    const v = ctx.value;
    return computeContractual(ctx.db, { period: ctx.options.period, asOf: ctx.orders.asOf, horizonMonths: v.horizonMonths, annualDiscountRate: v.annualDiscountRate, margin: v.margin });
  },
  async scores(ctx) {
    if (ctx.options.value === false) return null;
    if (ctx.value.business === 'contractual') {
      const c = await ctx.product('contractual');
      return 'failed' in c ? null : { name: 'customer_scores', columns: ['customer_id', 'clv'] };
    }
    const fits = await ctx.product('fits');
    if ('failed' in fits) return null;
    const v = ctx.value;
    await scoreCustomerFits(ctx.db, fits, { asOf: ctx.orders.asOf, horizonMonths: v.horizonMonths, annualDiscountRate: v.annualDiscountRate, margin: v.margin ?? 1, progress: ctx.progress });
    return { name: 'customer_scores', columns: ['customer_id', 'p_alive', 'expected_purchases', 'expected_avg_spend', 'clv'] };
  },
  async simple(ctx) {
    if (ctx.simple) return ctx.simple;
    const v = ctx.value;
    return simpleFigures(ctx.db, { period: ctx.options.period, asOf: ctx.orders.asOf, margin: v.margin, annualDiscountRate: v.annualDiscountRate });
  },
  async rfm(ctx) {
    await buildRfm(ctx.db, ctx.orders.asOf);
    return { name: 'customer_rfm' };
  },
  async 'segment-value'(ctx) {
    return computeSegmentValue(ctx);
  },
};

export function createRunContext(base: Omit<RunContext, 'product' | 'value'>): RunContext {
  const memo = new Map<ProductKey, Promise<unknown>>();
  const ctx: RunContext = {
    ...base,
    get value(): ValueOptions {
      if (base.options.value === false) throw new Error('Customer value is switched off: no part that needs it may run');
      return base.options.value;
    },
    product<K extends ProductKey>(key: K): Promise<Products[K]> {
      let p = memo.get(key);
      if (!p) {
        p = (COMPUTE[key] as (c: RunContext) => Promise<Products[K]>)(ctx);
        memo.set(key, p);
      }
      return p as Promise<Products[K]>;
    },
  };
  return ctx;
}
