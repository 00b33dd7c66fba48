import type { PeriodUnit } from '../engine/periods.ts';
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, SCHEMA } from './theme.ts';

/**
 * NPS (−100 to +100) or CSAT (share satisfied) per period: a line over the
 * periods with answers, a point per period sized by its respondents, and a
 * rule at 0 for NPS. Periods without answers have no point (never a made-up value).
 */
export function surveyScoreSpec(
  rows: { period: string; respondents: number; score: number | null; complete: boolean }[],
  options: { kind: 'nps' | 'csat'; period: PeriodUnit },
) {
  const values = rows.filter((r) => r.score !== null).map((r) => ({ period: r.period, respondents: r.respondents, score: r.score, complete: r.complete ? 'yes' : 'no (still running)' }));
  const nps = options.kind === 'nps';
  const yTitle = nps ? 'NPS (% promoters − % detractors)' : 'CSAT (share of answers 4–5)';
  const y = nps
    ? { field: 'score', type: 'quantitative', title: yTitle, scale: { domain: [-100, 100] } }
    : { field: 'score', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const x = { field: 'period', type: 'ordinal', title: options.period.charAt(0).toUpperCase() + options.period.slice(1), sort: null, axis: { labelAngle: -45, labelOverlap: 'greedy' } };
  return {
    $schema: SCHEMA,
    description: `${nps ? 'Net Promoter Score' : 'Customer satisfaction score'} per ${options.period} (${values.length} ${options.period}s with answers), each point sized by its respondents.`,
    config: CHART_CONFIG,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    layer: [
      ...(nps ? [{ data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'zero', type: 'quantitative' } } }] : []),
      { mark: { type: 'line', color: '#0072B2', strokeWidth: 2 }, encoding: { x, y } },
      {
        mark: { type: 'point', filled: true, color: '#0072B2' },
        encoding: {
          x,
          y,
          size: { field: 'respondents', type: 'quantitative', title: 'Respondents', scale: { range: [10, 160] }, legend: { orient: 'bottom', direction: 'horizontal', tickMinStep: 1, format: ',d' } },
          tooltip: [
            { field: 'period', title: options.period },
            { field: 'score', title: nps ? 'NPS' : 'CSAT', format: nps ? '+.1f' : '.1%' },
            { field: 'respondents', title: 'Respondents', format: ',' },
            { field: 'complete', title: 'Complete' },
          ],
        },
      },
    ],
  };
}
