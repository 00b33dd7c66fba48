/**
 * Loads a survey file (`--surveys`): one row per answer to an NPS or CSAT
 * question.
 *
 *   customer_id  the customer who answered (matched to the orders' customer_id after trimming)
 *   date         the day of the answer: YYYY-MM-DD or an ISO 8601 date-time (UTC calendar date),
 *                or the pattern of --survey-date-format
 *   score        a whole number: 0–10 for NPS (`--survey-kind nps`), 1–5 for CSAT (`csat`)
 *
 * Other names are mapped with `--survey-map score=Rating` (config `surveys.map`).
 *
 * Errors (file:line:column, exit code 2, nothing written): a missing column, an
 * empty customer_id, a date that does not parse (or outside 1900–2200), a score
 * that is not a whole number or outside the kind's scale.
 * Counted drops (Data quality and the manifest): an empty score (a question
 * left unanswered), an answer dated after the as-of date, an answer from a
 * customer with no order on or before the as-of date.
 *
 * Tables: `survey_responses` (customer_id, response_date, score, rec = data
 * row, file order) and `survey_bands` (customer_id, band: the band of the
 * customer's latest answer; on a day with several answers, the last in the file).
 */
import { InputError, MAX_LISTED_PROBLEMS, UserError, type InputProblem } from '../errors.ts';
import { literal, type Database } from '../engine/database.ts';
import { DEFAULT_YEARS, dateSql, expectedDate } from './date-format.ts';
import { purchasersSql, type DroppedRows, type InputSummary } from './load-orders.ts';
import { findColumn, readTextTable } from './read-table.ts';

import type { SurveyKind, SurveysInput } from './survey-kinds.ts';
export { SURVEY_KINDS, type SurveyKind, type SurveysInput } from './survey-kinds.ts';
export const SURVEY_COLUMNS = ['customer_id', 'date', 'score'] as const;

/** The scale and the bands of each kind (one definition, used by the loader, the SQL and the report). */
export const SURVEY_SCALES: Record<SurveyKind, { min: number; max: number; column: string; bands: { name: string; min: number; max: number }[] }> = {
  nps: {
    min: 0,
    max: 10,
    column: 'nps_band',
    bands: [
      { name: 'promoter', min: 9, max: 10 },
      { name: 'passive', min: 7, max: 8 },
      { name: 'detractor', min: 0, max: 6 },
    ],
  },
  csat: {
    min: 1,
    max: 5,
    column: 'csat_band',
    bands: [
      { name: 'satisfied', min: 4, max: 5 },
      { name: 'not satisfied', min: 1, max: 3 },
    ],
  },
};

/** Band of the customers who gave no answer (on or before the as-of date). */
export const NO_RESPONSE = 'no response';


export interface LoadedSurveys {
  input: InputSummary;
  kind: SurveyKind;
  /** The segment column of the bands: nps_band or csat_band. */
  column: string;
  /** Answers kept (table survey_responses). */
  responses: number;
  /** Customers with at least one kept answer (table survey_bands). */
  respondents: number;
}

/** SQL: the band of a score expression. */
export function bandSql(kind: SurveyKind, score: string): string {
  return `CASE ${SURVEY_SCALES[kind].bands.map((b) => `WHEN ${score} BETWEEN ${b.min} AND ${b.max} THEN ${literal(b.name)}`).join(' ')} END`;
}

/** The band of a score (JavaScript twin of {@link bandSql}, for tests and narratives). */
export function bandOf(kind: SurveyKind, score: number): string {
  return SURVEY_SCALES[kind].bands.find((b) => score >= b.min && score <= b.max)?.name ?? NO_RESPONSE;
}

const WHOLE = `'[+-]?[0-9]+([.]0*)?'`;

