/**
 * Growth accounting, presenting half (pure): the section "Growth accounting"
 * (id `lifecycle`) with its narrative, the movements chart(s), the table of
 * the latest periods, the Methods entries, data/lifecycle.csv and the
 * manifest's `lifecycle` entry (read by What changed of the next monthly run).
 */
import { periodNoun, periodsPerYear, type PeriodUnit } from '../../engine/periods.ts';
import { CUSTOMER_MOVEMENTS, lifecycleMovementsSpec, REVENUE_MOVEMENTS } from '../../charts/lifecycle-charts.ts';
import type { Formatters } from '../../report/format.ts';
import type { SectionDraft, TableColumn } from '../../report/section.ts';
import type { PartOutput } from '../part.ts';
import { LIFECYCLE_COLUMNS, type LifecycleFigures, type LifecycleRow } from './compute.ts';

/** Periods shown in the section's table (the CSV has them all). */
export const LIFECYCLE_TABLE_PERIODS = 24;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The movements of one period, as the manifest records them (What changed compares them between runs). */
export function lifecycleSummary(r: LifecycleRow): Record<string, unknown> {
  return Object.fromEntries(LIFECYCLE_COLUMNS.map((c) => [c, r[c]]));
}

function ratioText(fmt: Formatters, v: number | null, what: string): string {
  return v === null ? `the ${what} has no value, as nothing was lost` : `the ${what} is ${fmt.decimal(v, 2)}`;
}

function customerNarrative(f: LifecycleFigures, fmt: Formatters): string[] {
  const { rows, period } = f;
  const out: string[] = [];
  const last = rows[rows.length - 1];
  const prev = rows.length >= 2 ? rows[rows.length - 2] : undefined;
  if (!last) return out;
  const before = last.retained + last.churned;
  const net = last.active - before;
  out.push(
    `In ${last.period}, ${fmt.integer(last.active)} customers ordered: ${fmt.integer(last.new)} new, ${fmt.integer(last.retained)} retained from ${prev ? prev.period : `the ${period} before`} and ${fmt.integer(last.reactivated)} reactivated (back after at least one ${period} without an order). ` +
      `${fmt.integer(last.churned)} of the ${fmt.integer(before)} ${before === 1 ? 'customer' : 'customers'} active in ${prev ? prev.period : `the ${period} before`} placed no order in ${last.period} (churned), so the active base ${net === 0 ? 'stayed the same' : `${net > 0 ? 'grew' : 'shrank'} by ${fmt.integer(Math.abs(net))}`}; ${ratioText(fmt, last.quick_ratio, 'quick ratio (new + reactivated) ÷ churned')}.`,
  );
  const n = Math.min(rows.length, periodsPerYear(period));
  if (n >= 2) {
    const recent = rows.slice(-n);
    const mean = (k: 'new' | 'reactivated' | 'churned') => recent.reduce((s, r) => s + r[k], 0) / n;
    const above = recent.filter((r) => r.quick_ratio !== null && r.quick_ratio > 1).length;
    out.push(
      `Over the last ${n} complete ${periodNoun(period, n)}, a ${period} brought on average ${fmt.decimal(mean('new'), 1)} new and ${fmt.decimal(mean('reactivated'), 1)} reactivated customers and lost ${fmt.decimal(mean('churned'), 1)}; the quick ratio was above 1 (more gained than lost) in ${above} of them.`,
    );
  }
  return out;
}

function revenueNarrative(f: LifecycleFigures, fmt: Formatters): string[] {
  const last = f.rows[f.rows.length - 1];
  const prev = f.rows.length >= 2 ? f.rows[f.rows.length - 2] : undefined;
  if (!last || last.revenue === null) return [];
  const m = (v: number | null) => fmt.money(v ?? 0);
  return [
    `Net revenue of the active customers went from ${m(prev?.revenue ?? 0)} in ${prev ? prev.period : `the ${f.period} before`} to ${m(last.revenue)} in ${last.period}: ${m(last.new_revenue)} from new customers, ${m(last.expansion_revenue)} of expansion and ${m(last.contraction_revenue)} of contraction among retained customers, ${m(last.reactivated_revenue)} from reactivated customers, and ${m(last.churned_revenue)} lost with the churned customers (what they spent in the ${f.period} before); ${ratioText(fmt, last.revenue_quick_ratio, 'revenue quick ratio (new + expansion + reactivated) ÷ (churned + contraction)')}.`,
  ];
}

