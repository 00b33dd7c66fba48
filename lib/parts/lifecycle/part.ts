/**
 * The lifecycle part: growth accounting per period (new, retained,
 * reactivated and churned customers and revenue, quick ratios), with
 * data/lifecycle.csv (compute.ts, present.ts).
 */
import type { ReportPart } from '../part.ts';
import { computeLifecycle, type LifecycleFigures } from './compute.ts';
import { presentLifecycle } from './present.ts';

export const part: ReportPart<LifecycleFigures> = {
  id: 'lifecycle',
  needs: () => [],
  enabled: () => true,
  compute: computeLifecycle,
  present: (f, p) => presentLifecycle(f, p),
};
