/**
 * The "What changed" section of a monthly report: this run against the
 * previous run in the same output root (its manifest.json,
 * data/cohort_retention.csv and data/model_params.csv). Pure: both runs in,
 * a section draft and a machine-readable summary (for the manifest) out.
 *
 * - KPI deltas: customers, orders, net revenue, AOV, repeat-customer rate,
 *   latest CRR, and the projected customer value when both runs fitted it.
 * - New cohorts: cohorts of this run that the previous run did not have.
 * - Retention moves: for each cohort in both runs, its retention at its
 *   latest complete period now against its latest complete period then.
 *   Retention falls with age, so the cohorts listed first are those whose
 *   change differs most from the typical change over the same step (the
 *   current average curve's change between the two offsets).
 * - Revisions: complete cells of both runs whose figures differ (late or
 *   corrected orders).
 * - Growth accounting: the movements of this run's latest complete period
 *   (new, retained, reactivated, churned customers, quick ratio; net revenue
 *   movements when both runs have amounts in the same currency), against the
 *   previous run's latest period (its manifest's `lifecycle.latest`).
 * - Parameter drift of the CLV models: each parameter's relative change and
 *   whether the new estimate lies outside the previous 95% interval.
 */
import { modelTitle } from '../../models/registry.ts';
import type { Kpis } from '../../cohorts/kpis.ts';
import type { AveragePoint, RetentionCell } from '../../cohorts/retention.ts';
import type { SectionDraft } from '../../report/section.ts';
import type { LifecycleRow } from '../lifecycle/compute.ts';
import type { Formatters } from '../../report/format.ts';

/** Rows of a previous run's data/cohort_retention.csv (the columns used here). */
export interface PreviousRetentionRow {
  cohort: string;
  period_offset: number;
  cohort_customers: number;
  active_customers: number;
  retention_rate: number;
  revenue: number | null;
  complete: boolean;
}

/** Rows of a previous run's data/model_params.csv. */
export interface ParamRow {
  model: string;
  parameter: string;
  value: number;
  ci_low: number | null;
  ci_high: number | null;
}

/** One period of growth accounting, as the manifest's `lifecycle.latest` records it (data/lifecycle.csv's columns). */
export type LifecycleMovements = Pick<LifecycleRow, 'period' | 'active' | 'new' | 'retained' | 'reactivated' | 'churned' | 'quick_ratio'> &
  Partial<Pick<LifecycleRow, 'revenue' | 'new_revenue' | 'expansion_revenue' | 'contraction_revenue' | 'reactivated_revenue' | 'churned_revenue' | 'revenue_quick_ratio'>>;

/** What the previous run's manifest.json holds that is compared (all optional: older runs may lack fields). */
export interface PreviousManifest {
  as_of?: string;
  inputs?: { path?: string; rows_kept?: number }[];
  options?: { period?: string; currency?: string; locale?: string };
  kpis?: Partial<Kpis>;
  customer_value?: {
    fitted?: boolean;
    options?: { model?: string; time_unit?: string; horizon_months?: number; margin?: number | null };
    totals?: { total?: number; mean?: number; p_alive?: number };
  };
  lifecycle?: { latest?: LifecycleMovements | null };
}

/** The previous run as read from its folder. */
export type PreviousRun =
  | { month: string; manifest: PreviousManifest; retention: PreviousRetentionRow[] | null; params: ParamRow[] | null }
  | { month: string; problem: string };

export interface CurrentRun {
  asOf: string;
  period: string;
  currency: string;
  kpis: Kpis;
  cells: RetentionCell[];
  average: AveragePoint[];
  /** model_params.csv rows of this run (empty when no model was fitted). */
  params: Record<string, unknown>[];
  /** The manifest's customer_value of this run. */
  customerValue: Record<string, unknown>;
  /** The latest complete period's growth accounting (undefined when the section did not run, null when no period is complete). */
  lifecycle?: LifecycleMovements | null;
}

/** Cohorts listed in the retention table. */
export const MAX_RETENTION_MOVES = 10;


