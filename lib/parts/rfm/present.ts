/**
 * The RFM part, presenting half (pure): the RFM segments and the Win back
 * list as sections, with rfm_segments.csv (the large per-customer files were
 * written by compute.ts) and the manifest's rfm entry.
 */
import { rfmGridSpec, winBackBarsSpec } from '../../charts/rfm-charts.ts';
import { RFM_DEFINITIONS, RFM_RULES, type RfmSegmentRow } from '../../segments/rfm.ts';
import { LAPSED_DAYS, LAPSED_GAPS } from '../../segments/win-back.ts';
import type { Formatters } from '../../report/format.ts';
import type { SectionDraft } from '../../report/section.ts';
import type { PartOutput, SummaryEntry } from '../part.ts';
import { RFM_SEGMENTS_COLUMNS, WIN_BACK_SHOWN, type RfmFigures } from './compute.ts';

function joinWords(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function presentRfm(f: RfmFigures, { fmt, currency }: { fmt: Formatters; currency: string }): PartOutput {
  const { segments, cells, pAlive, clv, wb, bySegment, byChannel, top } = f;
  const args = { winBack: f.winBack };
  const total = segments.reduce((s, r) => s + r.customers, 0);
  const present = segments.filter((s) => s.customers > 0);
  const biggest = [...present].sort((a, b) => b.customers - a.customers || a.rfm_segment.localeCompare(b.rfm_segment))[0];
  const richest = f.money ? [...present].sort((a, b) => b.revenue - a.revenue || a.rfm_segment.localeCompare(b.rfm_segment))[0] : undefined;
  const narrative: string[] = [];
  if (biggest) {
    const biggestText = `The ${fmt.integer(total)} customers fall into ${present.length} of the ${segments.length} RFM segments. The biggest is ${biggest.rfm_segment} (${fmt.integer(biggest.customers)} customers, ${fmt.percent(biggest.customer_share)})`;
    narrative.push(
      richest
        ? `${biggestText}; the most valuable is ${richest.rfm_segment}, with ${fmt.percent(richest.revenue_share)} of net revenue from ${fmt.percent(richest.customer_share)} of customers (${fmt.moneyPrecise(richest.mean_revenue)} per customer).`
        : `${biggestText}. The orders have no amounts, so every customer has the same monetary score (M = 1) and the segments rest on recency and frequency alone.`,
    );
    const champions = segments.find((s) => s.rfm_segment === 'Champions');
    if (richest && champions && champions.customers > 0 && champions !== richest) {
      narrative.push(`Champions are ${fmt.percent(champions.customer_share)} of customers and bring ${fmt.percent(champions.revenue_share)} of net revenue.`);
    }
    if (pAlive) {
      const withP = present.filter((s) => s.mean_p_alive !== null);
      const hi = [...withP].sort((a, b) => (b.mean_p_alive ?? 0) - (a.mean_p_alive ?? 0))[0];
      const lo = [...withP].sort((a, b) => (a.mean_p_alive ?? 0) - (b.mean_p_alive ?? 0))[0];
      if (hi && lo && hi !== lo) {
        const oneDay = hi.mean_f === 1 && hi.mean_p_alive === 1 && f.pAliveCaveat ? ` (${f.pAliveCaveat.replace(/\.$/, '')})` : '';
        narrative.push(`By the purchase model, the mean probability of still being active runs from ${fmt.percent(lo.mean_p_alive)} in ${lo.rfm_segment} to ${fmt.percent(hi.mean_p_alive)} in ${hi.rfm_segment}${oneDay}.`);
      }
    } else {
      narrative.push('The CLV models did not run (or gave no P(alive)), so the table has no P(alive) or projected CLV per segment.');
    }
  } else {
    narrative.push('There are no customers to segment.');
  }
  const rfmSection: SectionDraft = {
    id: 'rfm-segments',
    title: 'RFM segments',
    narrative,
    cards: [
      ...(biggest ? [{ label: 'Biggest segment', value: biggest.rfm_segment, detail: `${fmt.integer(biggest.customers)} customers` }] : []),
      ...(richest ? [{ label: 'Most valuable segment', value: richest.rfm_segment, detail: `${fmt.percent(richest.revenue_share)} of net revenue` }] : []),
    ],
    chart: cells.length > 0 ? { spec: rfmGridSpec(cells, { currency }), caption: 'Customers by recency score (R) and frequency score (F); each cell belongs to one segment (hover for its name), except where M splits At risk from Can\'t lose them.' } : undefined,
    table: {
      caption: 'RFM segments',
      columns: [
        { key: 'rfm_segment', label: 'Segment', kind: 'text' },
        { key: 'customers', label: 'Customers', kind: 'integer' },
        { key: 'customer_share', label: 'Share of customers', kind: 'percent' },
        ...(f.money
          ? [
              { key: 'revenue_share', label: 'Share of net revenue', kind: 'percent' as const },
              { key: 'mean_revenue', label: 'Mean net revenue', kind: 'money2' as const },
            ]
          : []),
        ...(pAlive ? [{ key: 'mean_p_alive', label: 'Mean P(alive)', kind: 'percent' as const }] : []),
        ...(clv ? [{ key: 'mean_clv', label: 'Mean projected CLV', kind: 'money2' as const }] : []),
        { key: 'rule', label: 'Rule', kind: 'text' },
      ],
      rows: segments as unknown as Record<string, unknown>[],
      note: 'Per-segment figures in data/rfm_segments.csv; each customer\'s scores and segment in data/rfm_customers.csv.',
      csvName: 'rfm_segments.csv',
    },
    definitions: RFM_DEFINITIONS,
  };

  // "Value at stake" weighs past revenue; what the business stands to lose is the projected value lost (with CLV).
  const measure = wb.rule === 'p-alive' ? 'Past revenue × (1 − P(alive))' : 'Historical net revenue';
  const highRule = `net revenue above ${fmt.moneyPrecise(wb.revenueThreshold)} (the top ${fmt.setting(args.winBack.topShare)} of customers by net revenue)`;
  const wbNarrative: string[] = [];
  if (wb.rule === 'p-alive') {
    wbNarrative.push(
      `Of the ${fmt.integer(wb.highValue)} high-value customers, with ${highRule}, ${fmt.integer(wb.customers)} have a probability of still being active below ${fmt.setting(args.winBack.pAliveBelow)}.${wb.valueLost !== null ? ` Had they stayed, they would bring ${fmt.money(wb.valueLost)} more over the CLV horizon than the model now expects from them: the projected value lost (each one's CLV if still active minus their CLV).` : ''} Their past net revenue weighted by the chance they are gone, net revenue × (1 − P(alive)), adds up to ${fmt.money(wb.valueAtStake)} (the value at stake column; it is past money, not future).`,
    );
  } else {
    wbNarrative.push(
      `The CLV models gave no P(alive) for this report, so the list uses a plain rule: of the ${fmt.integer(wb.highValue)} high-value customers, with ${highRule}, ${fmt.integer(wb.customers)} have not bought for more than ${LAPSED_DAYS} days or for more than ${LAPSED_GAPS} × their own mean gap between purchase days. Their net revenue, the value at stake here, adds up to ${fmt.money(wb.valueAtStake)}.`,
    );
  }
  if (bySegment.length > 0) {
    const s = bySegment[0];
    wbNarrative.push(`Most of it sits in ${s.group}: ${fmt.integer(s.customers)} customers, ${fmt.money(s.value_at_stake)} (${fmt.percent(wb.valueAtStake !== 0 ? s.value_at_stake / wb.valueAtStake : null)}).`);
  }
  if (byChannel.length > 0) {
    const c = byChannel[0];
    wbNarrative.push(`By acquisition channel, "${c.group}" has the most at stake: ${fmt.integer(c.customers)} customers, ${fmt.money(c.value_at_stake)}.`);
  }
  if (wb.hasClv && wb.customers > 0) wbNarrative.push('The CLV column is the projected value as the model sees the customer now, not the value if won back.');
  const winBackSection: SectionDraft = {
    id: 'win-back',
    title: 'Win back',
    narrative: wbNarrative,
    cards: [
      { label: 'Customers to win back', value: fmt.integer(wb.customers), detail: `of ${fmt.integer(wb.highValue)} high-value customers` },
      ...(wb.valueLost !== null ? [{ label: 'Projected value lost', value: fmt.money(wb.valueLost), detail: 'CLV if still active − CLV, over the horizon' }] : []),
      { label: wb.rule === 'p-alive' ? 'Value at stake (past)' : measure, value: fmt.money(wb.valueAtStake), detail: wb.rule === 'p-alive' ? 'net revenue × (1 − P(alive))' : 'net revenue of lapsed customers' },
    ],
    chart: bySegment.length > 0 ? { spec: winBackBarsSpec(bySegment, { currency, measure }), caption: `${measure} on the win-back list per RFM segment.` } : undefined,
    table: {
      caption: `Top ${fmt.integer(Math.min(WIN_BACK_SHOWN, wb.customers))} customers to win back, by ${measure.toLowerCase()}`,
      columns: [
        { key: 'rank', label: 'Rank', kind: 'integer' },
        { key: 'customer_id', label: 'Customer', kind: 'text' },
        { key: 'rfm_segment', label: 'Segment', kind: 'text' },
        { key: 'acquisition_channel', label: 'Channel', kind: 'text' },
        { key: 'last_order_date', label: 'Last order', kind: 'text' },
        { key: 'orders', label: 'Orders', kind: 'integer' },
        { key: 'revenue', label: 'Net revenue', kind: 'money2' },
        ...(wb.rule === 'p-alive' ? [{ key: 'p_alive', label: 'P(alive)', kind: 'percent' as const }] : [{ key: 'days_since_last', label: 'Days since last order', kind: 'integer' as const }]),
        { key: 'value_at_stake', label: measure, kind: 'money2' },
        ...(wb.hasClv ? [{ key: 'clv', label: 'Projected CLV', kind: 'money2' as const }] : []),
        ...(wb.valueLost !== null ? [{ key: 'projected_value_lost', label: 'Projected value lost', kind: 'money2' as const }] : []),
      ],
      rows: top,
      note: `The whole list is in data/win_back.csv.${byChannel.length > 0 ? ` Per channel: ${joinWords(byChannel.slice(0, 6).map((c) => `${c.group} ${fmt.integer(c.customers)} (${fmt.money(c.value_at_stake)})`))}${byChannel.length > 6 ? ' and more' : ''}.` : ''}`,
      csvName: 'win_back_top.csv',
    },
    bullets: bySegment.map((s) => `${s.group}: ${fmt.integer(s.customers)} customers, ${fmt.money(s.value_at_stake)} ${measure.toLowerCase()}.`),
    definitions: [
      { term: 'High-value customer', definition: `Net revenue above the value at rank ceil((1 − ${args.winBack.topShare}) × n) of all n customers' net revenues sorted ascending (the top ${fmt.setting(args.winBack.topShare)}; equal revenues are all in or all out), and above 0. Set the share with clv.win_back.top_share or --win-back-top-share.` },
      {
        term: 'Win-back list',
        definition: `With the purchase model: high-value customers whose P(alive) is below ${args.winBack.pAliveBelow} (clv.win_back.p_alive or --win-back-p-alive), ranked by value at stake = net revenue × (1 − P(alive)), then customer id. Projected value lost = CLV ÷ P(alive) − CLV: the value over the CLV horizon of the customer if still active (the purchase models expect P(alive) × an active customer's purchases) minus the model's expectation. Without it (--no-clv, no model identified, or contractual): high-value customers with no purchase for more than ${LAPSED_DAYS} days, or (repeat buyers) for more than ${LAPSED_GAPS} × their mean gap between purchase days, ranked by net revenue.`,
      },
    ],
  };

  const risk: SummaryEntry[] =
    wb.customers === 0
      ? []
      : [
          {
            topic: 'risk',
            section: 'win-back',
            sentence:
              wb.valueLost !== null
                ? `${fmt.integer(wb.customers)} of the ${fmt.integer(wb.highValue)} high-value customers (top ${fmt.setting(args.winBack.topShare)} by net revenue) are probably gone (P(alive) below ${fmt.setting(args.winBack.pAliveBelow)}): winning them back is worth up to ${fmt.money(wb.valueLost)} over the CLV horizon, the projected value lost.`
                : `${fmt.integer(wb.customers)} of the ${fmt.integer(wb.highValue)} high-value customers (top ${fmt.setting(args.winBack.topShare)} by net revenue) have lapsed; they brought ${fmt.money(wb.valueAtStake)} of net revenue so far.`,
            card:
              wb.valueLost !== null
                ? { label: 'Projected value lost', value: fmt.money(wb.valueLost), detail: `${fmt.integer(wb.customers)} high-value customers probably gone` }
                : { label: 'High-value customers lapsed', value: fmt.integer(wb.customers), detail: `of ${fmt.integer(wb.highValue)}` },
          },
        ];
  return {
    summary: risk,
    sections: [rfmSection, winBackSection],
    files: [{ name: 'rfm_segments.csv', columns: RFM_SEGMENTS_COLUMNS, rows: segments as unknown as Record<string, unknown>[] }, ...f.files],
    manifest: {
      rfm: {
        segments: Object.fromEntries(segments.map((s: RfmSegmentRow) => [s.rfm_segment, s.customers])),
        rules: RFM_RULES.map((r) => ({ segment: r.segment, rule: r.rule })),
        win_back: { rule: wb.rule, p_alive_below: args.winBack.pAliveBelow, top_share: args.winBack.topShare, revenue_threshold: wb.revenueThreshold, high_value: wb.highValue, customers: wb.customers, value_at_stake: wb.valueAtStake, projected_value_lost: wb.valueLost },
      },
    },
  };
}
