/**
 * `clv view <name>`: one section of the report as its own self-contained
 * report (index.html, data/, manifest.json), with the options that matter for
 * exploring it. The views come from the registry in lib/parts/registry.ts; each
 * is a sub-command with only its own options, so `clv view <name> --help` is
 * short. `clv view --list` lists them.
 */
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../lib/errors.ts';
import { createProgress } from '../lib/progress.ts';
import { PERIOD_UNITS, type PeriodUnit } from '../lib/engine/periods.ts';
import { ordersOptions, parseList, resolveOrders } from '../lib/cli/orders-options.ts';
import { backtestOptions } from '../lib/clv/backtest-options.ts';
import { cacFlags, cacOptions, surveyFlags, surveysInput, valueFlags, valueOptions, winBackFlags, winBackOptions, type CacFlags, type SurveyFlags, type ValueFlags, type WinBackFlags } from '../lib/cli/report-options.ts';
import type { CacOptions } from '../lib/parts/cac/compute.ts';
import type { SurveysInput } from '../lib/load/load-surveys.ts';
import { formatViewList, findView, VIEWS, viewNames, type ViewEntry } from '../lib/parts/registry.ts';

/** Options of one view (loosely typed: which options exist depends on the view). */
type ViewArgs = ArgumentsCamelCase<{
  config?: string;
  orders?: string;
  map?: string[];
  dateFormat?: string;
  asOf?: string;
  quiet: boolean;
  out: string;
  period?: PeriodUnit;
  segmentBy?: string[];
  from?: string;
  to?: string;
  metric?: string;
  currency?: string;
  locale?: string;
  title?: string;
  company?: string;
  margin?: number;
}> &
  ValueFlags &
  CacFlags &
  SurveyFlags &
  WinBackFlags;

function viewBuilder(v: ViewEntry) {
  return (y: Argv) => {
    let b = ordersOptions(y).option('out', {
      type: 'string',
      default: join('reports', 'out', `view-${v.name}`),
      describe: 'Output directory (index.html, data/, manifest.json); replaced only when complete',
      group: 'Output:',
    }) as Argv;
    if (v.options.includes('period')) b = b.option('period', { choices: PERIOD_UNITS as PeriodUnit[], describe: 'Cohort period (default month)', group: 'View:' });
    if (v.options.includes('segment-by')) {
      b = b.option('segment-by', { type: 'string', array: true, describe: 'Columns to segment by (comma-separated or repeated); "channel" = acquisition channel', group: 'View:' });
    }
    if (v.options.includes('range')) {
      b = b
        .option('from', { type: 'string', describe: 'First cohort shown: a period (2024-03, 2024-W05, 2024-Q1), a month YYYY-MM or a date', group: 'View:' })
        .option('to', { type: 'string', describe: 'Last cohort shown (same forms; a month means up to its last day)', group: 'View:' });
    }
    if (v.options.includes('metric') && v.metrics) {
      b = b.option('metric', {
        choices: v.metrics.map((m) => m.name),
        default: v.metrics[0].name,
        describe: `What the view measures: ${v.metrics.map((m) => `${m.name} = ${m.describe}`).join('; ')}`,
        group: 'View:',
      });
    }
    if (v.options.includes('clv')) b = valueFlags(b, { switch: false });
    if (v.options.includes('spend')) b = cacFlags(b);
    else if (v.options.includes('segment-by')) {
      b = b.option('customers', { type: 'string', describe: 'Customer attributes file (customer_id plus columns) whose columns can be --segment-by segments', group: 'View:' });
    }
    if (v.options.includes('surveys') || v.options.includes('segment-by')) b = surveyFlags(b);
    if (v.options.includes('win-back')) b = winBackFlags(b);
    if (v.options.includes('clv') || v.options.includes('spend')) {
      b = b.option('margin', { type: 'number', describe: 'Gross margin (fraction of revenue kept); without it values are revenue', group: 'Customer value:' });
    }
    b = b
      .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
      .option('locale', { type: 'string', describe: 'Locale for numbers (default en-US)', group: 'Report:' })
      .option('title', { type: 'string', describe: `Title (default "${v.title}")`, group: 'Report:' })
      .option('company', { type: 'string', describe: 'Company named in the header', group: 'Report:' })
      .usage(`clv view ${v.name} --orders FILE [options]\n\n${v.title}: ${v.describe}${v.data.length > 0 ? `\nWrites DIR/index.html, DIR/manifest.json and DIR/data/${v.data.join(', DIR/data/')}.` : '\nWrites DIR/index.html and DIR/manifest.json.'}`)
      .example(`$0 view ${v.example ?? `${v.name} --orders data/sample/orders.csv`}`, '');
    return b;
  };
}

