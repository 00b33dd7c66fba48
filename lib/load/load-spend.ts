/**
 * Loads a marketing (and sales) spend file: one row per period and channel.
 *
 *   period     `YYYY-MM` (a month) or `YYYY-MM-DD` (a day; the spend counts in the month or quarter of that day)
 *   channel    acquisition channel the money was spent on (matched to customers' channels after trimming and case-folding)
 *   spend      amount ≥ 0, a plain number such as 1250.50
 *   cost_type  optional: `marketing` (default) or `sales`
 *   currency   optional: ISO 4217 code; must be the report's currency (empty = the report's)
 *
 * Every problem is reported as file:line:column (exit code 2), like the
 * orders file. Rows repeating a period and channel are added up.
 */
import { InputError, type InputProblem } from '../errors.ts';
import type { Database } from '../engine/database.ts';
import type { DroppedRows, InputSummary } from './load-orders.ts';
import { findColumn, readTextTable } from './read-table.ts';
import type { PgTarget } from '../sources/pg-connection.ts';

export const SPEND_REQUIRED_COLUMNS = ['period', 'channel', 'spend'] as const;
export const SPEND_OPTIONAL_COLUMNS = ['cost_type', 'currency'] as const;
export const COST_TYPES = ['marketing', 'sales'] as const;
export type CostType = (typeof COST_TYPES)[number];

export interface SpendRow {
  /** First day the spend applies to: the month's first day for `YYYY-MM`, else the date itself (`YYYY-MM-DD`). */
  date: string;
  /** Channel as written (trimmed). */
  channel: string;
  /** Matching key: trimmed and case-folded. */
  key: string;
  spend: number;
  costType: CostType;
  /** Line (CSV) or row (Parquet) in the file. */
  line: number;
}

export interface LoadedSpend {
  input: InputSummary;
  /** Rows on or before the as-of date, in file order. */
  rows: SpendRow[];
}

/** The key channels are matched by: trimmed, case-folded. */
export function channelKey(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function validMonth(s: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

function validDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export async function loadSpend(db: Database, input: string | PgTarget, options: { currency: string; asOf: string }): Promise<LoadedSpend> {
  const table = await readTextTable(db, input, 'spend_in', 'spend rows (period, channel, spend)');
  const file = table.path;
  const missing = SPEND_REQUIRED_COLUMNS.filter((c) => !findColumn(table.columns, c));
  if (missing.length > 0) {
    throw new InputError(file, [
      {
        line: table.format === 'postgres' ? undefined : 1,
        message: `missing required ${missing.length === 1 ? 'column' : 'columns'} ${missing.map((m) => `"${m}"`).join(', ')}; the header has ${table.columns.map((c) => JSON.stringify(c.name)).join(', ')} (a spend file needs period, channel, spend; optional cost_type, currency)`,
      },
    ]);
  }
  const cols = [...SPEND_REQUIRED_COLUMNS, ...SPEND_OPTIONAL_COLUMNS].map((c) => ({ canonical: c, col: findColumn(table.columns, c) }));
  const select = cols.map((c, i) => (c.col ? `${c.col.sql} AS v${i}` : `NULL AS v${i}`)).join(', ');
  const raw = await db.rows<Record<string, string | null> & { rec: number }>(`SELECT rowid AS rec, ${select} FROM spend_in ORDER BY rowid`);
  await db.run(`DROP TABLE spend_in`);
  const lines = await table.lines(raw.map((r) => r.rec));
  const problems: InputProblem[] = [];
  const rows: SpendRow[] = [];
  const wrongCurrency: number[] = [];
  let afterAsOf = 0;
  const report = options.currency.toUpperCase();
  for (const r of raw) {
    const line = lines.get(r.rec) ?? r.rec + 2;
    const value = (i: number) => (r[`v${i}`] ?? '').trim();
    const where = (i: number) => ({ line, column: cols[i].col!.position, columnName: cols[i].col!.name, value: r[`v${i}`] ?? '' });
    const before = problems.length;
    const period = value(0);
    let date = '';
    if (validMonth(period)) date = `${period}-01`;
    else if (validDay(period)) date = period;
    else problems.push({ ...where(0), message: period === '' ? 'empty period; expected a month as YYYY-MM or a date as YYYY-MM-DD' : 'not a valid period; expected a month as YYYY-MM (e.g. 2024-03) or a date as YYYY-MM-DD' });
    const channel = value(1);
    if (channel === '') problems.push({ ...where(1), message: 'empty channel; every spend row needs the channel the money was spent on' });
    const spendText = value(2);
    let spend = Number.NaN;
    if (spendText === '') problems.push({ ...where(2), message: 'empty spend; expected a number such as 1250.50 (0 for no spend)' });
    else if (!NUMBER.test(spendText)) problems.push({ ...where(2), message: 'not a valid spend; expected a number such as 1250.50, without currency symbols or thousands separators' });
    else {
      spend = Number(spendText);
      if (!(Math.abs(spend) < 1e15)) problems.push({ ...where(2), message: 'too large a spend; expected an amount below 1,000,000,000,000,000 (check for a stray digit or a missing decimal point)' });
      else if (spend < 0) problems.push({ ...where(2), message: 'negative spend; spend must be 0 or more (book refunds and credits as lower spend of the period)' });
    }
    let costType: CostType = 'marketing';
    if (cols[3].col) {
      const ct = value(3).toLowerCase();
      if (ct === 'marketing' || ct === 'sales') costType = ct;
      else if (ct !== '') problems.push({ ...where(3), message: 'not a valid cost type; expected marketing or sales (empty = marketing)' });
    }
    if (cols[4].col) {
      const cur = value(4).toUpperCase();
      if (cur !== '' && !/^[A-Z]{3}$/.test(cur)) problems.push({ ...where(4), message: 'not a valid currency; expected an ISO 4217 code such as USD' });
      else if (cur !== '' && cur !== report) {
        problems.push({ ...where(4), message: `spend in ${cur}, but the report is in ${report}; convert these rows to ${report} (or run the report with --currency ${cur} if every amount is in ${cur})` });
        wrongCurrency.push(line);
      }
    }
    if (problems.length > before) continue;
    if (date > options.asOf) {
      afterAsOf++;
      continue;
    }
    rows.push({ date, channel, key: channelKey(channel), spend, costType, line });
  }
  if (problems.length > 0) {
    if (wrongCurrency.length > 0) {
      // Name every row in another currency up front, not only those among the first problems listed.
      const shown = wrongCurrency.length > 40 ? `${wrongCurrency.slice(0, 40).join(', ')}, …` : wrongCurrency.join(', ');
      problems.unshift({ message: `${wrongCurrency.length} ${wrongCurrency.length === 1 ? 'row is' : 'rows are'} not in the report's currency ${report}: ${table.unit === 'line' ? 'line' : 'row'}${wrongCurrency.length === 1 ? '' : 's'} ${shown}` });
    }
    throw new InputError(file, problems, problems.length, table.unit);
  }
  const dropped: DroppedRows[] = [];
  if (afterAsOf > 0) dropped.push({ reason: `spend dated after the as-of date ${options.asOf}`, rows: afterAsOf });
  return {
    input: { path: file, format: table.format, sha256: table.sha256, bytes: table.bytes, rows_read: table.rows, rows_kept: rows.length, dropped },
    rows,
  };
}
