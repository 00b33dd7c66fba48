/**
 * The Survey scores part, computing half: from the survey answers
 * (lib/load/load-surveys.ts: tables survey_responses, survey_bands) and the
 * customer tables of the run (customer_base, customer_periods):
 *
 *   per period   each respondent's latest answer in the period ─► NPS = 100 × (promoters − detractors) ÷ respondents,
 *                CSAT = satisfied ÷ respondents; periods without answers have no score (null, never NaN)
 *   per band     the band of each customer's latest answer up to the as-of date ("no response" without one):
 *                customers, revenue and orders per customer so far, the average retention curve
 *                (lib/cohorts/retention.ts over the band's cohorts), and projected CLV with bootstrap
 *                intervals from the run's segment-value product (the same per-customer scores)
 */
import { literal } from '../../engine/database.ts';
import { cohortCellsSql, cohortSizesSql } from '../../engine/summarize.ts';
import { periodEnd, periodIndex, periodIndexSql, periodLabel, parseIsoDate, type PeriodUnit } from '../../engine/periods.ts';
import { averageCurve, retentionTable, type AveragePoint } from '../../cohorts/retention.ts';
import { bandSql, NO_RESPONSE, SURVEY_SCALES, type LoadedSurveys, type SurveyKind } from '../../load/load-surveys.ts';
import type { SegmentValueRow } from '../../clv/segment-value.ts';
import { DEFAULT_MIN_SEGMENT_SIZE, type ValueOptions } from '../../clv/value-options.ts';
import type { RunContext } from '../../run/run-context.ts';

/** Respondents per band of one group of answers (a period, or everyone's latest answer). */
export type BandCounts = Record<string, number>;

/**
 * The score of a group of respondents: NPS = 100 × (promoters − detractors) ÷ respondents
 * (−100 … +100), CSAT = satisfied ÷ respondents (0 … 1); null without respondents.
 */
export function surveyScore(kind: SurveyKind, counts: BandCounts): number | null {
  const n = Object.values(counts).reduce((s, c) => s + c, 0);
  if (n === 0) return null;
  if (kind === 'nps') return (100 * ((counts.promoter ?? 0) - (counts.detractor ?? 0))) / n;
  return (counts.satisfied ?? 0) / n;
}

export interface SurveyPeriod {
  period: string;
  period_index: number;
  /** The period ended on or before the as-of date. */
  complete: boolean;
  /** Answers dated in the period (a customer may answer more than once). */
  responses: number;
  /** Customers who answered in the period (their latest answer in it counts). */
  respondents: number;
  bands: BandCounts;
  mean_score: number | null;
  /** NPS (−100 … +100) or CSAT (0 … 1); null without answers. */
  score: number | null;
}

export interface SurveyBand {
  band: string;
  customers: number;
  revenue: number;
  orders: number;
}

export interface SurveyFigures {
  kind: SurveyKind;
  /** nps_band or csat_band. */
  column: string;
  label: string;
  /** How the file was read (kind, column mapping, date format), for the manifest. */
  reading: Record<string, unknown>;
  loaded: LoadedSurveys;
  period: PeriodUnit;
  asOf: string;
  customers: number;
  periods: SurveyPeriod[];
  /** Bands in scale order, then "no response"; every band listed, with 0 customers when none. */
  bands: SurveyBand[];
  /** Everyone's latest answer, per band (the overall score). */
  overall: BandCounts;
  /** Average retention curves per band (segment = band). */
  retention: AveragePoint[];
  /** Projected value per band (segment-value rows of the band column, and the row for all customers), or why there is none. */
  value: { rows: SegmentValueRow[]; all: SegmentValueRow; options: ValueOptions; bootstrap: number; seed: number; minSegmentSize: number } | { failed: string };
}

/** The bands of a kind, in scale order, then "no response". */
export function bandNames(kind: SurveyKind): string[] {
  return [...SURVEY_SCALES[kind].bands.map((b) => b.name), NO_RESPONSE];
}

