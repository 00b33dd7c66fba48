/**
 * `clv report`: the cohort report of an orders file, written atomically to
 * DIR (index.html, data/*.csv, manifest.json).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { createProgress } from '../lib/progress.ts';
import { PERIOD_UNITS, type PeriodUnit } from '../lib/engine/periods.ts';
import { ordersOptions, parseList, resolveOrders } from '../lib/cli/orders-options.ts';
import { join } from 'node:path';
import { BUSINESS_TYPES, checkValueOptions, DEFAULT_VALUE_OPTIONS, type Business, type ValueOptions } from '../lib/clv/value-options.ts';
import type { ReportConfig } from '../lib/config/report-config.ts';
import { UserError } from '../lib/errors.ts';
import type { CacOptions } from '../lib/report/cac-report.ts';

export const command = 'report';
export const describe = 'Cohort retention report of an orders file: one self-contained HTML file plus CSV data and a manifest';

export function builder(y: Argv) {
  return ordersOptions(y)
    .option('out', { type: 'string', default: join('reports', 'out', 'report'), describe: 'Output directory; replaced as a whole only when the new report is complete', group: 'Output:' })
    .option('period', { choices: PERIOD_UNITS as PeriodUnit[], describe: 'Cohort period (default month)', group: 'Analysis:' })
    .option('segment-by', { type: 'string', array: true, describe: 'Also show retention per value of these columns (comma-separated or repeated); "channel" = acquisition channel', group: 'Analysis:' })
    .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
    .option('locale', { type: 'string', describe: 'Locale for numbers in the report (default en-US)', group: 'Report:' })
    .option('title', { type: 'string', describe: 'Report title', group: 'Report:' })
    .option('clv', { type: 'boolean', describe: 'Include the Customer value section (CLV models; default on); --no-clv leaves it out', group: 'Customer value:' })
    .option('business', { choices: BUSINESS_TYPES as readonly Business[] as Business[], describe: 'non-contractual (default): customers buy when they like (BG/NBD or Pareto/NBD); contractual: subscriptions, a customer is retained while they order in every period (sBG)', group: 'Customer value:' })
    .option('clv-model', { choices: ['bgnbd', 'pareto-nbd'] as ('bgnbd' | 'pareto-nbd')[], describe: 'Purchase model for non-contractual businesses (default bgnbd)', group: 'Customer value:' })
    .option('horizon-months', { type: 'number', describe: 'Months of future purchases counted in CLV (default 12)', group: 'Customer value:' })
    .option('annual-discount-rate', { type: 'number', describe: 'Yearly discount rate (default 0.1)', group: 'Customer value:' })
    .option('margin', { type: 'number', describe: 'Gross margin (fraction of revenue kept); without it values are revenue', group: 'Customer value:' })
    .option('spend', { type: 'string', describe: 'Spend file (period, channel, spend; optional cost_type, currency): adds CAC by channel and unit economics', group: 'Unit economics:' })
    .option('customers', { type: 'string', describe: 'Customer attributes file (customer_id plus columns), e.g. for --attribution customers:acquisition_channel', group: 'Unit economics:' })
    .option('attribution', { type: 'string', describe: 'Acquisition channel of a customer: first-order (channel of the first order) or customers:<column> (default first-order)', group: 'Unit economics:' })
    .example('$0 report --orders data/sample/orders.csv --out reports/out/sample', 'the bundled sample')
    .example('$0 report --config clv.config.json --as-of 2024-06-30', 'options from a config file, one overridden')
    .example('$0 report --orders shop.csv --period quarter --segment-by channel,region --out out/q', 'quarterly cohorts per channel and region');
}

type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export async function handler(args: Args): Promise<void> {
  const { orders, config } = resolveOrders(args);
  const segmentBy = args.segmentBy !== undefined ? parseList(args.segmentBy) : (config.segment_by ?? []);
  const margin = args.margin ?? config.margin;
  const progress = createProgress({ quiet: args.quiet });
  // Loaded here, not at the top, so that `clv --help` does not load DuckDB and Vega.
  const { buildCohortReport } = await import('../lib/report/cohort-report.ts');
  const { writeOutputDir } = await import('../lib/report/write-output.ts');
  const result = await buildCohortReport({
    orders,
    period: args.period ?? (config.period as PeriodUnit | undefined),
    segmentBy,
    currency: args.currency ?? config.report?.currency,
    locale: args.locale ?? config.report?.locale,
    title: args.title ?? config.report?.title,
    value: valueOptions(args, config, margin),
    cac: cacOptions(args, config, margin),
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

/** Customer value options: flags, then the config's `clv` key, then the defaults. */
function valueOptions(args: Args, config: ReportConfig, margin: number | undefined): ValueOptions | false {
  const c = config.clv ?? {};
  if (!(args.clv ?? c.enabled ?? true)) return false;
  const d = DEFAULT_VALUE_OPTIONS;
  const o: ValueOptions = {
    business: args.business ?? c.business ?? d.business,
    model: args.clvModel ?? c.model ?? d.model,
    timeUnit: c.time_unit ?? d.timeUnit,
    horizonMonths: args.horizonMonths ?? c.horizon_months ?? d.horizonMonths,
    annualDiscountRate: args.annualDiscountRate ?? c.annual_discount_rate ?? d.annualDiscountRate,
    margin,
  };
  checkValueOptions(o);
  return o;
}

/** CAC options from the flags, then the config; undefined without a spend file. */
function cacOptions(args: Args, config: ReportConfig, margin: number | undefined): CacOptions | undefined {
  const spend = args.spend ?? config.spend?.path;
  const customers = args.customers ?? config.customers?.path;
  const attribution = args.attribution ?? config.attribution;
  if (spend === undefined) {
    if (args.customers !== undefined || args.attribution !== undefined) {
      throw new UserError(`--${args.customers !== undefined ? 'customers' : 'attribution'}: sets the acquisition channel of the CAC sections, which need a spend file too (--spend FILE)`);
    }
    return undefined;
  }
  const ue = config.unit_economics ?? {};
  return {
    spend,
    customers,
    attribution,
    margin,
    channelMargins: ue.channel_margins,
    costToServe: ue.cost_to_serve,
    channelCostToServe: ue.channel_cost_to_serve,
    expectedLifetimeYears: ue.expected_lifetime_years,
  };
}
