/** The RFM part: RFM segments and Win back (compute.ts, present.ts). */
import type { ReportPart } from '../part.ts';
import { computeRfm, type RfmFigures } from './compute.ts';
import { presentRfm } from './present.ts';

export const part: ReportPart<RfmFigures> = {
  id: 'rfm',
  needs: ({ options }) => ['rfm', ...(options.value !== false ? (['scores'] as const) : [])],
  enabled: ({ options }) => options.rfm !== false,
  compute: computeRfm,
  present: (f, p) => presentRfm(f, p),
};