interface Move {
  cohort: string;
  customers: number;
  previous_offset: number;
  previous_rate: number;
  offset: number;
  rate: number;
  change: number;
  typical_change: number | null;
}

function latestComplete<T extends { cohort: string; period_offset: number; complete: boolean }>(rows: T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) {
    if (!r.complete) continue;
    const seen = out.get(r.cohort);
    if (!seen || r.period_offset > seen.period_offset) out.set(r.cohort, r);
  }
  return out;
}

function signed(n: number, text: string): string {
  return n > 0 ? `+${text}` : n < 0 ? `−${text.replace(/^[-−]/, '')}` : text;
}

function pts(fmt: Formatters, change: number): string {
  if (change === 0) return 'unchanged';
  return `${fmt.gap(change)} ${change > 0 ? 'up' : 'down'}`;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function whatChanged(current: CurrentRun, previous: PreviousRun | null, fmt: Formatters): { section: SectionDraft; summary: Record<string, unknown> } {
  const base = { id: 'what-changed', title: 'What changed' };
  if (previous === null) {
    return {
      section: { ...base, narrative: ['This is the first monthly run in this output folder, so there is no earlier run to compare with.'] },
      summary: { previous: null },
    };
  }
  if ('problem' in previous) {
    return {
      section: { ...base, narrative: [`The previous run (${previous.month}) could not be read, so nothing is compared: ${previous.problem}.`] },
      summary: { previous: { month: previous.month, problem: previous.problem } },
    };
  }
  const pm = previous.manifest;
  const prevAsOf = pm.as_of ?? previous.month;
  const monthBefore = shiftMonth(current.asOf.slice(0, 7), -1);
  const gap =
    previous.month < monthBefore
      ? ` There is no run for ${previous.month === shiftMonth(monthBefore, -1) ? monthBefore : `${shiftMonth(previous.month, 1)} to ${monthBefore}`}, so the changes span more than one month.`
      : '';
  const narrative: string[] = [`Compared with the run of ${previous.month} (orders up to ${prevAsOf}); this run has orders up to ${current.asOf}.${gap}`];
  const notes: string[] = [];
  const bullets: string[] = [];
  const cards: NonNullable<SectionDraft['cards']> = [];
  const since = `since ${prevAsOf}`;

  // KPI deltas.
  const k = current.kpis;
  const pk = pm.kpis ?? {};
  const sameCurrency = (pm.options?.currency ?? current.currency) === current.currency;
  if (!sameCurrency) notes.push(`The previous run is in ${pm.options?.currency}, this one in ${current.currency}: amounts are not compared.`);
  const kpiDeltas: Record<string, unknown> = {};
  const countDelta = (key: 'customers' | 'orders', label: string) => {
    const before = num(pk[key]);
    if (before === null) return null;
    const change = k[key] - before;
    kpiDeltas[key] = { previous: before, current: k[key], change };
    if (key === 'customers') cards.push({ label, value: fmt.integer(k[key]), detail: `${signed(change, fmt.integer(change))} ${since}` });
    return change;
  };
  const dCustomers = countDelta('customers', 'Customers');
  const dOrders = countDelta('orders', 'Orders');
  let dRevenue: number | null = null;
  if (sameCurrency) {
    for (const [key, label, money] of [
      ['revenue', 'Net revenue', fmt.money],
      ['aov', 'Average order value', fmt.moneyPrecise],
    ] as const) {
      const before = num(pk[key]);
      if (before === null) continue;
      const change = k[key] - before;
      if (key === 'revenue') dRevenue = change;
      kpiDeltas[key] = { previous: before, current: k[key], change };
      if (key === 'revenue') cards.push({ label, value: money(k[key]), detail: `${signed(change, money(Math.abs(change)))} ${since}` });
    }
  }
  const prevRepeat = num(pk.repeat_customer_rate);
  if (prevRepeat !== null) {
    const change = k.repeat_customer_rate - prevRepeat;
    kpiDeltas.repeat_customer_rate = { previous: prevRepeat, current: k.repeat_customer_rate, change };
    cards.push({ label: 'Repeat-customer rate', value: fmt.percent(k.repeat_customer_rate), detail: `${pts(fmt, change)} from ${fmt.percent(prevRepeat)}` });
  }
  const prevCrr = pk.latest_crr && num(pk.latest_crr.value) !== null ? pk.latest_crr : null;
  if (k.latest_crr && prevCrr) {
    const change = k.latest_crr.value - prevCrr.value;
    kpiDeltas.latest_crr = { previous: prevCrr, current: k.latest_crr, change };
    cards.push({ label: 'Latest CRR', value: fmt.percent(k.latest_crr.value), detail: `${k.latest_crr.period}; ${fmt.percent(prevCrr.value)} in ${prevCrr.period}` });
  }
  const parts: string[] = [];
  const plural = (n: number, word: string) => `${fmt.integer(Math.abs(n))} ${n < 0 ? 'fewer' : 'more'} ${Math.abs(n) === 1 ? word : `${word}s`}`;
  if (dCustomers !== null) parts.push(`${plural(dCustomers, 'customer')} (${fmt.integer(k.customers)} in all)`);
  if (dOrders !== null) parts.push(plural(dOrders, 'order'));
  if (dRevenue !== null) parts.push(`net revenue ${dRevenue < 0 ? 'down' : 'up'} by ${fmt.money(Math.abs(dRevenue))} to ${fmt.money(k.revenue)}`);
  const aov = kpiDeltas.aov as { previous: number; change: number } | undefined;
  if (aov) parts.push(aov.change === 0 ? `the average order value unchanged at ${fmt.moneyPrecise(k.aov)}` : `the average order value ${aov.change < 0 ? 'down' : 'up'} from ${fmt.moneyPrecise(aov.previous)} to ${fmt.moneyPrecise(k.aov)}`);
  if (parts.length > 0) narrative.push(`Since the previous run: ${joinWords(parts)}.`);
  if (prevRepeat !== null) {
    const change = k.repeat_customer_rate - prevRepeat;
    narrative.push(
      change === 0
        ? `The repeat-customer rate is unchanged at ${fmt.percent(k.repeat_customer_rate)}.`
        : `The repeat-customer rate moved from ${fmt.percent(prevRepeat)} to ${fmt.percent(k.repeat_customer_rate)} (${pts(fmt, change)}).`,
    );
  }
  if (k.latest_crr && prevCrr) {
    narrative.push(`The latest customer retention rate (CRR) is ${fmt.percent(k.latest_crr.value)} for ${k.latest_crr.period}, against ${fmt.percent(prevCrr.value)} for ${prevCrr.period} in the previous run.`);
  }

  // Projected customer value.
  const cv = current.customerValue as { fitted?: boolean; totals?: { total?: number; mean?: number } };
  const pcv = pm.customer_value;
  if (cv.fitted && pcv?.fitted && sameCurrency) {
    const before = num(pcv.totals?.total);
    const now = num(cv.totals?.total);
    if (before !== null && now !== null) {
      const change = now - before;
      kpiDeltas.projected_value = { previous: before, current: now, change };
      cards.push({ label: 'Projected value', value: fmt.money(now), detail: `${signed(change, fmt.money(Math.abs(change)))} ${since}` });
    }
  }

  // Cohorts.
  const samePeriod = (pm.options?.period ?? current.period) === current.period;
  const cohortSummary: Record<string, unknown> = {};
  const overall = current.cells.filter((c) => c.segment_column === undefined);
  if (!samePeriod) {
    notes.push(`The previous run has cohorts by ${pm.options?.period}, this one by ${current.period}: cohorts are not compared.`);
  } else if (previous.retention === null) {
    notes.push(`The previous run has no readable data/cohort_retention.csv: cohorts are not compared.`);
  } else {
    const prevCohorts = new Set(previous.retention.map((r) => r.cohort));
    const newCohorts = overall
      .filter((c) => c.period_offset === 0 && !prevCohorts.has(c.cohort))
      .map((c) => ({ cohort: c.cohort, customers: c.cohort_customers, revenue: c.revenue }));
    cohortSummary.new_cohorts = newCohorts;
    if (newCohorts.length === 0) narrative.push('No new cohort since the previous run.');
    for (const c of newCohorts) {
      narrative.push(
        `New cohort ${c.cohort}: ${fmt.integer(c.customers)} ${c.customers === 1 ? 'customer' : 'customers'} who spent ${sameCurrency ? fmt.money(c.revenue) : String(c.revenue)} in their first ${current.period}.`,
      );
    }

    const avg = new Map(current.average.filter((a) => a.cohorts > 0).map((a) => [a.period_offset, a.retention_rate]));
    const then = latestComplete(previous.retention);
    const moves: Move[] = [];
    for (const [cohort, now] of latestComplete(overall)) {
      const before = then.get(cohort);
      if (!before) continue;
      const a0 = avg.get(before.period_offset);
      const a1 = avg.get(now.period_offset);
      moves.push({
        cohort,
        customers: now.cohort_customers,
        previous_offset: before.period_offset,
        previous_rate: before.retention_rate,
        offset: now.period_offset,
        rate: now.retention_rate,
        change: now.retention_rate - before.retention_rate,
        typical_change: a0 !== undefined && a1 !== undefined ? a1 - a0 : null,
      });
    }
    const surprise = (m: Move) => Math.abs(m.change - (m.typical_change ?? 0));
    moves.sort((a, b) => surprise(b) - surprise(a) || b.customers - a.customers || (a.cohort < b.cohort ? -1 : 1));
    const shown = moves.slice(0, MAX_RETENTION_MOVES);
    cohortSummary.retention_moves = shown;
    const top = shown[0];
    if (top && surprise(top) > 0) {
      const step = top.offset === top.previous_offset ? `at ${current.period} ${top.offset}` : `from ${current.period} ${top.previous_offset} to ${top.offset}`;
      narrative.push(
        `Retention moved most, against a typical cohort, in cohort ${top.cohort} (${fmt.integer(top.customers)} customers): ${fmt.percent(top.previous_rate)} → ${fmt.percent(top.rate)} ${step}, ${pts(fmt, top.change)}${top.typical_change !== null ? `, where the average curve changes by ${top.typical_change === 0 ? '0 pts' : pts(fmt, top.typical_change)}` : ''}.`,
      );
    } else if (shown.length > 0) {
      narrative.push('Every cohort moved as the average curve did since the previous run.');
    }

    // Revisions of complete cells present in both runs.
    const prevCells = new Map(previous.retention.filter((r) => r.complete).map((r) => [`${r.cohort}|${r.period_offset}`, r]));
    const revised: { cohort: string; period_offset: number; previous_rate: number; rate: number; previous_customers: number; customers: number }[] = [];
    for (const c of overall) {
      const p = c.complete ? prevCells.get(`${c.cohort}|${c.period_offset}`) : undefined;
      if (!p) continue;
      if (Math.abs(p.retention_rate - c.retention_rate) > 1e-9 || p.cohort_customers !== c.cohort_customers || p.active_customers !== c.active_customers) {
        revised.push({ cohort: c.cohort, period_offset: c.period_offset, previous_rate: p.retention_rate, rate: c.retention_rate, previous_customers: p.cohort_customers, customers: c.cohort_customers });
      }
    }
    cohortSummary.revised_cells = revised.length;
    if (revised.length > 0) {
      revised.sort((a, b) => Math.abs(b.rate - b.previous_rate) - Math.abs(a.rate - a.previous_rate) || (a.cohort < b.cohort ? -1 : 1) || a.period_offset - b.period_offset);
      const r = revised[0];
      bullets.push(
        `${fmt.integer(revised.length)} complete ${revised.length === 1 ? 'figure' : 'figures'} of earlier ${current.period}s changed since the previous run (late, corrected or removed orders); the largest: cohort ${r.cohort}, ${current.period} ${r.period_offset}, retention ${fmt.percent(r.previous_rate)} → ${fmt.percent(r.rate)}.`,
      );
    } else {
      bullets.push(`No complete figure of an earlier ${current.period} changed since the previous run.`);
    }
  }

  // Growth accounting.
  const lifecycleSummary = lifecycleMoves(current, pm, samePeriod, sameCurrency, fmt, narrative, notes);

  // Parameter drift.
  const paramSummary = parameterDrift(current, previous, fmt, narrative, bullets, notes);

  return {
    section: {
      ...base,
      narrative: [...narrative, ...notes],
      cards,
      bullets,
      ...(Array.isArray(cohortSummary.retention_moves) && (cohortSummary.retention_moves as Move[]).length > 0
        ? {
            table: {
              caption: `Cohort retention at each cohort's latest complete ${current.period}, now and in the previous run; "typical" is the change of the average curve over the same ${current.period}s. Largest differences from typical first.`,
              columns: [
                { key: 'cohort', label: 'Cohort', kind: 'text' as const },
                { key: 'customers', label: 'Customers', kind: 'integer' as const },
                { key: 'previous_offset', label: `Then: ${current.period}`, kind: 'integer' as const },
                { key: 'previous_rate', label: 'Then: retention', kind: 'percent' as const },
                { key: 'offset', label: `Now: ${current.period}`, kind: 'integer' as const },
                { key: 'rate', label: 'Now: retention', kind: 'percent' as const },
                { key: 'change_text', label: 'Change', kind: 'text' as const },
                { key: 'typical_text', label: 'Typical change', kind: 'text' as const },
              ],
              rows: (cohortSummary.retention_moves as Move[]).map((m) => ({
                ...m,
                change_text: m.change === 0 ? '0 pts' : signed(m.change, fmt.gap(m.change)),
                typical_text: m.typical_change === null ? '' : m.typical_change === 0 ? '0 pts' : signed(m.typical_change, fmt.gap(m.typical_change)),
              })),
            },
          }
        : {}),
    },
    summary: {
      previous: { month: previous.month, as_of: prevAsOf },
      kpis: kpiDeltas,
      ...cohortSummary,
      ...(lifecycleSummary ? { lifecycle: lifecycleSummary } : {}),
      parameters: paramSummary,
      notes,
    },
  };
}

/** The growth-accounting sentence: the latest period's movements, and the previous run's latest period's. */
function lifecycleMoves(current: CurrentRun, pm: PreviousManifest, samePeriod: boolean, sameCurrency: boolean, fmt: Formatters, narrative: string[], notes: string[]): Record<string, unknown> | null {
  const now = current.lifecycle;
  if (now === undefined) return null;
  if (now === null) {
    notes.push(`No ${current.period} is complete yet, so there is no growth accounting to report.`);
    return { current: null };
  }
  const then = samePeriod ? (pm.lifecycle?.latest ?? null) : null;
  const count = (n: number, word: string) => `${fmt.integer(n)} ${word}`;
  const moves = (m: LifecycleMovements) =>
    `${count(m.new, 'new')}, ${count(m.retained, 'retained')}, ${count(m.reactivated, 'reactivated')} and ${count(m.churned, 'churned')} (quick ratio ${m.quick_ratio === null ? 'none: nobody churned' : fmt.decimal(m.quick_ratio, 2)})`;
  const change = (k: 'new' | 'retained' | 'reactivated' | 'churned') => (then ? now[k] - then[k] : null);
  narrative.push(
    `Growth accounting, ${now.period}: ${fmt.integer(now.active)} active customers, ${moves(now)}${
      then ? `; in the previous run, ${then.period}: ${fmt.integer(then.active)} active, ${moves(then)}` : ''
    }.`,
  );
  const money = (v: number | null | undefined) => (typeof v === 'number' ? v : null);
  if (sameCurrency && money(now.revenue) !== null) {
    const m = (v: number | null | undefined) => fmt.money(money(v) ?? 0);
    narrative.push(
      `Net revenue of the ${now.period} active customers: ${m(now.revenue)}, with ${m(now.new_revenue)} new, ${m(now.expansion_revenue)} expansion, ${m(now.contraction_revenue)} contraction, ${m(now.reactivated_revenue)} reactivated and ${m(now.churned_revenue)} churned${
        then && money(then.revenue) !== null ? ` (${then.period}: ${m(then.revenue)}, ${m(then.new_revenue)} new, ${m(then.churned_revenue)} churned)` : ''
      }.`,
    );
  }
  if (!then) {
    if (!samePeriod) notes.push(`The previous run has periods of another length: growth accounting is not compared.`);
    else notes.push(`The previous run has no growth accounting: its movements are not compared.`);
  }
  return {
    current: now,
    previous: then,
    change: then ? { new: change('new'), retained: change('retained'), reactivated: change('reactivated'), churned: change('churned') } : null,
  };
}

function parameterDrift(current: CurrentRun, previous: { params: ParamRow[] | null; manifest: PreviousManifest }, fmt: Formatters, narrative: string[], bullets: string[], notes: string[]): unknown[] {
  const cv = current.customerValue as { fitted?: boolean; options?: { time_unit?: string } };
  const pcv = previous.manifest.customer_value;
  if (!cv.fitted || !pcv?.fitted || previous.params === null) {
    if (cv.fitted || pcv?.fitted) notes.push(`The CLV models were fitted in only one of the two runs: parameters are not compared.`);
    return [];
  }
  if ((pcv.options?.time_unit ?? cv.options?.time_unit) !== cv.options?.time_unit) {
    notes.push(`The previous run fitted the models per ${pcv.options?.time_unit}, this one per ${cv.options?.time_unit}: parameters are not compared.`);
    return [];
  }
  const before = new Map(previous.params.map((p) => [`${p.model}|${p.parameter}`, p]));
  const drift: { model: string; parameter: string; previous: number; current: number; relative_change: number | null; outside_previous_ci: boolean | null }[] = [];
  for (const row of current.params) {
    const model = String(row.model);
    const parameter = String(row.parameter);
    const value = num(row.value);
    const p = before.get(`${model}|${parameter}`);
    if (!p || value === null) continue;
    const rel = p.value !== 0 ? (value - p.value) / Math.abs(p.value) : null;
    const outside = p.ci_low !== null && p.ci_high !== null ? value < p.ci_low || value > p.ci_high : null;
    drift.push({ model, parameter, previous: p.value, current: value, relative_change: rel, outside_previous_ci: outside });
    const interval = p.ci_low !== null && p.ci_high !== null ? `; ${outside ? 'OUTSIDE' : 'inside'} the previous 95% interval ${fmt.decimal(p.ci_low, 4)} to ${fmt.decimal(p.ci_high, 4)}` : '';
    bullets.push(
      `${modelTitle(model)} ${parameter}: ${fmt.decimal(p.value, 4)} → ${fmt.decimal(value, 4)} (${rel === null ? 'n/a' : rel === 0 ? 'unchanged' : signed(rel, fmt.percent(Math.abs(rel)))})${interval}.`,
    );
  }
  const models = [...new Set(current.params.map((r) => String(r.model)))];
  const prevModels = new Set(previous.params.map((p) => p.model));
  const missing = models.filter((m) => !prevModels.has(m));
  if (missing.length > 0) notes.push(`The previous run did not fit ${joinWords(missing.map((m) => modelTitle(m)))}: its parameters have nothing to compare with.`);
  if (drift.length > 0) {
    const largest = drift.reduce((a, b) => (Math.abs(b.relative_change ?? 0) > Math.abs(a.relative_change ?? 0) ? b : a));
    const outside = drift.filter((d) => d.outside_previous_ci);
    narrative.push(
      `CLV model parameters: the largest move is ${modelTitle(largest.model)} ${largest.parameter} (${largest.relative_change === null ? 'n/a' : largest.relative_change === 0 ? 'unchanged' : signed(largest.relative_change, fmt.percent(Math.abs(largest.relative_change)))}); ${
        outside.length === 0
          ? 'every new estimate lies inside the previous 95% interval.'
          : `${joinWords(outside.map((d) => `${modelTitle(d.model)} ${d.parameter}`))} left the previous 95% interval: the customers' behaviour, or the data, changed more than sampling noise explains.`
      }`,
    );
  }
  return drift;
}

/** YYYY-MM shifted by n months. */
function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
