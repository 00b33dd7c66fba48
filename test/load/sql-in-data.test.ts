/**
 * No data as code: column names and cells made of SQL (quotes, semicolons,
 * COPY … TO, DuckDB's own names rowid and seq) are read as data, never run,
 * and never confused with the tool's own columns; and nothing a file holds
 * reaches a spreadsheet as a formula (every exported CSV, header and cells,
 * and the CSV inside the report's download links).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../lib/errors.ts';
import { analyzeFile } from '../helpers/pipeline.ts';
import { runClv } from '../helpers/cli.ts';
import { Rng } from '../../lib/sample/rng.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-sql-'));
/** The file an injected COPY would write. */
const pwned = join(work, 'pwned.csv');
const copy = (n: number) => `0); COPY (SELECT ${n}) TO '${pwned}'; --`;

const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
const HOSTILE_NAMES = ['rowid', 'seq', 'x', 'bad', 'T', 'seg_0', `it's"; DROP TABLE facts; --`, `COPY (SELECT 1) TO '${pwned}'`, 'attribute:region'];

function ordersFile(name: string, rows: string[][]): string {
  const header = ['customer_id', 'order_date', 'amount', ...HOSTILE_NAMES].map(q).join(',');
  const path = join(work, name);
  writeFileSync(path, `${[header, ...rows.map((r) => r.map(q).join(','))].join('\n')}\n`);
  return path;
}

/** Row of customer c on day d: each hostile column holds its own name and a value per customer, so a mix-up shows. */
const row = (c: string, date: string, amount: string, value = c) => [c, date, amount, ...HOSTILE_NAMES.map((_n, i) => `${value}-${i}`)];

describe('SQL in an orders file is data', () => {
  it('a bad row whose columns are named rowid (the old injection) is reported with its own value, and nothing runs', async () => {
    const path = ordersFile('bad.csv', [
      ['A', '2024-01-05', '10', copy(1), copy(2), copy(3), copy(4), copy(5), copy(6), copy(7), copy(8), copy(9)],
      ['B', '2024-02-05', 'oops', copy(1), copy(2), copy(3), copy(4), copy(5), copy(6), copy(7), copy(8), copy(9)],
    ]);
    const err = await analyzeFile({ path }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      `cannot read ${path}: 1 problem\n  ${path}:3:3: column "amount": value "oops": not a valid amount; expected a number such as 42.50 or -12.00, without currency symbols or thousands separators`,
    );
    expect(existsSync(pwned)).toBe(false);
  });

  it('columns named like DuckDB\'s or the tool\'s own give the right segments, and cells of SQL are plain values', async () => {
    const path = ordersFile('ok.csv', [
      row('A', '2024-01-05', '10'),
      row('A', '2024-02-05', '20'),
      row('B', '2024-01-09', '15', copy(1)),
      [copy(2), '2024-03-09', '5', ...HOSTILE_NAMES.map(() => `'; DELETE FROM orders_in; --`)],
    ]);
    const { analysis, orders, facts } = await analyzeFile({ path }, { segmentBy: HOSTILE_NAMES });
    expect(orders.attributes).toEqual(HOSTILE_NAMES);
    expect(facts.n).toBe(4); // no row deleted
    expect(analysis.segments.map((s) => s.column)).toEqual(HOSTILE_NAMES);
    HOSTILE_NAMES.forEach((name, i) => {
      const seg = analysis.segments[i];
      const sizes = new Map<string, number>();
      for (const cell of seg.cells) if (cell.period_offset === 0) sizes.set(String(cell.segment), (sizes.get(String(cell.segment)) ?? 0) + cell.cohort_customers);
      expect(Object.fromEntries(sizes), name).toEqual({ [`A-${i}`]: 1, [`${copy(1)}-${i}`]: 1, [`'; DELETE FROM orders_in; --`]: 1 });
    });
    expect(existsSync(pwned)).toBe(false);
  });

  it('names that differ only in case are refused: SQL would take them for the same column', async () => {
    const path = join(work, 'case.csv');
    writeFileSync(path, 'customer_id,order_date,amount,Region,region\nA,2024-01-05,10,n,s\n');
    const err = await analyzeFile({ path }).then(() => null, (e: unknown) => e);
    expect((err as UserError).message).toBe(
      `cannot read ${path}: 1 problem\n  ${path}:1:5: column "region": the same column name as column 4 ("Region") except for case; names must differ in more than case`,
    );
  });
});

/** Every CSV in `dir` and the CSV of every download link of its index.html, as rows of cells. */
function exportedTables(dir: string): Map<string, string[][]> {
  const parse = (text: string): string[][] => {
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') row.push(cell), (cell = '');
      else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
      else cell += ch;
    }
    if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
    return rows;
  };
  const tables = new Map<string, string[][]>();
  for (const name of readdirSync(join(dir, 'data'))) tables.set(`data/${name}`, parse(readFileSync(join(dir, 'data', name), 'utf8')));
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  let k = 0;
  for (const m of html.matchAll(/href="data:text\/csv;charset=utf-8,([^"]*)"/g)) {
    tables.set(`index.html link ${k++}`, parse(decodeURIComponent(m[1].replaceAll('&amp;', '&'))));
  }
  return tables;
}

