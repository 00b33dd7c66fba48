/**
 * `clv monthly`: the scheduled monthly report. Writes the report as of the
 * last day of the previous month to <out-root>/<YYYY-MM>/, with a "What
 * changed" section against the previous run, and rewrites the history page
 * <out-root>/index.html. Meant for cron or a systemd timer (deploy/).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { resolveOrders } from '../lib/cli/orders-options.ts';
import { createProgress } from '../lib/progress.ts';
import { DEFAULT_OUT_ROOT, EXIT_WRITE_FAILED, runMonthly } from '../lib/job/monthly.ts';
import { EXIT_LOCKED } from '../lib/job/lock.ts';
import { cohortReportOptions, reportOptions } from './report.ts';
import { join } from 'node:path';
import { UserError } from '../lib/errors.ts';
import { EXIT_STALE } from '../lib/run/stale.ts';

export function builder(y: Argv) {
  return reportOptions(y)
    .usage(
      `clv monthly --config clv.config.json [--as-of YYYY-MM-DD] [--out-root DIR]

Writes the cohort report (the same as clv report) as of the last day of the previous calendar month (UTC) to <out-root>/<YYYY-MM>/: index.html, data/*.csv, manifest.json. Its first section, "What changed", compares it with the newest earlier month in <out-root> (KPI deltas, the new cohort, cohorts whose retention moved most, CLV model parameter drift). Then <out-root>/index.html, the history of all runs (one row per month, newest first), is rewritten.

Running a month again replaces it. A run that fails changes nothing. One run at a time per <out-root>: a second run refuses (exit 3) while the first holds <out-root>/.clv-monthly.lock; a lock left by a process that is gone is taken over.`,
    )
    .option('as-of', { type: 'string', describe: 'Report on orders up to this date (YYYY-MM-DD); its month names the folder. Default: the last day of the previous month (UTC). The config file\'s as_of is not used', group: 'Input:' })
    .option('out-root', { type: 'string', describe: `Folder of the month folders and the history page (config: monthly.out_root; default ${DEFAULT_OUT_ROOT})`, group: 'Output:' })
    .option('allow-stale', { type: 'boolean', describe: `Exit 0 even when the orders end more than one period before the as-of date (config: monthly.allow_stale); without it such a run writes the report, which says so at its top, and exits ${EXIT_STALE}`, group: 'Output:' })
    .example('$0 monthly --config clv.config.json', 'last month\'s report in reports/out/<YYYY-MM>/ and reports/out/index.html')
    .example('$0 monthly --config clv.config.json --as-of 2024-06-30', 'the June 2024 report (e.g. to fill in a missed month)')
    .example('$0 monthly --orders shop.csv --segment-by channel --out-root /srv/clv --quiet', 'without a config file, silent unless something goes wrong (cron)')
    .epilogue(
      `Exit codes: 0 done; 1 unexpected failure (a bug); 2 bad input, options or config (the message names the file, line or key); ${EXIT_LOCKED} another run holds the lock; ${EXIT_WRITE_FAILED} the output could not be written (disk full, permissions); ${EXIT_STALE} the report was written but the orders end more than one period before the as-of date (no orders since …; --allow-stale makes this 0). On any failure the previous output and the history page are left as they were. Progress goes to stderr (a status line on a terminal, timestamped lines otherwise), the path of the new report to stdout.`,
    );
}

type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export async function handler(args: Args): Promise<void> {
  const { orders, config } = await resolveOrders({ ...args, asOf: undefined });
  const progress = createProgress({ quiet: args.quiet, verbose: args.verbose });
  if (config.as_of !== undefined && args.asOf === undefined) {
    progress.warn?.(`${args.config} sets as_of ${config.as_of}; clv monthly does not use it and reports on the previous month (pass --as-of to choose a date)`);
  }
  const outRoot = args.outRoot ?? config.monthly?.out_root ?? DEFAULT_OUT_ROOT;
  const result = await runMonthly({
    orders,
    report: cohortReportOptions(args, config),
    asOf: args.asOf,
    outRoot,
    inputs: [...orders.files(), args.config, args.spend ?? config.spend?.path, args.customers ?? config.customers?.path, args.surveys ?? config.surveys?.path],
    now: () => new Date(),
    progress,
  });
  progress.done(`monthly report for ${result.month} written${result.previous ? `, compared with ${result.previous}` : ''}`);
  process.stdout.write(`${join(result.dir, 'index.html')}\n`);
  if (result.stale && !(args.allowStale ?? config.monthly?.allow_stale ?? false)) {
    throw new UserError(`the report for ${result.month} was written, but the data are stale: ${result.stale.message} (exit ${EXIT_STALE}; --allow-stale or monthly.allow_stale in the config makes this 0)`, EXIT_STALE);
  }
}
