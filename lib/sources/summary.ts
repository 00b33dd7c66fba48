/**
 * A per-customer summary as the start of a report (`clv report --summary FILE`): the result of
 * `clv sql --result customers` run where the orders live, as CSV or Parquet
 * (lib/load/load-summary.ts reads and checks it into `customer_base`). It stands where an orders
 * source stands, but has no order rows: the pipeline (lib/run/build-report.ts) runs only the parts
 * that need nothing else, and says why each other part is left out.
 */
import type { PeriodUnit } from '../engine/periods.ts';
import type { Database } from '../engine/database.ts';
import type { LoadedSummary } from '../load/load-summary.ts';
import { orderFileFormat } from './file.ts';
import type { OrdersSource } from './source.ts';

export interface SummarySource extends OrdersSource {
  /** Reads and checks the summary into `customer_base` (cohorts by `period`, segment columns `segmentBy`). */
  loadSummary(db: Database, o: { period: PeriodUnit; segmentBy: string[] }): Promise<LoadedSummary>;
}

export function isSummarySource(source: OrdersSource): source is SummarySource {
  return 'loadSummary' in source;
}

export function summarySource(path: string, asOf?: string): SummarySource {
  return {
    describe: () => ({ kind: orderFileFormat(path), label: path }),
    load: () => Promise.reject(new Error(`${path} is a per-customer summary: it has no order rows to load (use loadSummary)`)),
    loadSummary: async (db, o) => (await import('../load/load-summary.ts')).loadSummary(db, path, { ...o, asOf }),
    manifestOptions: () => ({ as_of: asOf ?? null, map: {}, date_format: null }),
    files: () => [path],
    atAsOf: (other) => summarySource(path, other),
  };
}