export async function computeSurveys(ctx: RunContext, source: { label: string; reading: Record<string, unknown> }): Promise<SurveyFigures> {
  const s = ctx.inputs.surveys as LoadedSurveys;
  const { db } = ctx;
  const period = ctx.options.period;
  const asOf = ctx.orders.asOf;
  const kind = s.kind;
  const names = bandNames(kind);
  const band = `coalesce(sb.band, ${literal(NO_RESPONSE)})`;

  // Per period: each respondent's latest answer in the period.
  const pidx = periodIndexSql(period, 'response_date');
  const perPeriod = await db.rows<{ period_index: number; band: string; respondents: number; responses: number; score_sum: number }>(`
    SELECT period_index, band, CAST(count(*) AS INTEGER) AS respondents, CAST(sum(n) AS INTEGER) AS responses, CAST(sum(score) AS DOUBLE) AS score_sum
    FROM (SELECT CAST(${pidx} AS INTEGER) AS period_index, score, ${bandSql(kind, 'score')} AS band,
                 count(*) OVER (PARTITION BY customer_id, ${pidx}) AS n
          FROM survey_responses
          QUALIFY row_number() OVER (PARTITION BY customer_id, ${pidx} ORDER BY response_date DESC, rec DESC) = 1)
    GROUP BY ALL ORDER BY ALL`);
  const lastIndex = periodIndex(period, asOf);
  const asOfMs = parseIsoDate(asOf);
  const periods: SurveyPeriod[] = [];
  const firstIndex = perPeriod.length > 0 ? perPeriod[0].period_index : lastIndex + 1;
  for (let p = firstIndex; p <= lastIndex; p++) {
    const rows = perPeriod.filter((r) => r.period_index === p);
    const bands: BandCounts = Object.fromEntries(SURVEY_SCALES[kind].bands.map((b) => [b.name, rows.find((r) => r.band === b.name)?.respondents ?? 0]));
    const respondents = rows.reduce((t, r) => t + r.respondents, 0);
    periods.push({
      period: periodLabel(period, p),
      period_index: p,
      complete: periodEnd(period, p) <= asOfMs,
      responses: rows.reduce((t, r) => t + r.responses, 0),
      respondents,
      bands,
      mean_score: respondents > 0 ? rows.reduce((t, r) => t + r.score_sum, 0) / respondents : null,
      score: surveyScore(kind, bands),
    });
  }

  // Per band of the latest answer: customers, revenue and orders so far.
  const from = 'customer_base b LEFT JOIN survey_bands sb USING (customer_id)';
  const perBand = await db.rows<SurveyBand>(`
    SELECT ${band} AS band, CAST(count(*) AS INTEGER) AS customers, CAST(coalesce(sum(b.revenue), 0) AS DOUBLE) AS revenue, CAST(coalesce(sum(b.orders), 0) AS INTEGER) AS orders
    FROM ${from} GROUP BY ALL`);
  const bands = names.map((name) => perBand.find((r) => r.band === name) ?? { band: name, customers: 0, revenue: 0, orders: 0 });
  const overall: BandCounts = Object.fromEntries(SURVEY_SCALES[kind].bands.map((b) => [b.name, bands.find((r) => r.band === b.name)?.customers ?? 0]));
  const customers = bands.reduce((t, r) => t + r.customers, 0);

  // Retention per band: the cohort tables of lib/engine/summarize.ts, with the band as the segment.
  const cells = await db.table(cohortCellsSql(band, 'customer_periods LEFT JOIN survey_bands sb USING (customer_id)'));
  const sizes = await db.table(cohortSizesSql(band, 'customer_base LEFT JOIN survey_bands sb USING (customer_id)'));
  const retention = averageCurve(retentionTable({ cells, sizes, period, asOf }, s.column));

  let value: SurveyFigures['value'] = { failed: 'Customer value is switched off (--no-clv), so no projected value per band.' };
  if (ctx.options.value !== false && ctx.orders.money !== 'none') {
    const sv = await ctx.product('segment-value');
    if ('failed' in sv) value = { failed: sv.failed };
    else {
      const all = sv.result.rows.find((r) => r.segment_column === 'all') as SegmentValueRow;
      value = {
        rows: names.map((n) => sv.result.rows.find((r) => r.segment_column === s.column && r.segment === n)).filter((r): r is SegmentValueRow => r !== undefined),
        all,
        options: ctx.value,
        bootstrap: sv.bootstrap,
        seed: sv.seed,
        minSegmentSize: ctx.value.minSegmentSize ?? DEFAULT_MIN_SEGMENT_SIZE,
      };
    }
  } else if (ctx.orders.money === 'none') {
    value = { failed: 'The orders have no amounts, so there is no value per band.' };
  }
  return { kind, column: s.column, label: source.label, reading: source.reading, loaded: s, period, asOf, customers, periods, bands, overall, retention, value };
}
