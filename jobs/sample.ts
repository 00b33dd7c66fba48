/**
 * `clv sample`: write the bundled, seeded sample data set (orders, customers,
 * marketing spend and a README documenting the generating parameters).
 */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../lib/errors.ts';
import { writeSample } from '../lib/sample/generate-sample.ts';

export function builder(y: Argv) {
  return y
    .option('out', {
      type: 'string',
      default: 'data/sample',
      describe: 'Directory to write the files into (created if missing)',
      requiresArg: true,
    })
    .option('seed', {
      type: 'number',
      default: 42,
      describe: 'Random seed; the same seed gives byte-identical files',
      requiresArg: true,
    })
    .option('surveys', {
      type: 'boolean',
      default: false,
      describe: 'Also write surveys.csv: NPS answers (customer_id, date, score) related to each customer\'s purchase rate and dropout, from their own random stream (the other files stay the same)',
    })
    .example('$0 sample', 'write the default sample into data/sample')
    .example('$0 sample --surveys --out /tmp/s', 'with NPS answers for --surveys')
    .example('$0 sample --seed 7 --out /tmp/sample7', 'another, equally shaped data set');
}

interface SampleArgs {
  out: string;
  seed: number;
  surveys: boolean;
}

export async function handler(args: ArgumentsCamelCase<SampleArgs>): Promise<void> {
  if (typeof args.out !== 'string' || args.out.trim() === '') {
    throw new UserError('sample: --out needs a directory');
  }
  if (!Number.isSafeInteger(args.seed)) {
    throw new UserError(`sample: --seed must be an integer, got ${String(args.seed)}`);
  }
  const paths = await writeSample(args.out, { seed: args.seed, surveys: args.surveys });
  for (const p of paths) process.stdout.write(`${p}\n`);
}
