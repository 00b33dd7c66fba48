/** The Survey scores part (`--surveys`): NPS or CSAT per period and value per band of the latest answer (compute.ts, present.ts). */
import type { ReportPart } from '../part.ts';
import { computeSurveys, type SurveyFigures } from './compute.ts';
import { presentSurveys } from './present.ts';

export const part: ReportPart<SurveyFigures> = {
  id: 'surveys',
  needs: ({ options }) => (options.value !== false ? ['segment-value'] : []),
  enabled: ({ options }) => options.surveysSource !== undefined,
  compute: (ctx) => {
    const source = ctx.options.surveysSource!;
    return computeSurveys(ctx, { label: source.describe().label, reading: source.manifestOptions() });
  },
  present: (f, p) => presentSurveys(f, { fmt: p.fmt, currency: p.currency }),
};
