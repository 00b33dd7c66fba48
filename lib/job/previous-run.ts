/**
 * Finds and reads the run a monthly report is compared with: the newest
 * `<YYYY-MM>/` folder of the output root before this run's month that has a
 * manifest.json. A folder that cannot be read is reported as such (the
 * report says so) rather than failing the run.
 */
import { ALL_CUSTOMERS_GROUP } from '../report/model-params.ts';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MONTH_DIR } from './as-of.ts';
import { csvNumber, parseCsv } from './read-csv.ts';
import type { ParamRow, PreviousManifest, PreviousRetentionRow, PreviousRun } from '../parts/what-changed/present.ts';

const nullableNumber = z.number().nullable().optional();

/** The parts of a manifest that are compared; other fields are ignored, missing ones tolerated. */
const ManifestSchema = z.object({
  as_of: z.string().optional(),
  inputs: z.array(z.object({ path: z.string().optional(), rows_kept: z.number().optional() })).optional(),
  options: z.object({ period: z.string().optional(), currency: z.string().optional(), locale: z.string().optional() }).optional(),
  kpis: z
    .object({
      customers: z.number().optional(),
      orders: z.number().optional(),
      revenue: z.number().optional(),
      refunds: z.number().optional(),
      aov: z.number().optional(),
      repeat_customer_rate: z.number().optional(),
      revenue_per_customer: z.number().optional(),
      latest_crr: z.object({ period: z.string(), value: z.number() }).nullable().optional(),
    })
    .optional(),
  customer_value: z
    .object({
      fitted: z.boolean().optional(),
      options: z.object({ model: z.string().optional(), time_unit: z.string().optional(), horizon_months: z.number().optional(), margin: nullableNumber }).optional(),
      totals: z.object({ total: z.number().optional(), mean: z.number().optional(), p_alive: z.number().optional() }).optional(),
    })
    .optional(),
  lifecycle: z
    .object({
      latest: z
        .object({
          period: z.string(),
          active: z.number(),
          new: z.number(),
          retained: z.number(),
          reactivated: z.number(),
          churned: z.number(),
          quick_ratio: z.number().nullable(),
          revenue: nullableNumber,
          new_revenue: nullableNumber,
          expansion_revenue: nullableNumber,
          contraction_revenue: nullableNumber,
          reactivated_revenue: nullableNumber,
          churned_revenue: nullableNumber,
          revenue_quick_ratio: nullableNumber,
        })
        .nullable()
        .optional(),
    })
    .optional(),
});

/** Month folders (YYYY-MM) of the output root, oldest first. */
export async function monthFolders(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => MONTH_DIR.test(n)).sort();
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Parses a run's manifest.json, or explains why it cannot. */
export function parseManifest(text: string): { manifest: PreviousManifest } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `manifest.json is not valid JSON (${(err as Error).message})` };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `manifest.json: ${issue.path.join('.') || '(top level)'}: ${issue.message}` };
  }
  return { manifest: parsed.data as PreviousManifest };
}

/** Reads the run in `root/month`. */
export async function readRun(root: string, month: string): Promise<PreviousRun> {
  const dir = join(root, month);
  try {
    const text = await readOptional(join(dir, 'manifest.json'));
    if (text === null) return { month, problem: 'it has no manifest.json' };
    const m = parseManifest(text);
    if ('problem' in m) return { month, problem: m.problem };
    const retentionText = await readOptional(join(dir, 'data', 'cohort_retention.csv'));
    const paramsText = await readOptional(join(dir, 'data', 'model_params.csv'));
    const retention: PreviousRetentionRow[] | null =
      retentionText === null
        ? null
        : parseCsv(retentionText).map((r, i) => {
            const at = `data/cohort_retention.csv row ${i + 2}`;
            return {
              cohort: r.cohort,
              period_offset: csvNumber(r.period_offset, at) ?? 0,
              cohort_customers: csvNumber(r.cohort_customers, at) ?? 0,
              active_customers: csvNumber(r.active_customers, at) ?? 0,
              retention_rate: csvNumber(r.retention_rate, at) ?? 0,
              revenue: csvNumber(r.revenue, at),
              complete: r.complete === 'true',
            };
          });
    const params: ParamRow[] | null =
      paramsText === null
        ? null
        : parseCsv(paramsText).flatMap((r, i) => {
            const at = `data/model_params.csv row ${i + 2}`;
            const value = csvNumber(r.value, at);
            // The fits on all customers only (runs before fit_group existed have no other rows).
            if (r.fit_group !== undefined && r.fit_group !== '' && r.fit_group !== ALL_CUSTOMERS_GROUP) return [];
            return value === null ? [] : [{ model: r.model, parameter: r.parameter, value, ci_low: csvNumber(r.ci_low, at), ci_high: csvNumber(r.ci_high, at) }];
          });
    return { month, manifest: m.manifest, retention, params };
  } catch (err) {
    return { month, problem: (err as Error).message };
  }
}

/** The newest run before `month` in `root`, or null when there is none. */
export async function findPreviousRun(root: string, month: string): Promise<PreviousRun | null> {
  const earlier = (await monthFolders(root)).filter((m) => m < month);
  const last = earlier[earlier.length - 1];
  return last === undefined ? null : readRun(root, last);
}
