/**
 * The contract every part of the report obeys (registry: ./registry.ts).
 *
 * A part is one section or a few related sections of the report (and the
 * `clv view` names that show them). It has two halves:
 *   compute(ctx)        the only code of the part that runs SQL or models; it
 *                       reads the run's shared results through ctx.product(…)
 *                       (lib/run/run-context.ts) and the tables those declare;
 *   present(figures, p) pure: numbers in, section drafts, data files and
 *                       manifest entries out (no DuckDB, no files).
 */
import type { Database } from '../engine/database.ts';
import type { LoadedOrders } from '../load/load-orders.ts';
import type { Formatters } from '../report/format.ts';
import type { ColumnKind, SectionDraft } from '../report/section.ts';
import type { RunContext, ProductKey } from '../run/run-context.ts';
import type { RunOptions } from '../run/run-options.ts';

/** A file under data/: rows in memory, or a file DuckDB already wrote into the scratch folder. */
export type DataFile =
  | { name: string; columns: readonly string[]; rows: Record<string, unknown>[] }
  | { name: string; columns: readonly string[]; path: string; rowCount: number };

export interface PartOutput {
  /** Section drafts in report order. */
  sections: SectionDraft[];
  /** Files under data/ (filtered to a view's own files by the pipeline). */
  files?: DataFile[];
  /** Entries of manifest.json (top-level keys). */
  manifest?: Record<string, unknown>;
  /** Lines for the Data quality section and the manifest's notes. */
  notes?: string[];
  /** What the part contributes to the Summary that opens the report (lib/report/summary.ts). */
  summary?: SummaryEntry[];
  /** Columns the part adds to the cohort table (e.g. the CAC of each cohort's period), by cohort label. */
  cohortColumns?: CohortColumn[];
}

/** A figure per cohort, shown beside the cohort's size in the cohort table. */
export interface CohortColumn {
  label: string;
  /** How the values are shown (the table column kinds: `money2` for CAC). */
  kind: ColumnKind;
  /** Cohort label (`2024-05`) → value; cohorts not in it are blank. */
  byCohort: ReadonlyMap<string, number | null>;
}

/** The topics of the Summary, in its order. */
export const SUMMARY_TOPICS = ['growth', 'retention', 'value', 'channels', 'risk'] as const;
export type SummaryTopic = (typeof SUMMARY_TOPICS)[number];

/** One finding for the Summary: a sentence a leader acts on, computed from the section's own numbers. */
export interface SummaryEntry {
  topic: SummaryTopic;
  /** Plain text; the Summary links it to `section`. */
  sentence: string;
  /** The section the figures come from (its id). */
  section: string;
  /** A headline card (the Summary shows at most four, in topic order). */
  card?: { label: string; value: string; detail?: string };
}

/** What present() may use besides the figures. */
export interface PresentContext {
  fmt: Formatters;
  currency: string;
  options: RunOptions;
}

/** What decides whether a part runs: the options, and which views the report shows. */
export interface Plan {
  options: RunOptions;
  /** True when the report (or view) shows the view of that name. */
  shows(view: string): boolean;
}

export interface ReportPart<F> {
  /** The part's name (also its folder under lib/parts/). */
  id: string;
  /** Shared results it reads (declared, so the pipeline captures what they need while the order rows are loaded). */
  needs(plan: Plan): readonly ProductKey[];
  /** Whether it runs for these options (its views are already known to be shown). */
  enabled(plan: Plan): boolean;
  /** Called while the order rows are loaded (summarize's afterFactsRead), before they are released. */
  captureFacts?(db: Database, orders: LoadedOrders): Promise<void>;
  compute(ctx: RunContext): Promise<F>;
  present(figures: F, p: PresentContext): PartOutput;
}
