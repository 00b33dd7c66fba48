/**
 * Holdout backtest (`clv report --holdout-months N`) on CDNOW (Fader, Hardie &
 * Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2);
 * data in test/fixtures/cdnow, see its README): calibration 1997-01-01 ..
 * 1997-09-30 (Hardie's calibration period, whose published BG/NBD estimates
 * r 0.2426, α 4.414, a 0.7929, b 2.426 the backtest's calibration fit must
 * reproduce), holdout 1997-10-01 .. 1998-06-30 (39 weeks).
 *
 * The checks are independent of lib/clv/backtest.ts: the aggregate prediction
 * is recomputed here with conditionalExpectedBgNbd over Hardie's published
 * per-customer summary and over the raw transactions, and the actual series of
 * the tracking plot is counted here directly from CDNOW_sample.txt.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';
import { tempFile } from '../helpers/pipeline.ts';
import { cdnowOrdersFile } from '../helpers/cdnow-csv.ts';
import { cdnowFromSummary, cdnowFromTransactions } from './cdnow.ts';
import { conditionalExpectedBgNbd, type BgNbdParams } from '../../lib/models/bg-nbd.ts';
import { calibrationEnd, backtestOptions } from '../../lib/clv/backtest-options.ts';
import { chooseModel, type ModelBacktest } from '../../lib/clv/backtest.ts';
import { ConfigSchema } from '../../lib/config/report-config.ts';
import { gamma, uniforms } from '../models/simulate.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-backtest-'));
const CDNOW_ARGS = ['--date-format', 'yyyyMMdd', '--as-of', '1998-06-30', '--holdout-months', '9', '--quiet'];
let cdnow: string;

beforeAll(() => {
  cdnow = cdnowOrdersFile();
});

function csv(path: string): { header: string; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split(',')) };
}

function day(yyyymmdd: string): number {
  return Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;
}

/** Weekly repeat purchase days (distinct days after each customer's first), counted from the raw file; weeks from 1997-01-01. */
function cdnowWeeklyRepeats(): number[] {
  const days = new Map<string, Set<number>>();
  for (const line of readFileSync('test/fixtures/cdnow/CDNOW_sample.txt', 'utf8').split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    if (!days.has(f[1])) days.set(f[1], new Set());
    days.get(f[1])!.add(day(f[2]));
  }
  const start = day('19970101');
  const weeks = new Array<number>(78).fill(0);
  for (const set of days.values()) {
    const sorted = [...set].sort((a, b) => a - b);
    for (const d of sorted.slice(1)) weeks[Math.floor((d - start) / 7)]++;
  }
  return weeks;
}

describe('calibration end and model choice', () => {
  it('subtracts calendar months, clamping to the end of a shorter month', () => {
    expect(calibrationEnd('1998-06-30', 9)).toBe('1997-09-30');
    expect(calibrationEnd('2024-03-31', 1)).toBe('2024-02-29');
    expect(calibrationEnd('2023-03-31', 1)).toBe('2023-02-28');
    expect(calibrationEnd('2024-01-15', 1)).toBe('2023-12-15');
    expect(calibrationEnd('2024-06-30', 0)).toBe('2024-06-30');
  });

  it('chooses by absolute aggregate error, and by MAE when the errors are within one point', () => {
    const m = (model: 'bgnbd' | 'pareto-nbd', err: number, mae: number, converged = true): ModelBacktest => ({
      model,
      fit: { converged } as ModelBacktest['fit'],
      predicted: 1,
      aggregateErrorPct: err,
      mae,
      spendPredicted: null,
      spendErrorPct: null,
      spendMae: null,
    });
    expect(chooseModel([m('bgnbd', -3, 0.9), m('pareto-nbd', 6, 0.5)]).best).toBe('bgnbd');
    expect(chooseModel([m('bgnbd', -3, 0.9), m('pareto-nbd', 3.5, 0.5)]).best).toBe('pareto-nbd');
    expect(chooseModel([m('bgnbd', -3, 0.9), m('pareto-nbd', 1, 0.5, false)]).best).toBe('bgnbd');
    expect(chooseModel([m('bgnbd', 1, 0.9, false), m('pareto-nbd', 1, 0.5, false)]).best).toBeNull();
  });

  it('reads the holdout from the flag, then clv.holdout_months, default 6; refuses a bad value naming the flag', () => {
    expect(backtestOptions({}, undefined)).toEqual({ holdoutMonths: 6, explicit: false, modelFixed: false });
    expect(backtestOptions({}, { holdout_months: 0, model: 'bgnbd' })).toEqual({ holdoutMonths: 0, explicit: true, modelFixed: true });
    expect(backtestOptions({ holdoutMonths: 3 }, { holdout_months: 9 }).holdoutMonths).toBe(3);
    expect(() => backtestOptions({ holdoutMonths: 2.5 }, undefined)).toThrow(/^--holdout-months 2.5: expected a whole number/);
    expect(ConfigSchema.safeParse({ clv: { holdout_months: -1 } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ clv: { holdout_months: 9 } }).success).toBe(true);
  });
});

