/** The Survey scores part (`--surveys`): NPS or CSAT per period and value per band of the latest answer (compute.ts, present.ts). */
import type { ReportPart } from '../part.ts';
import { computeSurveys, type SurveyFigures } from './compute.ts';
import { presentSurveys } from './present.ts';

export const part: ReportPart<SurveyFigures> = {
  id: 'surveys',
  needs: ({ options }) => (options.value !== false ? ['segment-value'] : []),
  enabled: ({ options }) => options.surveysSource !== undefined,
  compute: (ctx) => computeSurveys(ctx, ctx.options.surveysSource?.describe().label ?? ''),
  present: (f, p) => presentSurveys(f, { fmt: p.fmt, currency: p.currency }),
};
