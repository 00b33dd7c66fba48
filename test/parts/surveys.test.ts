/**
 * Survey scores (`--surveys`): the hand fixture (test/fixtures/surveys/, with
 * the orders of test/fixtures/hand-orders.csv) through the CLI, with NPS, CSAT
 * and the bands computed by hand below; bad rows refused with file:line:column
 * (exit 2, nothing written); the bands as segments (`--segment-by nps_band`);
 * on the sample, NPS per month recomputed independently from surveys.csv and
 * the projected value per band equal to Projected value by segment's.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config/report-config.ts';
import { runClv } from '../helpers/cli.ts';
import { sampleConfig } from '../helpers/sample.ts';
import { TOOL } from '../../lib/version.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-surveys-'));
const ORDERS = 'test/fixtures/hand-orders.csv';
const NPS = 'test/fixtures/surveys/nps.csv';
const CSAT = 'test/fixtures/surveys/csat.csv';
const BAD = 'test/fixtures/surveys/bad.csv';

function csv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

function view(name: string, args: string[]): string {
  const out = join(work, `${name}-${Math.random().toString(36).slice(2)}`);
  const r = runClv(['view', name, '--out', out, '--quiet', ...args]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

/** Runs over an existing output folder and checks it was left alone. */
function refused(args: string[]): string {
  const out = join(work, `refused-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  writeFileSync(join(out, 'index.html'), 'previous report');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({ tool: TOOL }));
  const r = runClv([...args, '--out', out, '--quiet']);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('previous report');
  return r.stderr;
}

describe('NPS on the hand fixture', () => {
  let out: string;
  beforeAll(() => {
    out = view('surveys', ['--orders', ORDERS, '--surveys', NPS]);
  }, 60_000);

  it('computes NPS per month from each respondent\'s latest answer in the month (by hand)', () => {
    // 2024-01: A answers 10 then 6 (latest 6: detractor), B 9 (promoter): 3 answers, 2 respondents, NPS 100 × (1 − 1) / 2 = 0, mean (6 + 9) / 2.
    // 2024-02: C 7 (passive), A 9 (promoter); Z has no orders (left out): NPS 100 × (1 − 0) / 2 = 50, mean 8.
    // 2024-03: D 3 (detractor), B 10 then 8 on the same day (the later line counts: passive); E's empty score and
    //          C's answer of 2024-04-02 (after the as-of date 2024-03-31) are left out: NPS 100 × (0 − 1) / 2 = −50, mean 5.5.
    expect(csv(join(out, 'data/surveys.csv'))).toEqual([
      { kind: 'nps', period: '2024-01', complete: 'true', responses: '3', respondents: '2', promoters: '1', passives: '0', detractors: '1', satisfied: '', not_satisfied: '', mean_score: '7.5', nps: '0', csat: '' },
      { kind: 'nps', period: '2024-02', complete: 'true', responses: '2', respondents: '2', promoters: '1', passives: '1', detractors: '0', satisfied: '', not_satisfied: '', mean_score: '8', nps: '50', csat: '' },
      { kind: 'nps', period: '2024-03', complete: 'true', responses: '3', respondents: '2', promoters: '0', passives: '1', detractors: '1', satisfied: '', not_satisfied: '', mean_score: '5.5', nps: '-50', csat: '' },
    ]);
  });

  it('puts each customer in the band of the latest answer, with revenue, orders and retention per band (by hand)', () => {
    // Latest answers: A 9 (2024-02-10: promoter), B 8 (passive), C 7 (passive), D 3 (detractor), E none.
    // Net revenue: A 100 + 50 + 30 = 180 (3 orders); B 80 + 20 − 10 = 90 (2); C 60 + 40 + 25 = 125 (3); D 90 (1); E 70 (1).
    // Month 1 after the first order: A (Jan) ordered in Feb; B (Jan) not in Feb; C (Feb) in Mar; D (Feb) not; E (Mar) has no month 1 yet.
    // Five customers: no model can be fitted, so no projected value.
    const rows = csv(join(out, 'data/survey_bands.csv'));
    const none = { retention_one_year: '', p_alive_mean: '', clv_mean: '', clv_mean_low: '', clv_mean_high: '', small_segment: 'true', kind: 'nps' };
    expect(rows).toEqual([
      { ...none, band: 'promoter', customers: '1', share_of_customers: '0.2', share_of_respondents: '0.25', revenue_per_customer: '180', orders_per_customer: '3', retention_next_period: '1' },
      { ...none, band: 'passive', customers: '2', share_of_customers: '0.4', share_of_respondents: '0.5', revenue_per_customer: '107.5', orders_per_customer: '2.5', retention_next_period: '0.5' },
      { ...none, band: 'detractor', customers: '1', share_of_customers: '0.2', share_of_respondents: '0.25', revenue_per_customer: '90', orders_per_customer: '1', retention_next_period: '0' },
      { ...none, band: 'no response', customers: '1', share_of_customers: '0.2', share_of_respondents: '', revenue_per_customer: '70', orders_per_customer: '1', retention_next_period: '' },
    ]);
  });

  it('counts the rows left out by reason in Data quality and the manifest, and records the input', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    // Overall, by the latest answers: 1 promoter, 2 passives, 1 detractor: NPS 100 × (1 − 1) / 4 = 0; 4 of 5 customers answered.
    expect(manifest.surveys).toEqual({
      kind: 'nps',
      options: { kind: 'nps', map: {}, date_format: null },
      segment_column: 'nps_band',
      customers: 5,
      respondents: 4,
      responses: 8,
      share_answered: 0.8,
      score: 0,
      dropped: [
        { reason: 'empty score (a question left unanswered)', rows: 1 },
        { reason: 'answer dated after the as-of date 2024-03-31', rows: 1 },
        { reason: 'answer from a customer with no order on or before 2024-03-31 (not in the orders)', rows: 1 },
      ],
    });
    expect(manifest.inputs.find((i: { role: string }) => i.role === 'surveys')).toMatchObject({ role: 'surveys', label: NPS, rows_read: 11, rows_kept: 8 });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('4 of 5 customers (80.0%) answered the NPS survey at least once up to 2024-03-31: 8 answers kept, 3 left out (see Data quality).');
    expect(html).toContain('By their latest answer, 25.0% of respondents are promoters, 50.0% passives and 25.0% detractors: an NPS of +0.0.');
    expect(html).toContain('In 2024-03, the latest complete month with answers, NPS was −50.0 from 2 respondents, down 100.0 points from 2024-02 (+50.0, 2 respondents).');
    expect(html).toContain('answer from a customer with no order on or before 2024-03-31 (not in the orders)');
    expect(html).not.toContain('NaN');
  });
});

describe('CSAT on the hand fixture', () => {
  it('gives the share of answers 4–5 per month, and an empty CSAT (never NaN) in a month without answers', () => {
    const out = view('surveys', ['--orders', ORDERS, '--surveys', CSAT, '--survey-kind', 'csat']);
    // Jan: A 5, B 2: 1 of 2 satisfied. Feb: no answers. Mar: C 4, D 4, E 1: 2 of 3.
    expect(csv(join(out, 'data/surveys.csv')).map((r) => [r.period, r.respondents, r.satisfied, r.not_satisfied, r.csat, r.nps, r.mean_score])).toEqual([
      ['2024-01', '2', '1', '1', '0.5', '', '3.5'],
      ['2024-02', '0', '0', '0', '', '', ''],
      ['2024-03', '3', '2', '1', '0.666666666667', '', '3'],
    ]);
    expect(csv(join(out, 'data/survey_bands.csv')).map((r) => [r.band, r.customers])).toEqual([
      ['satisfied', '3'],
      ['not satisfied', '2'],
      ['no response', '0'],
    ]);
    for (const f of ['index.html', 'data/surveys.csv', 'data/survey_bands.csv', 'manifest.json']) expect(readFileSync(join(out, f), 'utf8')).not.toMatch(/NaN|Infinity/);
  }, 60_000);
});

describe('bad survey input', () => {
  it('names file:line:column and what was expected for each bad row, exit 2, nothing written', () => {
    expect(refused(['view', 'surveys', '--orders', ORDERS, '--surveys', BAD])).toBe(
      [
        `clv: cannot read ${BAD}: 5 problems`,
        `  ${BAD}:3:1: column "customer_id": value "": empty customer_id; every answer needs the customer who gave it`,
        `  ${BAD}:4:2: column "date": value "2024-13-01": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --survey-date-format for other layouts), in the years 1900–2200`,
        `  ${BAD}:5:3: column "score": value "ten": not a whole number; expected a whole number from 0 to 10 (NPS: 0–10; --survey-kind says which)`,
        `  ${BAD}:6:3: column "score": value "11": score out of range; expected a whole number from 0 to 10 (NPS: 0–10; --survey-kind says which)`,
        `  ${BAD}:7:3: column "score": value "7.5": not a whole number; expected a whole number from 0 to 10 (NPS: 0–10; --survey-kind says which)`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('refuses NPS scores read as CSAT, a missing column, an unknown mapped column and bands without a survey file', () => {
    expect(refused(['report', '--no-clv', '--orders', ORDERS, '--surveys', NPS, '--survey-kind', 'csat'])).toContain(
      `  ${NPS}:2:3: column "score": value "10": score out of range; expected a whole number from 1 to 5 (CSAT: 1–5; --survey-kind says which)\n`,
    );
    const renamed = join(work, 'renamed.csv');
    writeFileSync(renamed, 'Customer,When,Rating\nA,05/01/2024,9\n');
    expect(refused(['view', 'surveys', '--orders', ORDERS, '--surveys', renamed])).toBe(
      `clv: cannot read ${renamed}: 1 problem\n  ${renamed}:1: missing required columns "customer_id", "date", "score"; the header has "Customer", "When", "Rating" (a survey file needs customer_id, date, score; map other names with --survey-map score=YourColumn)\n`,
    );
    expect(refused(['view', 'surveys', '--orders', ORDERS, '--surveys', renamed, '--survey-map', 'customer=Customer'])).toBe(
      'clv: --survey-map customer=…: unknown column "customer"; the survey columns are customer_id, date, score\n',
    );
    expect(refused(['view', 'segments', '--orders', ORDERS, '--segment-by', 'nps_band'])).toBe(
      'clv: --segment-by nps_band: the survey bands need a survey file: --surveys FILE (and --survey-kind nps or csat)\n',
    );
    expect(refused(['view', 'surveys', '--orders', ORDERS])).toBe('clv: clv view surveys: needs a survey file: --surveys FILE (or surveys.path in the config)\n');
  }, 60_000);

  it('reads other column names and date layouts with --survey-map and --survey-date-format', () => {
    const renamed = join(work, 'mapped.csv');
    writeFileSync(renamed, 'Customer,When,Rating\nA,10/01/2024,10\nB,15/01/2024,2\n');
    const out = view('surveys', ['--orders', ORDERS, '--surveys', renamed, '--survey-map', 'customer_id=Customer', '--survey-map', 'date=When', '--survey-map', 'score=Rating', '--survey-date-format', 'dd/MM/yyyy']);
    expect(csv(join(out, 'data/surveys.csv'))[0]).toMatchObject({ period: '2024-01', respondents: '2', promoters: '1', detractors: '1', nps: '0' });
  }, 60_000);
});

describe('the config\'s surveys key', () => {
  it('resolves the path against the config file, takes kind, map and date format, and refuses wrong values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-surveys-config-'));
    const file = join(dir, 'clv.config.json');
    writeFileSync(file, JSON.stringify({ orders: { path: 'o.csv' }, surveys: { path: 'answers.csv', kind: 'csat', map: { score: 'Rating' }, date_format: 'dd/MM/yyyy' } }));
    const c = readConfig(file);
    expect(c.surveys).toEqual({ path: relative(process.cwd(), join(dir, 'answers.csv')), kind: 'csat', map: { score: 'Rating' }, date_format: 'dd/MM/yyyy' });
    writeFileSync(file, JSON.stringify({ surveys: { path: 'a.csv', kind: 'ces', map: { rating: 'x' } } }));
    expect(() => readConfig(file)).toThrow(/surveys\.kind: .*"nps"\|"csat"[\s\S]*surveys\.map\.rating: unknown key/);
  });

  it('a config naming a survey file adds the section to clv report, as the flags do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clv-surveys-config-'));
    const file = join(dir, 'clv.config.json');
    writeFileSync(file, JSON.stringify({ orders: { path: join(process.cwd(), ORDERS) }, surveys: { path: join(process.cwd(), CSAT), kind: 'csat' }, clv: { enabled: false } }));
    const out = join(dir, 'report');
    const r = runClv(['report', '--config', file, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).sections).toContain('surveys');
    expect(csv(join(out, 'data/surveys.csv'))[0]).toMatchObject({ kind: 'csat', period: '2024-01', csat: '0.5' });
  }, 60_000);
});

describe('survey bands as segments', () => {
  it('--segment-by nps_band: retention per band from the same bands, "no response" for customers without an answer', () => {
    const out = view('segments', ['--orders', ORDERS, '--surveys', NPS, '--segment-by', 'nps_band']);
    const rows = csv(join(out, 'data/cohort_retention_by_segment.csv')).filter((r) => r.period_offset === '0');
    // Cohort sizes per band: promoter A (Jan); passive B (Jan), C (Feb); detractor D (Feb); no response E (Mar).
    expect(rows.map((r) => [r.segment_column, r.segment, r.cohort, r.cohort_customers])).toEqual([
      ['nps_band', 'detractor', '2024-02', '1'],
      ['nps_band', 'no response', '2024-03', '1'],
      ['nps_band', 'passive', '2024-01', '1'],
      ['nps_band', 'passive', '2024-02', '1'],
      ['nps_band', 'promoter', '2024-01', '1'],
    ]);
  }, 60_000);
});

describe('Survey scores on the sample (clv.config.json names data/sample/surveys.csv)', () => {
  const config = sampleConfig('clv-surveys-sample-');
  const surveysFile = join(dirname(config), 'data', 'sample', 'surveys.csv');
  let out: string;
  let segOut: string;
  beforeAll(() => {
    out = view('surveys', ['--config', config, '--bootstrap', '20']);
    segOut = view('segment-value', ['--config', config, '--segment-by', 'nps_band', '--bootstrap', '0']);
  }, 240_000);

  it('the committed config names the sample survey file as NPS', () => {
    expect(readConfig('clv.config.json').surveys).toEqual({ path: 'data/sample/surveys.csv', kind: 'nps' });
  });

  it('NPS per month equals an independent count over surveys.csv (latest answer per customer and month)', () => {
    const lines = readFileSync(surveysFile, 'utf8').trim().split('\n').slice(1);
    const latest = new Map<string, { date: string; line: number; score: number }>();
    lines.forEach((l, i) => {
      const [customer, date, score] = l.split(',');
      if (score === '' || date > '2024-12-31') return; // every sample customer has orders
      const key = `${customer}|${date.slice(0, 7)}`;
      const prev = latest.get(key);
      if (!prev || date > prev.date || (date === prev.date && i > prev.line)) latest.set(key, { date, line: i, score: Number(score) });
    });
    const byMonth = new Map<string, { n: number; promoters: number; detractors: number }>();
    for (const [key, a] of latest) {
      const month = key.split('|')[1];
      const m = byMonth.get(month) ?? { n: 0, promoters: 0, detractors: 0 };
      m.n++;
      if (a.score >= 9) m.promoters++;
      if (a.score <= 6) m.detractors++;
      byMonth.set(month, m);
    }
    const rows = csv(join(out, 'data/surveys.csv'));
    expect(rows.length).toBe(36);
    for (const r of rows) {
      const m = byMonth.get(r.period)!;
      expect(Number(r.respondents), r.period).toBe(m.n);
      expect(Number(r.nps), r.period).toBeCloseTo((100 * (m.promoters - m.detractors)) / m.n, 9);
    }
  });

  it('shows a real difference between promoters and detractors, with the values of Projected value by segment', () => {
    const bands = Object.fromEntries(csv(join(out, 'data/survey_bands.csv')).map((r) => [r.band, r]));
    const p = bands.promoter;
    const d = bands.detractor;
    expect(Number(p.revenue_per_customer)).toBeGreaterThan(2 * Number(d.revenue_per_customer));
    expect(Number(p.retention_one_year)).toBeGreaterThan(Number(d.retention_one_year));
    expect(Number(p.clv_mean_low)).toBeGreaterThan(Number(d.clv_mean_high));
    // The same per-customer scores as Projected value by segment with --segment-by nps_band (point estimates do not depend on the bootstrap).
    const seg = csv(join(segOut, 'data/segment_clv.csv')).filter((r) => r.segment_column === 'nps_band');
    expect(seg.map((r) => r.segment).sort()).toEqual(['detractor', 'no response', 'passive', 'promoter']);
    for (const r of seg) {
      expect(bands[r.segment].customers, r.segment).toBe(r.customers);
      expect(Number(bands[r.segment].clv_mean), r.segment).toBeCloseTo(Number(r.clv_mean), 6);
    }
    const total = Object.values(bands).reduce((t, b) => t + Number(b.customers), 0);
    expect(total).toBe(Number(csv(join(segOut, 'data/segment_clv.csv')).find((r) => r.segment_column === 'all')!.customers));
  });
});
