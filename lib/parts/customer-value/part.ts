/** The Customer value part (compute.ts, present.ts). */
import type { ReportPart } from '../part.ts';
import { computeCustomerValue, type CustomerValueFigures } from './compute.ts';
import { presentCustomerValue } from './present.ts';

export const part: ReportPart<CustomerValueFigures> = {
  id: 'customer-value',
  needs: ({ options, shows }) =>
    options.value !== false && options.value.business === 'contractual'
      ? ['simple', 'contractual', 'scores']
      : ['simple', 'model', 'fits', 'scores', ...(shows('backtest') && options.backtest.holdoutMonths > 0 ? (['backtest'] as const) : [])],
  enabled: ({ options }) => options.value !== false,
  compute: computeCustomerValue,
  present: (f, p) => presentCustomerValue(f, { fmt: p.fmt, currency: p.currency, period: p.options.period }),
};