describe('no formula reaches a spreadsheet', () => {
  it('every exported CSV (header and cells) and every download link of report and score', () => {
    const names = ['=cmd()', '+plus', '-minus', '@at', '\tTAB', 'plain'];
    const lines = [`customer_id,order_date,amount,channel,${names.map(q).join(',')}`];
    for (let c = 0; c < 60; c++) {
      const id = ['=HYPERLINK("x")', '+1+1', '-2-2', '@SUM(A1)', '\tt', '\rr'][c % 6] + c;
      for (let k = 0; k < 1 + (c % 4); k++) {
        lines.push([id, `2024-${String(1 + ((c + 3 * k) % 12)).padStart(2, '0')}-1${k}`, String(10 + c + k), c % 2 ? '=ads' : '@mail', ...names.map((_n, i) => ['=1+2', '+x', '-y', '@z', '\tw', 'ok'][(c + i) % 6])].map(q).join(','));
      }
    }
    const orders = join(work, 'formulas.csv');
    writeFileSync(orders, `${lines.join('\n')}\n`);
    const seg = names.filter((n) => !n.startsWith('\t')).join(',');
    const report = runClv(['report', '--orders', orders, '--segment-by', seg, '--bootstrap', '0', '--holdout-months', '0', '--out', join(work, 'report'), '--quiet']);
    expect(report.status, report.stderr).toBe(0);
    const score = runClv(['score', '--orders', orders, '--segment-by', seg, '--out', join(work, 'score'), '--quiet']);
    expect(score.status, score.stderr).toBe(0);
    let checked = 0;
    for (const dir of ['report', 'score']) {
      for (const [file, rows] of exportedTables(join(work, dir))) {
        for (const [r, cells] of rows.entries()) {
          for (const cell of cells) {
            checked++;
            if (/^[=+\-@\t\r]/.test(cell)) expect(cell, `${dir}/${file} row ${r}`).toMatch(/^-\d+(\.\d+)?(e-?\d+)?$/); // only negative numbers
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  }, 180_000);

  it('every data file the README lists, with spend, customers, surveys and a product column of formulas', () => {
    // 300 customers over four years whose ids, channels, products, attribute names and values all
    // start with = + - @ tab or CR; amounts vary between customers so that every model fits and
    // every file is written.
    const rng = new Rng(16, 1);
    const starts = ['=HYPERLINK("x")', '+1+1', '-2-2', '@SUM(A1)', '\tt', '\rr'];
    const channels = ['=ads', '@mail', '+seo', '-tv'];
    const products = ['=prod()', '@p', '+q', '-r', 'ok'];
    const id = (c: number) => starts[c % 6] + c;
    const day = (d: number) => new Date(Date.UTC(2021, 0, 1 + d)).toISOString().slice(0, 10);
    const orders = [['order_id', 'customer_id', 'order_date', 'amount', 'channel', 'product', '=hdr()', '@hdr2']];
    for (let c = 0, n = 0; c < 300; c++) {
      const mean = 60 * Math.exp(0.6 * rng.normal());
      const gap = [20, 60, 150][c % 3];
      for (let k = 0, d = rng.int(0, 700); k <= rng.int(0, 8) && d < 1461; k++, d += rng.int(1, 2 * gap)) {
        orders.push([`=o${n++}`, id(c), day(d), (mean * Math.exp(0.3 * rng.normal())).toFixed(2), channels[c % 4], products[(c + k) % 5], starts[(c + k) % 6], starts[(c + 2 * k) % 6]]);
      }
    }
    const customers = [['customer_id', '=seg()', '@region'], ...Array.from({ length: 300 }, (_v, c) => [id(c), starts[(c * 7) % 6], channels[c % 4]])];
    const spend = [['period', 'channel', 'spend']];
    for (let m = 0; m < 48; m++) for (const ch of channels) spend.push([`${2021 + Math.floor(m / 12)}-${String(1 + (m % 12)).padStart(2, '0')}`, ch, String(100 + m)]);
    const surveys = [['customer_id', 'date', 'score'], ...Array.from({ length: 150 }, (_v, i) => [id(2 * i), `2022-0${1 + (i % 9)}-05`, String(i % 11)])];
    const write = (name: string, rows: string[][]) => {
      writeFileSync(join(work, name), `${rows.map((r) => r.map(q).join(',')).join('\n')}\n`);
      return join(work, name);
    };
    const inputs = ['--orders', write('all-orders.csv', orders), '--spend', write('all-spend.csv', spend), '--customers', write('all-customers.csv', customers), '--surveys', write('all-surveys.csv', surveys), '--map', 'product=product'];
    const segments = ['--segment-by', '=hdr(),@hdr2,first:product,=seg(),@region'];
    const report = runClv(['report', ...inputs, ...segments, '--bootstrap', '0', '--out', join(work, 'all-report'), '--quiet'], {}, 240_000);
    expect(report.status, report.stderr).toBe(0);
    const listed = [...readFileSync('README.md', 'utf8').matchAll(/^DIR\/(data\/[a-z_]+\.csv) /gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(15);
    const tables = exportedTables(join(work, 'all-report'));
    expect([...tables.keys()].filter((k) => k.startsWith('data/')).sort()).toEqual([...listed].sort());
    let checked = 0;
    for (const [file, rows] of tables) {
      expect(rows.length, file).toBeGreaterThan(1);
      for (const [r, cells] of rows.entries()) {
        for (const cell of cells) {
          checked++;
          if (/^[=+\-@\t\r]/.test(cell)) expect(cell, `${file} row ${r}`).toMatch(/^-\d+(\.\d+)?(e-?\d+)?$/);
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    // The hostile names reached the files (as text), so the check above saw them.
    const cell = (file: string, text: string) => tables.get(`data/${file}`)!.some((row) => row.includes(text));
    expect(cell('customers.csv', `'=HYPERLINK("x")0`)).toBe(true);
    expect(cell('cohort_retention_by_segment.csv', `'=hdr()`)).toBe(true);
    expect(cell('cohort_retention_by_segment.csv', `'=seg()`)).toBe(true);
    expect(cell('first_products.csv', `'=prod()`)).toBe(true);
    expect(cell('unit_economics.csv', `'=ads`)).toBe(true);
  }, 300_000);
});
