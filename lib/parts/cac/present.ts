/**
 * The report's CAC and unit-economics sections, with narrative computed from
 * the figures of lib/cac/unit-economics.ts, the rows of
 * data/cac_by_channel.csv and data/unit_economics.csv, what the manifest
 * records and the data-quality notes. Pure: figures in, drafts out.
 */
import { cacLinesSpec, ltvCacBarsSpec, paybackSpec, periodBarsSpec } from '../../charts/cac-charts.ts';
import { LTV_CAC_REFERENCE, LTV_MONTHS, type CacResult, type UnitEconomicsRow } from '../../cac/unit-economics.ts';
import type { Formatters } from '../../report/format.ts';
import type { SummaryEntry } from '../part.ts';
import type { SectionDraft } from '../../report/section.ts';
import type { TableColumn } from '../../report/section.ts';

/** CSV contracts (exactly these columns). */
export const CAC_BY_CHANNEL_COLUMNS = ['channel', 'period', 'spend', 'new_customers', 'cac'] as const;
export const UNIT_ECONOMICS_COLUMNS = [
  'channel',
  'new_customers',
  'spend',
  'cac',
  'ltv_3m',
  'ltv_6m',
  'ltv_12m',
  'ltv_24m',
  'ltv_projected',
  'ltv_cac_12m',
  'ltv_cac_projected',
  'payback_months',
] as const;

/** Channels with fewer new customers are not named best or worst. */
export const MIN_NAMED_CHANNEL = 30;

export interface CacSectionsInput {
  result: CacResult;
  fmt: Formatters;
  currency: string;
  /** Horizon of the projected CLV (months), when the models ran. */
  projectedHorizonMonths?: number;
  /** With customers-file attribution: the column; otherwise the first order's channel. */
  attributionLabel: string;
}

export interface CacSections {
  sections: SectionDraft[];
  definitions: { term: string; definition: string }[];
  /** Data-quality bullets. */
  bullets: string[];
  files: { name: string; columns: readonly string[]; rows: Record<string, unknown>[] }[];
  manifest: Record<string, unknown>;
  /** Findings for the Summary. */
  summary: SummaryEntry[];
}

const NO_CUSTOMERS = 'no customers';

