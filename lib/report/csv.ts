/**
 * CSV output for the data files. Numbers are written in plain decimal
 * notation, rounded to 10 significant decimals so the files do not carry
 * floating-point noise; text cells that a spreadsheet could read as a formula
 * (starting with = + - @, tab or carriage return) are prefixed with a single
 * quote; cells are quoted when they contain a comma, quote or line break.
 */

export type CsvValue = string | number | boolean | null | undefined;

/** Formats a number for CSV: integers as they are, others rounded, never exponent notation. */
export function formatCsvNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const rounded = Number(n.toPrecision(12));
  let s = Math.abs(rounded) < 1e-6 && rounded !== 0 ? rounded.toFixed(12) : String(rounded);
  if (/e/i.test(s)) s = rounded.toFixed(12);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** Neutralises a text cell that a spreadsheet would evaluate as a formula. */
export function neutraliseText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatCsvNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const s = neutraliseText(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes rows as CSV with the given columns, LF line endings and a final newline. */
export function toCsv(columns: readonly string[], rows: Iterable<Record<string, unknown>>): string {
  const out: string[] = [columns.join(',')];
  for (const row of rows) out.push(columns.map((c) => csvCell(row[c] as CsvValue)).join(','));
  return `${out.join('\n')}\n`;
}
