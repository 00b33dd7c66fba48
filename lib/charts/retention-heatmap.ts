import type { RetentionCell } from '../cohorts/retention.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { CHART_CONFIG, SCHEMA } from './theme.ts';

/**
 * The retention triangle as a heatmap: one row per cohort, one column per
 * period offset, colour = share of the cohort active in that period (or, with
 * `measure: 'revenue_retention_rate'`, the cohort's revenue in that period as
 * a share of its first period's revenue). Offset 0 (100% by definition) is
 * drawn in neutral grey so that the colour scale spreads over the informative
 * offsets; incomplete cells are faded.
 */
export function retentionHeatmapSpec(cells: RetentionCell[], options: { period: PeriodUnit; measure?: 'retention_rate' | 'revenue_retention_rate' }) {
  const revenue = options.measure === 'revenue_retention_rate';
  const offsets = new Set(cells.map((c) => c.period_offset)).size;
  const cohorts = new Set(cells.map((c) => c.cohort)).size;
  const showText = offsets <= 24 && cohorts <= 40;
  // Cells wide enough for a "100%" label when values are written in them.
  const cell = Math.max(showText ? 30 : 10, Math.min(28, Math.floor(700 / Math.max(offsets, 1))));
  const values = cells
    .filter((c) => !revenue || c.revenue_retention_rate !== null)
    .map((c) => ({
      cohort: c.cohort,
      period_offset: c.period_offset,
      retention_rate: revenue ? (c.revenue_retention_rate as number) : c.retention_rate,
      cohort_customers: c.cohort_customers,
      active_customers: c.active_customers,
      ...(revenue ? { revenue: c.revenue } : {}),
      status: c.complete ? 'complete' : 'incomplete (period not over at the as-of date)',
      label: revenue
        ? `Cohort ${c.cohort}, ${options.period} ${c.period_offset}: revenue ${((c.revenue_retention_rate as number) * 100).toFixed(1)}% of the first ${options.period}'s${c.complete ? '' : ', period not over yet'}`
        : `Cohort ${c.cohort}, ${options.period} ${c.period_offset}: ${(c.retention_rate * 100).toFixed(1)}% active (${c.active_customers} of ${c.cohort_customers})${c.complete ? '' : ', period not over yet'}`,
    }));
  const tooltip = [
    { field: 'cohort', title: 'Cohort' },
    { field: 'period_offset', title: `${cap(options.period)}s since first order` },
    ...(revenue
      ? [
          { field: 'retention_rate', title: `Revenue (share of the first ${options.period})`, format: '.1%' },
          { field: 'revenue', title: 'Net revenue', format: ',.2f' },
        ]
      : [
          { field: 'retention_rate', title: 'Active customers (share)', format: '.1%' },
          { field: 'active_customers', title: 'Active customers', format: ',' },
        ]),
    { field: 'cohort_customers', title: 'Cohort size', format: ',' },
    { field: 'status', title: 'Cell' },
  ];
  const x = {
    field: 'period_offset',
    type: 'ordinal',
    title: `${cap(options.period)}s since first order`,
    axis: { labelAngle: 0, labelOverlap: 'greedy', orient: 'top' },
  };
  const y = { field: 'cohort', type: 'ordinal', title: 'Cohort (first order)', sort: 'ascending', axis: { labelOverlap: 'greedy' } };
  const layers: unknown[] = [
    {
      transform: [{ filter: 'datum.period_offset === 0' }],
      mark: { type: 'rect', fill: '#d0d0d0' },
      encoding: { x, y, tooltip, description: { field: 'label' } },
    },
    {
      transform: [{ filter: 'datum.period_offset > 0' }],
      mark: { type: 'rect' },
      encoding: {
        x,
        y,
        color: {
          field: 'retention_rate',
          type: 'quantitative',
          title: revenue ? 'Revenue share' : 'Active share',
          // Without a cell after the first period the domain would end at NaN.
          scale: { scheme: 'blues', domainMin: 0, ...(values.some((v) => v.period_offset > 0) ? {} : { domainMax: 1 }) },
          legend: { format: '.0%', orient: 'right', gradientLength: 160 },
        },
        opacity: { condition: { test: "datum.status !== 'complete'", value: 0.4 }, value: 1 },
        tooltip,
        description: { field: 'label' },
      },
    },
  ];
  if (showText) {
    layers.push({
      mark: { type: 'text', fontSize: Math.min(10, cell / 2.6) },
      encoding: {
        x,
        y,
        text: { field: 'retention_rate', type: 'quantitative', format: '.0%' },
        color: { condition: { test: 'datum.retention_rate > 0.5 && datum.period_offset > 0', value: 'white' }, value: 'black' },
      },
    });
  }
  return {
    $schema: SCHEMA,
    description: revenue
      ? `Heatmap of revenue retention: ${cohorts} cohorts by ${offsets} ${options.period}s since first order; darker cells keep more of their first ${options.period}'s revenue.`
      : `Heatmap of customer retention: ${cohorts} cohorts by ${offsets} ${options.period}s since first order; darker cells retain more customers.`,
    config: CHART_CONFIG,
    width: { step: cell },
    height: { step: Math.max(10, Math.min(22, Math.floor(640 / Math.max(cohorts, 1)))) },
    data: { values },
    layer: layers,
  };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