function tableColumns(period: PeriodUnit, money: boolean): TableColumn[] {
  return [
    { key: 'period', label: cap(period), kind: 'text' },
    { key: 'active', label: 'Active', kind: 'integer' },
    { key: 'new', label: 'New', kind: 'integer' },
    { key: 'retained', label: 'Retained', kind: 'integer' },
    { key: 'reactivated', label: 'Reactivated', kind: 'integer' },
    { key: 'churned', label: 'Churned', kind: 'integer' },
    { key: 'quick_ratio', label: 'Quick ratio', kind: 'decimal' },
    ...(money
      ? ([
          { key: 'revenue', label: 'Revenue', kind: 'money' },
          { key: 'new_revenue', label: 'New revenue', kind: 'money' },
          { key: 'expansion_revenue', label: 'Expansion', kind: 'money' },
          { key: 'contraction_revenue', label: 'Contraction', kind: 'money' },
          { key: 'reactivated_revenue', label: 'Reactivated revenue', kind: 'money' },
          { key: 'churned_revenue', label: 'Churned revenue', kind: 'money' },
          { key: 'revenue_quick_ratio', label: 'Revenue quick ratio', kind: 'decimal' },
        ] as TableColumn[])
      : []),
  ];
}

export function lifecycleDefinitions(period: PeriodUnit, activeWindow: number): { term: string; definition: string }[] {
  const p = period;
  return [
    { term: `Active in a ${p}`, definition: `A customer with at least one order (a row with an amount of zero or more) in the ${p}; refund rows are not activity.` },
    {
      term: 'New, retained, reactivated, churned',
      definition: `Of the customers active in ${p} t: new = their first order is in t; retained = also active in t − 1; reactivated = not active in t − 1 and not new (active in some earlier ${p}). Churned in t = active in t − 1 and not in t. So active_t = new + retained + reactivated and active_{t−1} = retained + churned, exactly, in every ${p}. A customer can churn and be reactivated many times.`,
    },
    {
      term: 'Revenue movements',
      definition: `A customer's revenue in a ${p} is their net revenue there (refunds included). revenue_t is the net revenue of the customers active in t. New and reactivated revenue: the revenue in t of the new and reactivated customers. Expansion and contraction: for each retained customer, revenue_t − revenue_{t−1} of that customer; the positive differences summed are expansion, the negative ones (as positive amounts) contraction. Churned revenue: the churned customers' revenue in t − 1. Then revenue_t − revenue_{t−1} = new + expansion − contraction + reactivated − churned, exactly. A refund booked in a ${p} in which the customer placed no order belongs to no movement and is not in revenue_t (the section says how many there are, and their amount).`,
    },
    {
      term: 'Quick ratio',
      definition: `Customers: (new + reactivated) ÷ churned — reactivations count as gains, as in the growth accounting of Amplitude and Social Capital; empty when nobody churned. Revenue (the SaaS convention): (new + expansion + reactivated) ÷ (churned + contraction); empty when the denominator is not positive. Above 1 the base grows.`,
    },
    {
      term: 'Growth accounting and CRR',
      definition: `CRR = (E − N) ÷ S counts a customer as active within a trailing window (here ${activeWindow} ${periodNoun(p, activeWindow)}). With a window of one ${p} it becomes S = active_{t−1} = retained + churned, E = active_t and N = new, so CRR = (retained + reactivated) ÷ (retained + churned): reactivated customers lift it, which is why CRR can exceed 100%. The share of last ${p}'s customers kept is retained ÷ active_{t−1} = 1 − churned ÷ active_{t−1}.`,
    },
    { term: `Incomplete ${p}`, definition: `The ${p} of the as-of date, when not over, is left out of growth accounting: who churned in it is known only when it ends.` },
  ];
}

