/**
 * `clv fit --model sbg` end to end: retention measured from orders (a customer
 * is retained at month k when they ordered in every month 1..k) and the pooled
 * sBG fit.
 *
 * The orders file is built so that the customers retained at the start of
 * months 0..7 of one cohort are exactly the "regular" segment of Fader &
 * Hardie (2007), "How to Project Customer Retention", Table 1 (1,000, 631,
 * 468, 382, 326, 289, 262, 241; there the periods are years, here months:
 * the model does not care). The published maximum-likelihood estimates for
 * these seven periods are α = 0.704, β = 1.182.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';
import { tempFile } from '../helpers/pipeline.ts';
import { expectPublished } from './published.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-sbg-'));
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];

/** Orders: customer i orders on the 10th of months 0..run_i (2020-01 = month 0); runs from the alive counts. */
function regularOrders(extra: string[] = []): string {
  const lines = ['order_id,customer_id,order_date,amount'];
  let id = 0;
  let customer = 0;
  for (let run = 0; run < REGULAR.length; run++) {
    const n = REGULAR[run] - (REGULAR[run + 1] ?? 0);
    for (let i = 0; i < n; i++) {
      customer++;
      for (let k = 0; k <= run; k++) lines.push(`o${++id},c${customer},2020-${String(k + 1).padStart(2, '0')}-10,20.00`);
      // Every tenth customer who stopped comes back two months later: retention from activity ignores the return.
      if (run < 5 && customer % 10 === 0) lines.push(`o${++id},c${customer},2020-${String(run + 3).padStart(2, '0')}-20,15.00`);
    }
  }
  return `${[...lines, ...extra].join('\n')}\n`;
}

function params(dir: string): Record<string, number> {
  const lines = readFileSync(join(dir, 'data/model_params.csv'), 'utf8').trim().split('\n');
  return Object.fromEntries(lines.slice(1).map((l) => l.split(',')).map((c) => [c[1], Number(c[2])]));
}

describe('clv fit --model sbg', () => {
  it('reproduces the published sBG estimates of FH07 regular customers from an orders file', () => {
    const orders = tempFile('regular.csv', regularOrders());
    const out = join(work, 'regular');
    // As of the last day of month 7 (2020-08): months 0..7 are complete.
    const r = runClv(['fit', '--orders', orders, '--model', 'sbg', '--as-of', '2020-08-31', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = params(out);
    expectPublished(p.alpha, '0.704', 'alpha');
    expectPublished(p.beta, '1.182', 'beta');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model).toMatchObject({ name: 'sbg', period: 'month', last_complete_period: '2020-08', cohorts: 1, customers_used: 1000, converged: true });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Shifted-beta-geometric retention model');
    expect(html).toContain('<svg');
  });

  it('counts only complete months: as of mid-September, September is not observed yet', () => {
    // Orders in 2020-09 by the 241 customers still retained; as of 2020-09-15 they must not change the fit.
    const extra = Array.from({ length: 241 }, (_, i) => `x${i},c${1000 - i},2020-09-05,20.00`);
    const orders = tempFile('regular-sep.csv', regularOrders(extra));
    const out = join(work, 'mid-month');
    const r = runClv(['fit', '--orders', orders, '--model', 'sbg', '--as-of', '2020-09-15', '--out', out, '--quiet']);
    expect(r.status).toBe(0);
    const p = params(out);
    expectPublished(p.alpha, '0.704', 'alpha');
    expectPublished(p.beta, '1.182', 'beta');
  });

  it('says in plain words when no customer ever stops, writing nothing', () => {
    const lines = ['order_id,customer_id,order_date,amount'];
    for (let c = 1; c <= 60; c++) for (let m = 1; m <= 4; m++) lines.push(`o${c}-${m},c${c},2020-0${m}-05,10`);
    const out = join(work, 'no-churn');
    const r = runClv(['fit', '--orders', tempFile('no-churn.csv', `${lines.join('\n')}\n`), '--model', 'sbg', '--as-of', '2020-04-30', '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('clv: sBG cannot be fitted: every customer ordered in every month since their first, so there is no churn to learn from\n');
    expect(existsSync(out)).toBe(false);
  });

  it('clv report --business contractual values the current subscribers with the sBG survival (FH07 eq. 8 computed here)', () => {
    const orders = tempFile('regular-report.csv', regularOrders());
    const out = join(work, 'report');
    const r = runClv(['report', '--orders', orders, '--business', 'contractual', '--as-of', '2020-08-31', '--margin', '0.5', '--annual-discount-rate', '0.1', '--horizon-months', '12', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = Object.fromEntries(
      readFileSync(join(out, 'data/model_params.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => [`${c[0]}.${c[1]}`, Number(c[2])]),
    );
    expectPublished(p['sbg.alpha'], '0.704', 'alpha');
    expectPublished(p['sbg.beta'], '1.182', 'beta');
    // The 241 customers retained through month 7 paid 20.00 a month. Each is worth
    // 0.5 × 20 × Σ_{k=1..12} Π_{t=8..7+k} r_t / (1+d)^k, r_t = (β+t−1)/(α+β+t−1), d = 1.1^(1/12) − 1.
    const [alpha, beta] = [p['sbg.alpha'], p['sbg.beta']];
    const d = Math.pow(1.1, 1 / 12) - 1;
    let s = 1;
    let periods = 0;
    for (let k = 1; k <= 12; k++) {
      const t = 7 + k;
      s *= (beta + t - 1) / (alpha + beta + t - 1);
      periods += s / Math.pow(1 + d, k);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.customer_value).toMatchObject({ fitted: true, business: 'contractual' });
    expect(manifest.customer_value.totals.retained).toBe(241);
    expect(manifest.customer_value.totals.total / 241).toBeCloseTo(0.5 * 20 * periods, 3);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('241 of 1,000 customers are still subscribed');
  });
});
