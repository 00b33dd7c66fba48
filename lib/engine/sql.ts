/**
 * SQL text helpers (no database here, so the model files can render their SQL
 * fast paths without loading DuckDB).
 */

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A JavaScript number as a DOUBLE literal. A bare `0.2425` would be read as a
 * DECIMAL sized to its digits, and arithmetic with it can overflow that type.
 */
export function double(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `CAST('${value}' AS DOUBLE)`;
}

/**
 * SQL sum of a DOUBLE expression that does not depend on the order DuckDB's
 * threads add the rows in (a plain floating-point sum does, in its last bits):
 * each value is rounded to 9 decimals and summed as an exact DECIMAL.
 */
export function exactSum(expr: string): string {
  return `CAST(sum(CAST(${expr} AS DECIMAL(38,9))) AS DOUBLE)`;
}

/** SQL mean of a DOUBLE expression, reproducible like {@link exactSum}. */
export function exactAvg(expr: string): string {
  return `(${exactSum(expr)} / nullif(count(${expr}), 0))`;
}
