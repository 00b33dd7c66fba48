/**
 * Where the orders come from: one interface for every source (a file today,
 * a database table next). Nothing after loading knows a path or a file
 * format: the pipeline, the manifest and the Data quality notes describe the
 * source through `describe()`.
 */
import type { Database } from '../engine/database.ts';
import type { LoadedOrders } from '../load/load-orders.ts';
import type { LoadedSpend } from '../load/load-spend.ts';
import type { LoadedCustomers } from '../load/load-customers.ts';
import type { LoadedSurveys } from '../load/load-surveys.ts';

export interface SourceDescription {
  /** The kind of source: `csv`, `parquet` (later `postgres`). */
  kind: string;
  /** How messages and the report name it: a file's path, a table's name. */
  label: string;
}

/** What a run asks of the orders beyond the rows. */
export interface LoadOptions {
  /** Columns (`channel`, an attribute, or `product`: the mapped product column) whose values on every line of an order are kept (`--segment-by first:<column>`). */
  lineValues?: string[];
  /**
   * Segments (`--segment-by` names, without `first:`) whose value on each customer-day's first order
   * the run reads: an orders source that aggregates where the orders live (PostgreSQL) carries
   * these attribute columns into customer_days. Undefined: every attribute column.
   */
  dayValues?: string[];
}

export interface OrdersSource {
  describe(): SourceDescription;
  /**
   * Reads, maps and validates the order rows into the DuckDB table `facts`
   * (bad rows: a UserError naming the place; dropped rows counted by reason).
   */
  load(db: Database, o?: LoadOptions): Promise<LoadedOrders>;
  /** The options that define the source as the manifest records them (mapping, date format, as-of). */
  manifestOptions(): { as_of: string | null; map: Record<string, string>; date_format: string | null };
  /** The local files it reads (none for a database): an output folder may never contain one. */
  files(): string[];
  /** The same source cut at another as-of date (the monthly job's month end). */
  atAsOf(asOf: string): OrdersSource;
}

/** Where the marketing spend comes from (`--spend`): read, checked, in the report currency, up to the as-of date. */
export interface SpendSource {
  describe(): SourceDescription;
  files(): string[];
  load(db: Database, o: { currency: string; asOf: string }): Promise<LoadedSpend>;
}

/** Where the customer attributes come from (`--customers`): one row per customer (table `customer_attributes`). */
export interface CustomersSource {
  describe(): SourceDescription;
  files(): string[];
  load(db: Database, o?: { requiredColumns?: string[] }): Promise<LoadedCustomers>;
}

/** Where the survey answers come from (`--surveys`): NPS or CSAT scores, cut at the as-of date, matched to customers with orders (tables `survey_responses`, `survey_bands`). */
export interface SurveysSource {
  describe(): SourceDescription;
  files(): string[];
  /** `ordersAggregated`: the orders arrived as customer-days (LoadedOrders `aggregated`), so the purchasers are read there. */
  load(db: Database, o: { asOf: string; ordersAggregated?: boolean }): Promise<LoadedSurveys>;
  /** The options that define the reading as the manifest records them. */
  manifestOptions(): { kind: string; map: Record<string, string>; date_format: string | null };
}
