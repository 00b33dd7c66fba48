/**
 * Vega-Lite specs of the CAC sections (pure: figures in, specs out; rendered
 * to SVG by lib/charts/render-svg.ts). Channel names come from user data:
 * they only ever appear as data values, which Vega writes as escaped text.
 */
import { formatIsoDate, periodStart } from '../engine/periods.ts';
import type { CacPeriod, CacPeriodRow, CurvePoint, UnitEconomicsRow } from '../cac/unit-economics.ts';
import { MIN_AVERAGE_COHORTS } from './cohort-lines.ts';
import { categoryScale } from './colors.ts';
import { AVERAGE_COLOR, CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

const timeUnitOf = (period: CacPeriod) => (period === 'quarter' ? 'utcyearquarter' : 'utcyearmonth');
const periodTitle = (period: CacPeriod) => (period === 'quarter' ? 'Quarter' : 'Month');

/** Channels keep one colour across the report (lib/charts/colors.ts), shared with a segment column named `channel`. */
const channelScale = (channels: string[]) => categoryScale('channel', channels);

/** CAC per period, one line per paid channel, plus the blended CAC (thick black). */
export function cacLinesSpec(rows: CacPeriodRow[], blended: CacPeriodRow[], options: { period: CacPeriod; currency: string }) {
  const point = (r: CacPeriodRow, channel: string) => ({
    channel,
    period: r.period,
    start: formatIsoDate(periodStart(options.period, r.period_index)),
    cac: r.cac,
    spend: r.spend,
    new_customers: r.new_customers,
  });
  const values = rows.filter((r) => r.cac !== null).map((r) => point(r, r.channel));
  const total = blended.filter((r) => r.cac !== null).map((r) => point(r, 'blended'));
  const channels = [...new Set(values.map((v) => v.channel))].sort();
  const x = { field: 'start', type: 'temporal', timeUnit: timeUnitOf(options.period), title: periodTitle(options.period) };
  const tooltip = [
    { field: 'channel', title: 'Channel' },
    { field: 'period', title: periodTitle(options.period) },
    { field: 'cac', title: 'CAC', format: ',.2f' },
    { field: 'spend', title: 'Spend', format: ',.0f' },
    { field: 'new_customers', title: 'New customers', format: ',' },
  ];
  return {
    $schema: SCHEMA,
    description: `CAC per ${options.period} of ${channels.length} paid channels and the blended CAC (all spend ÷ all new customers).`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.5, point: { size: 14, filled: true } },
        encoding: {
          x,
          y: { field: 'cac', type: 'quantitative', title: `CAC (${options.currency} per new customer)`, axis: { format: ',.0f' } },
          color: { field: 'channel', type: 'nominal', title: 'Channel', scale: channelScale(channels), legend: { labelLimit: 240 } },
          tooltip,
        },
      },
      {
        data: { values: total },
        mark: { type: 'line', strokeWidth: 3, color: AVERAGE_COLOR },
        encoding: { x, y: { field: 'cac', type: 'quantitative' }, tooltip },
      },
    ],
  };
}

/** Bars per period stacked by channel, of spend or of new customers. */
export function periodBarsSpec(rows: CacPeriodRow[], options: { period: CacPeriod; measure: 'spend' | 'new_customers'; currency: string; partial?: string }) {
  const values = rows
    .filter((r) => r[options.measure] > 0)
    .map((r) => ({ channel: r.channel, period: r.period, start: formatIsoDate(periodStart(options.period, r.period_index)), value: r[options.measure], partial: r.period === options.partial }));
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const title = options.measure === 'spend' ? `Spend (${options.currency})` : 'New customers';
  return {
    $schema: SCHEMA,
    description: `${title} per ${options.period}, stacked by channel (${channels.length} channels).`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: Math.round(CHART_HEIGHT * 0.8),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'start', type: 'temporal', timeUnit: timeUnitOf(options.period), title: periodTitle(options.period), bandPosition: 0 },
      // Whole ticks only (a count of 1 would otherwise get ticks 0.2, 0.4… shown as 0 0 1 1).
      y: { field: 'value', type: 'quantitative', title, stack: 'zero', axis: { format: ',.0f', tickMinStep: 1 } },
      color: { field: 'channel', type: 'nominal', title: 'Channel', scale: channelScale(channels), legend: { labelLimit: 240 } },
      order: { field: 'channel' },
      // The period not over at the as-of date is drawn faint: its bars are short because it is partial, not because of a drop.
      opacity: { condition: { test: 'datum.partial', value: 0.35 }, value: 1 },
      tooltip: [
        { field: 'channel', title: 'Channel' },
        { field: 'period', title: periodTitle(options.period) },
        { field: 'value', title, format: ',.0f' },
        { field: 'partial', title: 'Not over at the as-of date' },
      ],
    },
  };
}

