/**
 * The options of one run of the report (or of one `clv view`): what the
 * caller gives (ReportOptions, today's flags and config), and the same with
 * every default filled in and checked (RunOptions), which parts read.
 */
import type { PeriodUnit } from '../engine/periods.ts';
import type { Progress } from '../progress.ts';
import { UserError } from '../errors.ts';
import { checkMemoryLimit } from '../engine/memory-limit.ts';
import { DEFAULT_VALUE_OPTIONS, type ValueOptions } from '../clv/value-options.ts';
import { DEFAULT_HOLDOUT_MONTHS, type BacktestOptions } from '../clv/backtest-options.ts';
import { DEFAULT_WIN_BACK, type WinBackOptions } from '../segments/win-back.ts';
import type { CacOptions } from '../parts/cac/compute.ts';
import type { CohortRange } from '../cohorts/cohort-range.ts';
import type { TriangleMetric } from '../parts/cohorts/present.ts';
import type { PreviousRun } from '../parts/what-changed/present.ts';
import type { CustomersSource, OrdersSource, SpendSource, SurveysSource } from '../sources/source.ts';
import { fileSurveys } from '../sources/file.ts';
import { customersSource, spendSource } from '../sources/postgres.ts';
import type { SurveysInput } from '../load/load-surveys.ts';
import { findView, type ViewEntry } from '../parts/registry.ts';

export interface ReportOptions {
  /** Where the orders come from (lib/sources/). */
  orders: OrdersSource;
  /** Cohort period (default month). */
  period?: PeriodUnit;
  /** Attribute columns to segment by; `channel` is the acquisition channel. */
  segmentBy?: string[];
  /** ISO 4217 currency of the amounts (default USD). */
  currency?: string;
  /** BCP 47 locale for numbers in the report (default en-US). */
  locale?: string;
  /** Report title (default "Customer retention report"). */
  title?: string;
  /** Customer value (CLV models): options, or false to leave them out. Default: on, with DEFAULT_VALUE_OPTIONS. */
  value?: Partial<ValueOptions> | false;
  /** Holdout backtest of the purchase models; default on with DEFAULT_HOLDOUT_MONTHS. */
  backtest?: BacktestOptions;
  /** CAC by channel and unit economics (needs a spend file); left out when undefined. */
  cac?: CacOptions;
  /** Customer attributes file (`--customers`): its columns can be segments, and CAC's attribution may use it. */
  customers?: string;
  /** Other sources than files for the spend and the customer attributes (a database table…); default: the files named above. */
  spendSource?: SpendSource;
  customersSource?: CustomersSource;
  /** Survey answers (`--surveys`, `--survey-kind`): the Survey scores section, and the band segment column nps_band / csat_band. */
  surveys?: SurveysInput;
  surveysSource?: SurveysSource;
  /** Company named in the report header. */
  company?: string;
  /** Names for data columns in headings and sentences (config report.labels; lib/report/labels.ts). */
  labels?: Record<string, string>;
  /** RFM segments and the win-back list: options, or false to leave them out. Default: on, with DEFAULT_WIN_BACK. */
  rfm?: { winBack?: Partial<WinBackOptions> } | false;
  /** Sections to show, by view name (lib/parts/registry.ts), in this order; default every section. */
  sections?: string[];
  /** Measure of the retention triangle (default customers). */
  triangleMetric?: TriangleMetric;
  /** Only the cohorts in this range (`clv view --from/--to`). */
  cohortRange?: CohortRange;
  /** Build `clv view <name>`: that view's sections and data files only; the manifest records the view. */
  view?: string;
  /** Monthly runs: the run to compare with in a "What changed" section at the top (null: there is none). Left out: no such section. */
  previous?: PreviousRun | null;
  /** DuckDB's memory limit (`--memory-limit`, e.g. `2GB`); beyond it DuckDB spills into the run's scratch folder. Default DEFAULT_MEMORY_LIMIT. */
  memoryLimit?: string;
  progress?: Progress;
}

/** ReportOptions with the defaults filled in. */
export interface RunOptions {
  period: PeriodUnit;
  segmentBy: string[];
  currency: string;
  locale: string;
  title?: string;
  company?: string;
  labels: Record<string, string>;
  /** Customer value options (the purchase model here is the configured one or the default; the run's chosen model is the `model` product). */
  value: ValueOptions | false;
  backtest: BacktestOptions;
  cac?: CacOptions;
  customers?: string;
  /** Where the spend (with `cac`) and the customer attributes come from (built from the paths above when not given). */
  spendSource?: SpendSource;
  customersSource?: CustomersSource;
  /** Where the survey answers come from (built from `surveys` when not given). */
  surveysSource?: SurveysSource;
  rfm: { winBack: WinBackOptions } | false;
  /** View names to show, in order (undefined: all). */
  sections?: string[];
  view?: ViewEntry;
  triangleMetric?: TriangleMetric;
  cohortRange?: CohortRange;
  previous?: PreviousRun | null;
  memoryLimit: string;
}

function checkCurrency(currency: string, locale: string): void {
  try {
    new Intl.NumberFormat(locale, { style: 'currency', currency }).format(1);
  } catch {
    throw new UserError(`--currency ${JSON.stringify(currency)} / --locale ${JSON.stringify(locale)}: expected an ISO 4217 currency code such as USD or EUR and a locale such as en-US`);
  }
}

export function resolveRunOptions(o: ReportOptions): RunOptions {
  const currency = (o.currency ?? 'USD').toUpperCase();
  const locale = o.locale ?? 'en-US';
  checkCurrency(currency, locale);
  const view = o.view !== undefined ? findView(o.view) : undefined;
  for (const n of o.sections ?? []) findView(n, 'section');
  return {
    period: o.period ?? 'month',
    segmentBy: [...new Set(o.segmentBy ?? [])],
    currency,
    locale,
    title: o.title,
    company: o.company,
    labels: o.labels ?? {},
    value: o.value === false ? false : { ...DEFAULT_VALUE_OPTIONS, ...(o.value ?? {}) },
    backtest: o.backtest ?? { holdoutMonths: DEFAULT_HOLDOUT_MONTHS, modelFixed: false },
    cac: o.cac,
    customers: o.customers ?? o.cac?.customers,
    spendSource: o.spendSource ?? (o.cac ? spendSource(o.cac.spend) : undefined),
    customersSource: o.customersSource ?? ((o.customers ?? o.cac?.customers) !== undefined ? customersSource((o.customers ?? o.cac?.customers) as string) : undefined),
    surveysSource: o.surveysSource ?? (o.surveys ? fileSurveys(o.surveys) : undefined),
    rfm: o.rfm === false ? false : { winBack: { ...DEFAULT_WIN_BACK, ...(o.rfm?.winBack ?? {}) } },
    sections: view ? [view.name] : o.sections,
    view,
    triangleMetric: o.triangleMetric,
    cohortRange: o.cohortRange && (o.cohortRange.from !== undefined || o.cohortRange.to !== undefined) ? o.cohortRange : undefined,
    previous: o.previous,
    memoryLimit: checkMemoryLimit(o.memoryLimit),
  };
}
