/**
 * The closing "Methods & assumptions" section of a report: every assumption
 * in force for the run (currency, as-of date, attribution rule, margin,
 * discount rate, horizon…) and every formula used, in plain words, so that a
 * reader can audit any number against the data files.
 *
 * How sections contribute: a SectionDraft's `definitions` are that section's
 * method entries. {@link withMethods} moves them out of the section into
 * Methods & assumptions, under the section's title (an entry already listed
 * by an earlier section is not repeated). The draft with id `definitions`
 * (general terms such as order and cohort) becomes the "General" group.
 * Sections left out of a report take their entries with them.
 */
import { columnLabel, FIRST_ORDER_ORIGIN, type ColumnLabels } from './labels.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { modelTitle, spendModel } from '../models/registry.ts';
import { periodNoun } from '../engine/periods.ts';
import type { Formatters } from './format.ts';
import type { SectionDraft } from './section.ts';
import type { DefinitionGroup } from './section.ts';

export interface MethodEntry {
  term: string;
  definition: string;
}

export const METHODS_ID = 'methods';

/** Id of the draft holding the general definitions (order, cohort…); kept for sections that add to it. */
export const GENERAL_DEFINITIONS_ID = 'definitions';

export interface AssumptionInput {
  currency: string;
  locale: string;
  period: PeriodUnit;
  asOf: string;
  /** First order date among the kept rows. */
  firstDate: string;
  activeWindow: number;
  segmentBy: string[];
  /** Where each segment column's value of a customer comes from, in words (lib/engine/summarize.ts). */
  segmentOrigins?: { column: string; origin: string }[];
  /** Names of data columns (config report.labels). */
  labels?: ColumnLabels;
  /** Cohort range of a view (--from/--to). */
  cohortRange?: { from: string; to: string };
  /** Customer value options when the section is computed; false when switched off; undefined when not shown. */
  value?: { model: string; modelSource?: 'fixed' | 'backtest' | 'default'; timeUnit: string; horizonMonths: number; annualDiscountRate: number; margin?: number; business?: string } | false;
  /** Acquisition channel rule of the CAC sections (`first-order` or `customers:<column>`), when they are shown. */
  attribution?: string;
  fmt: Formatters;
}

/** "the value on their first order (channel, region)" or, by origin, "… (region); the value of their row in the customers file (customer_type)". */
function segmentOrigins(a: AssumptionInput): string {
  const origins = new Map<string, string[]>();
  for (const column of a.segmentBy) {
    const origin = a.segmentOrigins?.find((s) => s.column === column)?.origin ?? FIRST_ORDER_ORIGIN;
    origins.set(origin, [...(origins.get(origin) ?? []), columnLabel(column, a.labels)]);
  }
  return [...origins].map(([origin, columns]) => `${origin} (${columns.join(', ')})`).join('; ');
}

