/**
 * Orders from a file: CSV (also gzip) or Parquet, read by DuckDB's readers
 * (lib/load/load-orders.ts does the reading and the checks; it is loaded on
 * first use, so that the CLI can name a source without loading DuckDB).
 */
import { extname } from 'node:path';
import type { OrdersInput } from '../load/load-orders.ts';
import type { SurveysInput } from '../load/load-surveys.ts';
import { isFileSet, setRoot } from '../load/parquet-set.ts';
import type { CustomersSource, OrdersSource, SpendSource, SurveysSource } from './source.ts';

/** The format of an orders file, from its name. */
export function orderFileFormat(path: string): 'csv' | 'parquet' {
  const ext = extname(path).toLowerCase();
  // A folder is a set of Parquet files (lib/load/parquet-set.ts).
  return ext === '.parquet' || ext === '.pq' || isFileSet(path) ? 'parquet' : 'csv';
}

export function fileOrders(input: OrdersInput): OrdersSource {
  return {
    describe: () => ({ kind: orderFileFormat(input.path), label: input.path }),
    load: async (db, o) => (await import('../load/load-orders.ts')).loadOrders(db, input, o),
    manifestOptions: () => ({ as_of: input.asOf ?? null, map: input.map ?? {}, date_format: input.dateFormat ?? null }),
    // A set of files: its root folder (an output folder must not hold it).
    files: () => [isFileSet(input.path) ? setRoot(input.path) : input.path],
    atAsOf: (asOf) => fileOrders({ ...input, asOf }),
  };
}

/** The spend from a file (CSV or Parquet; lib/load/load-spend.ts). */
export function fileSpend(path: string): SpendSource {
  return {
    describe: () => ({ kind: orderFileFormat(path), label: path }),
    files: () => [path],
    load: async (db, o) => (await import('../load/load-spend.ts')).loadSpend(db, path, o),
  };
}

/** The customer attributes from a file (CSV or Parquet; lib/load/load-customers.ts). */
export function fileCustomers(path: string): CustomersSource {
  return {
    describe: () => ({ kind: orderFileFormat(path), label: path }),
    files: () => [path],
    load: async (db, o) => (await import('../load/load-customers.ts')).loadCustomers(db, path, o),
  };
}

/** The survey answers from a file (CSV or Parquet; lib/load/load-surveys.ts). */
export function fileSurveys(input: SurveysInput): SurveysSource {
  return {
    describe: () => ({ kind: orderFileFormat(input.path), label: input.path }),
    files: () => [input.path],
    load: async (db, o) => (await import('../load/load-surveys.ts')).loadSurveys(db, input, o),
    manifestOptions: () => ({ kind: input.kind, map: input.map ?? {}, date_format: input.dateFormat ?? null }),
  };
}
