/**
 * The survey kinds and the survey input's options, without the loader's imports (DuckDB), so that the
 * CLI's option checks and --help can use them cheaply (lib/load/load-surveys.ts reads the file).
 */
export const SURVEY_KINDS = ['nps', 'csat'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

export interface SurveysInput {
  path: string;
  kind: SurveyKind;
  /** Canonical column → column name in the file. */
  map?: Record<string, string>;
  /** Pattern of dates that are not ISO 8601 (as --date-format). */
  dateFormat?: string;
}
