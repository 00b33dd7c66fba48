import { CHART_CONFIG, CHART_WIDTH, SCHEMA } from './theme.ts';

/**
 * Mean projected CLV per segment of one segment column: a bar per segment
 * with its bootstrap interval as an error bar, in the order given (most valuable first). (The simple-formula CLV covers
 * a whole lifetime, undiscounted, on another scale: it is in the table, not here.)
 */
export function segmentValueSpec(
  rows: { segment: string; customers: number; clv_mean: number; clv_mean_low: number | null; clv_mean_high: number | null }[],
  options: {
    column: string;
    currency: string;
    horizonMonths: number;
    level: number;
    /** What the bars measure (default the mean projected CLV): axis title, tooltip title and the description's phrase. */
    measure?: { title: string; tooltip: string; phrase: string };
  },
) {
  const measure = options.measure ?? {
    title: `Mean projected CLV per customer (${options.currency})`,
    tooltip: 'Mean CLV',
    phrase: `mean projected ${options.horizonMonths}-month customer value in ${options.currency}`,
  };
  const values = rows.map((r) => ({
    segment: r.segment,
    customers: r.customers,
    clv_mean: r.clv_mean,
    low: r.clv_mean_low ?? r.clv_mean,
    high: r.clv_mean_high ?? r.clv_mean,
  }));
  const y = { field: 'segment', type: 'nominal', title: options.column, sort: null, axis: { labelLimit: 160 } };
  const band = `${Math.round(options.level * 100)}% interval`;
  return {
    $schema: SCHEMA,
    description: `Bar chart of the ${measure.phrase} per ${options.column}, with ${band}s from the bootstrap as error bars.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: { step: 26 },
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', color: '#0072B2', opacity: 0.85 },
        encoding: {
          x: { field: 'clv_mean', type: 'quantitative', title: measure.title, axis: { format: ',.0f' } },
          tooltip: [
            { field: 'segment', title: options.column },
            { field: 'customers', title: 'Customers', format: ',' },
            { field: 'clv_mean', title: measure.tooltip, format: ',.2f' },
            { field: 'low', title: `${band}, low`, format: ',.2f' },
            { field: 'high', title: `${band}, high`, format: ',.2f' },
          ],
        },
      },
      {
        mark: { type: 'rule', color: '#1a1a1a', strokeWidth: 1.5 },
        encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } },
      },
    ],
  };
}
