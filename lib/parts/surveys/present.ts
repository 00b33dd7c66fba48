/**
 * The Survey scores part, presenting half (pure): NPS or CSAT per period
 * (chart, data/surveys.csv), and per band of the latest answer the
 * respondents, retention, revenue per customer so far and projected CLV with
 * intervals (table, data/survey_bands.csv, charts), with sentences that give
 * the numbers and say how far they can be trusted.
 */
import { surveyScoreSpec } from '../../charts/survey-charts.ts';
import { segmentLinesSpec } from '../../charts/segment-lines.ts';
import { MIN_AVERAGE_COHORTS } from '../../charts/cohort-lines.ts';
import { segmentValueSpec } from '../../charts/segment-value-charts.ts';
import { INTERVAL_LEVEL, type SegmentValueRow } from '../../clv/segment-value.ts';
import { periodsPerYear } from '../../engine/periods.ts';
import { NO_RESPONSE, SURVEY_SCALES } from '../../load/load-surveys.ts';
import type { Formatters } from '../../report/format.ts';
import type { PartOutput } from '../part.ts';
import { surveyScore, type SurveyFigures } from './compute.ts';

export const SURVEYS_ID = 'surveys';
const BAND_COLORS = { nps: ['#009E73', '#E69F00', '#D55E00', '#999999'], csat: ['#009E73', '#D55E00', '#999999'] };
const TITLE = 'Survey scores';

/** Columns of data/surveys.csv (a contract: add, never rename). */
export const SURVEYS_COLUMNS = [
  'kind',
  'period',
  'complete',
  'responses',
  'respondents',
  'promoters',
  'passives',
  'detractors',
  'satisfied',
  'not_satisfied',
  'mean_score',
  'nps',
  'csat',
] as const;

/** Columns of data/survey_bands.csv (a contract: add, never rename). */
export const SURVEY_BANDS_COLUMNS = [
  'kind',
  'band',
  'customers',
  'share_of_customers',
  'share_of_respondents',
  'revenue_per_customer',
  'orders_per_customer',
  'retention_next_period',
  'retention_one_year',
  'p_alive_mean',
  'clv_mean',
  'clv_mean_low',
  'clv_mean_high',
  'small_segment',
] as const;

/** Methods entries of the section. */
export const SURVEY_DEFINITIONS = [
  {
    term: 'NPS (Net Promoter Score)',
    definition:
      'Answers to "How likely are you to recommend us?" on 0–10: promoters answer 9–10, passives 7–8, detractors 0–6. NPS = 100 × (promoters − detractors) ÷ respondents, from −100 to +100. Per period, the respondents are the customers who answered in the period, each counted once with their latest answer in it (not every answer: a customer who answers twice in a month does not weigh double). A period without answers has no NPS (empty in data/surveys.csv).',
  },
  {
    term: 'CSAT (customer satisfaction)',
    definition: 'Answers on 1–5: satisfied = 4–5, not satisfied = 1–3. CSAT = satisfied ÷ respondents, per period with the same respondent rule as NPS; empty without answers.',
  },
  {
    term: 'Survey band (nps_band, csat_band)',
    definition:
      'The band of a customer\'s latest answer on or before the as-of date (on a day with several answers, the last in the file); customers without an answer are "no response". The band is a segment column for --segment-by, like a column of the customers file: one value per customer, used for all periods (so the retention curves of a band describe customers by the answer they gave last, not the answer they had given at the time).',
  },
  {
    term: 'Share answered',
    definition: 'Customers with at least one kept answer ÷ all customers with an order on or before the as-of date.',
  },
  {
    term: 'Value per band',
    definition:
      'Revenue per customer so far: net revenue of the band\'s customers from their first order to the as-of date ÷ customers. Retention: the average retention curve of the band\'s cohorts (as in Retention curves). Projected CLV: the mean of the customers\' scores from Customer value, with the bootstrap interval of Projected value by segment (the same scores and resamples).',
  },
  {
    term: 'Survey rows left out',
    definition:
      'An empty score (a question not answered), an answer dated after the as-of date, and an answer from a customer with no order on or before it are left out and counted in Data quality. An empty customer_id, a date that does not parse, or a score that is not a whole number on the kind\'s scale stops the run with the file, line and column.',
  },
];