export async function loadSurveys(db: Database, input: SurveysInput, options: { asOf: string; ordersAggregated?: boolean }): Promise<LoadedSurveys> {
  const file = input.path;
  const scale = SURVEY_SCALES[input.kind];
  for (const key of Object.keys(input.map ?? {})) {
    if (!(SURVEY_COLUMNS as readonly string[]).includes(key)) {
      throw new UserError(`--survey-map ${key}=…: unknown column "${key}"; the survey columns are ${SURVEY_COLUMNS.join(', ')}`);
    }
  }
  const table = await readTextTable(db, file, 'surveys_raw', 'survey answers (customer_id, date, score)');
  const wanted = SURVEY_COLUMNS.map((c) => ({ canonical: c, name: input.map?.[c] ?? c }));
  const cols = wanted.map((w) => ({ ...w, col: findColumn(table.columns, w.name) }));
  const missing = cols.filter((c) => !c.col);
  if (missing.length > 0) {
    throw new InputError(file, [
      {
        line: 1,
        message: `missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.map((m) => `"${m.name}"`).join(', ')}; the header has ${table.columns.map((c) => JSON.stringify(c.name)).join(', ')} (a survey file needs customer_id, date, score; map other names with --survey-map score=YourColumn)`,
      },
    ]);
  }
  const [id, date, score] = cols.map((c) => c.col!);
  const { from, to } = DEFAULT_YEARS;
  await db.run(`DROP TABLE IF EXISTS survey_rows`);
  await db.run(`
    CREATE TEMP TABLE survey_rows AS
    SELECT rec, customer_id, raw_date, response_date, raw_score, score,
           CASE WHEN customer_id IS NULL THEN 1
                WHEN response_date IS NULL OR NOT (response_date BETWEEN DATE '${from}-01-01' AND DATE '${to}-12-31') THEN 2
                WHEN score_text IS NULL THEN 0
                WHEN NOT regexp_full_match(score_text, ${WHOLE}) THEN 3
                WHEN score IS NULL OR score NOT BETWEEN ${scale.min} AND ${scale.max} THEN 4
                ELSE 0 END AS problem
    FROM (
      SELECT rowid AS rec, nullif(trim(${id.sql}), '') AS customer_id, ${date.sql} AS raw_date,
             ${dateSql(date.sql, input.dateFormat)} AS response_date, ${score.sql} AS raw_score,
             nullif(trim(${score.sql}), '') AS score_text,
             CASE WHEN regexp_full_match(trim(${score.sql}), ${WHOLE}) THEN TRY_CAST(TRY_CAST(trim(${score.sql}) AS DOUBLE) AS INTEGER) END AS score
      FROM surveys_raw)`);
  await db.run(`DROP TABLE surveys_raw`);
  const [{ bad }] = await db.rows<{ bad: number }>(`SELECT CAST(count(*) AS INTEGER) AS bad FROM survey_rows WHERE problem > 0`);
  if (bad > 0) {
    const listed = await db.rows<{ rec: number; problem: number; customer_id: string | null; raw_date: string | null; raw_score: string | null }>(
      `SELECT rec, problem, customer_id, raw_date, raw_score FROM survey_rows WHERE problem > 0 ORDER BY rec LIMIT ${MAX_LISTED_PROBLEMS}`,
    );
    await db.run(`DROP TABLE survey_rows`);
    const lines = await table.lines(listed.map((r) => r.rec));
    const scaleText = `a whole number from ${scale.min} to ${scale.max} (${input.kind === 'nps' ? 'NPS: 0–10' : 'CSAT: 1–5'}; --survey-kind says which)`;
    const problems: InputProblem[] = listed.map((r) => {
      const line = lines.get(r.rec);
      const at = (c: typeof id, value: string | null) => ({ line, column: c.position, columnName: c.name, value: value ?? '' });
      switch (r.problem) {
        case 1:
          return { ...at(id, ''), message: 'empty customer_id; every answer needs the customer who gave it' };
        case 2:
          return { ...at(date, r.raw_date), message: `not a valid date; ${expectedDate(input.dateFormat).replace('--date-format', '--survey-date-format')}, in the years ${from}–${to}` };
        case 3:
          return { ...at(score, r.raw_score), message: `not a whole number; expected ${scaleText}` };
        default:
          return { ...at(score, r.raw_score), message: `score out of range; expected ${scaleText}` };
      }
    });
    throw new InputError(file, problems, bad, table.unit);
  }
  const count = async (where: string) => (await db.rows<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM survey_rows WHERE ${where}`))[0].n;
  const dropped: DroppedRows[] = [];
  const drop = async (where: string, reason: string) => {
    const n = await count(where);
    if (n > 0) {
      dropped.push({ reason, rows: n });
      await db.run(`DELETE FROM survey_rows WHERE ${where}`);
    }
  };
  await drop('score IS NULL', 'empty score (a question left unanswered)');
  await drop(`response_date > DATE ${literal(options.asOf)}`, `answer dated after the as-of date ${options.asOf}`);
  await drop(
    `customer_id NOT IN (${purchasersSql(options.ordersAggregated === true)})`,
    `answer from a customer with no order on or before ${options.asOf} (not in the orders)`,
  );
  await db.run(`DROP TABLE IF EXISTS survey_responses`);
  await db.run(`CREATE TEMP TABLE survey_responses AS SELECT rec, customer_id, response_date, CAST(score AS INTEGER) AS score FROM survey_rows`);
  await db.run(`DROP TABLE survey_rows`);
  await db.run(`DROP TABLE IF EXISTS survey_bands`);
  await db.run(`
    CREATE TEMP TABLE survey_bands AS
    SELECT customer_id, ${bandSql(input.kind, 'score')} AS band FROM survey_responses
    QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY response_date DESC, rec DESC) = 1`);
  const [n] = await db.rows<{ responses: number; respondents: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS responses, CAST(count(DISTINCT customer_id) AS INTEGER) AS respondents FROM survey_responses`,
  );
  return {
    input: { path: file, format: table.format, sha256: table.sha256, bytes: table.bytes, rows_read: table.rows, rows_kept: n.responses, dropped },
    kind: input.kind,
    column: scale.column,
    responses: n.responses,
    respondents: n.respondents,
  };
}
