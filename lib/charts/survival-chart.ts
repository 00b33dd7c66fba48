import type { PeriodUnit } from '../engine/periods.ts';
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/**
 * Share of customers still retained k periods after their first (contractual
 * mode): the pooled observed share (all cohorts) as points, the fitted sBG as a
 * line, dashed where it projects beyond the observed periods.
 */
export function survivalSpec(rows: { k: number; observed: number | null; model: number; projected: boolean }[], options: { period: PeriodUnit }) {
  const values = rows.flatMap((r) => [
    ...(r.observed !== null ? [{ k: r.k, share: r.observed, series: 'Observed' }] : []),
    { k: r.k, share: r.model, series: r.projected ? 'sBG projection' : 'sBG fit' },
  ]);
  // The projection starts where the fit ends, so the two lines join.
  const lastFitted = rows.filter((r) => !r.projected).at(-1);
  if (lastFitted && rows.some((r) => r.projected)) values.push({ k: lastFitted.k, share: lastFitted.model, series: 'sBG projection' });
  const unit = options.period;
  return {
    $schema: SCHEMA,
    description: `Share of customers still ordering every ${unit} since their first, by ${unit}s since the first order: observed, fitted by the shifted-beta-geometric model, and projected.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    encoding: {
      x: { field: 'k', type: 'quantitative', title: `${unit[0].toUpperCase()}${unit.slice(1)}s since the first order`, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'share', type: 'quantitative', title: 'Share still retained', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: ['Observed', 'sBG fit', 'sBG projection'], range: ['#0072B2', '#E69F00', '#D55E00'] },
        legend: { orient: 'top-right' },
      },
      tooltip: [
        { field: 'series', title: 'Series' },
        { field: 'k', title: `${unit[0].toUpperCase()}${unit.slice(1)}s since first` },
        { field: 'share', title: 'Share retained', format: '.1%' },
      ],
    },
    layer: [
      { transform: [{ filter: "datum.series === 'sBG fit'" }], mark: { type: 'line', strokeWidth: 2 } },
      { transform: [{ filter: "datum.series === 'sBG projection'" }], mark: { type: 'line', strokeWidth: 2, strokeDash: [6, 4] } },
      // Observed shares on top, as points, so the fitted line does not hide them.
      { transform: [{ filter: "datum.series === 'Observed'" }], mark: { type: 'point', filled: true, size: 40, opacity: 1 } },
    ],
  };
}
