/**
 * The sample report as leadership reads it (issue 13): the Summary's findings quote the report's
 * own data files; the cumulative value per customer never falls; each channel keeps one colour in
 * every chart; --quiet leaves stderr empty; charts follow --locale.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../lib/job/read-csv.ts';
import { runClv } from '../helpers/cli.ts';
import { sampleConfig } from '../helpers/sample.ts';

const config = sampleConfig('clv-leadership-');
const out = join(dirname(config), 'report');
let html = '';
let stderr = '';

/** A data file of a report folder (default: the sample report), read with the tool's own CSV reader. */
const csv = (name: string, dir = out) => parseCsv(readFileSync(join(dir, 'data', name), 'utf8'));
const money = (n: number) => `$${Math.round(n).toLocaleString('en-US')}`;
const text = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

beforeAll(() => {
  const r = runClv(['report', '--config', config, '--bootstrap', '20', '--out', out, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  stderr = r.stderr;
  html = text(readFileSync(join(out, 'index.html'), 'utf8'));
}, 180_000);

describe('the sample report for leadership', () => {
  it('writes nothing to stderr with --quiet', () => {
    expect(stderr).toBe('');
  });

  it('opens with a Summary whose figures are those of the data files', () => {
    const summary = html.slice(html.indexOf('<section class="cell" id="summary"'), html.indexOf('</section>', html.indexOf('id="summary"')));
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('<nav class="toc"'));
    // Growth: E of the latest complete month against E twelve months before (crr.csv).
    const crr = csv('crr.csv').filter((r) => r.complete === 'true');
    const [now, then] = [crr[crr.length - 1], crr[crr.length - 13]];
    const change = Number(now.customers_end) / Number(then.customers_end) - 1;
    expect(summary).toContain(`numbered ${Number(now.customers_end).toLocaleString('en-US')} at the end of ${now.period}, ${(Math.abs(change) * 100).toFixed(1)}% ${change > 0 ? 'more' : 'fewer'} than a year earlier (${Number(then.customers_end).toLocaleString('en-US')} at the end of ${then.period})`);
    // Value: the all-customers row of segment_clv.csv, with its bootstrap interval.
    const all = csv('segment_clv.csv')[0];
    expect(summary).toContain(`The ${Number(all.customers).toLocaleString('en-US')} customers are projected to bring ${money(Number(all.clv_total))} of gross margin over the next 12 months (90% interval ${money(Number(all.clv_total_low))} to ${money(Number(all.clv_total_high))})`);
    // Channels: payback_months of unit_economics.csv.
    const units = csv('unit_economics.csv').filter((u) => u.spend !== '' && Number(u.spend) > 0);
    const back = units.filter((u) => u.payback_months !== '').sort((a, b) => Number(a.payback_months) - Number(b.payback_months));
    expect(back.length).toBeGreaterThan(1);
    expect(summary).toContain(`pay back their acquisition cost within ${back[0].payback_months} month${back[0].payback_months === '1' ? '' : 's'} ("${back[0].channel}")`);
    // Risk: the sum of projected_value_lost over win_back.csv.
    const lost = csv('win_back.csv').reduce((s, r) => s + Number(r.projected_value_lost), 0);
    expect(summary).toContain(`worth up to ${money(lost)} over the CLV horizon, the projected value lost`);
    // Four cards, each linking to its section.
    expect([...summary.matchAll(/<div class="card"><a href="#([a-z-]+)">/g)].map((m) => m[1])).toEqual(['crr', 'customer-value', 'cac-payback', 'win-back']);
  });

  it('shows one CLV figure in Customer value, the simple formulas only in Methods, the model jargon for analysts', () => {
    const section = html.slice(html.indexOf('id="customer-value"'), html.indexOf('id="backtest"'));
    const body = section.replace(/<details class="analysts">[\s\S]*?<\/details>/, '');
    expect(body).not.toMatch(/Simple CLV|log-likelihood|AIC/i);
    expect(section).toMatch(/<details class="analysts"><summary>For analysts/);
    const methods = html.slice(html.indexOf('id="methods"'));
    expect(methods).toContain('Cross-check: simple formulas');
  });

  it('has a cumulative value per customer that never falls', () => {
    const curve = csv('retention_curve.csv').map((r) => Number(r.cumulative_revenue_per_customer));
    expect(curve.length).toBeGreaterThan(30);
    for (let k = 1; k < curve.length; k++) expect(curve[k], `offset ${k}`).toBeGreaterThanOrEqual(curve[k - 1]);
  });

  it('gives each channel one colour in every chart', () => {
    const colours = new Map<string, Set<string>>();
    const charts = new Map<string, number>();
    for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? []) {
      for (const m of svg.matchAll(/role-legend-symbol"[^>]*><path [^>]*?fill="(#[0-9A-Fa-f]{6})"[^>]*\/><\/g><g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]*)<\/text>/g)) {
        colours.set(m[2], (colours.get(m[2]) ?? new Set()).add(m[1].toUpperCase()));
        charts.set(m[2], (charts.get(m[2]) ?? 0) + 1);
      }
    }
    for (const channel of ['affiliate', 'email', 'paid_search', 'paid_social']) {
      expect(charts.get(channel), channel).toBeGreaterThanOrEqual(4);
      expect([...(colours.get(channel) ?? [])], channel).toHaveLength(1);
    }
  });

  it('draws a numeric cohort table with sizes, CAC and repeat rates', () => {
    const section = html.slice(html.indexOf('id="retention-triangle"'), html.indexOf('id="retention-curves"'));
    expect(section).toContain('<div class="matrix" data-views="2">');
    const first = csv('cohort_retention.csv').find((r) => r.cohort === '2022-01' && r.period_offset === '1')!;
    // CAC: the blended CAC of the cohort's month (cac_by_channel.csv, "(all channels)").
    const cac = Number(csv('cac_by_channel.csv').find((r) => r.channel === '(all channels)' && r.period === '2022-01')!.cac);
    // Repeat: customers.csv's customers of the cohort with frequency ≥ 1 (two or more purchase days).
    const own = csv('customers.csv').filter((c) => c.cohort === '2022-01');
    const repeat = Math.round((own.filter((c) => Number(c.frequency) >= 1).length / own.length) * 100);
    const cacText = `$${cac.toFixed(2)}`;
    expect(section).toContain(
      `<th scope="row" class="text">2022-01</th><td class="lead">${Number(first.cohort_customers).toLocaleString('en-US')}</td><td class="lead">${cacText}</td><td class="lead">${repeat}%</td><td>100%</td>`,
    );
    expect(section).toMatch(new RegExp(`<th scope="row" class="text">2022-01</th>(<td class="lead">[^<]*</td>){3}<td>100%</td><td[^>]*>${Math.round(Number(first.retention_rate) * 100)}%</td>`));
  });
});

describe('charts in the report locale', () => {
  it('write de-DE axis numbers with "." between thousands', () => {
    const view = join(dirname(config), 'view-de');
    const r = runClv(['view', 'cac', '--config', config, '--locale', 'de-DE', '--out', view, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(join(view, 'index.html'), 'utf8');
    const labels = [...page.matchAll(/role-axis-label[\s\S]*?<\/g><\/g>/g)].flatMap((g) => [...g[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]));
    expect(labels.some((l) => /^\d{1,3}(\.\d{3})+$/.test(l))).toBe(true);
    expect(labels.filter((l) => /\d,\d{3}/.test(l))).toEqual([]);
  });
});

describe('projected cells of the cohort table', () => {
  it('equal, 12 months ahead, the mean CLV of the cohort scored at margin 1 without discounting', () => {
    // Two paths: lib/clv/cohort-projection.ts (per cell, to the end of each calendar month after the as-of
    // date) and lib/clv/score-customers.ts (per customer, 12 months of 365.25 / 12 days: CLV at margin 1,
    // undiscounted = expected revenue). 2025-12 ends 365 days after 2024-12-31, so they differ by 0.25 day.
    const out4 = join(dirname(config), 'report-revenue');
    const r = runClv(['report', '--config', config, '--margin', '1', '--annual-discount-rate', '0', '--bootstrap', '0', '--out', out4, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const customers = csv('customers.csv', out4);
    const projection = csv('cohort_projection.csv', out4);
    expect(Object.keys(projection[0])).toEqual(['cohort', 'period', 'periods_ahead', 'projected_revenue_per_customer']);
    for (const cohort of ['2022-01', '2023-06', '2024-12']) {
      const own = customers.filter((c) => c.cohort === cohort);
      const mean = own.reduce((s, c) => s + Number(c.clv), 0) / own.length;
      const row = projection.find((p) => p.cohort === cohort && p.periods_ahead === '12')!;
      expect(row.period).toBe('2025-12');
      expect(Math.abs(Number(row.projected_revenue_per_customer) / mean - 1), cohort).toBeLessThan(0.001);
    }
    // Each cohort's projection only grows with the horizon.
    for (let i = 1; i < projection.length; i++) {
      if (projection[i].cohort === projection[i - 1].cohort) expect(Number(projection[i].projected_revenue_per_customer)).toBeGreaterThan(Number(projection[i - 1].projected_revenue_per_customer));
    }
    // The report shows them hatched after each cohort's last observed month.
    const page = readFileSync(join(out4, 'index.html'), 'utf8');
    expect(page).toMatch(/<th scope="row" class="text">2024-12<\/th>(<td class="lead">[^<]*<\/td>){3}<td[^>]*>\$\d+<\/td><td class="proj">\$\d+<\/td>/);
  });
});
