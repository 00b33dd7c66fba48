/**
 * The few SQL constructs whose spelling differs between the engines the customer-base SQL is
 * rendered for: DuckDB (the tool's own engine), PostgreSQL and Trino (docs/scale.md lists the
 * differences and why each rendering is what it is). A definition is written once against this
 * interface (lib/engine/customer-base.ts historySql, lib/engine/periods.ts periodIndexSql,
 * lib/engine/customer-base-sql.ts), never as a hand-written copy per engine. No database here.
 */

export const DIALECT_IDS = ['duckdb', 'postgres', 'trino'] as const;
export type DialectId = (typeof DIALECT_IDS)[number];

export interface Dialect {
  id: DialectId;
  /** Whole days from DATE `a` to DATE `b` (b − a). */
  daysBetween(a: string, b: string): string;
  /** Calendar parts of a DATE, as integers. */
  year(d: string): string;
  month(d: string): string;
  quarter(d: string): string;
  /** floor(n ÷ d) of an integer expression by a positive integer, rounding down also below zero. */
  floorDiv(n: string, d: number): string;
  /** The name of the 64-bit floating point type. */
  double: string;
  /** A DATE as `YYYY-MM-DD` text. */
  isoDate(d: string): string;
  /**
   * The value of `value` on the row with the least `order` among the rows meeting `filter`, NULL
   * values of `value` included (DuckDB's arg_min_null; the other engines through an ordered array).
   */
  firstBy(value: string, order: string, filter: string): string;
  /** A value of any type as text: its type's output (how the engine prints it). */
  text(v: string): string;
  /** Text without surrounding spaces (spaces only), NULL when empty or NULL. */
  trimmedText(t: string): string;
  /** Whether the text `t` matches the regular expression `re` (a literal pattern, no anchors) as a whole. */
  fullMatch(t: string, re: string): string;
}

const duckdb: Dialect = {
  id: 'duckdb',
  daysBetween: (a, b) => `date_diff('day', ${a}, ${b})`,
  year: (d) => `year(${d})`,
  month: (d) => `month(${d})`,
  quarter: (d) => `quarter(${d})`,
  floorDiv: (n, d) => `CAST(floor(${n} / ${d}) AS INTEGER)`,
  double: 'DOUBLE',
  isoDate: (d) => `strftime(${d}, '%Y-%m-%d')`,
  firstBy: (value, order, filter) => `arg_min_null(${value}, ${order}) FILTER (WHERE ${filter})`,
  text: (v) => `CAST(${v} AS VARCHAR)`,
  // trim() only for values that need it: on 10M rows an unconditional trim of four columns doubles the load time.
  trimmedText: (t) => `CASE WHEN starts_with(${t}, ' ') OR ends_with(${t}, ' ') THEN nullif(trim(${t}), '') ELSE nullif(${t}, '') END`,
  fullMatch: (t, re) => `regexp_full_match(${t}, '${re}')`,
};

const postgres: Dialect = {
  id: 'postgres',
  // date - date is an integer number of days.
  daysBetween: (a, b) => `(${b} - ${a})`,
  year: (d) => `CAST(EXTRACT(YEAR FROM ${d}) AS INTEGER)`,
  month: (d) => `CAST(EXTRACT(MONTH FROM ${d}) AS INTEGER)`,
  quarter: (d) => `CAST(EXTRACT(QUARTER FROM ${d}) AS INTEGER)`,
  // Integer division truncates toward zero: divide as numeric and floor.
  floorDiv: (n, d) => `CAST(floor(${n} / ${d}.0) AS INTEGER)`,
  double: 'DOUBLE PRECISION',
  isoDate: (d) => `to_char(${d}, 'YYYY-MM-DD')`,
  firstBy: (value, order, filter) => `(array_agg(${value} ORDER BY ${order}) FILTER (WHERE ${filter}))[1]`,
  // format('%s') prints with the type's output function, as the wire's text format does (a cast to
  // text differs for some types: boolean 'true' instead of 't', inet with its netmask).
  text: (v) => `format('%s', ${v})`,
  trimmedText: (t) => `nullif(btrim(${t}, ' '), '')`,
  fullMatch: (t, re) => `(${t} ~ '^(${re})$')`,
};

const trino: Dialect = {
  id: 'trino',
  daysBetween: (a, b) => `date_diff('day', ${a}, ${b})`,
  year: (d) => `year(${d})`,
  month: (d) => `month(${d})`,
  quarter: (d) => `quarter(${d})`,
  // Integer division truncates toward zero: divide as DOUBLE and floor.
  floorDiv: (n, d) => `CAST(floor(CAST(${n} AS DOUBLE) / ${d}) AS INTEGER)`,
  double: 'DOUBLE',
  isoDate: (d) => `date_format(${d}, '%Y-%m-%d')`,
  // min_by skips NULL values; an ordered array keeps them. element_at gives NULL for an empty array.
  firstBy: (value, order, filter) => `element_at(array_agg(${value} ORDER BY ${order}) FILTER (WHERE ${filter}), 1)`,
  text: (v) => `CAST(${v} AS VARCHAR)`,
  trimmedText: (t) => `nullif(trim(${t}), '')`,
  fullMatch: (t, re) => `regexp_like(${t}, '^(${re})$')`,
};

export const DIALECTS: Record<DialectId, Dialect> = { duckdb, postgres, trino };
export const DUCKDB = duckdb;
