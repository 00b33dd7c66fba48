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
import { isPostgresUrl, parsePgTarget } from './pg-connection.ts';
import type { OrdersSource } from './source.ts';

export interface SummarySource extends OrdersSource {
  /** Reads and checks the summary into `customer_base` (cohorts by `period`, segment columns `segmentBy`). */
  loadSummary(db: Database, o: { period: PeriodUnit; segmentBy: string[] }): Promise<LoadedSummary>;
}

export function isSummarySource(source: OrdersSource): source is SummarySource {
  return 'loadSummary' in source;
}

/**
 * A summary file, or a PostgreSQL table or view holding it (`postgres://…?table=customer_summary`,
 * e.g. a view of `clv sql --dialect postgres`: the aggregation then runs in the database and only the
 * summary's rows travel, through a cursor).
 */
export function summarySource(path: string, asOf?: string, timeoutSeconds?: number): SummarySource {
  const target = isPostgresUrl(path) ? parsePgTarget(path, { option: '--summary', timeoutSeconds }) : undefined;
  const label = target?.label ?? path;
  return {
    describe: () => ({ kind: target ? 'postgres' : orderFileFormat(path), label }),
    load: () => Promise.reject(new Error(`${label} is a per-customer summary: it has no order rows to load (use loadSummary)`)),
    loadSummary: async (db, o) => (await import('../load/load-summary.ts')).loadSummary(db, target ?? path, { ...o, asOf }),
    manifestOptions: () => ({ as_of: asOf ?? null, map: {}, date_format: null }),
    files: () => (target ? [] : [path]),
    atAsOf: (other) => summarySource(path, other, timeoutSeconds),
  };
}