/** The assumptions in force for a run, stated in plain words. */
export function reportAssumptions(a: AssumptionInput): MethodEntry[] {
  const p = a.period;
  const out: MethodEntry[] = [
    { term: 'Currency', definition: `Amounts are read as ${a.currency} and shown in ${a.currency}; nothing is converted. Numbers are formatted for the ${a.locale} locale; the CSV files hold plain unformatted values.` },
    { term: 'Revenue', definition: 'Net of refunds: rows with a negative amount are refunds; they lower revenue in the period they happen but are neither orders nor activity. A refund dated before the customer\'s first order has no cohort to be charged to: it is dropped and counted in Data quality (a customer with nothing but such refunds is not a customer).' },
    { term: 'Data window', definition: `Orders from ${a.firstDate} to the as-of date ${a.asOf} (inclusive); later orders are left out. A ${p} not over at the as-of date is incomplete: shown, but left out of every average.` },
    { term: 'Dates', definition: 'UTC calendar dates; date-times with an offset are converted to UTC before the date is taken.' },
    { term: 'Cohort period', definition: `${p === 'week' ? 'ISO weeks (Monday to Sunday)' : `Calendar ${p}s`}; a customer belongs for good to the cohort of the ${p} of their first order.` },
    {
      term: 'Attribution',
      definition: `A customer's acquisition channel is ${a.attribution?.startsWith('customers:') ? `the column "${a.attribution.slice('customers:'.length)}" of the customers file in the CAC sections, and the channel of their first order elsewhere` : 'the channel of their first order'}${a.segmentBy.length > 0 ? `; for segments a customer counts, for their whole history, under ${segmentOrigins(a)}` : ''}${a.segmentBy.some((c) => c.startsWith('first:')) ? '. A first:<column> segment takes every value of the column on the first order (every purchased line, when the rows are order lines): a customer whose first order has several values (several products) counts under each, so those segments overlap; in Projected value by segment such a column is projected on one row per customer and value, and its bootstrap resamples those rows' : ''}. Later orders never move a customer to another channel or segment.`,
    },
    { term: 'Active customer (CRR)', definition: `Ordered within the last ${a.activeWindow} ${periodNoun(p, a.activeWindow)}.` },
    { term: 'Averages', definition: 'Size-weighted over the cohorts whose cell is complete; charts draw the average where at least 3 cohorts contribute; cohorts of fewer than 30 customers are not named as best or worst.' },
  ];
  if (a.cohortRange) out.push({ term: 'Cohort range', definition: `Only the cohorts from ${a.cohortRange.from} to ${a.cohortRange.to} are shown; averages are over these cohorts.` });
  if (a.value) {
    const v = a.value;
    const monthly = (1 + v.annualDiscountRate) ** (1 / 12) - 1;
    out.push(
      v.business === 'contractual'
        ? { term: 'CLV model', definition: `Contractual (subscriptions): a customer is retained while they order in every ${p} since their first; the shifted-beta-geometric model is fitted by maximum likelihood on all cohorts' retention up to the last complete ${p}, and each current subscriber is valued at their own net revenue per ${p}.` }
        : {
            term: 'CLV model',
            definition: `${modelTitle(v.model)} for purchases${v.modelSource === 'backtest' ? ' (chosen by the holdout backtest)' : v.modelSource === 'fixed' ? ' (set with --clv-model)' : ''} and ${spendModel.title} for spend, fitted by maximum likelihood on every customer's (x, t_x, T) measured in ${v.timeUnit}s up to the as-of date (per acquisition channel where a channel is big enough); every model figure of this report comes from this one fit.`,
          },
      { term: 'Horizon', definition: `${v.horizonMonths} months after the as-of date; a month is 365.25 ÷ 12 days.` },
      { term: 'Discount rate', definition: `${a.fmt.setting(v.annualDiscountRate)} a year, applied monthly: d = (1 + ${a.fmt.decimal(v.annualDiscountRate, 2)})^(1/12) − 1 = ${a.fmt.decimal(monthly * 100, 3)}% a month.` },
      {
        term: 'Margin',
        definition: v.margin === undefined ? 'None given (--margin): projected values are revenue, not profit.' : `${a.fmt.setting(v.margin)} of revenue: projected values are gross margin.`,
      },
    );
  } else if (a.value === false) {
    out.push({ term: 'Customer value', definition: 'Not computed in this run (--no-clv).' });
  }
  return out;
}

/**
 * Moves every draft's `definitions` into a closing Methods & assumptions
 * section (appended last) and returns the new list of drafts.
 */
export function withMethods(drafts: SectionDraft[], assumptions: MethodEntry[], options: { intro?: string } = {}): SectionDraft[] {
  const seen = new Set<string>();
  const groups: DefinitionGroup[] = [{ title: 'Assumptions in force', definitions: assumptions }];
  const general = drafts.find((d) => d.id === GENERAL_DEFINITIONS_ID);
  const ordered = [...(general ? [general] : []), ...drafts.filter((d) => d !== general)];
  for (const d of ordered) {
    const entries = (d.definitions ?? []).filter((e) => {
      const k = `${e.term}\u0000${e.definition}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (entries.length > 0) groups.push({ title: d === general ? 'General' : d.title, definitions: entries });
  }
  const kept = drafts.filter((d) => d !== general && d.id !== METHODS_ID).map((d) => {
    if (d.definitions === undefined) return d;
    const { definitions: _moved, ...rest } = d;
    return rest;
  });
  kept.push({
    id: METHODS_ID,
    title: 'Methods & assumptions',
    narrative: [
      options.intro ??
        'How every figure above is computed and what was assumed, so that any number can be checked against the data files next to this report.',
    ],
    groups,
  });
  return kept;
}
