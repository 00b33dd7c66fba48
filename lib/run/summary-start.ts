/**
 * A report that starts from a per-customer summary (`clv report --summary FILE`, lib/sources/summary.ts)
 * instead of order rows. The summary gives `customer_base` (lib/load/load-summary.ts): x, t_x, T, z̄,
 * revenue, orders and the acquisition channel of every customer, which is all that the purchase
 * models, the customer scores, the projected value by segment and RFM read. What counts orders per
 * period or reads order rows cannot be computed from it: those parts are left out, each with one
 * sentence that says why (at the top of the report, on stderr and in manifest.json).
 *
 *   summary file ─► customer_base ─► fits ─► scores ─► Customer value, Projected value by segment,
 *                                                       RFM, data/customers.csv
 */
import type { Database } from '../engine/database.ts';
import { NO_VALUE } from '../engine/customer-base-sql.ts';
import { literal } from '../engine/sql.ts';
import { periodsPerYear } from '../engine/periods.ts';
import { headlineKpis } from '../cohorts/kpis.ts';
import type { CohortAnalysis } from '../cohorts/analyze-cohorts.ts';
import { simpleClvYears, type SimpleFigures } from '../clv/simple-clv.ts';
import type { LoadedSummary } from '../load/load-summary.ts';
import type { ReportPart } from '../parts/part.ts';
import { PARTS } from '../parts/registry.ts';
import { UserError } from '../errors.ts';
import type { RunOptions } from './run-options.ts';

/** Why the simple formulas have no figures in a report from a summary. */
export const SUMMARY_SIMPLE_REASON = 'the simple formulas count the orders and customers of the last two full years, and a per-customer summary holds each customer\'s totals only (run the report on the orders for them)';

/** Why each part that needs more than the summary is left out (parts not named here run). */
const LEFT_OUT: Record<string, string> = {
  cohorts: "they count each customer's orders per period, which a per-customer summary does not hold (clv sql --result cohorts computes the cohort cells where the orders are)",
  lifecycle: "it follows each customer's active periods, which a per-customer summary does not hold",
  'first-products': "it reads the products of each customer's first order, which a per-customer summary does not hold",
  cac: 'it counts new customers per channel and period from the order rows, which a per-customer summary does not hold',
  surveys: "it follows the survey bands' customers period by period, which a per-customer summary does not hold",
  backtest: "it splits each customer's purchase days at a calibration date, and a summary holds x, t_x and T as of one date only",
  'data-quality': 'it describes the order rows read and dropped, and a summary has none (its rows were checked and all kept: see the inputs)',
};

export interface LeftOutPart {
  part: string;
  /** The titles of the part's views (or the part's name when it has none). */
  sections: string[];
  reason: string;
  /** The sentence the report shows. */
  sentence: string;
}

/** Splits the selected parts into those that run from a summary and those left out (with why). */
export function summaryParts(parts: ReportPart<unknown>[], options: RunOptions, shows: (view: string) => boolean): { runs: ReportPart<unknown>[]; leftOut: LeftOutPart[] } {
  const runs: ReportPart<unknown>[] = [];
  const leftOut: LeftOutPart[] = [];
  for (const p of parts) {
    const reason = LEFT_OUT[p.id];
    if (reason === undefined) {
      runs.push(p);
      continue;
    }
    const entry = PARTS.find((e) => e.id === p.id);
    const views = (entry?.views ?? []).filter((v) => shows(v.name)).map((v) => v.title);
    const sections = views.length > 0 ? views : [p.id === 'data-quality' ? 'Data quality notes' : p.id];
    const list = sections.length === 1 ? sections[0] : `${sections.slice(0, -1).join(', ')} and ${sections[sections.length - 1]}`;
    leftOut.push({ part: p.id, sections, reason, sentence: `Left out: ${list}, as ${reason}.` });
  }
  return { runs, leftOut };
}

/** The run's options for a summary: no holdout backtest (it needs the purchase days); the purchase models only. */
export function summaryRunOptions(options: RunOptions): RunOptions {
  if (options.value !== false && options.value.business === 'contractual') {
    throw new UserError("--business contractual with --summary: the sBG model counts each cohort's active customers per period, which a per-customer summary does not hold; run the report on the orders");
  }
  return { ...options, backtest: { ...options.backtest, holdoutMonths: 0 } };
}

/**
 * What the pipeline's later phases read, from `customer_base` alone: the headline totals (net
 * revenue; refunds are not known), and no cohort cells. Creates `customer_periods` without rows:
 * the only reader among the parts that run from a summary is the simple formula per segment of
 * Projected value by segment, which then has no figure, as the overall one ({@link summarySimple}).
 */
export async function summaryAnalysis(db: Database, loaded: LoadedSummary, options: RunOptions): Promise<CohortAnalysis> {
  const [t] = await db.rows<{ customers: number; orders: number; revenue: number; repeat_customers: number; no_channel: number }>(`
    SELECT CAST(count(*) AS INTEGER) AS customers, CAST(coalesce(sum(orders), 0) AS BIGINT) AS orders,
           CAST(coalesce(sum(revenue), 0) AS DOUBLE) AS revenue,
           CAST(count(*) FILTER (WHERE purchase_days > 1) AS INTEGER) AS repeat_customers,
           CAST(count(*) FILTER (WHERE acquisition_channel = ${literal(NO_VALUE)}) AS INTEGER) AS no_channel
    FROM customer_base`);
  const cohortRepeat = await db.rows<{ cohort_index: number; repeat_customers: number }>(`
    SELECT cohort_index, CAST(count(*) FILTER (WHERE purchase_days > 1) AS INTEGER) AS repeat_customers FROM customer_base GROUP BY ALL ORDER BY ALL`);
  await db.run(`DROP TABLE IF EXISTS customer_periods`);
  await db.run(`CREATE TEMP TABLE customer_periods AS SELECT customer_id, cohort_index, 0 AS period_index, orders, revenue FROM customer_base LIMIT 0`);
  return {
    period: options.period,
    asOf: loaded.asOf,
    cells: [],
    average: [],
    segments: [],
    crr: [],
    activeWindow: periodsPerYear(options.period),
    kpis: headlineKpis({ ...t, purchase_revenue: t.revenue }, []),
    noChannelCustomers: t.no_channel,
    cohortRepeat: new Map(cohortRepeat.map((r) => [r.cohort_index, r.repeat_customers])),
  };
}

/** The run's `simple` product from a summary: no figures, and why. */
export function summarySimple(options: RunOptions, asOf: string): SimpleFigures {
  const years = simpleClvYears(options.period, asOf);
  return {
    inputs: { ...years, orders: 0, revenue: 0, activeCustomers: 0, previousYearCustomers: 0, retainedCustomers: 0 },
    result: { aov: null, frequencyPerYear: null, retention: null, lifespanYears: null, yearlyMargin: null, simpleClv: null, retentionFormClv: null, reasons: [SUMMARY_SIMPLE_REASON] },
  };
}
