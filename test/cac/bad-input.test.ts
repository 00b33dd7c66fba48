/**
 * Bad spend and customers files, and bad options, refused by `clv report`
 * with exit code 2, a file:line:column message, no stack trace and nothing
 * written (the previous report stays).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';
import { TOOL } from '../../lib/version.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-cac-bad-'));
const ORDERS = 'test/fixtures/cac/orders.csv';

function file(name: string, content: string): string {
  const p = join(work, name);
  writeFileSync(p, content);
  return p;
}

/** Runs the report over an existing output directory and checks it was left alone. */
function refused(args: string[]): string {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  writeFileSync(join(out, 'index.html'), 'previous report');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({ tool: TOOL }));
  const r = runClv(['report', '--orders', ORDERS, '--no-clv', '--out', out, '--quiet', ...args]);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('previous report');
  return r.stderr;
}

describe('bad spend files', () => {
  it('names a missing column and the columns the file has', () => {
    const spend = file('no-spend-col.csv', 'period,channel,amount\n2023-01,ads,10\n');
    expect(refused(['--spend', spend])).toBe(
      `clv: cannot read ${spend}: 1 problem\n  ${spend}:1: missing required column "spend"; the header has "period", "channel", "amount" (a spend file needs period, channel, spend; optional cost_type, currency)\n`,
    );
  });

  it('points at a bad number by line and column', () => {
    // Line 3 is the second data row; spend is the 3rd column.
    const spend = file('bad-number.csv', 'period,channel,spend\n2023-01,ads,10\n2023-02,ads,"1,200"\n2023-03,ads,$5\n');
    expect(refused(['--spend', spend])).toBe(
      [
        `clv: cannot read ${spend}: 2 problems`,
        `  ${spend}:3:3: column "spend": value "1,200": not a valid spend; expected a number such as 1250.50, without currency symbols or thousands separators`,
        `  ${spend}:4:3: column "spend": value "$5": not a valid spend; expected a number such as 1250.50, without currency symbols or thousands separators`,
        '',
      ].join('\n'),
    );
  });

  it('refuses negative spend and a bad period', () => {
    const spend = file('negative.csv', 'channel;period;spend\nads;2023-01;10\nads;2023-13;5\nsocial;2023-02;-20\n');
    expect(refused(['--spend', spend])).toBe(
      [
        `clv: cannot read ${spend}: 2 problems`,
        `  ${spend}:3:2: column "period": value "2023-13": not a valid period; expected a month as YYYY-MM (e.g. 2024-03) or a date as YYYY-MM-DD`,
        `  ${spend}:4:3: column "spend": value "-20": negative spend; spend must be 0 or more (book refunds and credits as lower spend of the period)`,
        '',
      ].join('\n'),
    );
  });

  it('names every row in another currency', () => {
    const spend = file('currency.csv', 'period,channel,spend,currency\n2023-01,ads,10,USD\n2023-01,social,5,EUR\n2023-02,ads,10,\n2023-02,social,7,eur\n');
    expect(refused(['--spend', spend])).toBe(
      [
        `clv: cannot read ${spend}: 3 problems`,
        `  ${spend}: 2 rows are not in the report's currency USD: lines 3, 5`,
        `  ${spend}:3:4: column "currency": value "EUR": spend in EUR, but the report is in USD; convert these rows to USD (or run the report with --currency EUR if every amount is in EUR)`,
        `  ${spend}:5:4: column "currency": value "eur": spend in EUR, but the report is in USD; convert these rows to USD (or run the report with --currency EUR if every amount is in EUR)`,
        '',
      ].join('\n'),
    );
  });

  it('refuses rows with the wrong number of fields and empty files', () => {
    const ragged = file('ragged.csv', 'period,channel,spend\n2023-01,ads,10,extra\n');
    expect(refused(['--spend', ragged])).toBe(
      `clv: cannot read ${ragged}: 1 problem\n  ${ragged}:2: the row has 4 fields but the header has 3; a field that contains the delimiter must be enclosed in double quotes\n`,
    );
    const empty = file('empty.csv', '');
    expect(refused(['--spend', empty])).toContain(`${empty}: the file is empty`);
    expect(refused(['--spend', join(work, 'missing.csv')])).toContain('missing.csv: cannot open spend rows');
  });
});

describe('bad customers files and options', () => {
  it('refuses a repeated customer_id and an unknown attribution column', () => {
    const spend = 'test/fixtures/cac/spend.csv';
    const dup = file('customers-dup.csv', 'customer_id,source\nA1,ads\nS1,social\n A1 ,ads\n');
    expect(refused(['--spend', spend, '--customers', dup, '--attribution', 'customers:source'])).toBe(
      `clv: cannot read ${dup}: 1 problem\n  ${dup}:4:1: column "customer_id": value "A1": customer_id repeated (first on line 2); the customers file needs one row per customer\n`,
    );
    const ok = file('customers.csv', 'customer_id,source\nA1,ads\n');
    expect(refused(['--spend', spend, '--customers', ok, '--attribution', 'customers:channel'])).toBe(
      `clv: --attribution customers:channel: ${ok} has no column "channel"; choose one of source\n`,
    );
    expect(refused(['--spend', spend, '--attribution', 'customers:source'])).toBe('clv: --attribution customers:source: needs --customers FILE, the customers file with that column\n');
    expect(refused(['--spend', spend, '--attribution', 'last-touch'])).toContain('--attribution "last-touch": expected first-order or customers:<column>');
    expect(refused(['--spend', spend, '--margin', '35'])).toContain('--margin 35: expected the fraction of revenue kept as gross profit');
    expect(refused(['--customers', ok, '--attribution', 'customers:source'])).toContain('--attribution: sets the acquisition channel of the CAC sections, which need a spend file too (--spend FILE)');
  }, 60_000);
});
