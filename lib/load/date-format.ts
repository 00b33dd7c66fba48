/**
 * Date parsing rules for order dates. Without a format, a value is accepted
 * when it is `YYYY-MM-DD` or an ISO 8601 date-time with or without a UTC
 * offset; date-times are converted to UTC and their calendar date kept.
 * With `--date-format`, values follow that pattern, written with the usual
 * tokens (`yyyy MM dd HH mm ss SSS XXX`, e.g. `yyyyMMdd`, `dd/MM/yyyy`) or
 * directly as a strptime pattern containing `%`.
 */
import { UserError } from '../errors.ts';
import { DUCKDB, type Dialect } from '../engine/dialect.ts';

const TOKENS: [string, string][] = [
  ['yyyy', '%Y'],
  ['yy', '%y'],
  ['MMMM', '%B'],
  ['MMM', '%b'],
  ['MM', '%m'],
  ['M', '%-m'],
  ['dd', '%d'],
  ['d', '%-d'],
  ['HH', '%H'],
  ['H', '%-H'],
  ['mm', '%M'],
  ['ss', '%S'],
  ['SSS', '%g'],
  ['XXX', '%z'],
  ['XX', '%z'],
  ['X', '%z'],
  ['Z', '%z'],
];

/** Converts a `yyyyMMdd`-style pattern into a DuckDB strptime pattern. */
export function toStrptime(pattern: string): string {
  if (pattern.includes('%')) return pattern;
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new UserError(`--date-format ${JSON.stringify(pattern)}: unclosed quote`);
      out += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    const token = TOKENS.find(([t]) => pattern.startsWith(t, i));
    if (token) {
      out += token[1];
      i += token[0].length;
    } else if (/[A-Za-z]/.test(ch)) {
      throw new UserError(
        `--date-format ${JSON.stringify(pattern)}: unknown letter "${ch}" at position ${i + 1}; use yyyy, MM, dd, HH, mm, ss, SSS, XXX (quote literal letters as 'T')`,
      );
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Inclusive range of accepted order years. */
export interface YearRange {
  from: number;
  to: number;
}

/** Order dates outside these years are refused (a typo such as 20244, or a placeholder such as 0001-01-01). */
export const DEFAULT_YEARS: YearRange = { from: 1900, to: 2200 };

/** Parses `FROM-TO` (e.g. 1900-2200) for `--valid-years` or the config's `orders.valid_years`. */
export function parseYears(text: string, where: string): YearRange {
  const m = /^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UserError(`${where} ${JSON.stringify(text)}: expected two years FROM-TO such as 1900-2200 (four digits each, FROM not after TO, FROM at least 0001)`);
  }
  return { from: Number(m[1]), to: Number(m[2]) };
}

/**
 * SQL: whether the text expression `raw` is a plain decimal number (optional
 * sign, digits, optional point and digits, spaces around). DuckDB's own cast
 * also takes `1_000`, `1e3` and `0x10`, which a spreadsheet would not mean.
 */
export function plainNumberSql(raw: string, d: Dialect = DUCKDB): string {
  return d.fullMatch(raw, ' *[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+) *');
}

/** What a user is told a date should look like. */
export function expectedDate(pattern?: string): string {
  return pattern
    ? `expected a date in the format ${pattern}`
    : 'expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)';
}

/**
 * SQL expression that turns the text expression `raw` into a UTC calendar
 * DATE, or NULL when it does not parse. The session time zone must be UTC.
 */
export function dateSql(raw: string, pattern?: string): string {
  if (pattern) {
    const fmt = toStrptime(pattern).replaceAll("'", "''");
    return `CAST(try_strptime(trim(${raw}), '${fmt}') AS DATE)`;
  }
  // trim() only where needed: unconditionally it is costly on millions of rows.
  // Only text that starts like YYYY-MM-DD: DuckDB's cast also reads words such as 'epoch' and 'infinity'.
  return `CASE WHEN NOT regexp_matches(${raw}, '^ *[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN NULL
               WHEN length(${raw}) <= 10 THEN TRY_CAST(${raw} AS DATE)
               WHEN (starts_with(${raw}, ' ') OR ends_with(${raw}, ' ')) AND length(trim(${raw})) <= 10 THEN TRY_CAST(trim(${raw}) AS DATE)
               ELSE CAST(TRY_CAST(${raw} AS TIMESTAMPTZ) AS DATE) END`;
}