/** CAC views need a spend file (flag or config). */
function requireSpend(v: ViewEntry, cac: CacOptions | undefined): CacOptions {
  if (!cac) throw new UserError(`clv view ${v.name}: ${v.needs ?? 'needs a spend file'}`);
  return cac;
}

/** The surveys view needs a survey file (flag or config); other views take one when given. */
function requireSurveys(v: ViewEntry, surveys: SurveysInput | undefined): SurveysInput | undefined {
  if (!surveys && v.options.includes('surveys')) throw new UserError(`clv view ${v.name}: ${v.needs ?? 'needs a survey file'}`);
  return surveys;
}

async function runView(v: ViewEntry, args: ViewArgs): Promise<void> {
  const { orders, config } = await resolveOrders(args);
  const segmentBy = v.options.includes('segment-by') ? (args.segmentBy !== undefined ? parseList(args.segmentBy) : (config.segment_by ?? [])) : [];
  const margin = args.margin ?? config.margin;
  const progress = createProgress({ quiet: args.quiet });
  const { prepareOutputDir, writeReportDir } = await import('../lib/report/write-output.ts');
  const output = { inputs: [...orders.files(), args.config, args.spend ?? config.spend?.path, args.customers ?? config.customers?.path, args.surveys ?? config.surveys?.path], log: (m: string) => progress.warn?.(m) };
  await prepareOutputDir(args.out, output);
  const { buildCohortReport } = await import('../lib/run/build-report.ts');
  const result = await buildCohortReport({
    orders,
    view: v.name,
    period: args.period ?? (config.period as PeriodUnit | undefined),
    segmentBy,
    cohortRange: args.from !== undefined || args.to !== undefined ? { from: args.from, to: args.to } : undefined,
    triangleMetric: v.name === 'retention' ? (args.metric as 'customers' | 'revenue' | undefined) : undefined,
    currency: args.currency ?? config.report?.currency,
    locale: args.locale ?? config.report?.locale,
    title: args.title,
    company: args.company ?? config.report?.company,
    labels: config.report?.labels,
    value: v.options.includes('clv') ? valueOptions({ ...args, clv: true }, config, margin) : false,
    cac: v.options.includes('spend') ? requireSpend(v, cacOptions(args, config, margin)) : undefined,
    customers: v.options.includes('spend') || v.options.includes('segment-by') ? (args.customers ?? config.customers?.path) : undefined,
    surveys: v.options.includes('surveys') || v.options.includes('segment-by') ? requireSurveys(v, surveysInput(args, config)) : undefined,
    rfm: { winBack: v.options.includes('win-back') ? winBackOptions(args, config) : {} },
    backtest: v.options.includes('clv') ? backtestOptions(args, config.clv) : undefined,
    progress,
  });
  const index = await writeReportDir(args.out, result, output);
  progress.done(`view ${v.name} written`);
  process.stdout.write(`${index}\n`);
}

function viewCommand(v: ViewEntry): CommandModule {
  return {
    command: v.name,
    describe: `${v.title}: ${v.describe}`,
    builder: viewBuilder(v),
    handler: (args) => runView(v, args as unknown as ViewArgs),
  };
}

export function builder(y: Argv) {
  let b = y
    .usage(`clv view <name> --orders FILE [options]\n\nRenders one section of the report as its own self-contained HTML report with its data and\nits Methods & assumptions. Run 'clv view --list' for the views and their options,\n'clv view <name> --help' for one view.`)
    .option('list', { type: 'boolean', describe: 'List the views and the options each one takes' })
    .strict(false) as Argv;
  // An unknown view name is answered with the list of views (handler below), not with "Did you mean…".
  b = (b as unknown as { recommendCommands(on: boolean): Argv }).recommendCommands(false);
  for (const v of VIEWS) b = b.command(viewCommand(v));
  return b.example('$0 view --list', 'the views').example('$0 view retention --orders data/sample/orders.csv --from 2023-01 --to 2023-06 --out out/r', 'cohorts of the first half of 2023');
}

/** Runs when no view sub-command matched: --list, an unknown name, or no name. */
export async function handler(args: ArgumentsCamelCase<{ list?: boolean }>): Promise<void> {
  if (args.list) {
    process.stdout.write(formatViewList());
    return;
  }
  const name = args._[1];
  if (name !== undefined) findView(String(name));
  throw new UserError(`name a view: clv view <name> --orders FILE; the views are ${viewNames().join(', ')} (clv view --list describes them)`);
}
