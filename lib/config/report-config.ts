/**
 * The configuration file (`clv.config.json`): inputs and column mapping,
 * analysis options and report options, validated with zod. Unknown keys and
 * wrong types are refused with the key's path and what was expected.
 * Relative paths in the file are relative to the file's own directory.
 * Command-line flags override the values found here.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { PERIOD_UNITS } from '../engine/periods.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

export const ConfigSchema = z.strictObject({
  /** Optional JSON Schema reference, ignored. */
  $schema: z.string().optional(),
  orders: z
    .strictObject({
      /** Path of the orders file (.csv or .parquet). */
      path: z.string().min(1),
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
    })
    .optional(),
  /** Inclusive as-of date; default the last order date. */
  as_of: isoDate.optional(),
  /** Cohort period. */
  period: z.enum(PERIOD_UNITS as [string, ...string[]]).optional(),
  /** Attribute columns to segment by (`channel` = acquisition channel). */
  segment_by: z.array(z.string().min(1)).optional(),
  report: z
    .strictObject({
      title: z.string().min(1).optional(),
      /** ISO 4217 code of the amounts' currency. */
      currency: z.string().regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as USD').optional(),
      /** BCP 47 locale for numbers. */
      locale: z.string().min(2).optional(),
    })
    .optional(),
  /** `clv monthly`: where the month folders and the history page go. */
  monthly: z
    .strictObject({
      /** Output root (default reports/out); each run writes <out_root>/<YYYY-MM>/. */
      out_root: z.string().min(1).optional(),
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
    text = readFileSync(file, 'utf8');
  } catch (err) {
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
  if (config.orders && !isAbsolute(config.orders.path)) {
    const resolved = join(dirname(file), config.orders.path);
    config.orders.path = relative(process.cwd(), resolved) || resolved;
  }
  if (config.monthly?.out_root !== undefined && !isAbsolute(config.monthly.out_root)) {
    const resolved = join(dirname(file), config.monthly.out_root);
    config.monthly.out_root = relative(process.cwd(), resolved) || '.';
  }
  return config;
}