/** LTV:CAC per paid channel (realized 12 months and projected), with the 3:1 rule of thumb. */
export function ltvCacBarsSpec(units: UnitEconomicsRow[], options: { reference: number; projectedLabel: string }) {
  const values = units.flatMap((u) => [
    ...(u.ltv_cac_12m !== null ? [{ channel: u.channel, measure: 'realized, 12 months', ratio: u.ltv_cac_12m }] : []),
    ...(u.ltv_cac_projected !== null ? [{ channel: u.channel, measure: options.projectedLabel, ratio: u.ltv_cac_projected }] : []),
  ]);
  const channels = [...new Set(values.map((v) => v.channel))];
  const measures = [...new Set(values.map((v) => v.measure))];
  return {
    $schema: SCHEMA,
    description: `LTV:CAC of ${channels.length} channels, with the 3:1 rule of thumb as a dashed line.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: Math.max(120, channels.length * measures.length * 22 + 40),
    layer: [
      {
        data: { values },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'channel', type: 'nominal', title: null, sort: channels, axis: { labelLimit: 200 } },
          yOffset: { field: 'measure', type: 'nominal', sort: measures },
          x: { field: 'ratio', type: 'quantitative', title: 'LTV ÷ CAC', axis: { format: '.1f' } },
          color: { field: 'measure', type: 'nominal', title: 'LTV', scale: { domain: measures, range: ['#0072B2', '#E69F00'] }, legend: { labelLimit: 240, orient: 'bottom' } },
          tooltip: [
            { field: 'channel', title: 'Channel' },
            { field: 'measure', title: 'LTV' },
            { field: 'ratio', title: 'LTV:CAC', format: '.2f' },
          ],
        },
      },
      {
        data: { values: [{ ratio: options.reference, label: `${options.reference}:1 rule of thumb` }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: AVERAGE_COLOR, strokeWidth: 1.5 },
        encoding: { x: { field: 'ratio', type: 'quantitative' }, tooltip: [{ field: 'label', title: 'Reference' }] },
      },
    ],
  };
}

/** Cumulative margin per acquired customer by months since acquisition, one line per channel, each channel's CAC as a dashed rule. */
export function paybackSpec(curves: CurvePoint[], units: UnitEconomicsRow[], options: { currency: string; valueLabel: string }) {
  // Like the cohort average curves, a point is drawn where at least 3 cohorts contribute (fewer when the channel has fewer):
  // the tail of a curve rests on one or two cohorts and is noise. The CSV and the payback figures use every point.
  const most = new Map<string, number>();
  for (const c of curves) most.set(c.channel, Math.max(most.get(c.channel) ?? 0, c.cohorts));
  const drawn = curves.filter((c) => c.cohorts >= Math.min(MIN_AVERAGE_COHORTS, most.get(c.channel) ?? 0));
  const channels = [...new Set(curves.map((c) => c.channel))].sort();
  const rules = units.filter((u) => u.cac !== null && channels.includes(u.channel)).map((u) => ({ channel: u.channel, cac: u.cac }));
  const color = { field: 'channel', type: 'nominal', title: 'Channel', scale: channelScale(channels), legend: { labelLimit: 240 } };
  return {
    $schema: SCHEMA,
    description: `Cumulative ${options.valueLabel} per acquired customer by months since acquisition for ${channels.length} channels; dashed lines are each channel's CAC.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values: drawn.map((c) => ({ channel: c.channel, months: c.months, value: c.value, cohorts: c.cohorts, customers: c.customers })) },
        mark: { type: 'line', strokeWidth: 2, point: { size: 14, filled: true } },
        encoding: {
          x: { field: 'months', type: 'quantitative', title: 'Months since acquisition (1 = the month of the first order)', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: `Cumulative ${options.valueLabel} per customer (${options.currency})`, axis: { format: ',.0f' } },
          color,
          tooltip: [
            { field: 'channel', title: 'Channel' },
            { field: 'months', title: 'Months' },
            { field: 'value', title: options.valueLabel, format: ',.2f' },
            { field: 'cohorts', title: 'Cohorts' },
            { field: 'customers', title: 'Customers', format: ',' },
          ],
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: {
          y: { field: 'cac', type: 'quantitative' },
          color,
          tooltip: [
            { field: 'channel', title: 'Channel' },
            { field: 'cac', title: 'CAC', format: ',.2f' },
          ],
        },
      },
    ],
  };
}
