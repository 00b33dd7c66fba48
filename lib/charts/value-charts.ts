import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** Histogram of projected CLV: customers per value band (the last band collects the top 1%). */
export function clvHistogramSpec(bins: { start: number; end: number; customers: number; last: boolean }[], options: { currency: string }) {
  const values = bins.map((b) => ({ ...b, label: b.last ? `${b.start.toFixed(0)} and more` : `${b.start.toFixed(0)}–${b.end.toFixed(0)}` }));
  return {
    $schema: SCHEMA,
    description: `Histogram of projected customer lifetime value in ${options.currency}: number of customers per value band.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: 'bar', color: '#0072B2', binSpacing: 1 },
    encoding: {
      x: { field: 'start', type: 'quantitative', bin: { binned: true }, title: `Projected CLV per customer (${options.currency})`, axis: { format: ',.0f' } },
      x2: { field: 'end' },
      y: { field: 'customers', type: 'quantitative', title: 'Customers', axis: { format: ',.0f' } },
      tooltip: [
        { field: 'label', title: `CLV (${options.currency})` },
        { field: 'customers', title: 'Customers', format: ',' },
      ],
    },
  };
}

/** Mean P(alive) by number of repeat purchases (rows) and time since the last purchase (columns). */
export function pAliveHeatmapSpec(cells: { frequency: string; since: string; since_order: number; frequency_order: number; p_alive: number; customers: number }[]) {
  return {
    $schema: SCHEMA,
    description: 'Heatmap of the probability that a customer is still active, by number of repeat purchases and time since the last purchase.',
    config: CHART_CONFIG,
    width: { step: 100 },
    height: { step: 24 },
    data: { values: cells },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'since', type: 'ordinal', title: 'Time since the last purchase', sort: { field: 'since_order' }, axis: { labelAngle: 0, grid: false } },
          y: { field: 'frequency', type: 'ordinal', title: 'Repeat purchases', sort: { field: 'frequency_order' }, axis: { grid: false } },
          color: { field: 'p_alive', type: 'quantitative', title: 'P(alive)', scale: { scheme: 'blues', domain: [0, 1] }, legend: { format: '.0%' } },
          tooltip: [
            { field: 'frequency', title: 'Repeat purchases' },
            { field: 'since', title: 'Since last purchase' },
            { field: 'p_alive', title: 'Mean P(alive)', format: '.1%' },
            { field: 'customers', title: 'Customers', format: ',' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          x: { field: 'since', type: 'ordinal', sort: { field: 'since_order' } },
          y: { field: 'frequency', type: 'ordinal', sort: { field: 'frequency_order' } },
          text: { field: 'p_alive', type: 'quantitative', format: '.0%' },
          color: { condition: { test: 'datum.p_alive > 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}
