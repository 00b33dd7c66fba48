/**
 * The Data quality part: what was read from the orders source, what was left
 * out and why, refunds, incomplete periods; the notes of the other parts
 * (spend and customers files, unmatched channels) are added by the pipeline.
 */
import type { CohortAnalysis } from '../../cohorts/analyze-cohorts.ts';
import type { LoadedOrders } from '../../load/load-orders.ts';
import type { SourceDescription } from '../../sources/source.ts';
import type { ReportPart } from '../part.ts';
import { dataQualitySection } from '../cohorts/present.ts';

export const part: ReportPart<{ analysis: CohortAnalysis; orders: LoadedOrders; source: SourceDescription }> = {
  id: 'data-quality',
  needs: () => [],
  enabled: () => true,
  compute: async (ctx) => ({ analysis: ctx.analysis, orders: ctx.orders, source: ctx.source }),
  present: (f, { fmt, currency }) => ({ sections: [dataQualitySection({ ...f, fmt, currency })] }),
};
