/**
 * `clv fit`: fit one CLV model (BG/NBD, Pareto/NBD or Gamma-Gamma) to an
 * orders file; writes DIR/data/model_params.csv, DIR/manifest.json and a
 * small report, atomically.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { join } from 'node:path';
import { createProgress } from '../lib/progress.ts';
import { MEMORY_LIMIT_OPTION } from '../lib/engine/memory-limit.ts';
import { ordersOptions, resolveOrders } from '../lib/cli/orders-options.ts';
import { TIME_UNITS, type TimeUnit } from '../lib/engine/time-unit.ts';
import { PERIOD_UNITS, type PeriodUnit } from '../lib/engine/periods.ts';
import { CONTRACTUAL_MODEL_ID, MODEL_IDS, PURCHASE_MODEL_IDS, SPEND_MODEL_ID, type ModelId } from '../lib/models/registry.ts';

export function builder(y: Argv) {
  return ordersOptions(y)
    .option('model', { choices: MODEL_IDS as ModelId[], demandOption: true, describe: `${PURCHASE_MODEL_IDS.join(', ')} model purchases, ${SPEND_MODEL_ID} the spend per order, ${CONTRACTUAL_MODEL_ID} contractual retention (a customer is retained while they order in every period)`, group: 'Model:' })
    .option('period', { choices: PERIOD_UNITS as PeriodUnit[], default: 'month' as PeriodUnit, describe: 'Period of the sbg model', group: 'Model:' })
    .option('time-unit', { choices: TIME_UNITS as TimeUnit[], default: 'week' as TimeUnit, describe: 'Time unit of the purchase models\' parameters', group: 'Model:' })
    .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
    .option('out', { type: 'string', default: join('reports', 'out', 'fit'), describe: 'Output directory; replaced as a whole only when complete', group: 'Output:' })
    .option('memory-limit', MEMORY_LIMIT_OPTION)
    .example('$0 fit --orders data/sample/orders.csv --model bgnbd --as-of 2024-06-30 --out out/fit', 'BG/NBD on the first 2.5 years of the sample')
    .example('$0 fit --orders subscriptions.csv --model sbg --period month --out out/sbg', 'monthly subscription retention');
}

type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export async function handler(args: Args): Promise<void> {
  const { orders, config } = await resolveOrders(args);
  const progress = createProgress({ quiet: args.quiet });
  const { prepareOutputDir, writeReportDir } = await import('../lib/report/write-output.ts');
  const output = { inputs: [...orders.files(), args.config], log: (m: string) => progress.warn?.(m) };
  await prepareOutputDir(args.out, output);
  const { buildFitReport } = await import('../lib/clv/fit-report.ts');
  const result = await buildFitReport({
    orders,
    model: args.model,
    timeUnit: args.timeUnit,
    period: args.period,
    memoryLimit: args.memoryLimit ?? config.memory_limit,
    currency: args.currency ?? config.report?.currency,
    locale: config.report?.locale,
    progress,
  });
  const index = await writeReportDir(args.out, { files: result.files, cleanup: async () => {} }, output);
  progress.done(`${args.model} fitted${result.fit.converged ? '' : ' (did not converge: see the report)'}`);
  process.stdout.write(`${index}\n`);
}
