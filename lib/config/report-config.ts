/**
 * The configuration file (`clv.config.json`): inputs and column mapping,
 * analysis options and report options, validated with zod. Unknown keys and
 * wrong types are refused with the key's path and what was expected.
 * Relative paths in the file are relative to the file's own directory.
 * Command-line flags override the values found here.
 */
import { MEMORY_SIZE } from '../engine/memory-limit.ts';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { isPostgresUrl } from '../sources/pg-connection.ts';
import { UserError } from '../errors.ts';
import { PERIOD_UNITS } from '../engine/periods.ts';
import { viewNames } from '../parts/registry.ts';
import { PURCHASE_MODEL_IDS } from '../models/registry.ts';
import { validCurrency, validLocale } from '../cli/check-args.ts';

/** A section of the report, by view name (lib/parts/registry.ts). */
const sectionName = z.string().superRefine((v, ctx) => {
  if (!viewNames().includes(v)) ctx.addIssue({ code: 'custom', message: `unknown section ${JSON.stringify(v)}; choose from ${viewNames().join(', ')}` });
});

const fraction = z.number().gt(0, 'expected a fraction of revenue such as 0.35 (0 < margin ≤ 1)').lte(1, 'expected a fraction of revenue such as 0.35 (0 < margin ≤ 1)');
const fileRef = z.strictObject({ path: z.string().min(1) });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