export function presentLifecycle(f: LifecycleFigures, p: { fmt: Formatters; currency: string }): PartOutput {
  const { fmt, currency } = p;
  const { rows, period, money } = f;
  const narrative: string[] = [];
  if (rows.length === 0) {
    narrative.push(`No ${period} is complete at the as-of date ${f.asOf}, so there is nothing to account for yet.`);
  } else {
    narrative.push(...customerNarrative(f, fmt), ...revenueNarrative(f, fmt));
  }
  if (f.range && rows.length > 0) {
    narrative.push(`Only the ${periodNoun(period, 2)} from ${rows[0].period} to ${rows[rows.length - 1].period} are shown (--from/--to); each is still measured against the ${period} before it.`);
  }
  if (f.partial) narrative.push(`${f.partial} is not over at the as-of date ${f.asOf} and is left out: who churned in it is known only when it ends.`);
  if (!money) narrative.push('The orders have no amounts, so only customers are counted; the revenue columns of data/lifecycle.csv are left empty.');
  if (f.outside.rows > 0) {
    narrative.push(
      `In ${fmt.integer(f.outside.rows)} customer-${period}s a customer had refunds but no order (${fmt.money(f.outside.revenue)} in all); these refunds belong to no movement and are not in the revenue of the active customers.`,
    );
  }
  const shown = rows.slice(-LIFECYCLE_TABLE_PERIODS);
  const axisPeriod = periodNoun(period, 2);
  const section: SectionDraft = {
    id: 'lifecycle',
    title: 'Growth accounting',
    narrative,
    ...(rows.length > 0
      ? {
          chart: {
            spec: lifecycleMovementsSpec(rows, {
              period,
              series: CUSTOMER_MOVEMENTS,
              ratio: 'quick_ratio',
              yTitle: 'Customers',
              format: ',.0f',
              description: `Active customers per ${period} split into retained, new and reactivated (above zero) and churned (below zero), ${rows.length} ${axisPeriod}, with the quick ratio as a line on the right axis.`,
            }),
            caption: `Customers per ${period}: retained, new and reactivated above zero, churned below; the line is the quick ratio (new + reactivated) ÷ churned, on the right axis (dashed: 1).`,
          },
        }
      : {}),
    // No revenue chart when every movement is zero (e.g. all amounts 0): its axes would have nothing to span.
    ...(rows.length > 0 && money && rows.some((r) => REVENUE_MOVEMENTS.some((m) => (r[m.key] as number | null) !== 0 && r[m.key] !== null))
      ? {
          extraCharts: [
            {
              spec: lifecycleMovementsSpec(rows, {
                period,
                series: REVENUE_MOVEMENTS,
                ratio: 'revenue_quick_ratio',
                yTitle: `Revenue movements (${currency})`,
                format: ',.0f',
                description: `Net revenue movements per ${period}: new, expansion and reactivated above zero, contraction and churned below, ${rows.length} ${axisPeriod}, with the revenue quick ratio as a line on the right axis.`,
              }),
              caption: `Revenue movements per ${period} (${currency}): new, expansion and reactivated above zero, contraction and churned below; the line is the revenue quick ratio (new + expansion + reactivated) ÷ (churned + contraction).`,
            },
          ],
        }
      : {}),
    ...(rows.length > 0
      ? {
          table: {
            caption: `Growth accounting per complete ${period}${shown.length < rows.length ? ` (the latest ${shown.length}; data/lifecycle.csv has all ${rows.length})` : ''}. Active = new + retained + reactivated; active in the ${period} before = retained + churned.`,
            columns: tableColumns(period, money),
            rows: shown.map((r) => ({ ...r })),
            csvName: 'lifecycle.csv',
          },
        }
      : {}),
    definitions: lifecycleDefinitions(period, f.activeWindow),
  };
  const last = rows[rows.length - 1];
  return {
    sections: [section],
    files: [{ name: 'lifecycle.csv', columns: LIFECYCLE_COLUMNS, rows: rows as unknown as Record<string, unknown>[] }],
    manifest: { lifecycle: { periods: rows.length, money, partial: f.partial, latest: last ? lifecycleSummary(last) : null } },
  };
}
