/**
 * The purchase and spend fits every model figure of a run uses (the run
 * context's `fits` product, lib/run/run-context.ts), and the per-customer
 * scores built from them (`customer_scores`).
 *
 * The chosen purchase model (lib/models/registry.ts) and Gamma-Gamma are
 * fitted on all customers; when the orders have an acquisition channel, also
 * on each channel's own customers. Channels differ in how often their
 * customers buy, how long they stay and what they spend: one fit on everyone
 * would pull every channel towards the average (on the sample, paid social's
 * value +50%, organic's −17% against the generating parameters). A channel
 * has its own fit when it has at least MIN_GROUP_CUSTOMERS customers and
 * MIN_GROUP_REPEAT_BUYERS repeat buyers and its fits converge; the customers
 * of the other channels are scored with the all-customer fit. Every customer
 * is scored once, with their channel's fit: Customer value, Projected value by
 * segment, CAC's projected LTV, RFM, Win back and data/customers.csv all read
 * these scores, so a figure has one value wherever it is shown.
 */
import { literal, type Database } from '../engine/database.ts';
import { baseHistoriesSelect, baseHistory, frequencyDataFrom, spendDataFrom, type TimeUnit } from '../engine/customer-base.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { fitPurchase, fitSpend, fitted, modelTitle, type PurchaseModelId } from '../models/registry.ts';
import type { FitResult } from '../models/model.ts';
import { scoreFittedCustomers } from './score-customers.ts';

/** Column of customer_base whose values get their own fits. */
export const FIT_GROUP_COLUMN = 'acquisition_channel';
/** Smallest channel fitted on its own customers. */
export const MIN_GROUP_CUSTOMERS = 500;
/** Smallest number of repeat buyers (positive z̄) for a channel's own fits. */
export const MIN_GROUP_REPEAT_BUYERS = 50;
/**
 * A channel's own parameters stay within this factor of the all-customer fit's (each one); a fit that
 * wants to go further is at the edge of the parameter space, and the channel keeps the all-customer fit.
 */
export const GROUP_FIT_FACTOR = 200;

export interface ModelFits {
  purchase: FitResult;
  /** Absent when the orders have no amounts (a purchase log): no spend, no CLV in money. */
  spend?: FitResult;
}

export interface GroupFit extends ModelFits {
  /** The channel. */
  value: string;
  customers: number;
}

export interface CustomerFits {
  model: PurchaseModelId;
  timeUnit: TimeUnit;
  /** Fits on all customers (they score the customers of channels without their own fits). */
  all: ModelFits & { customers: number; spendLeftOut: number; histories: number };
  /** Channels with their own fits, sorted by value. */
  groups: GroupFit[];
  /** Channels scored with the all-customer fits, and why. */
  pooled: { value: string; customers: number; reason: string }[];
}

/** SQL condition on customer_base selecting the customers of one channel. */
export function groupCondition(value: string): string {
  return `${FIT_GROUP_COLUMN} = ${literal(value)}`;
}

/** The customers scored with the all-customer fits: those of channels without their own fits. */
export function pooledCondition(fits: CustomerFits): string | undefined {
  return fits.groups.length === 0 ? undefined : `${FIT_GROUP_COLUMN} NOT IN (${fits.groups.map((g) => literal(g.value)).join(', ')})`;
}

function failed(f: ModelFits): string | undefined {
  const bad = [f.purchase, f.spend].find((x) => x !== undefined && !x.converged);
  return bad ? `${modelTitle(bad.model)} cannot be fitted: the optimizer did not converge (${bad.message ?? `gradient norm ${bad.gradientNorm}`})` : undefined;
}

/**
 * Fits the models on all customers and per channel. Throws a UserError (its message says why in
 * plain words) when the all-customer fits cannot be made or (unless `allowUnconverged`: `clv score`
 * writes the scores and says the fit did not converge) did not converge.
 */