export const ConfigSchema = z.strictObject({
  /** Optional JSON Schema reference, ignored. */
  $schema: z.string().optional(),
  orders: z
    .strictObject({
      /** Path of the orders file (.csv or .parquet), or a PostgreSQL URL (postgres://user@host:port/db?table=orders). */
      path: z.string().min(1),
      /** With a PostgreSQL URL as path (without ?table=): the SELECT that returns the order rows. */
      query: z.string().min(1).optional(),
      /** canonical column → column name in the file. */
      map: z
        .strictObject({
          customer_id: z.string().min(1).optional(),
          order_date: z.string().min(1).optional(),
          amount: z.string().min(1).optional(),
          order_id: z.string().min(1).optional(),
          channel: z.string().min(1).optional(),
        })
        .optional(),
      /** Pattern of non-ISO order dates, e.g. yyyyMMdd. */
      date_format: z.string().min(1).optional(),
      /** Order dates must fall in these years, FROM-TO (default 1900-2200). */
      valid_years: z.string().regex(/^\d{4}-\d{4}$/, 'expected two years FROM-TO such as 1900-2200').optional(),
    })
    .optional(),
  /** Inclusive as-of date; default the last order date. */
  as_of: isoDate.optional(),
  /** DuckDB's memory limit for a report, e.g. "2GB" (--memory-limit). */
  memory_limit: z.string().regex(MEMORY_SIZE, 'expected a size such as 512MB, 1GB or 1.5GB').optional(),
  /** Cohort period. */
  period: z.enum(PERIOD_UNITS as [string, ...string[]]).optional(),
  /** Attribute columns to segment by (`channel` = acquisition channel; `first:<column>` = every value of a column on the customer's first order). */
  segment_by: z.array(z.string().min(1).regex(/^(?!first:$)/, 'expected first:<column> with a column of the orders file, such as first:product')).optional(),
  /** Customer value (CLV models) options; command-line flags override them. */
  clv: z
    .strictObject({
      /** false leaves the Customer value section out. */
      enabled: z.boolean().optional(),
      /** non-contractual (BG/NBD or Pareto/NBD + Gamma-Gamma) or contractual (sBG). */
      business: z.enum(['non-contractual', 'contractual']).optional(),
      model: z.enum(PURCHASE_MODEL_IDS).optional(),
      time_unit: z.enum(['day', 'week']).optional(),
      horizon_months: z.number().int('expected a whole number of months').positive('expected a positive number of months').max(600).optional(),
      annual_discount_rate: z.number().min(0, 'expected a rate ≥ 0 such as 0.1').max(1, 'expected a fraction such as 0.1 (10%), not a percentage').optional(),
      /** Win-back list: P(alive) threshold and the share of customers (by net revenue) counted as high value. */
      win_back: z
        .strictObject({
          p_alive: z.number().gt(0, 'expected a probability such as 0.3').max(1, 'expected a probability such as 0.3, not a percentage').optional(),
          top_share: z.number().gt(0, 'expected a fraction such as 0.2').max(1, 'expected a fraction such as 0.2 (top 20%), not a percentage').optional(),
        })
        .optional(),
      /** Bootstrap resamples behind the per-segment intervals (0 = none). */
      bootstrap: z.number().int('expected a whole number of resamples').min(0).max(10_000).optional(),
      bootstrap_seed: z.number().int('expected a whole number').min(0).optional(),
      /** How a bootstrap replicate is made: refit (resample and refit; the default) or parametric (resample, and draw the parameters instead of refitting). */
      bootstrap_method: z.enum(['refit', 'parametric']).optional(),
      /** Segments smaller than this are not ranked in Projected value by segment (default 30). */
      min_segment_size: z.number().int('expected a whole number of customers').min(1).max(1_000_000).optional(),
      /** Holdout backtest: months held out from the fit (0 = off). */
      holdout_months: z.number().int('expected a whole number of months').min(0, 'expected 0 (off) or a positive number of months').max(600).optional(),
    })
    .optional(),
  /** Marketing/sales spend per period and channel (CAC sections). */
  spend: fileRef.optional(),
  /** Customer attributes: customer_id plus columns (e.g. the acquisition channel). */
  customers: fileRef.optional(),
  /** Survey answers (customer_id, date, score): the Survey scores section and the nps_band / csat_band segment. */
  surveys: z
    .strictObject({
      path: z.string().min(1),
      /** nps (scores 0–10, default) or csat (1–5). */
      kind: z.enum(['nps', 'csat']).optional(),
      /** canonical column → column name in the file. */
      map: z.strictObject({ customer_id: z.string().min(1).optional(), date: z.string().min(1).optional(), score: z.string().min(1).optional() }).optional(),
      /** Pattern of non-ISO answer dates, e.g. dd/MM/yyyy. */
      date_format: z.string().min(1).optional(),
    })
    .optional(),
  /** Acquisition channel: `first-order` or `customers:<column>`. */
  attribution: z.string().regex(/^(first-order|customers:.+)$/, 'expected first-order or customers:<column>').optional(),
  /** Gross margin: fraction of revenue kept as gross profit (CLV and unit economics). */
  margin: fraction.optional(),
  unit_economics: z
    .strictObject({
      /** Gross margin per acquisition channel (overrides `margin`). */
      channel_margins: z.record(z.string().min(1), fraction).optional(),
      /** Yearly cost to serve one customer, in the report currency. */
      cost_to_serve: z.number().min(0).optional(),
      channel_cost_to_serve: z.record(z.string().min(1), z.number().min(0)).optional(),
      /** Expected customer lifetime in years for profit CLV; default from second-year retention. */
      expected_lifetime_years: z.number().positive().optional(),
    })
    .optional(),
  report: z
    .strictObject({
      title: z.string().min(1).optional(),
      /** ISO 4217 code of the amounts' currency. */
      currency: z.string().refine(validCurrency, 'expected an ISO 4217 currency code such as USD').optional(),
      /** BCP 47 locale for numbers. */
      locale: z.string().min(2).refine(validLocale, 'expected a locale such as en-US or de-DE').optional(),
      /** Company named in the report header. */
      company: z.string().min(1).optional(),
      /** Names for data columns in headings and sentences, e.g. { "customer_type": "customer type" } (default: the column in words). */
      labels: z.record(z.string().min(1), z.string().min(1).max(80)).optional(),
      /** Sections to show, by view name, in this order (default: all); Methods & assumptions always closes the report. */
      sections: z.array(sectionName).min(1, 'expected at least one section').optional(),
    })
    .optional(),
  /** `clv monthly`: where the month folders and the history page go. */
  monthly: z
    .strictObject({
      /** Output root (default reports/out); each run writes <out_root>/<YYYY-MM>/. */
      out_root: z.string().min(1).optional(),
      /** Exit 0 (not 5) when the orders end more than one period before the as-of date. */
      allow_stale: z.boolean().optional(),
    })
    .optional(),
});

export type ReportConfig = z.infer<typeof ConfigSchema>;

function describePath(path: PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Reads and validates a config file; relative input paths are resolved against its directory. */
export function readConfig(file: string): ReportConfig {
  let text: string;
  try {
    // A FIFO or device would block the read (or never end): only regular files.
    const st = statSync(file);
    if (st.isDirectory()) throw new UserError(`${file}: a folder, not a file; expected the JSON config file`);
    if (!st.isFile()) throw new UserError(`${file}: not a regular file (a pipe, socket or device); expected the JSON config file saved as a file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: cannot open the config file (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = (issue as { keys: string[] }).keys;
        return `  ${keys.map((k) => describePath([...issue.path, k])).join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
      }
      return `  ${describePath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    throw new UserError(`${file}: invalid configuration\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  for (const ref of [config.orders, config.spend, config.customers, config.surveys]) {
    if (ref && !isAbsolute(ref.path) && !isPostgresUrl(ref.path)) {
      const resolved = join(dirname(file), ref.path);
      ref.path = relative(process.cwd(), resolved) || resolved;
    }
  }
  if (config.monthly?.out_root !== undefined && !isAbsolute(config.monthly.out_root)) {
    const resolved = join(dirname(file), config.monthly.out_root);
    config.monthly.out_root = relative(process.cwd(), resolved) || '.';
  }
  return config;
}
