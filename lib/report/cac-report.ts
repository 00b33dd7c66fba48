/**
 * The CAC part of `clv report`, in the three steps the cohort report calls:
 *
 *   prepareCac(db, options)       after the orders are loaded: reads and checks the spend and customers files
 *   cac.captureFacts()            while the order facts still exist (summarize's afterFactsRead hook)
 *   cac.build({ fmt, … })         after customer_base (and customer_scores, when the models ran) exist:
 *                                 computes the figures and returns sections, CSV files, notes and manifest entries
 */
import { UserError } from '../errors.ts';
import type { Database } from '../engine/database.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { loadSpend, type LoadedSpend } from '../load/load-spend.ts';
import { checkCustomerColumns, loadCustomers, type LoadedCustomers } from '../load/load-customers.ts';
import type { InputSummary } from '../load/load-orders.ts';
import { captureCustomerMonths, collectCacInputs, parseAttribution, type Attribution } from '../cac/cac-data.ts';
import { computeUnitEconomics, type CacResult } from '../cac/unit-economics.ts';
import { cacSections, type CacSections } from './cac-section.ts';
import type { Formatters } from './format.ts';

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

export interface PreparedCac {
  inputs: ({ role: string } & InputSummary)[];
  captureFacts(): Promise<void>;
  build(args: { fmt: Formatters; currency: string; period: PeriodUnit; projections?: { horizonMonths: number; margin: number } }): Promise<{ result: CacResult } & CacSections>;
}

function checkFraction(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= 1)) {
    throw new UserError(`${name} ${v}: expected the fraction of revenue kept as gross profit, such as 0.35 (0 < margin ≤ 1)`);
  }
}

export async function prepareCac(
  db: Database,
  options: CacOptions,
  context: { currency: string; asOf: string; /** The customers file, when the report already loaded it (for segments). */ customers?: LoadedCustomers },
): Promise<PreparedCac> {
  checkFraction('--margin', options.margin);
  for (const [k, v] of Object.entries(options.channelMargins ?? {})) checkFraction(`unit_economics.channel_margins.${k}:`, v);
  const attribution: Attribution | null = parseAttribution(options.attribution ?? 'first-order');
  if (!attribution) {
    throw new UserError(`--attribution ${JSON.stringify(options.attribution)}: expected first-order or customers:<column> (a column of the --customers file)`);
  }
  if (attribution.kind === 'customers' && !options.customers) {
    throw new UserError(`--attribution ${options.attribution}: needs --customers FILE, the customers file with that column`);
  }
  const spend: LoadedSpend = await loadSpend(db, options.spend, context);
  const requiredColumns = attribution.kind === 'customers' ? [attribution.column] : [];
  let customers: LoadedCustomers | undefined = context.customers;
  if (customers) checkCustomerColumns(customers, requiredColumns);
  else if (options.customers) customers = await loadCustomers(db, options.customers, { requiredColumns });
  const attributionLabel =
    attribution.kind === 'first-order' ? 'the channel of the customer\'s first order' : `column "${attribution.column}" of ${options.customers}`;
  return {
    inputs: [{ role: 'spend', ...spend.input }, ...(customers ? [{ role: 'customers', ...customers.input }] : [])],
    captureFacts: () => captureCustomerMonths(db),
    async build({ fmt, currency, period, projections }) {
      const collected = await collectCacInputs(db, attribution, { withProjections: projections !== undefined });
      const projected = collected.inputs.projected?.map((p) => ({ ...p, clv: p.clv / (projections?.margin ?? 1) }));
      const result = computeUnitEconomics({
        period: period === 'quarter' ? 'quarter' : 'month',
        asOf: context.asOf,
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
      const out = cacSections({ result, fmt, currency, projectedHorizonMonths: projections?.horizonMonths, attributionLabel });
      for (const d of spend.input.dropped) out.bullets.unshift(`${options.spend}: ${fmt.integer(d.rows)} ${d.rows === 1 ? 'row' : 'rows'} left out: ${d.reason}.`);
      out.bullets.unshift(`${options.spend}: ${fmt.integer(spend.input.rows_read)} spend rows read, ${fmt.integer(spend.input.rows_kept)} used (sha256 ${spend.input.sha256.slice(0, 12)}…).`);
      if (customers) {
        out.bullets.push(`${customers.input.path}: ${fmt.integer(customers.input.rows_read)} customer rows read${customers.input.dropped.map((d) => `, ${fmt.integer(d.rows)} left out (${d.reason})`).join('')}.`);
      }
      const u = collected.unmatched;
      if (u) {
        if (u.customersNotInFile > 0) out.bullets.push(`${fmt.integer(u.customersNotInFile)} customers of the orders are not in ${options.customers}; their acquisition channel is "(none)".`);
        if (u.emptyChannel > 0) out.bullets.push(`${fmt.integer(u.emptyChannel)} customers have an empty ${attribution.kind === 'customers' ? attribution.column : 'channel'} in ${options.customers}; their acquisition channel is "(none)".`);
        if (u.fileRowsWithoutOrders > 0) out.bullets.push(`${fmt.integer(u.fileRowsWithoutOrders)} customers of ${options.customers} have no order on or before the as-of date and are left out.`);
        out.manifest.unmatched_customers = { not_in_customers_file: u.customersNotInFile, empty_channel: u.emptyChannel, without_orders: u.fileRowsWithoutOrders };
      }
      return { result, ...out };
    },
  };
}