export function presentSurveys(f: SurveyFigures, p: { fmt: Formatters; currency: string }): PartOutput {
  const { fmt } = p;
  const nps = f.kind === 'nps';
  const scale = SURVEY_SCALES[f.kind];
  const [topBand] = scale.bands;
  const bottomBand = scale.bands[scale.bands.length - 1];
  const scoreText = (v: number | null) => (v === null ? '–' : nps ? `${v >= 0 ? '+' : '−'}${fmt.decimal(Math.abs(v), 1)}` : fmt.percent(v));
  const what = nps ? 'NPS' : 'CSAT';
  // "a promoter" / "promoters"; "a satisfied customer" / "satisfied customers".
  const one = (band: string) => (nps ? band : `${band} customer`);
  const many = (band: string) => `${one(band)}s`;
  const respondents = f.loaded.respondents;
  const answered = f.customers > 0 ? respondents / f.customers : 0;
  const narrative: string[] = [];
  const dropped = f.loaded.input.dropped.reduce((t, d) => t + d.rows, 0);
  narrative.push(
    `${fmt.integer(respondents)} of ${fmt.integer(f.customers)} customers (${fmt.percent(answered)}) answered the ${nps ? 'NPS' : 'CSAT'} survey at least once up to ${f.asOf}: ${fmt.integer(f.loaded.responses)} answers kept${dropped > 0 ? `, ${fmt.integer(dropped)} left out (see Data quality)` : ''}.`,
  );
  const overall = surveyScore(f.kind, f.overall);
  if (overall !== null) {
    const share = (b: string) => fmt.percent((f.overall[b] ?? 0) / respondents);
    narrative.push(
      nps
        ? `By their latest answer, ${share('promoter')} of respondents are promoters, ${share('passive')} passives and ${share('detractor')} detractors: an NPS of ${scoreText(overall)}.`
        : `By their latest answer, ${share('satisfied')} of respondents are satisfied: a CSAT of ${scoreText(overall)}.`,
    );
  }
  const scored = f.periods.filter((r) => r.score !== null && r.complete);
  if (scored.length > 0) {
    const last = scored[scored.length - 1];
    const prev = scored.length > 1 ? scored[scored.length - 2] : undefined;
    const change =
      prev && prev.score !== null && last.score !== null
        ? nps
          ? `, ${last.score >= prev.score ? 'up' : 'down'} ${fmt.decimal(Math.abs(last.score - prev.score), 1)} points from ${prev.period} (${scoreText(prev.score)}, ${fmt.integer(prev.respondents)} respondents)`
          : `, ${fmt.gap(last.score - prev.score)} ${last.score >= prev.score ? 'above' : 'below'} ${prev.period} (${scoreText(prev.score)}, ${fmt.integer(prev.respondents)} respondents)`
        : '';
    narrative.push(`In ${last.period}, the latest complete ${f.period} with answers, ${what} was ${scoreText(last.score)} from ${fmt.integer(last.respondents)} respondents${change}.${last.respondents < 30 ? ` With fewer than 30 respondents a ${f.period}'s ${what} moves by chance: read the trend, not one ${f.period}.` : ''}`);
  } else {
    narrative.push(`No complete ${f.period} has answers yet, so there is no ${what} per ${f.period} to read.`);
  }

  // Per band.
  const year = periodsPerYear(f.period);
  const retentionAt = (band: string, k: number) => f.retention.find((a) => a.segment === band && a.period_offset === k)?.retention_rate ?? null;
  const value = 'failed' in f.value ? undefined : f.value;
  const valueRow = (band: string) => value?.rows.find((r) => r.segment === band);
  const minSize = value?.minSegmentSize ?? 30;
  const bandRows = f.bands.map((b) => {
    const v = valueRow(b.band);
    return {
      kind: f.kind,
      band: b.band,
      customers: b.customers,
      share_of_customers: f.customers > 0 ? b.customers / f.customers : null,
      share_of_respondents: b.band === NO_RESPONSE || respondents === 0 ? null : b.customers / respondents,
      revenue_per_customer: b.customers > 0 ? b.revenue / b.customers : null,
      orders_per_customer: b.customers > 0 ? b.orders / b.customers : null,
      retention_next_period: retentionAt(b.band, 1),
      retention_one_year: retentionAt(b.band, year),
      p_alive_mean: v?.p_alive_mean ?? null,
      clv_mean: v?.clv_mean ?? null,
      clv_mean_low: v?.clv_mean_low ?? null,
      clv_mean_high: v?.clv_mean_high ?? null,
      small_segment: b.customers < minSize,
    };
  });
  const top = bandRows[0];
  const bottom = bandRows.find((r) => r.band === bottomBand.name)!;
  const readable = top.customers >= minSize && bottom.customers >= minSize;
  if (!readable) {
    narrative.push(`The ${many(topBand.name)} (${fmt.integer(top.customers)}) or the ${many(bottomBand.name)} (${fmt.integer(bottom.customers)}) number fewer than ${fmt.integer(minSize)}, too few to compare the bands' value.`);
  } else {
    narrative.push(
      `So far, a ${one(topBand.name)} has brought in ${fmt.moneyPrecise(top.revenue_per_customer ?? 0)} of net revenue on average and a ${one(bottomBand.name)} ${fmt.moneyPrecise(bottom.revenue_per_customer ?? 0)} (${fmt.decimal(top.orders_per_customer ?? 0, 1)} and ${fmt.decimal(bottom.orders_per_customer ?? 0, 1)} orders).`,
    );
    const r1 = [top.retention_next_period, bottom.retention_next_period];
    const ry = [top.retention_one_year, bottom.retention_one_year];
    const k = ry[0] !== null && ry[1] !== null ? year : 1;
    const [a, b] = k === year ? ry : r1;
    if (a !== null && b !== null) {
      narrative.push(`${fmt.percent(a)} of ${many(topBand.name)} and ${fmt.percent(b)} of ${many(bottomBand.name)} ordered in ${f.period} ${k} after their first order (average over their cohorts).`);
    }
    const vt = valueRow(topBand.name);
    const vb = valueRow(bottomBand.name);
    if (value && vt && vb) {
      const level = `${Math.round(INTERVAL_LEVEL * 100)}%`;
      const iv = (r: SegmentValueRow) => (r.clv_mean_low === null || r.clv_mean_high === null ? 'no interval' : `${level} interval ${fmt.moneyPrecise(r.clv_mean_low)}–${fmt.moneyPrecise(r.clv_mean_high)}`);
      const apart = vt.clv_mean_low !== null && vb.clv_mean_high !== null && vb.clv_mean_low !== null && vt.clv_mean_high !== null && (vt.clv_mean_low > vb.clv_mean_high || vb.clv_mean_low > vt.clv_mean_high);
      narrative.push(
        `Over the next ${value.options.horizonMonths} months, a ${one(topBand.name)} is projected to be worth ${fmt.moneyPrecise(vt.clv_mean)} (${iv(vt)}) and a ${one(bottomBand.name)} ${fmt.moneyPrecise(vb.clv_mean)} (${iv(vb)}), against ${fmt.moneyPrecise(value.all.clv_mean)} for the average customer.${vt.clv_mean_low === null ? '' : apart ? ' The intervals do not overlap: the gap is not an accident of which customers answered.' : ' The intervals overlap: the data cannot tell the two bands apart with confidence.'}`,
      );
    }
  }
  if ('failed' in f.value) narrative.push(f.value.failed);
  narrative.push(
    `Customers who answered are not a random sample: surveys usually follow an order, so respondents had ordered more than customers with "${NO_RESPONSE}" by construction. Compare the bands with each other rather than with "${NO_RESPONSE}"; a difference between bands shows an association with value, not that the score causes it.`,
  );

  // Charts.
  const charts: { spec: object; caption: string }[] = [];
  if (f.periods.some((r) => r.score !== null)) {
    charts.push({
      spec: surveyScoreSpec(
        f.periods.map((r) => ({ period: r.period, respondents: r.respondents, score: r.score, complete: r.complete })),
        { kind: f.kind, period: f.period },
      ),
      caption: `${what} per ${f.period}: each respondent's latest answer in the ${f.period}; the point's size is the number of respondents. ${f.period.charAt(0).toUpperCase() + f.period.slice(1)}s without answers have no point.`,
    });
  }
  if (f.retention.some((a) => a.period_offset >= 1 && a.period_offset <= year && a.cohorts >= MIN_AVERAGE_COHORTS)) {
    // The first year: the table's milestones (the full curves are Retention by segment's, with --segment-by).
    // Bands in scale order, coloured from good to bad (Okabe–Ito green, orange, vermillion; grey for no response).
    const order = f.bands.map((b) => b.band);
    const lines = segmentLinesSpec(f.retention.filter((a) => a.period_offset <= year), { period: f.period, segmentColumn: f.column, colorKey: f.column, fixedColors: { domain: order, range: BAND_COLORS[f.kind] } });
    charts.push({
      spec: lines,
      caption: `Average retention curve per ${f.column} (band of the latest answer) over the first year: share of each band's cohorts active in each ${f.period} after joining.`,
    });
  }
  if (value && value.rows.length > 0) {
    charts.push({
      spec: segmentValueSpec(value.rows, { column: f.column, currency: p.currency, horizonMonths: value.options.horizonMonths, level: INTERVAL_LEVEL }),
      caption: `Mean projected ${value.options.horizonMonths}-month value per customer by ${f.column}, with ${Math.round(INTERVAL_LEVEL * 100)}% bootstrap intervals.`,
    });
  }
  const [first, ...rest] = charts;

  const periodRows = f.periods.map((r) => ({
    kind: f.kind,
    period: r.period,
    complete: r.complete,
    responses: r.responses,
    respondents: r.respondents,
    promoters: nps ? r.bands.promoter : null,
    passives: nps ? r.bands.passive : null,
    detractors: nps ? r.bands.detractor : null,
    satisfied: nps ? null : r.bands.satisfied,
    not_satisfied: nps ? null : r.bands['not satisfied'],
    mean_score: r.mean_score,
    nps: nps ? r.score : null,
    csat: nps ? null : r.score,
  }));
  const level = `${Math.round(INTERVAL_LEVEL * 100)}%`;
  const input = f.loaded.input;
  return {
    sections: [
      {
        id: SURVEYS_ID,
        title: TITLE,
        narrative,
        cards: [
          { label: nps ? 'NPS (latest answers)' : 'CSAT (latest answers)', value: scoreText(overall), detail: `${fmt.integer(respondents)} respondents` },
          { label: 'Share answered', value: fmt.percent(answered), detail: `of ${fmt.integer(f.customers)} customers` },
        ],
        ...(first ? { chart: first, extraCharts: rest } : {}),
        table: {
          caption: `Per ${f.column} (band of the latest answer): customers, revenue so far, retention${value ? ` and projected ${value.options.horizonMonths}-month value with ${level} intervals` : ''}`,
          columns: [
            { key: 'band', label: 'Band', kind: 'text' },
            { key: 'customers', label: 'Customers', kind: 'integer' },
            { key: 'share_of_respondents', label: 'Share of respondents', kind: 'percent' },
            { key: 'revenue_per_customer', label: 'Revenue per customer so far', kind: 'money2' },
            { key: 'orders_per_customer', label: 'Orders per customer', kind: 'decimal' },
            { key: 'retention_next_period', label: `Active in ${f.period} 1`, kind: 'percent' },
            { key: 'retention_one_year', label: `Active in ${f.period} ${year}`, kind: 'percent' },
            ...(value
              ? [
                  { key: 'p_alive_mean', label: 'Share alive', kind: 'percent' as const },
                  { key: 'clv_mean', label: 'Mean CLV', kind: 'money2' as const },
                  { key: 'clv_mean_low', label: `Mean, ${level} low`, kind: 'money2' as const },
                  { key: 'clv_mean_high', label: `Mean, ${level} high`, kind: 'money2' as const },
                ]
              : []),
          ],
          rows: bandRows,
          note: `Per ${f.period} scores are in data/surveys.csv; these rows in data/survey_bands.csv.`,
          csvName: 'survey_bands.csv',
        },
        bullets: [
          `Survey file ${f.label}: ${fmt.integer(input.rows_read)} rows read, ${fmt.integer(input.rows_kept)} kept (sha256 ${input.sha256.slice(0, 12)}…); read as ${what} (${scale.min}–${scale.max}, --survey-kind).`,
          `Use the bands as segments elsewhere in the report with --segment-by ${f.column}.`,
        ],
        definitions: SURVEY_DEFINITIONS,
      },
    ],
    files: [
      { name: 'surveys.csv', columns: SURVEYS_COLUMNS, rows: periodRows },
      { name: 'survey_bands.csv', columns: SURVEY_BANDS_COLUMNS, rows: bandRows },
    ],
    notes: [
      `${f.label}: ${fmt.integer(input.rows_read)} survey ${input.rows_read === 1 ? 'row' : 'rows'} read, ${fmt.integer(input.rows_kept)} kept${input.dropped.map((d) => `, ${fmt.integer(d.rows)} left out (${d.reason})`).join('')}.`,
    ],
    manifest: {
      surveys: {
        kind: f.kind,
        options: f.reading,
        segment_column: f.column,
        customers: f.customers,
        respondents,
        responses: f.loaded.responses,
        share_answered: answered,
        score: overall,
        dropped: input.dropped,
      },
    },
  };
}
