/**
 * The CAC part, computing half: checks the CAC options, reads the spend file
 * (with the run's other inputs, lib/run/load-inputs.ts), captures each
 * customer's revenue per month while the order rows are loaded, and computes
 * CAC, LTV, LTV:CAC and payback per channel (lib/cac/unit-economics.ts), with
 * the projected LTV from the run's per-customer scores.
 */
import { UserError } from '../../errors.ts';
import { captureCustomerMonths, collectCacInputs, parseAttribution, type Attribution, type CollectedCac } from '../../cac/cac-data.ts';
import { computeUnitEconomics, type CacResult } from '../../cac/unit-economics.ts';
import type { LoadedSpend } from '../../load/load-spend.ts';
import type { LoadedCustomers } from '../../load/load-customers.ts';
import type { RunContext } from '../../run/run-context.ts';
import type { Database } from '../../engine/database.ts';

export interface CacOptions {
  /** Spend file (period, channel, spend[, cost_type, currency]). */
  spend: string;
  /** Customer attributes file (customer_id + columns). */
  customers?: string;
  /** `first-order` (default) or `customers:<column>`. */
  attribution?: string;
  /** Gross margin, 0 < margin ≤ 1; undefined = revenue. */
  margin?: number;
  channelMargins?: Record<string, number>;
  /** Yearly cost to serve a customer (report currency), overall and per channel. */
  costToServe?: number;
  channelCostToServe?: Record<string, number>;
  expectedLifetimeYears?: number;
}

function checkFraction(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= 1)) {
    throw new UserError(`${name} ${v}: expected the fraction of revenue kept as gross profit, such as 0.35 (0 < margin ≤ 1)`);
  }
}

/** Checks the CAC options (before any file is read) and returns the attribution rule. */
export function checkCacOptions(options: CacOptions): Attribution {
  checkFraction('--margin', options.margin);
  for (const [k, v] of Object.entries(options.channelMargins ?? {})) checkFraction(`unit_economics.channel_margins.${k}:`, v);
  const attribution = parseAttribution(options.attribution ?? 'first-order');
  if (!attribution) {
    throw new UserError(`--attribution ${JSON.stringify(options.attribution)}: expected first-order or customers:<column> (a column of the --customers file)`);
  }
  if (attribution.kind === 'customers' && !options.customers) {
    throw new UserError(`--attribution ${options.attribution}: needs --customers FILE, the customers file with that column`);
  }
  return attribution;
}

export interface CacFigures {
  options: CacOptions;
  /** How the spend and customers sources are named in notes. */
  spendLabel: string;
  customersLabel?: string;
  attribution: Attribution;
  spend: LoadedSpend;
  customers?: LoadedCustomers;
  result: CacResult;
  unmatched: CollectedCac['unmatched'];
  /** Horizon of the projected LTV (months), when the models ran. */
  projectedHorizonMonths?: number;
}

/** While the order rows are loaded: net revenue and orders per customer and month. */
export const captureCacFacts = (db: Database) => captureCustomerMonths(db);

export async function computeCac(ctx: RunContext): Promise<CacFigures> {
  const options = ctx.options.cac as CacOptions;
  const spend = ctx.inputs.spend as LoadedSpend;
  const attribution = checkCacOptions(options);
  const scores = ctx.options.value === false ? null : await ctx.product('scores');
  const v = ctx.options.value;
  const projections = scores && v !== false ? { horizonMonths: v.horizonMonths, margin: v.margin ?? 1 } : undefined;
  const collected = await collectCacInputs(ctx.db, attribution, { projections: scores ?? undefined });
  const projected = collected.inputs.projected?.map((p) => ({ ...p, clv: p.clv / (projections?.margin ?? 1) }));
  const result = computeUnitEconomics({
    period: ctx.options.period === 'quarter' ? 'quarter' : 'month',
    asOf: ctx.orders.asOf,
    spend: spend.rows,
    acquisitions: collected.inputs.acquisitions,
    cells: collected.inputs.cells,
    secondYear: collected.inputs.secondYear,
    projected,
    projectedHorizonMonths: projections?.horizonMonths,
    margin: options.margin,
    channelMargins: options.channelMargins,
    costToServe: options.costToServe,
    channelCostToServe: options.channelCostToServe,
    expectedLifetimeYears: options.expectedLifetimeYears,
  });
  return {
    options,
    spendLabel: ctx.options.spendSource?.describe().label ?? options.spend,
    customersLabel: ctx.options.customersSource?.describe().label,
    attribution,
    spend,
    customers: ctx.inputs.customers,
    result,
    unmatched: collected.unmatched,
    projectedHorizonMonths: projections?.horizonMonths,
  };
}
