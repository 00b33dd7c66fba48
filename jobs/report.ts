/**
 * `clv report`: the cohort report of an orders file, written atomically to
 * DIR (index.html, data/*.csv, manifest.json).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { createProgress } from '../lib/progress.ts';
import { PERIOD_UNITS, type PeriodUnit } from '../lib/engine/periods.ts';
import { UserError } from '../lib/errors.ts';
import { readConfig } from '../lib/config/report-config.ts';
import { join } from 'node:path';

export const command = 'report';
export const describe = 'Cohort retention report of an orders file: one self-contained HTML file plus CSV data and a manifest';

export function builder(y: Argv) {
  return y
    .option('config', { type: 'string', describe: 'JSON config file (see clv.config.json); command-line flags override its values', group: 'Input:' })
    .option('orders', { type: 'string', describe: 'Orders file (.csv or .parquet) with customer_id, order_date, amount; optional order_id, channel and attribute columns', group: 'Input:' })
    .option('map', { type: 'string', array: true, describe: 'Map a column: --map customer_id=CustomerID (repeatable; also order_date, amount, order_id, channel)', group: 'Input:' })
    .option('date-format', { type: 'string', describe: 'Pattern of order dates that are not ISO 8601, e.g. yyyyMMdd or dd/MM/yyyy', group: 'Input:' })
    .option('as-of', { type: 'string', describe: 'Report as of this date (YYYY-MM-DD, inclusive); later orders are left out. Default: the last order date', group: 'Input:' })
    .option('out', { type: 'string', default: join('reports', 'out', 'report'), describe: 'Output directory; replaced as a whole only when the new report is complete', group: 'Output:' })
    .option('period', { choices: PERIOD_UNITS as PeriodUnit[], describe: 'Cohort period (default month)', group: 'Analysis:' })
    .option('segment-by', { type: 'string', array: true, describe: 'Also show retention per value of these columns (comma-separated or repeated); "channel" = acquisition channel', group: 'Analysis:' })
    .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
    .option('locale', { type: 'string', describe: 'Locale for numbers in the report (default en-US)', group: 'Report:' })
    .option('title', { type: 'string', describe: 'Report title', group: 'Report:' })
    .option('quiet', { type: 'boolean', default: false, describe: 'No progress output on stderr' })
    .check((argv) => {
      if (argv.orders === undefined && argv.config === undefined) throw new UserError('Missing required argument: orders (or a --config file naming it)');
      return true;
    })
    .example('$0 report --orders data/sample/orders.csv --out reports/out/sample', 'the bundled sample')
    .example('$0 report --config clv.config.json --as-of 2024-06-30', 'options from a config file, one overridden')
    .example('$0 report --orders shop.csv --period quarter --segment-by channel,region --out out/q', 'quarterly cohorts per channel and region');
}

/** Parses `--map a=b` pairs. */
export function parseMap(pairs: string[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UserError(`--map ${JSON.stringify(pair)}: expected canonical=FileColumn, e.g. --map customer_id=CustomerID`);
    map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return map;
}

/** Splits repeated and comma-separated list options. */
export function parseList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export async function handler(args: Args): Promise<void> {
  const config = args.config ? readConfig(args.config) : {};
  const ordersPath = args.orders ?? config.orders?.path;
  if (ordersPath === undefined) throw new UserError(`${args.config}: no orders.path in the config and no --orders given`);
  const segmentBy = args.segmentBy !== undefined ? parseList(args.segmentBy) : (config.segment_by ?? []);
  const progress = createProgress({ quiet: args.quiet });
  // Loaded here, not at the top, so that `clv --help` does not load DuckDB and Vega.
  const { buildCohortReport } = await import('../lib/report/cohort-report.ts');
  const { writeOutputDir } = await import('../lib/report/write-output.ts');
  const result = await buildCohortReport({
    orders: {
      path: ordersPath,
      map: { ...(config.orders?.map ?? {}), ...parseMap(args.map) },
      dateFormat: args.dateFormat ?? config.orders?.date_format,
      asOf: args.asOf ?? config.as_of,
    },
    period: args.period ?? (config.period as PeriodUnit | undefined),
    segmentBy,
    currency: args.currency ?? config.report?.currency,
    locale: args.locale ?? config.report?.locale,
    title: args.title ?? config.report?.title,
    progress,
  });
  let dir: string;
  try {
    dir = await writeOutputDir(args.out, result.files);
  } finally {
    await result.cleanup();
  }
  progress.done(`report written`);
  process.stdout.write(`${join(dir, 'index.html')}\n`);
}
