/** Charts of the Holdout backtest section: tracking plots and holdout purchases by calibration frequency. */
import { AVERAGE_COLOR, CATEGORY_COLORS, CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

export interface TrackingValue {
  /** Week start, YYYY-MM-DD. */
  week: string;
  series: string;
  value: number;
}

function seriesScale(series: string[]) {
  return { domain: series, range: series.map((s, i) => (i === 0 ? AVERAGE_COLOR : CATEGORY_COLORS[(i - 1) % CATEGORY_COLORS.length])) };
}

/**
 * Repeat purchases per week or cumulated, actual (first series, solid) against
 * each model (dashed), with a rule at the calibration end.
 */
export function trackingSpec(values: TrackingValue[], options: { series: string[]; calibrationEnd: string; cumulative: boolean }) {
  const what = options.cumulative ? 'Cumulative repeat purchases' : 'Repeat purchases per week';
  return {
    $schema: SCHEMA,
    description: `${what} of the calibration customers, actual against each model's expectation, with the end of the calibration period marked (${options.calibrationEnd}).`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'week', type: 'temporal', timeUnit: 'utcyearmonthdate', title: 'Week starting', axis: { format: '%Y-%m', labelAngle: 0 } },
          y: { field: 'value', type: 'quantitative', title: what, axis: { format: ',.0f' } },
          color: { field: 'series', type: 'nominal', title: null, scale: seriesScale(options.series), legend: { orient: 'top' } },
          strokeDash: { condition: { test: `datum.series !== ${JSON.stringify(options.series[0])}`, value: [6, 3] }, value: [1, 0] },
          tooltip: [
            { field: 'week', type: 'temporal', timeUnit: 'utcyearmonthdate', title: 'Week starting', format: '%Y-%m-%d' },
            { field: 'series', title: 'Series' },
            { field: 'value', title: what, format: ',.1f' },
          ],
        },
      },
      {
        data: { values: [{ date: options.calibrationEnd, label: 'calibration end' }] },
        mark: { type: 'rule', color: '#888', strokeDash: [2, 2] },
        encoding: { x: { field: 'date', type: 'temporal', timeUnit: 'utcyearmonthdate' } },
      },
    ],
  };
}

export interface FrequencyValue {
  frequency: string;
  order: number;
  series: string;
  value: number;
  customers: number;
}

/** Mean holdout purchases by calibration repeat purchases (0 … 7+), actual against each model. */
export function holdoutByFrequencySpec(values: FrequencyValue[], options: { series: string[] }) {
  return {
    $schema: SCHEMA,
    description: 'Mean repeat purchases in the holdout period by number of repeat purchases in the calibration period, actual against each model.',
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'frequency', type: 'ordinal', sort: { field: 'order' }, title: 'Repeat purchases in the calibration period', axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: 'Mean purchases in the holdout', axis: { format: ',.1f' } },
      color: { field: 'series', type: 'nominal', title: null, scale: seriesScale(options.series), legend: { orient: 'top' } },
      strokeDash: { condition: { test: `datum.series !== ${JSON.stringify(options.series[0])}`, value: [6, 3] }, value: [1, 0] },
      tooltip: [
        { field: 'frequency', title: 'Calibration repeat purchases' },
        { field: 'series', title: 'Series' },
        { field: 'value', title: 'Mean holdout purchases', format: ',.2f' },
        { field: 'customers', title: 'Customers', format: ',' },
      ],
    },
  };
}
