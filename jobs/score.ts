/**
 * `clv score`: projected value of every customer (P(alive), expected
 * purchases, expected spend per purchase, discounted CLV) from a purchase
 * model and the Gamma-Gamma spend model; writes DIR/data/customer_scores.csv,
 * DIR/data/model_params.csv, DIR/manifest.json and a small report, atomically.
 */
import { DEFAULT_PURCHASE_MODEL, PURCHASE_MODEL_IDS, PURCHASE_MODELS, SPEND_MODEL_ID } from '../lib/models/registry.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { join } from 'node:path';
import { createProgress } from '../lib/progress.ts';
import { MEMORY_LIMIT_OPTION } from '../lib/engine/memory-limit.ts';
import { ordersOptions, parseList, resolveOrders } from '../lib/cli/orders-options.ts';
import { TIME_UNITS, type TimeUnit } from '../lib/engine/time-unit.ts';

export function builder(y: Argv) {
  return ordersOptions(y)
    .option('model', { choices: PURCHASE_MODEL_IDS, default: DEFAULT_PURCHASE_MODEL, describe: `Purchase model: ${PURCHASE_MODEL_IDS.map((id) => `${id} (${PURCHASE_MODELS[id].title})`).join(', ')} (spend always uses ${SPEND_MODEL_ID})`, group: 'Model:' })
    .option('time-unit', { choices: TIME_UNITS as TimeUnit[], default: 'week' as TimeUnit, describe: 'Time unit of the model parameters and of recency and T in the output', group: 'Model:' })
    .option('horizon-months', { type: 'number', default: 12, describe: 'Months of future purchases counted in CLV', group: 'Model:' })
    .option('annual-discount-rate', { type: 'number', default: 0.1, describe: 'Yearly discount rate applied month by month', group: 'Model:' })
    .option('margin', { type: 'number', describe: 'Gross margin (fraction of revenue kept, e.g. 0.35); without it CLV is revenue', group: 'Model:' })
    .option('segment-by', { type: 'string', array: true, describe: 'Attribute columns to copy into customer_scores.csv ("channel" = acquisition channel)', group: 'Output:' })
    .option('currency', { type: 'string', describe: 'ISO 4217 currency of the amounts (default USD)', group: 'Report:' })
    .option('out', { type: 'string', default: join('reports', 'out', 'score'), describe: 'Output directory; replaced as a whole only when complete', group: 'Output:' })
    .option('memory-limit', MEMORY_LIMIT_OPTION)
    .example('$0 score --orders data/sample/orders.csv --horizon-months 24 --margin 0.35 --segment-by channel,region --out out/score', 'two-year gross-margin CLV per customer');
}

type Args = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export async function handler(args: Args): Promise<void> {
  const { orders, config } = await resolveOrders(args);
  const progress = createProgress({ quiet: args.quiet });
  const { prepareOutputDir, writeReportDir } = await import('../lib/report/write-output.ts');
  const output = { inputs: [...orders.files(), args.config], log: (m: string) => progress.warn?.(m) };
  await prepareOutputDir(args.out, output);
  const { buildScoreReport } = await import('../lib/clv/score-report.ts');
  const result = await buildScoreReport({
    orders,
    model: args.model,
    timeUnit: args.timeUnit,
    horizonMonths: args.horizonMonths,
    annualDiscountRate: args.annualDiscountRate,
    margin: args.margin,
    segmentBy: args.segmentBy !== undefined ? parseList(args.segmentBy) : [],
    memoryLimit: args.memoryLimit ?? config.memory_limit,
    currency: args.currency ?? config.report?.currency,
    locale: config.report?.locale,
    progress,
  });
  const index = await writeReportDir(args.out, result, output);
  progress.done('customers scored');
  process.stdout.write(`${index}\n`);
}