export function cacSections(input: CacSectionsInput): CacSections {
  const { result: r, fmt, currency } = input;
  const revenue = r.basis === 'revenue';
  const valueWord = revenue ? 'revenue' : 'gross margin';
  const tag = revenue ? ' (revenue, not profit)' : ' (gross margin)';
  const periodWord = r.period;
  // The last period when it is not over at the as-of date: its bars are drawn faint.
  const partial = r.lastPeriodIncomplete && r.window ? r.window.last : undefined;
  const partialNote = partial ? ` ${partial} is not over at the as-of date: its bars are faint.` : '';
  const money2 = (n: number | null) => (n === null ? '–' : fmt.moneyPrecise(n));
  const cacText = (u: { cac: number | null; new_customers: number; spend: number }) =>
    u.cac !== null ? fmt.moneyPrecise(u.cac) : u.spend > 0 && u.new_customers === 0 ? NO_CUSTOMERS : '–';
  const ratioText = (n: number | null) => (n === null ? '–' : `${fmt.decimal(n, 1)}:1`);
  const paid = r.units.filter((u) => u.has_spend);
  const named = namable(paid.filter((u) => u.cac !== null));
  const windowText = r.window ? (r.window.first === r.window.last ? r.window.first : `${r.window.first} to ${r.window.last}`) : 'no period';
  const projectedLabel = `projected, ${input.projectedHorizonMonths ?? 12} months`;

  // --- CAC by channel over time ---------------------------------------------------------------
  const cacNarrative: string[] = [];
  cacNarrative.push(
    `From ${windowText}, ${fmt.money(r.blended.spend)} of spend brought ${fmt.integer(r.blended.new_customers)} new customers: a blended CAC of ${r.blended.cac === null ? NO_CUSTOMERS : fmt.moneyPrecise(r.blended.cac)} (all spend ÷ all new customers) and a paid CAC of ${r.paid.cac === null ? NO_CUSTOMERS : fmt.moneyPrecise(r.paid.cac)} (spend ÷ customers of the ${paid.length} ${paid.length === 1 ? 'channel' : 'channels'} with spend).`,
  );
  if (named.length >= 2) {
    const byCac = [...named].sort((a, b) => a.cac! - b.cac! || cmp(a.channel, b.channel));
    cacNarrative.push(
      `"${byCac[0].channel}" acquires customers most cheaply (${fmt.moneyPrecise(byCac[0].cac!)} each) and "${byCac[byCac.length - 1].channel}" most expensively (${fmt.moneyPrecise(byCac[byCac.length - 1].cac!)}).`,
    );
  }
  const trend = cacTrend(r);
  if (trend) {
    cacNarrative.push(
      `Over the last ${trend.n} complete ${periodWord}s (${trend.recent}), blended CAC was ${fmt.moneyPrecise(trend.now)}, ${Math.abs(trend.change) < 0.02 ? 'about the same as' : `${fmt.percent(Math.abs(trend.change))} ${trend.change > 0 ? 'higher than' : 'lower than'}`} in the ${trend.n} ${periodWord}s before (${fmt.moneyPrecise(trend.before)}).`,
    );
  }
  cacNarrative.push(`CAC = (marketing + sales spend of the channel in the ${periodWord}) ÷ customers it acquired in that ${periodWord}; a ${periodWord} with spend and no new customer shows "${NO_CUSTOMERS}" and is left out of the chart.`);
  const cacTableRows = r.rows.filter((x) => x.spend > 0 || x.new_customers > 0).map((x) => ({ channel: x.channel, period: x.period, spend: x.spend, new_customers: x.new_customers, cac: cacText(x) }));

  // --- LTV:CAC ------------------------------------------------------------------------------------
  const ltvNarrative: string[] = [];
  const ranked = namable(paid.filter((u) => u.ltv_cac_12m !== null)).sort((a, b) => b.ltv_cac_12m! - a.ltv_cac_12m! || cmp(a.channel, b.channel));
  const rankedProjected = namable(paid.filter((u) => u.ltv_cac_projected !== null)).sort((a, b) => b.ltv_cac_projected! - a.ltv_cac_projected! || cmp(a.channel, b.channel));
  if (ranked.length >= 2) {
    const best = ranked[0];
    const worst = ranked[ranked.length - 1];
    ltvNarrative.push(
      `Measured on the first 12 months${tag}, "${best.channel}" returns the most per unit of acquisition cost (LTV:CAC ${ratioText(best.ltv_cac_12m)}: ${fmt.moneyPrecise(best.ltv_12m!)} per customer against a CAC of ${fmt.moneyPrecise(best.cac!)}) and "${worst.channel}" the least (${ratioText(worst.ltv_cac_12m)}).`,
    );
    const above = ranked.filter((u) => u.ltv_cac_12m! >= LTV_CAC_REFERENCE).map((u) => `"${u.channel}"`);
    ltvNarrative.push(above.length === 0 ? `No channel reaches ${LTV_CAC_REFERENCE}:1 within 12 months.` : `${joinWords(above)} ${above.length === 1 ? 'reaches' : 'reach'} ${LTV_CAC_REFERENCE}:1 within 12 months.`);
  } else if (ranked.length === 1) {
    ltvNarrative.push(`"${ranked[0].channel}" has an LTV:CAC of ${ratioText(ranked[0].ltv_cac_12m)} on its first 12 months${tag}.`);
  } else {
    ltvNarrative.push('No paid channel has a cohort 12 months old in the CAC window yet, so the realized 12-month LTV:CAC cannot be computed.');
  }
  if (rankedProjected.length >= 2) {
    ltvNarrative.push(
      `On the projected ${valueWord} from the CLV models (the next ${input.projectedHorizonMonths ?? 12} months of the channel's customers), "${rankedProjected[0].channel}" leads (${ratioText(rankedProjected[0].ltv_cac_projected)}) and "${rankedProjected[rankedProjected.length - 1].channel}" trails (${ratioText(rankedProjected[rankedProjected.length - 1].ltv_cac_projected)}).`,
    );
  }
  ltvNarrative.push(
    `The dashed line marks ${LTV_CAC_REFERENCE}:1, a common rule of thumb: a customer should bring about three times what it cost to acquire, to pay for the acquisition, the cost of serving them and overheads. It is a convention, not a law: a young business may accept less to grow, and far above it may mean too little is spent on growth.`,
  );

  // --- Payback -------------------------------------------------------------------------------------
  const paybackNarrative: string[] = [];
  const withPayback = namable(paid.filter((u) => u.cac !== null));
  const paybackPhrase = (u: UnitEconomicsRow) =>
    u.payback_months !== null
      ? `${u.payback_months} ${u.payback_months === 1 ? 'month' : 'months'}`
      : u.curve_months > 0
        ? `not reached after ${u.curve_months} ${u.curve_months === 1 ? 'month' : 'months'}`
        : 'not measurable yet (no month after acquisition has passed)';
  if (withPayback.length > 0) {
    const sorted = [...withPayback].sort((a, b) => (a.payback_months ?? Infinity) - (b.payback_months ?? Infinity) || cmp(a.channel, b.channel));
    paybackNarrative.push(`Months until the cumulative ${valueWord} per acquired customer covers the channel's CAC: ${joinWords(sorted.map((u) => `"${u.channel}" ${paybackPhrase(u)}`))}.`);
    if (sorted.length >= 2 && sorted[0].payback_months !== null) {
      paybackNarrative.push(`"${sorted[0].channel}" pays back fastest; "${sorted[sorted.length - 1].channel}" slowest.`);
    }
  }
  if (revenue) paybackNarrative.push('No gross margin was given (--margin), so the curves are revenue, not profit: payback on profit takes longer.');
  paybackNarrative.push('Month 1 is the calendar month of the first order; each point averages the monthly cohorts old enough to have completed that month, weighted by size.');

  // --- Unit economics table --------------------------------------------------------------------------
  const unitRows = r.units.map((u) => ({
    channel: u.channel,
    new_customers: u.new_customers,
    spend: u.spend,
    cac: cacText(u),
    ltv_3m: u.ltv_3m,
    ltv_12m: u.ltv_12m,
    ltv_24m: u.ltv_24m,
    ltv_projected: u.ltv_projected,
    ltv_cac_12m: u.ltv_cac_12m === null ? null : ratioText(u.ltv_cac_12m),
    payback: u.has_spend ? (u.cac === null ? '–' : paybackPhrase(u)) : 'no spend',
    profit_clv: u.profit_clv,
  }));
  const assumptions = [
    revenue
      ? 'No gross margin was given (--margin or margins in the config): every LTV figure is revenue, not profit.'
      : `LTV figures are gross margin: ${joinWords([...new Set(r.units.map((u) => fmt.setting(u.margin)))])} of net revenue${new Set(r.units.map((u) => u.margin)).size > 1 ? ' depending on the channel' : ''}.`,
    `Acquisition channel: ${input.attributionLabel}. Channel names are matched after trimming and ignoring case.`,
    `The figures count the customers acquired from ${windowText}, the ${periodWord}s of the spend file (up to the as-of date).`,
    `Profit CLV = (yearly ${valueWord} − yearly cost to serve) × expected lifetime − CAC, with yearly ${valueWord} = the 12-month LTV, cost to serve ${joinWords([...new Set(r.units.map((u) => fmt.moneyPrecise(u.cost_to_serve)))])} a year per customer (from the config; 0 when not set) and expected lifetime = 1 ÷ (1 − share of customers still ordering in their second year) unless the config sets it. Channels without spend count no acquisition cost.`,
  ];
  const unitNarrative: string[] = [];
  const bestProfit = namable(paid.filter((u) => u.profit_clv !== null)).sort((a, b) => b.profit_clv! - a.profit_clv! || cmp(a.channel, b.channel));
  if (bestProfit.length >= 2) {
    unitNarrative.push(
      `After acquisition and serving costs, a customer from "${bestProfit[0].channel}" is worth ${fmt.moneyPrecise(bestProfit[0].profit_clv!)} over their expected lifetime and one from "${bestProfit[bestProfit.length - 1].channel}" ${fmt.moneyPrecise(bestProfit[bestProfit.length - 1].profit_clv!)}${tag}.`,
    );
  }
  if (r.unpaidChannels.length > 0) unitNarrative.push(`${joinWords(r.unpaidChannels.map((c) => `"${c}"`))} ${r.unpaidChannels.length === 1 ? 'has' : 'have'} no spend on record, so ${r.unpaidChannels.length === 1 ? 'it has' : 'they have'} LTV but no CAC.`);
  unitNarrative.push(`LTV figures are per acquired customer${tag}; empty cells are figures that cannot be computed yet, with the reason in the data-quality notes.`);

  const ltvCols: TableColumn[] = [
    { key: 'ltv_3m', label: `LTV 3 months${tag}`, kind: 'money2' },
    { key: 'ltv_12m', label: `LTV 12 months${tag}`, kind: 'money2' },
    { key: 'ltv_24m', label: `LTV 24 months${tag}`, kind: 'money2' },
    { key: 'ltv_projected', label: `LTV ${projectedLabel}${tag}`, kind: 'money2' },
  ];

  const sections: SectionDraft[] = [
    {
      id: 'cac-by-channel',
      title: 'CAC by channel',
      narrative: cacNarrative,
      cards: [
        { label: 'Blended CAC', value: r.blended.cac === null ? NO_CUSTOMERS : fmt.moneyPrecise(r.blended.cac), detail: 'all spend ÷ all new customers' },
        { label: 'Paid CAC', value: r.paid.cac === null ? NO_CUSTOMERS : fmt.moneyPrecise(r.paid.cac), detail: 'spend ÷ customers of paid channels' },
        { label: 'Spend', value: fmt.money(r.blended.spend), detail: `${windowText}${r.spendByType.sales > 0 ? `, ${fmt.money(r.spendByType.sales)} of it sales` : ''}` },
      ],
      chart: {
        spec: cacLinesSpec(r.rows.filter((x) => r.units.find((u) => u.channel === x.channel)?.has_spend), r.totals.filter((t) => t.channel === '(all channels)'), { period: r.period, currency }),
        caption: `CAC per ${periodWord} of each paid channel; the thick black line is the blended CAC.`,
      },
      table: {
        caption: `Spend, new customers and CAC per channel and ${periodWord}; data/cac_by_channel.csv also has the blended and paid CAC per ${periodWord}.`,
        columns: [
          { key: 'channel', label: 'Channel', kind: 'text' },
          { key: 'period', label: cap(periodWord), kind: 'text' },
          { key: 'spend', label: `Spend (${currency})`, kind: 'money' },
          { key: 'new_customers', label: 'New customers', kind: 'integer' },
          { key: 'cac', label: 'CAC', kind: 'text' },
        ],
        rows: cacTableRows,
      },
    },
    {
      id: 'spend-and-customers',
      title: 'Spend and new customers by channel',
      narrative: [
        paid.length === 0 ? 'No channel has spend in these periods.' : !(r.blended.spend > 0) ? 'Every spend amount in these periods is zero, so no channel has a share of the spend.' : `${joinWords(paid.slice().sort((a, b) => b.spend - a.spend || cmp(a.channel, b.channel)).slice(0, 3).map((u) => `"${u.channel}" took ${fmt.percent(r.blended.spend > 0 ? u.spend / r.blended.spend : null)} of the spend`))}${paid.length > 3 ? ' (the three largest)' : ''}.`,
        ...topAcquirers(r, fmt),
      ],
      chart: { spec: periodBarsSpec(r.rows, { period: r.period, measure: 'spend', currency, partial }), caption: `Spend per ${periodWord}, stacked by channel.${partialNote}` },
      extraCharts: [{ spec: periodBarsSpec(r.rows, { period: r.period, measure: 'new_customers', currency, partial }), caption: `New customers per ${periodWord}, stacked by acquisition channel (channels without spend included).${partialNote}` }],
    },
    {
      id: 'ltv-cac',
      title: 'LTV:CAC by channel',
      narrative: ltvNarrative,
      chart: {
        spec: ltvCacBarsSpec(paid, { reference: LTV_CAC_REFERENCE, projectedLabel }),
        caption: `LTV ÷ CAC per paid channel: realized over the first 12 months and projected by the CLV models${tag}. Dashed: the ${LTV_CAC_REFERENCE}:1 rule of thumb.`,
      },
    },
    {
      id: 'cac-payback',
      title: 'CAC payback',
      narrative: paybackNarrative,
      chart: {
        spec: paybackSpec(r.curves, r.units, { currency, valueLabel: valueWord }),
        caption: `Cumulative ${valueWord} per acquired customer by months since acquisition, drawn where at least 3 monthly cohorts contribute; the dashed line of the same colour is the channel's CAC. Payback is where a curve crosses its CAC.`,
      },
    },
    {
      id: 'unit-economics',
      title: 'Unit economics by channel',
      narrative: unitNarrative,
      bullets: assumptions,
      table: {
        caption: `Per acquisition channel, customers acquired from ${windowText}. LTV${tag}.`,
        columns: [
          { key: 'channel', label: 'Channel', kind: 'text' },
          { key: 'new_customers', label: 'New customers', kind: 'integer' },
          { key: 'spend', label: `Spend (${currency})`, kind: 'money' },
          { key: 'cac', label: 'CAC', kind: 'text' },
          ...ltvCols,
          { key: 'ltv_cac_12m', label: 'LTV:CAC, 12 months', kind: 'text' },
          { key: 'payback', label: 'CAC payback', kind: 'text' },
          { key: 'profit_clv', label: `Profit CLV${revenue ? ' (revenue basis)' : ''}`, kind: 'money2' },
        ],
        rows: unitRows,
        open: true,
        note: 'data/unit_economics.csv has every figure, including the 6-month LTV and the projected LTV:CAC.',
      },
    },
  ];

  // --- Data quality, definitions, files, manifest -----------------------------------------------------
  const bullets: string[] = [];
  if (r.spendOnlyChannels.length > 0) bullets.push(`Spend channels that acquired no customer from ${windowText}: ${r.spendOnlyChannels.map((c) => `"${c}"`).join(', ')} (their spend counts in blended CAC).`);
  if (r.unpaidChannels.length > 0) bullets.push(`Channels that acquired customers but have no spend in the spend file: ${r.unpaidChannels.map((c) => `"${c}"`).join(', ')} (no CAC; their customers count in blended CAC, not in paid CAC).`);
  if (r.outsideWindow > 0) bullets.push(`${fmt.integer(r.outsideWindow)} customers were acquired outside the ${periodWord}s of the spend file (${windowText}) and are left out of the CAC and unit-economics figures.`);
  if (r.lastPeriodIncomplete && r.window) bullets.push(`The last ${periodWord}, ${r.window.last}, is not over at the as-of date: its CAC counts the customers acquired so far against the ${periodWord}'s spend.`);
  bullets.push(...r.notes);

  const definitions = [
    { term: 'CAC', definition: `Customer acquisition cost of a channel in a ${periodWord}: its marketing + sales spend in the ${periodWord} ÷ the new customers it acquired in the ${periodWord}. "${NO_CUSTOMERS}" when there was spend but no new customer.` },
    { term: 'Blended CAC', definition: 'All spend ÷ all new customers, channels without spend included.' },
    { term: 'Paid CAC', definition: 'All spend ÷ new customers of the channels that have spend.' },
    { term: 'LTV at n months', definition: `Net revenue${revenue ? '' : ' × gross margin'} per acquired customer in the month of the first order and the n − 1 months after it, over the monthly cohorts old enough (size-weighted).${revenue ? ' Revenue, not profit: no margin was given.' : ''}` },
    { term: 'Projected LTV', definition: `Mean projected CLV (next ${input.projectedHorizonMonths ?? 12} months, discounted) of the channel's customers, from the Customer value section${revenue ? '; revenue, not profit' : ', at the channel margin'}.` },
    { term: 'LTV:CAC', definition: `LTV ÷ CAC of a channel. ${LTV_CAC_REFERENCE}:1 is a common rule of thumb for a healthy ratio, not a law.` },
    { term: 'CAC payback', definition: `Months until the cumulative ${valueWord} per acquired customer reaches the channel's CAC; "not reached after N months" when the data does not show it yet.` },
    { term: 'Profit CLV', definition: `(Yearly ${valueWord} − yearly cost to serve) × expected lifetime in years − CAC; yearly ${valueWord} = 12-month LTV; expected lifetime = 1 ÷ (1 − r), r = share of customers ordering in months 13–24 (or as set in the config).` },
  ];

  const csvRow = (x: { channel: string; period: string; spend: number; new_customers: number; cac: number | null }) => ({ channel: x.channel, period: x.period, spend: x.spend, new_customers: x.new_customers, cac: x.cac });
  const files = [
    { name: 'cac_by_channel.csv', columns: CAC_BY_CHANNEL_COLUMNS, rows: [...r.rows, ...r.totals].map(csvRow) },
    { name: 'unit_economics.csv', columns: UNIT_ECONOMICS_COLUMNS, rows: r.units.map((u) => Object.fromEntries(UNIT_ECONOMICS_COLUMNS.map((c) => [c, u[c]]))) },
  ];
  const manifest = {
    period: r.period,
    window: r.window ? { first: r.window.first, last: r.window.last } : null,
    basis: r.basis,
    attribution: input.attributionLabel,
    ltv_months: [...LTV_MONTHS],
    ltv_cac_reference: LTV_CAC_REFERENCE,
    blended: r.blended,
    paid: r.paid,
    spend_by_cost_type: r.spendByType,
    channels: r.units.map((u) => ({
      channel: u.channel,
      has_spend: u.has_spend,
      margin: u.margin,
      cost_to_serve: u.cost_to_serve,
      second_year_retention: u.second_year_retention,
      expected_lifetime_years: u.expected_lifetime_years,
      profit_clv: u.profit_clv,
    })),
    spend_only_channels: r.spendOnlyChannels,
    channels_without_spend: r.unpaidChannels,
    customers_outside_window: r.outsideWindow,
    notes: r.notes,
  };
  // For the Summary: which paid channels have paid back their acquisition cost, and which have not.
  const summary: SummaryEntry[] = [];
  if (withPayback.length > 0) {
    const back = [...withPayback].filter((u) => u.payback_months !== null).sort((a, b) => a.payback_months! - b.payback_months! || cmp(a.channel, b.channel));
    const notYet = withPayback.filter((u) => u.payback_months === null).sort((a, b) => cmp(a.channel, b.channel));
    const list = (us: UnitEconomicsRow[]) => joinWords(us.map((u) => `"${u.channel}"`));
    const sentence = [
      back.length > 0 ? `${list(back)} ${back.length === 1 ? 'pays' : 'pay'} back ${back.length === 1 ? 'its' : 'their'} acquisition cost ${back.length === 1 ? `in ${paybackPhrase(back[0])}` : `within ${paybackPhrase(back[0])} ("${back[0].channel}") to ${paybackPhrase(back[back.length - 1])} ("${back[back.length - 1].channel}")`}` : '',
      notYet.length > 0 ? `${list(notYet)} ${notYet.length === 1 ? 'has' : 'have'} not paid back yet (${joinWords(notYet.map((u) => (u.curve_months > 0 ? `${u.curve_months} ${u.curve_months === 1 ? 'month' : 'months'} of data` : 'no month of data yet')))}): ${notYet.length === 1 ? 'its customers have' : 'their customers have'} brought less ${valueWord} than ${notYet.length === 1 ? 'it' : 'they'} cost to acquire` : '',
    ].filter((x) => x !== '');
    summary.push({
      topic: 'channels',
      section: 'cac-payback',
      sentence: `${sentence.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
      card: { label: 'Paid channels paying back', value: `${back.length} of ${withPayback.length}`, detail: back.length > 0 ? `fastest: ${back[0].channel}, ${paybackPhrase(back[0])}` : (() => {
        const most = Math.max(...withPayback.map((u) => u.curve_months));
        return most > 0 ? `none after ${most} ${most === 1 ? 'month' : 'months'}` : 'none yet: no month after acquisition has passed';
      })() },
    });
  }
  return { sections, definitions, bullets, files, manifest, summary };
}

/** The channels large enough to name as best or worst; all of them when fewer than two are. */
function namable(units: UnitEconomicsRow[]): UnitEconomicsRow[] {
  const large = units.filter((u) => u.new_customers >= MIN_NAMED_CHANNEL);
  return large.length >= 2 ? large : units;
}

/** Blended CAC of the latest n complete periods against the n before. */
function cacTrend(r: CacResult): { n: number; now: number; before: number; change: number; recent: string } | null {
  const n = r.period === 'month' ? 3 : 2;
  const all = r.totals.filter((t) => t.channel === '(all channels)');
  const complete = r.lastPeriodIncomplete ? all.slice(0, -1) : all;
  if (complete.length < 2 * n) return null;
  const recent = complete.slice(-n);
  const prior = complete.slice(-2 * n, -n);
  const cacOf = (rows: typeof all) => {
    const spend = rows.reduce((s, x) => s + x.spend, 0);
    const customers = rows.reduce((s, x) => s + x.new_customers, 0);
    return customers > 0 ? spend / customers : null;
  };
  const now = cacOf(recent);
  const before = cacOf(prior);
  if (now === null || before === null || before === 0) return null;
  return { n, now, before, change: now / before - 1, recent: `${recent[0].period} to ${recent[recent.length - 1].period}` };
}

function topAcquirers(r: CacResult, fmt: Formatters): string[] {
  const total = r.units.reduce((s, u) => s + u.new_customers, 0);
  if (total === 0) return ['No new customers were acquired in these periods.'];
  const top = [...r.units].sort((a, b) => b.new_customers - a.new_customers || cmp(a.channel, b.channel)).slice(0, 3);
  return [`By new customers, ${joinWords(top.map((u) => `"${u.channel}" brought ${fmt.percent(u.new_customers / total)}`))} of the ${fmt.integer(total)}.`];
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
