/**
 * `clv sql`: prints the customer-base or cohort-cell SQL (lib/engine/customer-base-sql.ts) rendered
 * for an engine where the orders live (Trino, PostgreSQL, DuckDB): from order rows to one row per
 * customer with the first columns of data/customers.csv, or to the cohort cells. docs/scale.md says what differs between the renderings.
 */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../lib/errors.ts';
import { DIALECT_IDS, DIALECTS, type DialectId } from '../lib/engine/dialect.ts';
import { PERIOD_UNITS, parseIsoDate, type PeriodUnit } from '../lib/engine/periods.ts';

export function builder(y: Argv) {
  return y
    .option('dialect', { choices: DIALECT_IDS, default: 'duckdb' as DialectId, describe: 'SQL engine to render for' })
    .option('as-of', { type: 'string', demandOption: true, describe: 'Report date YYYY-MM-DD: later orders are left out, T runs to it' })
    .option('result', { choices: ['customers', 'cohorts'] as const, default: 'customers' as 'customers' | 'cohorts', describe: 'customers: one row per customer (data/customers.csv\'s first columns); cohorts: the cohort cells (active customers, orders, revenue per cohort and period)' })
    .option('period', { choices: PERIOD_UNITS, default: 'month' as PeriodUnit, describe: 'Cohort period of cohort_index' })
    .option('table', { type: 'string', default: 'orders', describe: 'Table (or view) of order rows, as SQL: customer_id, order_date (DATE), amount, channel' })
    .option('row-order', { type: 'string', default: 'order_id', describe: 'Column (SQL) giving the order of rows within a day: the first order of a customer\'s first day gives the acquisition channel' })
    .example('$0 sql --dialect trino --as-of 2024-12-31 --table hive.sales.orders', 'the per-customer summary, to run in Trino')
    .example('$0 sql --dialect postgres --as-of 2024-12-31 > customer_base.sql', 'the same for PostgreSQL')
    .example('$0 sql --dialect trino --as-of 2024-12-31 --result cohorts', 'the cohort cells (retention triangle counts)');
}

interface SqlArgs {
  dialect: DialectId;
  result: 'customers' | 'cohorts';
  asOf: string;
  period: PeriodUnit;
  table: string;
  rowOrder: string;
}

export async function handler(args: ArgumentsCamelCase<SqlArgs>): Promise<void> {
  try {
    parseIsoDate(args.asOf);
  } catch {
    throw new UserError(`--as-of ${JSON.stringify(args.asOf)}: expected a date as YYYY-MM-DD`);
  }
  for (const [flag, v] of [['--table', args.table], ['--row-order', args.rowOrder]] as const) {
    if (v.trim() === '' || /;|--|\/\*/.test(v)) throw new UserError(`${flag} ${JSON.stringify(v)}: expected a table or column name (no ; or comments)`);
  }
  const { cohortCellsSql, customerBaseSql } = await import('../lib/engine/customer-base-sql.ts');
  const render = args.result === 'cohorts' ? cohortCellsSql : customerBaseSql;
  process.stdout.write(render(DIALECTS[args.dialect], { asOf: args.asOf, period: args.period, table: args.table, rowOrder: args.rowOrder }));
}
