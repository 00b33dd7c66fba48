/**
 * `clv report`: the cohort report of an orders file, written atomically to
 * DIR (index.html, data/*.csv, manifest.json).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { createProgress } from '../lib/progress.ts';
import { PERIOD_UNITS, type PeriodUnit } from '../lib/engine/periods.ts';
import { ordersOptions, parseList, resolveOrders, resolveSummary } from '../lib/cli/orders-options.ts';
import { cacFlags, cacOptions, surveyFlags, surveysInput, valueFlags, valueOptions, winBackFlags, winBackOptions } from '../lib/cli/report-options.ts';
import { viewNames } from '../lib/parts/registry.ts';
import { UserError } from '../lib/errors.ts';
import { MEMORY_LIMIT_OPTION } from '../lib/engine/memory-limit.ts';
import { dirname, join } from 'node:path';
import { backtestOptions } from '../lib/clv/backtest-options.ts';
import type { ReportConfig } from '../lib/config/report-config.ts';
import type { CohortReportOptions } from '../lib/run/build-report.ts';

/** The report's options (shared with `clv monthly`): the orders options, analysis, report, customer-value and unit-economics options. */
export function reportOptions(y: Argv) {
  return surveyFlags(winBackFlags(cacFlags(valueFlags(ordersOptions(y)))))
    .option('verbose', { type: 'boolean', default: false, describe: 'More detail on stderr: each step on its own line, inputs, outputs and timings' })
    .option('period', { choices: PERIOD_UNITS as PeriodUnit[], describe: 'Cohort period (default month)', group: 'Analysis:' })
    .option('segment-by', { type: 'string', array: true, describe: 'Also show retention per value of these columns (comma-separated or repeated); "channel" = acquisition channel', group: 'Analysis:' })
    .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
    .option('locale', { type: 'string', describe: 'Locale for numbers in the report (default en-US)', group: 'Report:' })
    .option('title', { type: 'string', describe: 'Report title', group: 'Report:' })
    .option('company', { type: 'string', describe: 'Company named in the report header', group: 'Report:' })
    .option('sections', { type: 'string', array: true, describe: `Sections to show, in this order (comma-separated): ${viewNames().join(', ')}. Default: all`, group: 'Report:' })
    .option('margin', { type: 'number', describe: 'Gross margin (fraction of revenue kept); without it values are revenue', group: 'Customer value:' })
    .option('memory-limit', MEMORY_LIMIT_OPTION);
}

export function builder(y: Argv) {
  return reportOptions(y)
    .option('summary', { type: 'string', describe: 'Start from a per-customer summary instead of orders: CSV or Parquet of `clv sql --result customers` run where the orders are, or a PostgreSQL table or view of it (postgres://…?table=NAME); the sections that need order rows are left out, each saying why', group: 'Input:' })
    .option('out', { type: 'string', default: join('reports', 'out', 'report'), describe: 'Output directory; replaced as a whole only when the new report is complete', group: 'Output:' })
    .example('$0 report --orders data/sample/orders.csv --out reports/out/sample', 'the bundled sample')
    .example('$0 report --config clv.config.json --as-of 2024-06-30', 'options from a config file, one overridden')
    .example('$0 report --orders shop.csv --period quarter --segment-by channel,region --out out/q', 'quarterly cohorts per channel and region')
    .example('$0 report --orders subscriptions.csv --business contractual --margin 0.6', 'a subscription business: retention and value with the sBG model')
    .example('$0 report --orders shop.csv --spend spend.csv --margin 0.35', 'with CAC by channel, LTV:CAC and payback')
    .example('$0 report --orders shop.csv --surveys nps.csv --segment-by nps_band', 'NPS per month and value per NPS band')
    .example('$0 report --summary customers.parquet --segment-by channel', 'from the per-customer summary a warehouse computed (clv sql --result customers)');
}

export type ReportArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof reportOptions>['argv']>>;
type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

/** The report's analysis and presentation options from the flags and the config (flags win). */
export function cohortReportOptions(args: ReportArgs, config: ReportConfig): Omit<CohortReportOptions, 'orders' | 'progress'> {
  const segmentBy = args.segmentBy !== undefined ? parseList(args.segmentBy) : (config.segment_by ?? []);
  const margin = args.margin ?? config.margin;
  // Checked before any work, naming the flag (the config's names are checked by its schema).
  for (const name of args.sections !== undefined ? parseList(args.sections) : []) {
    if (!viewNames().includes(name)) throw new UserError(`--sections ${JSON.stringify(name)}: unknown section; choose one of: ${viewNames().join(', ')}`);
  }
  return {
    period: args.period ?? (config.period as PeriodUnit | undefined),
    segmentBy,
    currency: args.currency ?? config.report?.currency,
    locale: args.locale ?? config.report?.locale,
    title: args.title ?? config.report?.title,
    company: args.company ?? config.report?.company,
    labels: config.report?.labels,
    sections: args.sections !== undefined ? parseList(args.sections) : config.report?.sections,
    value: valueOptions(args, config, margin),
    cac: cacOptions(args, config, margin),
    customers: args.customers ?? config.customers?.path,
    surveys: surveysInput(args, config),
    rfm: { winBack: winBackOptions(args, config) },
    backtest: backtestOptions(args, config.clv),
    memoryLimit: args.memoryLimit ?? config.memory_limit,
  };
}

export async function handler(args: Args): Promise<void> {
  const { orders, config } = args.summary !== undefined ? await resolveSummary({ ...args, summary: args.summary }) : await resolveOrders(args);
  const reportOpts = cohortReportOptions(args, config);
  const progress = createProgress({ quiet: args.quiet, verbose: args.verbose });
  const { prepareOutputDir, writeReportDir } = await import('../lib/report/write-output.ts');
  const output = { inputs: [...orders.files(), args.config, reportOpts.cac?.spend, reportOpts.customers, reportOpts.surveys?.path], log: (m: string) => progress.warn?.(m) };
  await prepareOutputDir(args.out, output);
  // Loaded once the output folder is accepted (a refused --out answers without loading DuckDB and Vega).
  const { buildCohortReport } = await import('../lib/run/build-report.ts');
  const result = await buildCohortReport({ orders, ...reportOpts, progress });
  const index = await writeReportDir(args.out, result, output);
  const input = result.orders.input;
  progress.detail?.(`${input.path}: ${input.rows_read} rows read, ${input.rows_kept} kept; as of ${result.orders.asOf}; ${result.files.size} files in ${dirname(index)}`);
  progress.done(`report written`);
  process.stdout.write(`${index}\n`);
}