describe('clv report --holdout-months on CDNOW', () => {
  let out: string;
  beforeAll(() => {
    out = join(work, 'cdnow');
    const r = runClv(['report', '--orders', cdnow, ...CDNOW_ARGS, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('writes the contract files with exactly their columns', () => {
    const summary = csv(join(out, 'data/backtest_summary.csv'));
    // columns are a contract: new ones are added at the end
    expect(summary.header).toBe('model,log_likelihood,aic,aggregate_error_pct,mae_per_customer,chosen,converged,limit');
    expect(summary.rows.map((r) => r[0])).toEqual(['bgnbd', 'pareto-nbd', 'mbgnbd']);
    expect(summary.rows.filter((r) => r[5] === 'true')).toHaveLength(1);
    // CDNOW's calibration fits are interior maxima: converged, no limit taken
    expect(summary.rows.map((r) => r.slice(6))).toEqual([
      ['true', ''],
      ['true', ''],
      ['true', ''],
    ]);
    const tracking = csv(join(out, 'data/backtest.csv'));
    expect(tracking.header).toBe('model,period,actual_cumulative,predicted_cumulative');
    expect(tracking.rows).toHaveLength(3 * 78);
    for (const f of ['backtest.csv', 'backtest_summary.csv', 'model_params.csv']) expect(readFileSync(join(out, 'data', f), 'utf8')).not.toMatch(/NaN|Infinity/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('calibrates on 1997-01-01..1997-09-30, reproducing the published BG/NBD estimates', () => {
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).backtest;
    expect(m).toMatchObject({ run: true, calibration_start: '1997-01-01', calibration_end: '1997-09-30', holdout_end: '1998-06-30', holdout_length: 39, customers: 2357 });
    const bg = m.models.find((x: { name: string }) => x.name === 'bgnbd');
    const sig4 = (v: number) => Number(v.toPrecision(4));
    expect([sig4(bg.params.r), sig4(bg.params.alpha), sig4(bg.params.a), sig4(bg.params.b)]).toEqual([0.2426, 4.414, 0.7929, 2.426]);
    expect(bg.log_likelihood.toFixed(2)).toBe('-9582.43');
  });

  it("predicts the holdout as the sum of the customers' conditional expectations (computed here, independently)", () => {
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).backtest;
    const bg = m.models.find((x: { name: string }) => x.name === 'bgnbd');
    const p = bg.params as BgNbdParams;
    const sum = (c: { x: number[]; tx: number[]; T: number[] }) => c.x.reduce((s, x, i) => s + conditionalExpectedBgNbd(p, 39, x, c.tx[i], c.T[i]), 0);
    // Hardie's published summary (weeks rounded to 2 decimals): equal up to that rounding.
    const published = sum(cdnowFromSummary());
    expect(Math.abs(bg.predicted_repeat_purchases - published) / published).toBeLessThan(2e-4);
    // The same customers from the raw transactions at full precision: equal to the last digits.
    expect(bg.predicted_repeat_purchases).toBeCloseTo(sum(cdnowFromTransactions()), 6);
    // Aggregate error against the holdout count made here from the file.
    const actual = cdnowWeeklyRepeats().slice(39).reduce((s, n) => s + n, 0);
    expect(m.actual_repeat_purchases).toBe(actual);
    const row = csv(join(out, 'data/backtest_summary.csv')).rows.find((r) => r[0] === 'bgnbd')!;
    expect(Number(row[3])).toBeCloseTo(((bg.predicted_repeat_purchases - actual) / actual) * 100, 6);
  });

  it("tracks the actual repeat purchases week by week as counted from the file", () => {
    const weekly = cdnowWeeklyRepeats();
    const cumulative = weekly.map(((s) => (n: number) => (s += n))(0));
    for (const model of ['bgnbd', 'pareto-nbd']) {
      const rows = csv(join(out, 'data/backtest.csv')).rows.filter((r) => r[0] === model);
      expect(rows[0][1]).toBe('1997-01-01');
      expect(rows[77][1]).toBe('1998-06-24');
      expect(rows.map((r) => Number(r[2]))).toEqual(cumulative);
      // The expectation rises and ends within 15% of the count.
      const predicted = rows.map((r) => Number(r[3]));
      for (let i = 1; i < predicted.length; i++) expect(predicted[i]).toBeGreaterThanOrEqual(predicted[i - 1]);
      expect(Math.abs(predicted[77] / cumulative[77] - 1)).toBeLessThan(0.15);
    }
  });

  it('uses the chosen model for Customer value and says which and why', () => {
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const chosen = csv(join(out, 'data/backtest_summary.csv')).rows.find((r) => r[5] === 'true')![0];
    expect(m.backtest.used).toBe(chosen);
    expect(m.customer_value.options.model).toBe(chosen);
    expect(csv(join(out, 'data/model_params.csv')).rows.filter((r) => r[0] === chosen).length).toBeGreaterThan(0);
    expect(m.sections.indexOf('backtest')).toBe(m.sections.indexOf('customer-value') + 1);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const title = chosen === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD';
    expect(html).toContain(`${title} is used for the Customer value projections, refitted on all orders up to 1998-06-30, because`);
    expect(html).toContain(`Purchase model ${title}: chosen by the holdout backtest`);
  });

  it('is deterministic, and --clv-model overrides the choice (the report says so)', () => {
    const again = join(work, 'cdnow-again');
    expect(runClv(['report', '--orders', cdnow, ...CDNOW_ARGS, '--out', again]).status).toBe(0);
    for (const f of ['data/backtest.csv', 'data/backtest_summary.csv', 'data/model_params.csv', 'index.html']) {
      expect(readFileSync(join(again, f), 'utf8')).toBe(readFileSync(join(out, f), 'utf8'));
    }
    const chosen = csv(join(out, 'data/backtest_summary.csv')).rows.find((r) => r[5] === 'true')![0];
    const other = chosen === 'bgnbd' ? 'pareto-nbd' : 'bgnbd';
    const fixed = join(work, 'cdnow-fixed');
    expect(runClv(['report', '--orders', cdnow, ...CDNOW_ARGS, '--clv-model', other, '--out', fixed]).status).toBe(0);
    expect(csv(join(fixed, 'data/backtest_summary.csv')).rows.find((r) => r[5] === 'true')![0]).toBe(other);
    const m = JSON.parse(readFileSync(join(fixed, 'manifest.json'), 'utf8'));
    expect(m.customer_value.options.model).toBe(other);
    expect(m.backtest).toMatchObject({ best: chosen, used: other, model_fixed: true });
    expect(readFileSync(join(fixed, 'index.html'), 'utf8')).toContain('The purchase model was set with --clv-model (or clv.model in the config)');
  }, 240_000);
});

describe('clv report --holdout-months: errors and short data', () => {
  it('refuses a holdout longer than the data with exit 2, naming the flag, and writes nothing', () => {
    const out = join(work, 'too-long');
    const r = runClv(['report', '--orders', cdnow, ...CDNOW_ARGS.slice(0, 4), '--holdout-months', '30', '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^clv: --holdout-months 30: the holdout would start before the first order: the calibration period would end on 1995-12-30, but the orders run from 1997-01-01 to 1998-06-30/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('says in plain words when the calibration period cannot identify the models', () => {
    // Repeat purchases only after the calibration end (2024-03-31).
    const rows = ['customer_id,order_date,amount'];
    for (let i = 0; i < 20; i++) rows.push(`c${i},2024-01-${String(i + 1).padStart(2, '0')},${10 + i}`, `c${i},2024-05-${String(i + 1).padStart(2, '0')},${5 + i}`);
    const file = tempFile('short.csv', `${rows.join('\n')}\n`);
    const out = join(work, 'short');
    const r = runClv(['report', '--orders', file, '--as-of', '2024-06-30', '--holdout-months', '3', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('BG/NBD could not be checked: it could not be fitted on the calibration period (BG/NBD cannot be fitted: no customer made a repeat purchase');
    expect(html).toContain('The Customer value section keeps its default model, BG/NBD, because no purchase model could be fitted and checked on the calibration period.');
    // (the CRR chart of this tiny file has an empty axis, whose label Vega writes with NaN: not this section's)
    const section = html.slice(html.indexOf('<section class="cell" id="backtest"'), html.indexOf('</section>', html.indexOf('id="backtest"')));
    expect(section).toContain('Holdout backtest');
    expect(section).not.toMatch(/NaN|Infinity/);
    // The default model is used, but nothing was chosen: no row says chosen=true for a fit that never ran.
    const summary = csv(join(out, 'data/backtest_summary.csv'));
    expect(summary.rows).toEqual([
      ['bgnbd', '', '', '', '', 'false', 'false', ''],
      ['pareto-nbd', '', '', '', '', 'false', 'false', ''],
      ['mbgnbd', '', '', '', '', 'false', 'false', ''],
    ]);
    // --holdout-months 0 switches it off: no section, no files.
    const off = join(work, 'off');
    expect(runClv(['report', '--orders', file, '--as-of', '2024-06-30', '--holdout-months', '0', '--out', off, '--quiet']).status).toBe(0);
    expect(existsSync(join(off, 'data/backtest.csv'))).toBe(false);
    expect(JSON.parse(readFileSync(join(off, 'manifest.json'), 'utf8')).sections).not.toContain('backtest');
  }, 120_000);

  it('only reports a default holdout that does not fit in the data, and says sBG is not backtested in contractual mode', () => {
    // test/fixtures/hand-orders.csv: orders from 2024-01-05 to 2024-03-31, shorter than the default 6-month holdout.
    const out = join(work, 'default-too-long');
    const r = runClv(['report', '--orders', 'test/fixtures/hand-orders.csv', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.backtest).toEqual({
      run: false,
      reason:
        'Not run: the default holdout of 6 months does not fit in the data (the holdout would start before the first order: the calibration period would end on 2023-09-30, but the orders run from 2024-01-05 to 2024-03-31; use fewer months, or 0 to switch the backtest off).',
    });
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Not run: the default holdout of 6 months does not fit in the data');
    expect(existsSync(join(out, 'data/backtest_summary.csv'))).toBe(false);
    const contractual = join(work, 'contractual');
    expect(runClv(['report', '--orders', cdnow, ...CDNOW_ARGS, '--business', 'contractual', '--out', contractual]).status).toBe(0);
    expect(JSON.parse(readFileSync(join(contractual, 'manifest.json'), 'utf8')).backtest.run).toBe(false);
    expect(readFileSync(join(contractual, 'index.html'), 'utf8')).toContain('Not run: with --business contractual the Customer value section uses the sBG retention model, which the holdout backtest does not cover');
  }, 120_000);
});

describe('clv report when the purchase models run to the edge of their parameter space', () => {
  /**
   * 600 customers with no dropout at all (seed 7): first orders spread over 2023-01-01 .. 2024-05-15, then
   * purchases a Poisson process (rate λ ~ Gamma(0.8, 8 weeks)) up to the as-of date 2024-12-31, order
   * values gamma-distributed around each customer's own level (so Gamma-Gamma is identified).
   */
  function noDropoutOrders(): string {
    const u = uniforms(7);
    const rows = ['customer_id,order_date,amount'];
    const start = Date.UTC(2023, 0, 1) / 86_400_000;
    const end = Date.UTC(2024, 11, 31) / 86_400_000;
    const iso = (day: number) => new Date(Math.floor(day) * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 600; i++) {
      const perDay = gamma(u, 0.8, 8) / 7;
      let day = start + Math.floor(u() * 500);
      const level = gamma(u, 3, 3 / 50);
      for (; day < end + 1; day += -Math.log(u()) / perDay) rows.push(`c${i},${iso(day)},${(level * gamma(u, 6, 6)).toFixed(2)}`);
    }
    return tempFile('no-dropout.csv', `${rows.join('\n')}\n`);
  }

  it('takes the no-dropout (NBD) limit in the backtest and for Customer value, says so in words, and marks the fits converged with their limit', () => {
    const out = join(work, 'no-dropout');
    const r = runClv(['report', '--orders', noDropoutOrders(), '--as-of', '2024-12-31', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = csv(join(out, 'data/backtest_summary.csv'));
    expect(summary.header).toBe('model,log_likelihood,aic,aggregate_error_pct,mae_per_customer,chosen,converged,limit');
    expect(summary.rows.map((row) => [row[0], row[6], row[7]])).toEqual([
      ['bgnbd', 'true', 'nbd'],
      ['pareto-nbd', 'true', 'nbd'],
      ['mbgnbd', 'true', 'nbd'],
    ]);
    // the NBD's parameters are the ones shown and used
    const params = csv(join(out, 'data/model_params.csv')).rows.filter((row) => row[0] === 'bgnbd').map((row) => row[1]);
    expect(params).toEqual(['r', 'alpha']);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Its calibration fit ran to the edge of its parameter space, so it is BG/NBD at its no-dropout (NBD) limit.');
    expect(html).toContain('a model whose calibration fit did not converge is never chosen over one whose fit did, whatever its error');
    expect(html).toMatch(/The BG\/NBD fit did not converge: its likelihood keeps improving as a shrinks towards 0[^.]*the data show no dropout that BG\/NBD can identify, and the model without dropout fits as well/);
    expect(html).toContain('BG/NBD at its no-dropout limit (the NBD): every customer is taken to be still active (P(alive) = 100%)');
    expect(html).toContain('BG/NBD, no-dropout (NBD) limit'); // its Methods entry
    expect(html).not.toContain('No projection from a purchase model');
    expect(html).not.toMatch(/NaN|Infinity/);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.backtest.models.map((x: { limit: { id: string } | null }) => x.limit?.id)).toEqual(['nbd', 'nbd', 'nbd']);
    expect(m.customer_value.models[0].limit.id).toBe('nbd');
    expect(m.customer_value.totals.p_alive).toBe(1);
  }, 120_000);
});