export async function fitCustomers(
  db: Database,
  o: { asOf: string; model: PurchaseModelId; timeUnit: TimeUnit; byChannel: boolean; allowUnconverged?: boolean; progress?: Progress; /** False for a purchase log without amounts: no spend model. */ money?: boolean },
): Promise<CustomerFits> {
  const fitOn = async (where?: string, around?: ModelFits) => {
    const histories = baseHistoriesSelect(o.asOf, where);
    const freq = await frequencyDataFrom(db, histories, o.timeUnit);
    const spend = o.money === false ? undefined : await spendDataFrom(db, histories);
    // A channel's fits start from the all-customer fits and stay near them (bounded time at the edge).
    const near = (f: FitResult | undefined) => f && { starts: [f.params], near: { params: f.params, factor: GROUP_FIT_FACTOR } };
    return {
      purchase: fitPurchase(o.model, freq, around && near(around.purchase)),
      ...(spend ? { spend: fitSpend(spend.data, around && near(around.spend)) } : {}),
      spendLeftOut: spend?.left_out ?? 0,
      histories: freq.x.length,
      customers: freq.weight.reduce((s, w) => s + w, 0),
    };
  };
  const all = await fitOn();
  const why = failed(all);
  if (why && !o.allowUnconverged) throw new UserError(`${why}, so its parameters are not reliable`);
  const groups: GroupFit[] = [];
  const pooled: CustomerFits['pooled'] = [];
  if (o.byChannel && !why) {
    const sizes = await db.rows<{ value: string; customers: number; repeaters: number }>(`
      SELECT ${FIT_GROUP_COLUMN} AS value, CAST(count(*) AS INTEGER) AS customers, CAST(count(*) FILTER (WHERE ${baseHistory(o.asOf).zbar} > 0) AS INTEGER) AS repeaters
      FROM customer_base GROUP BY ALL ORDER BY value`);
    if (sizes.length > 1) {
      for (const s of sizes) {
        if (s.customers < MIN_GROUP_CUSTOMERS || s.repeaters < MIN_GROUP_REPEAT_BUYERS) {
          pooled.push({ value: s.value, customers: s.customers, reason: `fewer than ${MIN_GROUP_CUSTOMERS} customers or ${MIN_GROUP_REPEAT_BUYERS} repeat buyers` });
          continue;
        }
        o.progress?.detail?.(`fitting the models on the customers of channel ${s.value}`);
        let f: ModelFits | undefined;
        let reason: string | undefined;
        try {
          f = await fitOn(groupCondition(s.value), all);
          reason = failed(f);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          reason = err.message;
        }
        if (f && !reason) groups.push({ value: s.value, customers: s.customers, purchase: f.purchase, spend: f.spend });
        else pooled.push({ value: s.value, customers: s.customers, reason: `its own fit failed: ${reason}` });
      }
    }
  }
  return { model: o.model, timeUnit: o.timeUnit, all, groups, pooled };
}

/** Builds `customer_scores` (lib/clv/score-customers.ts) with each customer's channel's fits. */
export async function scoreCustomerFits(db: Database, fits: CustomerFits, o: { asOf: string; horizonMonths: number; annualDiscountRate: number; margin: number; progress?: Progress }): Promise<void> {
  const base = { asOf: o.asOf, timeUnit: fits.timeUnit, horizonMonths: o.horizonMonths, annualDiscountRate: o.annualDiscountRate, margin: o.margin, progress: o.progress };
  let append = false;
  for (const g of fits.groups) {
    await scoreFittedCustomers(db, { ...base, purchaseModel: fitted(fits.model, g.purchase.params), spend: g.spend?.params, where: groupCondition(g.value), append });
    append = true;
  }
  await scoreFittedCustomers(db, { ...base, purchaseModel: fitted(fits.model, fits.all.purchase.params), spend: fits.all.spend?.params, where: pooledCondition(fits), append });
}
