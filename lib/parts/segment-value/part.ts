/** The Projected value by segment part: the run's `segment-value` product, presented (present.ts). */
import type { SegmentValueFigures } from '../../clv/segment-value-product.ts';
import type { ReportPart } from '../part.ts';
import { presentSegmentValue } from './present.ts';

export const part: ReportPart<SegmentValueFigures | { failed: string }> = {
  id: 'segment-value',
  needs: () => ['segment-value'],
  enabled: ({ options }) => options.value !== false,
  compute: (ctx) => ctx.product('segment-value'),
  present: (f, p) => presentSegmentValue(f, { fmt: p.fmt, currency: p.currency, options: p.options.value as Exclude<typeof p.options.value, false>, labels: p.options.labels }),
};
