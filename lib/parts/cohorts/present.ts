/**
 * The sections of the cohort report, with their narrative sentences computed
 * from the numbers. Pure: analysis in, sections (with chart specs) out; the
 * SVGs are rendered by the caller.
 */
import type { SourceDescription } from '../../sources/source.ts';
import type { CohortAnalysis } from '../../cohorts/analyze-cohorts.ts';
import type { AveragePoint, RetentionCell } from '../../cohorts/retention.ts';
import type { LoadedOrders } from '../../load/load-orders.ts';
import { periodIndex, periodNoun, periodsPerYear, type PeriodUnit } from '../../engine/periods.ts';
import { cohortLinesSpec } from '../../charts/cohort-lines.ts';
import { MAX_LINES, segmentLinesSpec } from '../../charts/segment-lines.ts';
import { OTHERS } from '../../charts/colors.ts';
import { columnLabel, type ColumnLabels } from '../../report/labels.ts';
import { crrLineSpec } from '../../charts/crr-line.ts';
import type { Formatters } from '../../report/format.ts';
import type { CohortMatrix, CohortMatrixView, SectionDraft, TableColumn } from '../../report/section.ts';

/** Cohorts smaller than this are not named as best or worst in the narrative. */
export const MIN_NAMED_COHORT = 30;
/** Below this gap (in share points) between the best and worst segment, the narrative calls them alike. */
export const SMALL_SPREAD = 0.02;
/** Segment values drawn and tabulated per segment column (the largest by customers). */
export const MAX_SEGMENTS_SHOWN = 10;
/** Largest triangle drawn in the heatmap and its table (the CSV has everything). */
export const MAX_TRIANGLE = 48;

export type { SectionDraft } from '../../report/section.ts';

/** What the retention triangle measures: customers active, or revenue as a share of the first period's. */
export type TriangleMetric = 'customers' | 'revenue';
export const TRIANGLE_METRICS: readonly TriangleMetric[] = ['customers', 'revenue'];

export interface CohortSectionsInput {
  analysis: CohortAnalysis;
  orders: LoadedOrders;
  fmt: Formatters;
  currency: string;
  /** Measure of the retention triangle (default customers). */
  triangleMetric?: TriangleMetric;
  /** Names of data columns (config report.labels). */
  labels?: ColumnLabels;
  /** The models' projection of each cohort's coming periods, when the run fits them. */
  projection?: CohortProjection;
}

/** Per cohort index, the expected net revenue per customer in the 1st, 2nd … period after the as-of date's (cumulative). */
export interface CohortProjection {
  byCohort: ReadonlyMap<number, Float64Array>;
  /** The purchase model's name. */
  model: string;
}

/** The offsets worth quoting in sentences, by period unit. */
function milestones(period: PeriodUnit): number[] {
  return period === 'month' ? [1, 3, 6, 12, 24] : period === 'week' ? [1, 4, 13, 26, 52] : [1, 2, 4, 8];
}

