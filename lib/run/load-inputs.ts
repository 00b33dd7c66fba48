/**
 * The load phase of a run: every input through its source (lib/sources/:
 * the orders, the spend, the customer attributes), checked before any heavy work,
 * so that a wrong column or option fails in seconds with a clear message.
 */
import type { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { LoadedOrders } from '../load/load-orders.ts';
import { checkCustomerColumns, type LoadedCustomers } from '../load/load-customers.ts';
import type { LoadedSpend } from '../load/load-spend.ts';
import { NO_RESPONSE, type LoadedSurveys } from '../load/load-surveys.ts';
import type { CustomerTableColumn } from '../engine/summarize.ts';
import type { OrdersSource, SourceDescription } from '../sources/source.ts';
import { checkCacOptions } from '../parts/cac/compute.ts';
import type { RunOptions } from './run-options.ts';

export interface RunInputs {
  orders: LoadedOrders;
  source: SourceDescription;
  customers?: LoadedCustomers;
  spend?: LoadedSpend;
  /** Segment columns that come from the customers file. */
  customerColumns: string[];
  surveys?: LoadedSurveys;
  /** Segment columns read from other per-customer tables (the survey band). */
  customerTables: CustomerTableColumn[];
  /** `first:<column>` segments: name → the orders' column (`channel` or an attribute). */
  firstColumns: Record<string, string>;
}

/** Prefix of a segment taken from every value of the customer's first order (`--segment-by first:product`). */
export const FIRST_PREFIX = 'first:';

export async function loadInputs(db: Database, source: OrdersSource, options: RunOptions, o: { withSpend: boolean; lineValues?: string[]; progress?: Progress }): Promise<RunInputs> {
  const described = source.describe();
  o.progress?.step(`reading ${described.label}`);
  const orders = await source.load(db, {
    lineValues: [...options.segmentBy.filter((s) => s.startsWith(FIRST_PREFIX)).map((s) => s.slice(FIRST_PREFIX.length)), ...(o.lineValues ?? [])],
    dayValues: options.segmentBy.filter((s) => !s.startsWith(FIRST_PREFIX)),
  });
  const i = orders.input;
  if (i.pushdown !== undefined) {
    o.progress?.detail?.(
      i.pushdown
        ? `${described.label}: aggregated in the database (pushdown): ${i.rows_read} rows read there, ${i.rows_transferred} customer-day rows travelled`
        : `${described.label}: every row streamed (no pushdown: ${i.pushdown_reason}): ${i.rows_transferred} rows travelled`,
    );
  }
  const cac = o.withSpend ? options.cac : undefined;
  const attribution = cac ? checkCacOptions(cac) : undefined;
  if (options.customersSource) o.progress?.step(`reading ${options.customersSource.describe().label}`);
  const customers = options.customersSource ? await options.customersSource.load(db) : undefined;
  if (customers && attribution?.kind === 'customers') checkCustomerColumns(customers, [attribution.column]);
  if (options.surveysSource) o.progress?.step(`reading ${options.surveysSource.describe().label}`);
  const surveys = options.surveysSource ? await options.surveysSource.load(db, { asOf: orders.asOf, ordersAggregated: orders.aggregated }) : undefined;
  const customerColumns: string[] = [];
  const customerTables: CustomerTableColumn[] = [];
  const firstColumns: Record<string, string> = {};
  for (const s of options.segmentBy) {
    if (surveys && s === surveys.column) {
      customerTables.push({ column: s, table: 'survey_bands', value: 'band', missing: NO_RESPONSE, origin: 'the band of their latest survey answer' });
      continue;
    }
    if (s.startsWith(FIRST_PREFIX)) {
      const name = s.slice(FIRST_PREFIX.length);
      const column = name === 'product' && orders.productColumn !== undefined ? orders.productColumn : name;
      if ((column === 'channel' && orders.hasChannel) || orders.attributes.includes(column)) {
        firstColumns[s] = column;
        continue;
      }
      const choices = [...(orders.hasChannel ? ['channel'] : []), ...(orders.productColumn !== undefined ? ['product'] : []), ...orders.attributes].map((c) => `${FIRST_PREFIX}${c}`);
      throw new UserError(
        `--segment-by ${s}: ${JSON.stringify(name)} is not a column of ${described.label}${name === 'product' ? ' (map the product column of order lines with --map product=COL)' : ''}; first: takes a column of the orders file: ${choices.length > 0 ? `choose one of ${choices.join(', ')}` : 'the file has none'}`,
      );
    }
    if (s === 'channel' && !orders.hasChannel) {
      throw new UserError(`--segment-by channel: ${described.label} has no channel column (map one with --map channel=YourColumn)`);
    }
    if (s === 'channel' || orders.attributes.includes(s)) continue;
    if (customers?.attributes.includes(s)) {
      customerColumns.push(s);
      continue;
    }
    if (/^(nps|csat)_band$/.test(s)) {
      throw new UserError(`--segment-by ${s}: ${surveys ? `the survey file ${options.surveysSource?.describe().label} is read as ${surveys.kind.toUpperCase()}, whose band column is ${surveys.column}` : 'the survey bands need a survey file: --surveys FILE (and --survey-kind nps or csat)'}`);
    }
    const choices = [...(orders.hasChannel ? ['channel'] : []), ...orders.attributes, ...(customers?.attributes ?? []).filter((c) => !orders.attributes.includes(c)), ...(surveys ? [surveys.column] : [])];
    throw new UserError(
      `--segment-by ${s}: no such column in ${described.label}${options.customersSource ? ` or ${options.customersSource.describe().label}` : ''}; ${choices.length > 0 ? `choose one of ${choices.join(', ')}` : 'the file has no attribute columns to segment by (a --customers file can add some)'}`,
    );
  }
  let spend: LoadedSpend | undefined;
  if (cac && options.spendSource) {
    o.progress?.step(`reading ${options.spendSource.describe().label}`);
    spend = await options.spendSource.load(db, { currency: options.currency, asOf: orders.asOf });
  }
  return { orders, source: described, customers, spend, customerColumns, surveys, customerTables, firstColumns };
}
