/**
 * The cohorts' findings for the Summary (lib/report/summary.ts): is the active customer base
 * growing, and do the customers who joined in the last year come back more or less than those
 * who joined before.
 */
import { periodNoun, periodsPerYear } from '../../engine/periods.ts';
import type { CohortAnalysis } from '../../cohorts/analyze-cohorts.ts';
import type { Formatters } from '../../report/format.ts';
import type { SummaryEntry } from '../part.ts';

/** A change smaller than this (relative for counts, absolute for rates) reads as "about the same". */
export const STEADY = 0.005;
/** Cohorts needed on each side of the retention comparison. */
export const MIN_COHORTS_COMPARED = 2;

const signed = (fmt: Formatters, x: number) => `${x >= 0 ? '+' : '−'}${fmt.percent(Math.abs(x))}`;

/** Active customers at the end of the latest complete period against a year earlier (CRR's E, same active window). */
export function growthEntry(analysis: CohortAnalysis, fmt: Formatters): SummaryEntry | undefined {
  const { period, crr, activeWindow } = analysis;
  const complete = crr.filter((r) => r.complete);
  const now = complete[complete.length - 1];
  if (!now) return undefined;
  const then = complete.find((r) => r.period_index === now.period_index - periodsPerYear(period));
  const who = `Active customers (who ordered in the last ${activeWindow} ${periodNoun(period, activeWindow)})`;
  if (!then || then.customers_end === 0) {
    return { topic: 'growth', section: 'crr', sentence: `${who} numbered ${fmt.integer(now.customers_end)} at the end of ${now.period}; the data do not reach a year earlier.`, card: { label: 'Active customers', value: fmt.integer(now.customers_end), detail: `end of ${now.period}` } };
  }
  const change = now.customers_end / then.customers_end - 1;
  const how = Math.abs(change) < STEADY ? 'about as many as' : `${fmt.percent(Math.abs(change))} ${change > 0 ? 'more than' : 'fewer than'}`;
  return {
    topic: 'growth',
    section: 'crr',
    sentence: `${who} numbered ${fmt.integer(now.customers_end)} at the end of ${now.period}, ${how} a year earlier (${fmt.integer(then.customers_end)} at the end of ${then.period}): the customer base is ${Math.abs(change) < STEADY ? 'steady' : change > 0 ? 'growing' : 'shrinking'}.`,
    card: { label: 'Active customers', value: fmt.integer(now.customers_end), detail: `${signed(fmt, change)} on ${then.period}` },
  };
}

/** Share back in the period after joining: cohorts of the last year (with that period complete) against the cohorts before, size-weighted. */
export function retentionTrendEntry(analysis: CohortAnalysis, fmt: Formatters): SummaryEntry | undefined {
  const { period, cells } = analysis;
  const first = cells.filter((c) => c.period_offset === 1 && c.complete).sort((a, b) => a.cohort_index - b.cohort_index);
  if (first.length === 0) return undefined;
  const last = first[first.length - 1].cohort_index;
  const recent = first.filter((c) => c.cohort_index > last - periodsPerYear(period));
  const older = first.filter((c) => c.cohort_index <= last - periodsPerYear(period));
  if (recent.length < MIN_COHORTS_COMPARED || older.length < MIN_COHORTS_COMPARED) return undefined;
  const rate = (cs: typeof first) => cs.reduce((s, c) => s + c.active_customers, 0) / Math.max(1, cs.reduce((s, c) => s + c.cohort_customers, 0));
  const [a, b] = [rate(recent), rate(older)];
  const gap = a - b;
  const verdict = Math.abs(gap) < STEADY ? 'new customers come back about as often as before' : gap > 0 ? `new customers come back more often than before (${fmt.gap(gap)} higher)` : `new customers come back less often than before (${fmt.gap(gap)} lower)`;
  return {
    topic: 'retention',
    section: 'retention-triangle',
    sentence: `Of the customers who joined from ${recent[0].cohort} to ${recent[recent.length - 1].cohort}, ${fmt.percent(a)} ordered again in the ${periodNoun(period)} after joining, against ${fmt.percent(b)} for the cohorts before: ${verdict}.`,
  };
}

export function cohortSummary(analysis: CohortAnalysis, fmt: Formatters): SummaryEntry[] {
  return [growthEntry(analysis, fmt), retentionTrendEntry(analysis, fmt)].filter((e): e is SummaryEntry => e !== undefined);
}