function at(average: AveragePoint[], offset: number): AveragePoint | undefined {
  return average.find((a) => a.period_offset === offset && a.cohorts > 0);
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function offsetPhrase(period: PeriodUnit, k: number): string {
  return `${periodNoun(period)} ${k}`;
}

export function kpiSection({ analysis, orders, fmt }: CohortSectionsInput): SectionDraft {
  const k = analysis.kpis;
  const money = orders.money !== 'none';
  const narrative = money
    ? [
        `Between ${orders.firstDate} and the as-of date ${analysis.asOf}, ${fmt.integer(k.customers)} customers placed ${fmt.integer(k.orders)} orders worth ${fmt.money(k.revenue)} after refunds of ${fmt.money(k.refunds)}.`,
        `${fmt.percent(k.repeat_customer_rate)} of customers came back to order on another day; the average order was worth ${fmt.moneyPrecise(k.aov)}.`,
      ]
    : [
        `Between ${orders.firstDate} and the as-of date ${analysis.asOf}, ${fmt.integer(k.customers)} customers placed ${fmt.integer(k.orders)} orders (the orders have no amounts).`,
        `${fmt.percent(k.repeat_customer_rate)} of customers came back to order on another day.`,
      ];
  if (k.latest_crr) {
    narrative.push(
      `In ${k.latest_crr.period}, the latest complete ${analysis.period}, the customer retention rate (CRR) was ${fmt.percent(k.latest_crr.value)}.`,
    );
    const first = at(analysis.average, 1);
    if (first) {
      // Both figures are right, and read as a contradiction without this.
      narrative.push(
        `CRR is high while only ${fmt.percent(first.retention_rate)} of a cohort orders in ${periodNoun(analysis.period)} 1 because they count differently: CRR keeps a customer as active for ${analysis.activeWindow} ${periodNoun(analysis.period, analysis.activeWindow)} after each order, while the cohort table counts who ordered within that one ${periodNoun(analysis.period)}.`,
      );
    }
  }
  return {
    id: 'headline',
    title: 'Headline figures',
    narrative,
    cards: [
      { label: 'Customers', value: fmt.integer(k.customers), detail: 'with at least one order' },
      { label: 'Orders', value: fmt.integer(k.orders), detail: 'refund lines not counted' },
      ...(money
        ? [
            { label: 'Net revenue', value: fmt.money(k.revenue), detail: `after ${fmt.money(k.refunds)} refunds` },
            { label: 'Average order value', value: fmt.moneyPrecise(k.aov), detail: 'net revenue ÷ orders' },
          ]
        : []),
      { label: 'Repeat-customer rate', value: fmt.percent(k.repeat_customer_rate), detail: 'ordered on 2 or more days' },
      {
        label: 'Latest CRR',
        value: k.latest_crr ? fmt.percent(k.latest_crr.value) : '–',
        detail: k.latest_crr ? `${k.latest_crr.period}, (E − N) ÷ S` : 'needs more than a year of data',
      },
    ],
    definitions: [
      { term: 'Customers', definition: 'Distinct customer ids with at least one kept row.' },
      { term: 'AOV', definition: 'Average order value: net revenue ÷ orders.' },
      { term: 'Repeat-customer rate', definition: 'Customers who ordered on at least two different days ÷ all customers.' },
    ],
  };
}

/** Best and worst cohort at an offset, among complete cells of cohorts large enough to name. */
export function bestAndWorst(
  cells: RetentionCell[],
  offset: number,
  measure: 'retention_rate' | 'revenue_retention_rate' = 'retention_rate',
): { best: RetentionCell; worst: RetentionCell; count: number } | null {
  const pool = cells.filter((c) => c.period_offset === offset && c.complete && c.cohort_customers >= MIN_NAMED_COHORT && c[measure] !== null);
  if (pool.length < 2) return null;
  let best = pool[0];
  let worst = pool[0];
  for (const c of pool) {
    if ((c[measure] as number) > (best[measure] as number)) best = c;
    if ((c[measure] as number) < (worst[measure] as number)) worst = c;
  }
  return { best, worst, count: pool.length };
}

/** Size-weighted retention of the latest `n` cohorts with a complete cell at `offset`. */
export function latestCohorts(cells: RetentionCell[], offset: number, n = 3): { cohorts: RetentionCell[]; rate: number } | null {
  const pool = cells.filter((c) => c.period_offset === offset && c.complete).sort((a, b) => a.cohort_index - b.cohort_index);
  const picked = pool.slice(-n);
  if (picked.length === 0) return null;
  const size = picked.reduce((s, c) => s + c.cohort_customers, 0);
  const active = picked.reduce((s, c) => s + c.active_customers, 0);
  return { cohorts: picked, rate: size > 0 ? active / size : 0 };
}

function revenueTriangleNarrative({ analysis, fmt }: CohortSectionsInput): string[] {
  const { period, cells, average } = analysis;
  const narrative: string[] = [];
  const avg1 = at(average, 1);
  if (avg1 && avg1.revenue_retention_rate !== null) {
    narrative.push(
      `On average cohorts bring in ${fmt.percent(avg1.revenue_retention_rate)} of their first ${period}'s net revenue in the ${period} after it (${offsetPhrase(period, 1)}); the share can pass 100% when customers spend more later.`,
    );
  } else {
    narrative.push(`No cohort has a complete ${offsetPhrase(period, 1)} with first-${period} revenue yet, so revenue retention cannot be compared.`);
  }
  const bw = bestAndWorst(cells, 1, 'revenue_retention_rate');
  if (bw) {
    narrative.push(
      `Of ${bw.count} cohorts with a complete ${offsetPhrase(period, 1)}, the ${bw.best.cohort} cohort keeps the most revenue (${fmt.percent(bw.best.revenue_retention_rate)}) and the ${bw.worst.cohort} cohort the least (${fmt.percent(bw.worst.revenue_retention_rate)}).`,
    );
  }
  return narrative;
}

/** More offsets than this: whole numbers in the matrix cells, so 36 columns fit a page. */
const MATRIX_PRECISE_MAX = 12;

/**
 * The cohort matrix of the triangle section: one row per cohort with its size and repeat rate,
 * then the retention measure per offset and, with amounts, the cumulative net revenue per customer.
 */
function cohortMatrix(input: CohortSectionsInput, cohorts: number[], shown: RetentionCell[], maxOffset: number, measure: 'retention_rate' | 'revenue_retention_rate'): CohortMatrix {
  const { analysis, orders } = input;
  const { period } = analysis;
  const offsets = Array.from({ length: maxOffset + 1 }, (_, k) => k);
  const byCohort = new Map<number, RetentionCell[]>();
  for (const c of shown) {
    const list = byCohort.get(c.cohort_index);
    if (list) list.push(c);
    else byCohort.set(c.cohort_index, [c]);
  }
  const rows = cohorts.map((i) => {
    const cells = byCohort.get(i) ?? [];
    const size = cells[0]?.cohort_customers ?? 0;
    const repeat = analysis.cohortRepeat.get(i);
    return { cohort: cells[0]?.cohort ?? String(i), customers: size, repeatRate: repeat === undefined || size === 0 ? null : repeat / size };
  });
  const grid = (pick: (c: RetentionCell) => number | null): CohortMatrixView['cells'] =>
    cohorts.map((i) => {
      const at = new Map((byCohort.get(i) ?? []).map((c) => [c.period_offset, c]));
      return offsets.map((k) => {
        const c = at.get(k);
        const v = c ? pick(c) : null;
        return c && v !== null ? { v, ...(c.complete ? {} : { partial: true }) } : null;
      });
    });
  const digits = maxOffset > MATRIX_PRECISE_MAX ? 0 : 1;
  // The projected cells: the cumulative value at the last observed cell plus the models' expected revenue per customer since.
  const proj = input.projection;
  const asOfPeriod = periodIndex(period, analysis.asOf);
  const value = grid((c) => c.cumulative_revenue_per_customer);
  if (proj) {
    cohorts.forEach((i, r) => {
      const ahead = proj.byCohort.get(i);
      const last = (byCohort.get(i) ?? []).find((c) => c.period_index === asOfPeriod);
      if (!ahead || !last) return;
      for (let k = last.period_offset + 1; k <= maxOffset; k++) {
        const j = k - last.period_offset - 1;
        if (j < ahead.length) value[r][k] = { v: last.cumulative_revenue_per_customer + ahead[j], projected: true };
      }
    });
  }
  const views: CohortMatrixView[] = [
    { label: measure === 'revenue_retention_rate' ? 'Revenue retained' : '% retained', kind: 'percent', digits, cells: grid((c) => c[measure]), unshaded: [0] },
    ...(orders.money !== 'none' ? [{ label: 'Cumulative net revenue per customer', kind: 'money' as const, digits: maxOffset > MATRIX_PRECISE_MAX ? 0 : 2, cells: value }] : []),
  ];
  return {
    caption: `A cohort is the customers whose first order fell in the same ${period}. Repeat: share of the cohort who ordered on two or more days by the as-of date. ${measure === 'revenue_retention_rate' ? `Revenue retained: net revenue in ${periodNoun(period)} k ÷ net revenue in ${periodNoun(period)} 0.` : `% retained: share of the cohort who ordered in ${periodNoun(period)} k.`}${views.length > 1 ? ` Cumulative net revenue per customer: the cohort's net revenue from ${periodNoun(period)} 0 to k ÷ its customers.` : ''} Darker cells hold larger values.${proj && views.length > 1 ? ` Hatched cells of the cumulative revenue (grey and italic on paper) are projected: the ${period}s after the as-of date, from ${proj.model} and Gamma-Gamma fitted on these customers (what the cohort has brought so far plus the revenue per customer the models expect, undiscounted).` : ''}`,
    offsetTitle: `${cap(periodNoun(period, 2))} since first order`,
    offsets,
    rows,
    views,
  };
}

export function triangleSection(input: CohortSectionsInput): SectionDraft {
  const { analysis, fmt } = input;
  const revenue = input.triangleMetric === 'revenue';
  const measure = revenue ? 'revenue_retention_rate' : 'retention_rate';
  const { period, cells, average } = analysis;
  const narrative: string[] = revenue ? revenueTriangleNarrative(input) : [];
  const avg1 = at(average, 1);
  if (!revenue) {
    narrative.push(
      avg1
        ? `On average ${fmt.percent(avg1.retention_rate)} of a cohort's customers order again in the ${period} after the one they joined in (${offsetPhrase(period, 1)}).`
        : `No cohort has a complete ${offsetPhrase(period, 1)} yet, so retention cannot be compared.`,
    );
    const bw = bestAndWorst(cells, 1);
    if (bw) {
      narrative.push(
        `Of ${bw.count} cohorts with a complete ${offsetPhrase(period, 1)}, the ${bw.best.cohort} cohort retains best (${fmt.percent(bw.best.retention_rate)}) and the ${bw.worst.cohort} cohort least (${fmt.percent(bw.worst.retention_rate)}).`,
      );
    }
  }
  const latest = latestCohorts(cells, 1);
  if (latest && avg1 && latest.cohorts.length >= 2 && !revenue) {
    const diff = latest.rate - avg1.retention_rate;
    const first = latest.cohorts[0].cohort;
    const last = latest.cohorts[latest.cohorts.length - 1].cohort;
    narrative.push(
      `The ${latest.cohorts.length} most recent cohorts with a complete ${offsetPhrase(period, 1)} (${first} to ${last}) retain ${fmt.percent(latest.rate)}, ${fmt.gap(diff)} ${diff >= 0 ? 'above' : 'below'} the average.`,
    );
  }
  narrative.push(`Faded italic cells are ${period}s that were not over at the as-of date; they are shown but left out of every average.`);

  const cohortList = [...new Set(cells.map((c) => c.cohort_index))].sort((a, b) => a - b);
  const shownCohorts = new Set(cohortList.slice(-MAX_TRIANGLE));
  const shown = cells.filter((c) => shownCohorts.has(c.cohort_index) && c.period_offset < MAX_TRIANGLE);
  const truncated = shown.length < cells.length;
  if (truncated) {
    narrative.push(
      `The chart and table show the latest ${shownCohorts.size} cohorts and the first ${MAX_TRIANGLE} ${period}s after joining; data/cohort_retention.csv has the whole triangle.`,
    );
  }
  const maxOffset = Math.max(...shown.map((c) => c.period_offset));
  const columns: TableColumn[] = [
    { key: 'cohort', label: 'Cohort', kind: 'text' },
    { key: 'customers', label: 'Customers', kind: 'integer' },
  ];
  for (let k = 0; k <= maxOffset; k++) columns.push({ key: `o${k}`, label: String(k), kind: 'percent' });
  const rows: Record<string, unknown>[] = [];
  for (const c of [...shownCohorts]) {
    const row: Record<string, unknown> = {};
    for (const cell of shown.filter((x) => x.cohort_index === c)) {
      row.cohort = cell.cohort;
      row.customers = cell.cohort_customers;
      row[`o${cell.period_offset}`] = cell.complete ? cell[measure] : null;
    }
    rows.push(row);
  }
  return {
    id: 'retention-triangle',
    title: revenue ? 'Revenue retention by cohort' : 'Retention by cohort',
    narrative,
    matrix: cohortMatrix(input, [...shownCohorts], shown, maxOffset, measure),
    table: {
      caption: revenue
        ? `Revenue retention by cohort (rows) and ${period}s since first order (columns); blank = ${period} not complete or no first-${period} revenue.`
        : `Retention rate by cohort (rows) and ${period}s since first order (columns); blank = ${period} not complete.`,
      columns,
      rows,
    },
    definitions: revenue
      ? [{ term: `Revenue retention at ${period} k`, definition: `Net revenue of the cohort in its k-th ${period} after the one it joined in ÷ its net revenue in ${period} 0 (empty when that is not positive).` }]
      : [
          {
            term: `Retention at ${period} k`,
            definition: `Customers of the cohort with at least one order in the k-th ${period} after the one they joined in ÷ customers in the cohort. ${cap(period)} 0 is 100% by definition.`,
          },
        ],
  };
}

/** The cohorts drawn as lines (complete cells from `minOffset` on), for the chart's series picker. */
function cohortSeries(cells: RetentionCell[], minOffset: number): { title: string; values: string[] } {
  const values = [...new Set(cells.filter((c) => c.complete && c.period_offset >= minOffset).map((c) => c.cohort))].sort();
  return { title: 'Cohort', values };
}

function averageTable(average: AveragePoint[], period: PeriodUnit, fmtKind: 'percent' | 'money2', key: keyof AveragePoint, label: string) {
  return {
    caption: `Average over cohorts, weighted by cohort size (complete ${period}s only).`,
    columns: [
      { key: 'period_offset', label: `${period.charAt(0).toUpperCase()}${period.slice(1)}s since first order`, kind: 'integer' },
      { key: 'cohorts', label: 'Cohorts averaged', kind: 'integer' },
      { key: 'cohort_customers', label: 'Customers in them', kind: 'integer' },
      { key: key as string, label, kind: fmtKind },
    ] satisfies TableColumn[],
    rows: average.map((a) => ({ ...a })),
  };
}

export function curvesSection({ analysis, fmt }: CohortSectionsInput): SectionDraft {
  const { period, cells, average } = analysis;
  const points = milestones(period)
    .map((k) => at(average, k))
    .filter((a): a is AveragePoint => a !== undefined);
  const narrative: string[] = [];
  if (points.length > 0) {
    narrative.push(
      `Of the customers who joined in a given ${period}, ${joinWords(points.map((p) => `${fmt.percent(p.retention_rate)} order in ${offsetPhrase(period, p.period_offset)}`))} after their first order (average over cohorts, weighted by size).`,
    );
  }
  if (points.length >= 2) {
    const a = points[0];
    const b = points[points.length - 1];
    const kept = a.retention_rate > 0 ? b.retention_rate / a.retention_rate : 0;
    narrative.push(
      `Between ${offsetPhrase(period, a.period_offset)} and ${offsetPhrase(period, b.period_offset)}, activity falls to ${fmt.percent(kept)} of its ${offsetPhrase(period, a.period_offset)} level.`,
    );
  }
  narrative.push(`Each thin line is one cohort (darker blue = more recent); the thick line with dots is the average, drawn where at least three cohorts contribute. ${cap(offsetPhrase(period, 0))}, 100% by definition, is left out so the rest can be read.`);
  return {
    id: 'retention-curves',
    title: 'Retention curves',
    narrative,
    chart: {
      spec: cohortLinesSpec(cells, average, {
        period,
        measure: 'retention_rate',
        title: 'Active customers (share of cohort)',
        format: '.0%',
        minOffset: 1,
        description: `Retention curve of each cohort and the size-weighted average, by ${period}s since first order.`,
      }),
      caption: `Share of each cohort active in each ${period} after joining.`,
      series: cohortSeries(cells, 1),
    },
    table: averageTable(average, period, 'percent', 'retention_rate', 'Active customers (share)'),
    definitions: [
      { term: `Retention at ${period} k`, definition: `Customers of the cohort with at least one order in the k-th ${period} after the one they joined in ÷ customers in the cohort. ${cap(period)} 0 is 100% by definition.` },
      { term: 'Average curve', definition: 'Σ active customers ÷ Σ cohort customers over the cohorts whose cell is complete (a size-weighted average).' },
    ],
  };
}

export function revenueRetentionSection({ analysis, fmt }: CohortSectionsInput): SectionDraft {
  const { period, cells, average } = analysis;
  const points = milestones(period)
    .map((k) => at(average, k))
    .filter((a): a is AveragePoint => a !== undefined && a.revenue_retention_rate !== null);
  const narrative: string[] = [];
  if (points.length > 0) {
    narrative.push(
      `Measured against the revenue of their first ${period}, cohorts bring in ${joinWords(points.map((p) => `${fmt.percent(p.revenue_retention_rate)} in ${offsetPhrase(period, p.period_offset)}`))}.`,
    );
  }
  narrative.push('Revenue is net of refunds, so a cohort with many refunds in a period can dip below its customer retention.');
  return {
    id: 'revenue-retention',
    title: 'Revenue retention',
    narrative,
    chart: {
      spec: cohortLinesSpec(cells, average, {
        period,
        measure: 'revenue_retention_rate',
        title: `Revenue as share of the first ${period}`,
        format: '.0%',
        minOffset: 1,
        description: `Revenue of each cohort in each ${period} relative to its first ${period}, with the average.`,
      }),
      caption: `Revenue of a cohort in each ${period} ÷ its revenue in the ${period} it joined.`,
      series: cohortSeries(cells, 1),
    },
    table: averageTable(average, period, 'percent', 'revenue_retention_rate', 'Revenue retention'),
    definitions: [
      { term: 'Revenue retention', definition: `Net revenue of the cohort in ${period} k ÷ its net revenue in ${period} 0; the average is Σ revenue(k) ÷ Σ revenue(0) over the cohorts whose cell is complete.` },
    ],
  };
}

export function cumulativeSection({ analysis, fmt, currency }: CohortSectionsInput): SectionDraft {
  const { period, cells, average } = analysis;
  const points = [0, ...milestones(period)]
    .map((k) => at(average, k))
    .filter((a): a is AveragePoint => a !== undefined);
  const narrative: string[] = [];
  if (points.length > 0) {
    narrative.push(
      `A customer brings in ${joinWords(points.map((p) => `${fmt.moneyPrecise(p.cumulative_revenue_per_customer)} by the end of ${offsetPhrase(period, p.period_offset)}`))} on average (net revenue, counted from the ${period} of the first order).`,
    );
  }
  const ref = points.length > 1 ? points[Math.min(points.length - 1, 2)] : undefined;
  if (ref) {
    const pool = cells.filter((c) => c.period_offset === ref.period_offset && c.complete).sort((a, b) => a.cohort_index - b.cohort_index);
    const latest = pool[pool.length - 1];
    if (latest && ref.cumulative_revenue_per_customer > 0) {
      const rel = latest.cumulative_revenue_per_customer / ref.cumulative_revenue_per_customer - 1;
      narrative.push(
        `The latest cohort to reach ${offsetPhrase(period, ref.period_offset)}, ${latest.cohort}, stands at ${fmt.moneyPrecise(latest.cumulative_revenue_per_customer)} per customer, ${fmt.percent(Math.abs(rel))} ${rel >= 0 ? 'above' : 'below'} the average.`,
      );
    }
  }
  return {
    id: 'cumulative-revenue',
    title: 'Cumulative revenue per customer',
    narrative,
    chart: {
      spec: cohortLinesSpec(cells, average, {
        period,
        measure: 'cumulative_revenue_per_customer',
        title: `Cumulative net revenue per customer (${currency})`,
        format: ',.0f',
        minOffset: 0,
        description: `Cumulative net revenue per customer of each cohort by ${period}s since first order, with the average.`,
      }),
      caption: `Revenue of a cohort up to each ${period}, divided by the cohort's number of customers.`,
      series: cohortSeries(cells, 0),
    },
    table: averageTable(average, period, 'money2', 'cumulative_revenue_per_customer', 'Cumulative revenue per customer'),
    definitions: [
      { term: 'Cumulative revenue per customer', definition: `Of a cohort: its net revenue from ${period} 0 to ${period} k ÷ its customers. The average adds up, ${period} by ${period}, the revenue per customer of the cohorts that reached that ${period} (each ${period} j: their revenue in ${period} j ÷ their customers), so it grows as long as sales exceed refunds; a plain average of the cohorts' cumulative values would fall at the far ${period}s, where only the oldest cohorts remain.` },
    ],
  };
}

export function crrSection({ analysis, fmt }: CohortSectionsInput): SectionDraft {
  const { period, crr, activeWindow } = analysis;
  const windowLabel = `the last ${activeWindow} ${periodNoun(period, activeWindow)}`;
  const complete = crr.filter((r) => r.complete && r.crr !== null);
  const narrative: string[] = [];
  const latest = complete[complete.length - 1];
  if (latest) {
    narrative.push(
      `In ${latest.period}, ${fmt.integer(latest.customers_start)} customers were active at the start (S), ${fmt.integer(latest.new_customers)} new customers joined (N) and ${fmt.integer(latest.customers_end)} were active at the end (E): CRR = (E − N) ÷ S = ${fmt.percent(latest.crr)}.`,
    );
    const recent = complete.slice(-activeWindow);
    if (recent.length >= 2) {
      const mean = recent.reduce((s, r) => s + (r.crr as number), 0) / recent.length;
      narrative.push(`Over the last ${recent.length} complete ${periodNoun(period, recent.length)}, CRR averaged ${fmt.percent(mean)}.`);
    }
  } else {
    narrative.push(`CRR needs more than ${activeWindow} complete ${periodNoun(period, activeWindow)} of data.`);
  }
  narrative.push(
    `A customer counts as active while their last order is within ${windowLabel}. CRR is left empty for the first ${activeWindow} ${periodNoun(period, activeWindow)} of the data, when nobody can have lapsed yet. CRR above 80% is usually called healthy for subscriptions; shops where many customers buy once see lower values. In a rare period it can exceed 100%, when customers come back after a longer break.`,
  );
  return {
    id: 'crr',
    title: 'Customer retention rate (CRR)',
    narrative,
    // No chart before the first CRR value exists: an empty line chart would have meaningless axes.
    ...(complete.length > 0 ? { chart: { spec: crrLineSpec(crr, { period, windowLabel }), caption: `CRR per complete ${period}.` } } : {}),
    table: {
      caption: `S = active at the start, E = active at the end, N = new in the ${period}; CRR = (E − N) ÷ S.`,
      columns: [
        { key: 'period', label: cap(period), kind: 'text' },
        { key: 'customers_start', label: 'S: active at start', kind: 'integer' },
        { key: 'new_customers', label: 'N: new', kind: 'integer' },
        { key: 'customers_end', label: 'E: active at end', kind: 'integer' },
        { key: 'crr', label: 'CRR', kind: 'percent' },
        { key: 'complete', label: 'Complete', kind: 'boolean' },
      ],
      rows: crr.map((r) => ({ ...r })),
    },
    definitions: [
      {
        term: 'CRR',
        definition: `Customer retention rate of a ${period}: (E − N) ÷ S, with S the customers active at its start (the end of the previous ${period}), E those active at its end and N the new customers of the ${period}. Active = ordered within the last ${activeWindow} ${periodNoun(period, activeWindow)}. A customer who had lapsed (no order within that window) and orders again in the ${period} is in E but neither in S nor new, so counts as retained: many returns can lift CRR above 100%.`,
      },
    ],
  };
}

export function segmentSections({ analysis, fmt, labels }: CohortSectionsInput): SectionDraft[] {
  const { period } = analysis;
  return analysis.segments.map((seg, i) => {
    const label = columnLabel(seg.column, labels);
    const sizes = new Map<string, number>();
    for (const c of seg.cells) if (c.period_offset === 0) sizes.set(c.segment as string, (sizes.get(c.segment as string) ?? 0) + c.cohort_customers);
    // The largest values, by customers; the CSV has every value.
    const allValues = [...sizes.keys()].sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
    const values = allValues.slice(0, MAX_SEGMENTS_SHOWN);
    const shown = new Set(values);
    const offsets = milestones(period);
    const narrative: string[] = [];
    const k = [...offsets].filter((o) => o <= periodsPerYear(period)).reverse().find((o) => values.filter((v) => (sizes.get(v) ?? 0) >= MIN_NAMED_COHORT).every((v) => seg.average.some((a) => a.segment === v && a.period_offset === o)));
    if (k !== undefined) {
      const ranked = seg.average
        .filter((a) => a.period_offset === k && shown.has(a.segment as string) && (sizes.get(a.segment as string) ?? 0) >= MIN_NAMED_COHORT)
        .sort((a, b) => b.retention_rate - a.retention_rate || (a.segment! < b.segment! ? -1 : 1));
      if (ranked.length >= 2) {
        const best = ranked[0];
        const worst = ranked[ranked.length - 1];
        const spread = best.retention_rate - worst.retention_rate;
        narrative.push(
          spread < SMALL_SPREAD
            ? `In ${offsetPhrase(period, k)} after their first order, every ${label} retains about the same share of its customers: between ${fmt.percent(worst.retention_rate)} ("${worst.segment}") and ${fmt.percent(best.retention_rate)} ("${best.segment}").`
            : `In ${offsetPhrase(period, k)} after their first order, customers whose ${label} is "${best.segment}" are the most active (${fmt.percent(best.retention_rate)}) and those whose ${label} is "${worst.segment}" the least (${fmt.percent(worst.retention_rate)}), ${fmt.gap(spread)} apart.`,
        );
      }
    }
    narrative.push(
      allValues.length > values.length
        ? `${allValues.length} values of ${label}; the ${values.length} with the most customers are shown, and data/cohort_retention_by_segment.csv has them all. Each customer is counted under ${seg.origin}.`
        : `${allValues.length} ${allValues.length === 1 ? 'value' : 'values'} of ${label}; each customer is counted under ${seg.origin}.`,
    );
    if (seg.multiValued) {
      narrative.push(
        `${fmt.integer(seg.multiValued)} ${seg.multiValued === 1 ? 'customer has' : 'customers have'} several values of ${seg.column.slice('first:'.length)} on their first order and ${seg.multiValued === 1 ? 'is' : 'are'} counted under each, so the segments' customers add up to more than the customers.`,
      );
    }
    const columns: TableColumn[] = [
      { key: 'segment', label: cap(label), kind: 'text' },
      { key: 'customers', label: 'Customers', kind: 'integer' },
    ];
    for (const o of offsets) columns.push({ key: `o${o}`, label: `${cap(offsetPhrase(period, o))}`, kind: 'percent' });
    const rows = values.map((v) => {
      const row: Record<string, unknown> = { segment: v, customers: sizes.get(v) ?? 0 };
      for (const o of offsets) row[`o${o}`] = seg.average.find((a) => a.segment === v && a.period_offset === o)?.retention_rate ?? null;
      return row;
    });
    const spec = segmentLinesSpec(seg.average, { period, segmentColumn: label, colorKey: seg.column, sizes });
    const lines = spec.encoding.color.scale.domain;
    return {
      id: `segment-${i + 1}-${slug(seg.column)}`,
      title: `Retention by ${label}`,
      narrative,
      chart: {
        spec,
        caption: `Average retention curve per ${label} (size-weighted over cohorts, complete ${period}s)${lines.includes(OTHERS) ? `; the ${MAX_LINES - 1} values with the most customers, and the others as one line, "${OTHERS}"` : ''}.`,
        series: { title: label, values: lines },
      },
      table: { caption: `Average share of customers active, by ${label} and ${period}s since first order.`, columns, rows },
      definitions: [
        {
          term: 'Segment curve',
          definition: `Each customer counts under the value of the segment column on their first order (the acquisition channel is the channel of the first order); the curve is the size-weighted average retention of that value's cohorts.`,
        },
        ...(seg.column.startsWith('first:')
          ? [
              {
                term: 'First-order segment (first:<column>)',
                definition: `The values of the column on the customer's first order: the first row, in file order, of their first purchase day and, when the rows are order lines, every purchased line (amount ≥ 0) of that order. A customer whose first order has several values (several products) counts under each, with all of their orders and revenue, so the segments overlap; a missing value is "(none)".`,
              },
            ]
          : []),
      ],
    };
  });
}

export function dataQualitySection({ analysis, orders, fmt, source }: CohortSectionsInput & { source: SourceDescription }): SectionDraft {
  const i = orders.input;
  const bullets = [
    i.pushdown
      ? `${source.label}: ${fmt.integer(i.rows_read)} rows read, ${fmt.integer(i.rows_kept)} kept, aggregated in PostgreSQL into ${fmt.integer(i.rows_transferred ?? 0)} customer-day rows, which alone travelled (sha256 of those rows as text ${i.sha256.slice(0, 12)}…).`
      : `${source.label}: ${fmt.integer(i.rows_read)} rows read, ${fmt.integer(i.rows_kept)} kept (${source.kind === 'postgres' ? 'PostgreSQL, sha256 of the rows as text' : `${source.kind.toUpperCase()}, sha256`} ${i.sha256.slice(0, 12)}…).`,
  ];
  if (orders.lines && i.orders !== undefined) {
    bullets.push(`The rows are order lines: the ${fmt.integer(i.rows_kept)} kept lines form ${fmt.integer(i.orders)} orders (lines that share an order_id are summed; each order takes the customer, date, channel and attributes of its first line).`);
  }
  if (orders.money === 'lines') bullets.push('The amount of a line is its quantity × unit price (rounded to 4 decimals); negative lines are returns.');
  for (const d of i.dropped) {
    bullets.push(
      `${fmt.integer(d.rows)} ${d.rows === 1 ? 'row' : 'rows'}${d.orders !== undefined ? ` (${fmt.integer(d.orders)} ${d.orders === 1 ? 'order' : 'orders'})` : ''} dropped: ${d.reason}${d.examples && d.examples.length > 0 ? ` (e.g. ${d.examples.join(', ')})` : ''}${d.customers ? `; ${fmt.integer(d.customers)} ${d.customers === 1 ? 'customer had' : 'customers had'} nothing else and ${d.customers === 1 ? 'is' : 'are'} not counted` : ''}.`,
    );
  }
  if (i.dropped.length === 0) bullets.push('No rows were dropped.');
  const refundLines = analysis.kpis.refunds;
  if (orders.money === 'none') bullets.push('The orders have no amount column (nor quantity and unit price): every order counts, and nothing in the report is in money.');
  else bullets.push(`Refunds (negative amounts) total ${fmt.money(refundLines)}; they reduce revenue in the ${analysis.period} they happen but are not counted as orders or as activity.`);
  if (!orders.hasChannel) bullets.push('The orders have no channel column, so every customer\'s acquisition channel is "(none)".');
  else {
    const none = analysis.noChannelCustomers;
    if (none > 0) bullets.push(`${fmt.integer(none)} customers have an empty channel on their first order; they are grouped as "(none)".`);
  }
  const incomplete = analysis.cells.filter((c) => !c.complete).length;
  bullets.push(
    incomplete === 0
      ? `Every cohort cell covers a ${analysis.period} that was over by the as-of date ${analysis.asOf}.`
      : `${fmt.integer(incomplete)} cohort ${incomplete === 1 ? 'cell falls' : 'cells fall'} in a ${analysis.period} not over at the as-of date ${analysis.asOf}; ${incomplete === 1 ? 'it is' : 'they are'} marked incomplete and left out of averages.`,
  );
  bullets.push(`Dates are UTC calendar dates; date-times with an offset were converted to UTC before the date was taken.`);
  return {
    id: 'data-quality',
    title: 'Data quality notes',
    narrative: [`What was read, what was left out and why.`],
    bullets,
  };
}

/**
 * The general terms every section relies on (order, revenue, cohort, complete).
 * Not shown as a section of its own: Methods & assumptions lists them first
 * (lib/report/methods.ts); other parts of the report may push entries here.
 */
export function definitionsSection({ analysis, currency }: CohortSectionsInput): SectionDraft {
  const p = analysis.period;
  return {
    id: 'definitions',
    title: 'Definitions',
    narrative: [],
    definitions: [
      { term: 'Order', definition: 'A row with an amount of zero or more. Rows with a negative amount are refunds.' },
      { term: 'Net revenue', definition: `Sum of all amounts, refunds included, in ${currency}.` },
      { term: 'Cohort', definition: `The customers whose first order fell in the same ${p} (${p === 'week' ? 'ISO weeks, Monday to Sunday' : 'calendar ' + p + 's'}, UTC).` },
      { term: 'Complete', definition: `A ${p} is complete when it ended on or before the as-of date (${analysis.asOf}).` },
    ],
  };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}
