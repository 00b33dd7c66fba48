/** Charts of the RFM segments and the win-back list. */
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/** Grid of recency score (columns) × frequency score (rows): customers per cell, shaded by customers. */
export function rfmGridSpec(cells: { r: number; f: number; customers: number; revenue: number; segment: string }[], options: { currency: string }) {
  return {
    $schema: SCHEMA,
    description: 'Grid of RFM recency score by frequency score: number of customers in each cell.',
    config: CHART_CONFIG,
    width: { step: 110 },
    height: { step: 44 },
    data: { values: cells },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'r', type: 'ordinal', title: 'Recency score R (5 = most recent)', scale: { domain: [1, 2, 3, 4, 5] }, axis: { labelAngle: 0, grid: false } },
          y: { field: 'f', type: 'ordinal', title: 'Frequency score F (5 = most purchase days)', scale: { domain: [5, 4, 3, 2, 1] }, axis: { grid: false } },
          color: { field: 'customers', type: 'quantitative', title: 'Customers', scale: { scheme: 'blues' }, legend: { format: ',.0f' } },
          tooltip: [
            { field: 'r', title: 'R' },
            { field: 'f', title: 'F' },
            { field: 'segment', title: 'Segment' },
            { field: 'customers', title: 'Customers', format: ',' },
            { field: 'revenue', title: `Net revenue (${options.currency})`, format: ',.0f' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          x: { field: 'r', type: 'ordinal', scale: { domain: [1, 2, 3, 4, 5] } },
          y: { field: 'f', type: 'ordinal', scale: { domain: [5, 4, 3, 2, 1] } },
          text: { field: 'customers', type: 'quantitative', format: ',' },
        },
      },
    ],
  };
}

/** Horizontal bars: value at stake on the win-back list per RFM segment. */
export function winBackBarsSpec(rows: { group: string; customers: number; value_at_stake: number }[], options: { currency: string; measure: string }) {
  return {
    $schema: SCHEMA,
    description: `Bar chart of the win-back list: ${options.measure} in ${options.currency} per RFM segment.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: Math.min(CHART_HEIGHT, Math.max(80, rows.length * 32)),
    data: { values: rows },
    mark: { type: 'bar', color: '#D55E00' },
    encoding: {
      y: { field: 'group', type: 'nominal', title: 'RFM segment', sort: { field: 'value_at_stake', order: 'descending' } },
      x: { field: 'value_at_stake', type: 'quantitative', title: `${options.measure} (${options.currency})`, axis: { format: ',.0f' } },
      tooltip: [
        { field: 'group', title: 'Segment' },
        { field: 'customers', title: 'Customers', format: ',' },
        { field: 'value_at_stake', title: options.measure, format: ',.0f' },
      ],
    },
  };
}
