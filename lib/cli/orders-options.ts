/**
 * The command-line options every command that reads orders shares (--config,
 * --orders, --map, --date-format, --as-of), and how they combine with the
 * config file: flags override config values.
 */
import type { Argv } from 'yargs';
import { UserError } from '../errors.ts';
import type { ReportConfig } from '../config/report-config.ts';
import type { OrdersInput } from '../load/load-orders.ts';
import { summarySource } from '../sources/summary.ts';
import type { OrdersSource } from '../sources/source.ts';
import { fileOrders } from '../sources/file.ts';
import { parseYears } from '../load/date-format.ts';
import { DEFAULT_DB_TIMEOUT, isPostgresUrl, parsePgTarget, redactUrl } from '../sources/pg-connection.ts';

export function ordersOptions<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'JSON config file (see clv.config.json); command-line flags override its values', group: 'Input:' })
    .option('orders', { type: 'string', describe: 'Orders file (.csv, .csv.gz or .parquet) or PostgreSQL table (postgres://user@host:port/db?table=orders) with customer_id, order_date, amount; optional order_id, channel and attribute columns', group: 'Input:' })
    .option('orders-db', { type: 'string', describe: 'PostgreSQL database the --orders-query runs in: postgres://user@host:port/db (password from PGPASSWORD or ~/.pgpass)', group: 'Input:' })
    .option('orders-query', { type: 'string', describe: 'SELECT that returns the order rows, run in --orders-db (instead of --orders)', group: 'Input:' })
    .option('pushdown', { type: 'boolean', describe: 'With orders in PostgreSQL: aggregate them into customer-days in the database, so that only those travel (default; typed date and number columns). --no-pushdown streams every order row instead', group: 'Input:' })
    .option('db-timeout', { type: 'number', describe: `Seconds a database statement may take before the run stops (default ${DEFAULT_DB_TIMEOUT})`, group: 'Input:' })
    .option('map', { type: 'string', array: true, describe: 'Map a column: --map customer_id=CustomerID (repeatable; also order_date, amount, order_id, channel)', group: 'Input:' })
    .option('date-format', { type: 'string', describe: 'Pattern of order dates that are not ISO 8601, e.g. yyyyMMdd or dd/MM/yyyy', group: 'Input:' })
    .option('as-of', { type: 'string', describe: 'Use orders up to this date (YYYY-MM-DD, inclusive). Default: the last order date', group: 'Input:' })
    .option('valid-years', { type: 'string', describe: 'Order dates must fall in these years, FROM-TO (default 1900-2200); others are input errors', group: 'Input:' })
    .option('quiet', { type: 'boolean', default: false, describe: 'No progress output on stderr' })
    .check((argv) => {
      const summary = (argv as { summary?: string }).summary;
      if (summary !== undefined) {
        const clash = (['orders', 'ordersQuery', 'ordersDb', 'map', 'dateFormat', 'validYears'] as const).filter((k) => argv[k] !== undefined);
        if (clash.length > 0) throw new UserError(`--summary and ${clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: a report starts from the orders or from a per-customer summary, not both`);
        return true;
      }
      if (argv.orders === undefined && argv.config === undefined && argv.ordersQuery === undefined) throw new UserError('Missing required argument: orders (or a --config file naming it)');
      if (argv.ordersQuery !== undefined && argv.orders !== undefined) throw new UserError('--orders-query and --orders: give one of them (the query reads the orders from --orders-db)');
      if ((argv.ordersQuery === undefined) !== (argv.ordersDb === undefined)) throw new UserError(argv.ordersQuery === undefined ? '--orders-db needs --orders-query "SELECT …" (or give the table as --orders postgres://…?table=orders)' : '--orders-query needs --orders-db postgres://user@host:port/db');
      return true;
    });
}

/** The report's start from a per-customer summary (`--summary FILE`), and the config in force (its orders are not read). */
export async function resolveSummary(args: { config?: string; summary: string; asOf?: string; dbTimeout?: number }): Promise<{ orders: OrdersSource; config: ReportConfig }> {
  const config: ReportConfig = args.config ? (await import('../config/report-config.ts')).readConfig(args.config) : {};
  return { config, orders: summarySource(args.summary, args.asOf ?? config.as_of, args.dbTimeout) };
}

/** Parses `--map a=b` pairs. */
export function parseMap(pairs: string[] | undefined, flag = '--map', example = 'customer_id=CustomerID'): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UserError(`${flag} ${JSON.stringify(pair)}: expected canonical=FileColumn, e.g. ${flag} ${example}`);
    const key = pair.slice(0, eq).trim();
    if (map[key] !== undefined) throw new UserError(`${flag} ${key} is given twice (${JSON.stringify(map[key])} and ${JSON.stringify(pair.slice(eq + 1).trim())}); map each column once`);
    map[key] = pair.slice(eq + 1).trim();
  }
  return map;
}

/** Splits repeated and comma-separated list options. */
export function parseList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The orders input and the config in force, from the shared options. */
export async function resolveOrders(args: {
  config?: string;
  orders?: string;
  ordersDb?: string;
  ordersQuery?: string;
  dbTimeout?: number;
  pushdown?: boolean;
  map?: string[];
  dateFormat?: string;
  asOf?: string;
  validYears?: string;
}): Promise<{
  orders: OrdersSource;
  config: ReportConfig;
}> {
  // Loaded here, not at the top: its schema library (zod) is not needed for --help.
  const config: ReportConfig = args.config ? (await import('../config/report-config.ts')).readConfig(args.config) : {};
  const path = args.ordersDb ?? args.orders ?? config.orders?.path;
  if (path === undefined) throw new UserError(`${args.config}: no orders.path in the config and no --orders given`);
  const input: OrdersInput = {
    path,
    map: { ...(config.orders?.map ?? {}), ...parseMap(args.map) },
    dateFormat: args.dateFormat ?? config.orders?.date_format,
    asOf: args.asOf ?? config.as_of,
    years:
      args.validYears !== undefined
        ? parseYears(args.validYears, '--valid-years')
        : config.orders?.valid_years !== undefined
          ? parseYears(config.orders.valid_years, `${args.config}: orders.valid_years`)
          : undefined,
  };
  if (isPostgresUrl(path)) {
    const query = args.ordersQuery ?? (args.orders === undefined && args.ordersDb === undefined ? config.orders?.query : undefined);
    const target = parsePgTarget(path, { option: args.ordersDb !== undefined ? '--orders-db' : args.orders !== undefined ? '--orders' : `${args.config}: orders.path`, query, timeoutSeconds: args.dbTimeout });
    const { postgresOrders } = await import('../sources/postgres.ts');
    const { path: _url, ...rest } = input;
    return { config, orders: postgresOrders(target, { ...rest, pushdown: args.pushdown !== false }, (m) => process.stderr.write(`clv: ${m}\n`)) };
  }
  if (args.ordersDb !== undefined) throw new UserError(`--orders-db ${redactUrl(args.ordersDb)}: expected a PostgreSQL URL, postgres://user@host:port/db`);
  return { config, orders: fileOrders(input) };
}
