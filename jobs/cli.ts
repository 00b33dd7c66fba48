/**
 * The `clv` command line: one yargs command module per file in jobs/.
 * User errors ({@link UserError}) are printed without a stack trace and set
 * the exit code; anything else is a bug: one line on stderr says so and
 * where its full trace was written.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { EXIT_BUG, UserError } from '../lib/errors.ts';
import { removeStaleScratch } from '../lib/scratch.ts';
import { checkArgs, checkFormatArgs, type DeclaredOptions } from '../lib/cli/check-args.ts';
import { CONTRACTUAL_MODEL_ID, PURCHASE_MODEL_IDS, SPEND_MODEL_ID } from '../lib/models/registry.ts';

/** What a command's module (jobs/<name>.ts) exports: its options and what it does. */
interface CommandParts {
  builder(y: Argv): unknown;
  handler(args: never): Promise<void>;
}

/**
 * The commands, in the order of `clv --help`. A command's module is imported
 * only when the command line names it, so that `clv --help` and
 * `clv report --help` answer without loading what the commands use (DuckDB,
 * Vega, zod…).
 */
const COMMANDS: { name: string; describe: string; load: () => Promise<CommandParts> }[] = [
  {
    name: 'report',
    describe: 'The full report of an orders file (cohorts, customer value, CAC with --spend): one self-contained HTML file plus CSV data and a manifest',
    load: () => import('./report.ts'),
  },
  {
    name: 'monthly',
    describe: 'Scheduled monthly report: last month\'s report in <out-root>/<YYYY-MM>/ with what changed since the previous run, plus a history page',
    load: () => import('./monthly.ts'),
  },
  {
    name: 'fit',
    describe: `Fit a CLV model (${[...PURCHASE_MODEL_IDS, SPEND_MODEL_ID].join(', ')}, or ${CONTRACTUAL_MODEL_ID} for subscriptions) by maximum likelihood and write its parameters with standard errors`,
    load: () => import('./fit.ts'),
  },
  {
    name: 'score',
    describe: 'Score every customer: P(alive), expected purchases and spend, and discounted CLV over a horizon',
    load: () => import('./score.ts'),
  },
  {
    name: 'view',
    describe: 'One section of the report (retention triangle, curves, CRR, segments, customer value…) as its own HTML report; clv view --list shows them',
    load: () => import('./view.ts'),
  },
  {
    name: 'sql',
    describe: 'Print the per-customer summary as SQL for the engine where the orders live (--dialect trino|postgres|duckdb)',
    load: () => import('./sql.ts'),
  },
  {
    name: 'sample',
    describe: 'Write the seeded synthetic sample data (orders.csv, customers.csv, spend.csv, README.md) into a directory',
    load: () => import('./sample.ts'),
  },
];

/**
 * The yargs command modules: complete for every command named anywhere on the
 * command line (the command yargs runs is among them), name and description
 * only for the others (enough for the help and for "Did you mean…").
 */
async function commandModules(argv: string[]): Promise<CommandModule[]> {
  return Promise.all(
    COMMANDS.map(async ({ name, describe, load }): Promise<CommandModule> => {
      if (argv.includes(name)) return { command: name, describe, ...(await load()) } as CommandModule;
      return {
        command: name,
        describe,
        handler: () => {
          throw new Error(`command ${name} ran without its module`);
        },
      };
    }),
  );
}

export async function main(argv: string[]): Promise<number> {
  let failed: unknown;
  // Scratch folders of runs that were killed outright (kill -9, power loss).
  await removeStaleScratch();
  const cli = yargs(argv)
    .scriptName('clv')
    .usage('clv <command> [options]\n\nCustomer-lifetime-value reporting from an orders file (and optionally a spend file): cohort retention, projected customer value (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG), CAC by channel and unit economics, written as one self-contained HTML report with its data as CSV.')
    .command(await commandModules(argv))
    .middleware(((args: Record<string, unknown>, y: { getOptions(): DeclaredOptions }) => { checkArgs(args, y.getOptions(), argv); checkFormatArgs(args); }) as never, true)
    .demandCommand(1, 'Name a command: clv report --orders FILE --out DIR (see the list above).')
    .strict()
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .example('clv report --orders data/sample/orders.csv --out reports/out/sample', 'cohort report of the bundled sample data')
    .example('clv report --orders shop.csv --map customer_id=CustomerID --map order_date=Date --map amount=Total --out out/', 'an export with other column names')
    .example('clv fit --orders shop.csv --model bgnbd --out out/fit', 'fit the BG/NBD purchase model')
    .example('clv view retention --orders shop.csv --from 2023-01 --to 2023-06 --out out/r', 'one section of the report, for a range of cohorts (clv view --list)')
    .example('clv monthly --config clv.config.json', 'last month\'s report in reports/out/<YYYY-MM>/ and the history page reports/out/index.html')
    .epilogue('Exit codes: 0 done, 1 unexpected failure (a bug), 2 bad input, options or config (nothing written), 3 another clv monthly run holds the lock, 4 the output could not be written (disk full, read-only, permissions; the previous output is unchanged).')
    .fail((msg, err) => {
      throw err ?? new UserError(`${msg}\nRun 'clv --help' or 'clv <command> --help' for the options.`);
    })
    .exitProcess(false);
  try {
    await cli.parseAsync();
  } catch (err) {
    failed = err;
  }
  if (failed === undefined) return 0;
  if (failed instanceof UserError) {
    process.stderr.write(`clv: ${failed.message}\n`);
    return failed.exitCode;
  }
  process.stderr.write(`${reportBug(failed)}\n`);
  return EXIT_BUG;
}

/** One line for an unexpected failure; its full trace goes to a file in the temp folder, named in the line. */
export function reportBug(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
  const trace = err instanceof Error && err.stack ? err.stack : String(err);
  const file = join(tmpdir(), `clv-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  try {
    writeFileSync(file, `clv ${process.argv.slice(2).join(' ')}\n${trace}\n`);
    return `clv: unexpected failure (a bug; please report it with the file ${file}, which holds the full trace): ${first}`;
  } catch {
    return `clv: unexpected failure (a bug; please report it): ${first}\n${trace}`;
  }
}
