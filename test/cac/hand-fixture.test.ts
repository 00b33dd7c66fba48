/**
 * CAC, LTV, LTV:CAC, payback and profit CLV on a dozen customers worked out by
 * hand (test/fixtures/cac/: orders.csv, spend.csv, README.md), through the real
 * `clv report` command: the two CSV contracts, the manifest and the report text.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTree, runClv } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-cac-hand-'));
const out = join(work, 'out');
let tree: Map<string, Buffer>;
const csv = (name: string) => tree.get(`data/${name}`)!.toString('utf8');

beforeAll(() => {
  // Yearly cost to serve 5 per customer and an expected lifetime of 2 years, for profit CLV.
  const config = join(work, 'clv.config.json');
  writeFileSync(config, JSON.stringify({ margin: 0.9, unit_economics: { cost_to_serve: 5, expected_lifetime_years: 2 } }));
  // --margin 0.5 overrides the config's 0.9.
  const r = runClv([
    'report', '--config', config, '--orders', 'test/fixtures/cac/orders.csv', '--spend', 'test/fixtures/cac/spend.csv',
    '--margin', '0.5', '--as-of', '2024-03-31', '--no-clv', '--out', out, '--quiet',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  tree = readTree(out);
}, 60_000);

describe('CAC on the hand-computed fixture', () => {
  it('CAC per channel and month, blended and paid (data/cac_by_channel.csv)', () => {
    // Spend (channel names matched after trimming and case-folding: " Ads ", "ADS", "ads", "Ads" are one channel,
    // shown with the spend file's first spelling; "social"/"Social" likewise):
    //   Ads    2023-01: 300              new customers A1, A2, A3 = 3  → CAC 300 / 3 = 100
    //          2023-02: 200 + 100 sales  new customers A4, A5     = 2  → CAC 300 / 2 = 150   (the sales row is dated 2023-02-15)
    //          2023-03: 250              new customers A6, A7     = 2  → CAC 250 / 2 = 125
    //   social 2023-01: 50               S1, S2 = 2 → 25;   2023-02: 10, S3 = 1 → 10;   2023-03: 40, S4, S5 = 2 → 20
    //   all channels: 2023-01 350 / 5 = 70;  2023-02 310 / 3 = 103.333333333;  2023-03 290 / 4 = 72.5 (every channel has spend: paid = all)
    expect(csv('cac_by_channel.csv')).toBe(
      [
        'channel,period,spend,new_customers,cac',
        'Ads,2023-01,300,3,100',
        'Ads,2023-02,300,2,150',
        'Ads,2023-03,250,2,125',
        'social,2023-01,50,2,25',
        'social,2023-02,10,1,10',
        'social,2023-03,40,2,20',
        '(all channels),2023-01,350,5,70',
        '(paid channels),2023-01,350,5,70',
        '(all channels),2023-02,310,3,103.333333333',
        '(paid channels),2023-02,310,3,103.333333333',
        '(all channels),2023-03,290,4,72.5',
        '(paid channels),2023-03,290,4,72.5',
        '',
      ].join('\n'),
    );
  });

  it('LTV at 3, 6, 12 months, LTV:CAC and payback per channel (data/unit_economics.csv)', () => {
    // Margin 0.5. Month n of a cohort = its acquisition month and the n − 1 months after it. As of 2024-03-31
    // every cohort (2023-01 … 2023-03) has 12 complete months; none has 24 (2023-01 + 23 months = 2024-12).
    // Ads, CAC = (300 + 300 + 250) / 7 = 121.428571429
    //   3 months: Jan cohort A1 100+50+30, A2 60, A3 40+40 = 320; Feb cohort (Feb–Apr) A4 80+20, A5 50+50 = 200;
    //             Mar cohort (Mar–May) A6 120, A7 30−10 (refund) = 140 → 660 / 7 × 0.5 = 47.1428571429
    //   6 months: nothing more until A1's September order (month 9) → 47.1428571429
    //   12 months: + A1 40 (2023-09) + A4 100 (2024-01, month 12 of the Feb cohort; through email, still an Ads customer)
    //             = 800 / 7 × 0.5 = 57.1428571429;  LTV:CAC = 57.142857 / 121.428571 = 400 / 850 = 0.470588235294
    //   payback: the curve ends at 15 months (only the Jan cohort: 360 / 3 × 0.5 = 60 < 121.43) → not reached, empty cell
    // social, CAC = (50 + 10 + 40) / 5 = 20
    //   1 month: S1 40, S2 20, S3 60, S4 30, S5 10 = 160 / 5 × 0.5 = 16 < 20
    //   2 months: + S3 60 (2023-03) = 220 → 22 ≥ 20 → payback 2 months
    //   3 months: Jan (Jan–Mar) 60, Feb (Feb–Apr) 120, Mar (Mar–May) S4 30 + S5 10+10 = 50 → 230 / 5 × 0.5 = 23
    //   6 months: + S1 40 (2023-04) = 270 → 27;  12 months: S5's 2024-03 order is month 13 → still 27
    //   LTV:CAC = 27 / 20 = 1.35
    expect(csv('unit_economics.csv')).toBe(
      [
        'channel,new_customers,spend,cac,ltv_3m,ltv_6m,ltv_12m,ltv_24m,ltv_projected,ltv_cac_12m,ltv_cac_projected,payback_months',
        'Ads,7,850,121.428571429,47.1428571429,47.1428571429,57.1428571429,,,0.470588235294,,',
        'social,5,100,20,23,27,27,,,1.35,,2',
        '',
      ].join('\n'),
    );
  });

  it('records blended CAC, profit CLV and the reasons for empty cells in the manifest', () => {
    const m = JSON.parse(tree.get('manifest.json')!.toString('utf8'));
    // Blended = paid = 950 / 12.
    expect(m.unit_economics.blended).toEqual({ spend: 950, new_customers: 12, cac: 950 / 12 });
    expect(m.unit_economics.spend_by_cost_type).toEqual({ marketing: 850, sales: 100 });
    // Profit CLV = (12-month LTV − cost to serve 5) × 2 years − CAC:
    //   Ads (57.142857 − 5) × 2 − 121.428571 = −17.142857;  social (27 − 5) × 2 − 20 = 24
    const profit = Object.fromEntries(m.unit_economics.channels.map((c: { channel: string; profit_clv: number }) => [c.channel, c.profit_clv]));
    expect(profit.Ads).toBeCloseTo(-17.142857142857, 9);
    expect(profit.social).toBeCloseTo(24, 9);
    expect(m.inputs.map((i: { role: string }) => i.role)).toEqual(['orders', 'spend']);
    expect(m.notes).toContain('Ads: no cohort is 24 months old yet, so no 24-month LTV; no projected LTV: the Customer value section did not run or could not fit the models; CAC not paid back after 15 months.');
    expect(m.outputs.map((o: { path: string }) => o.path)).toContain('data/unit_economics.csv');
  });

  it('says it in words: margin basis, best and worst channel, payback, the 3:1 rule of thumb', () => {
    const html = tree.get('index.html')!.toString('utf8');
    for (const h of ['CAC by channel', 'Spend and new customers by channel', 'LTV:CAC by channel', 'CAC payback', 'Unit economics by channel']) {
      expect(html).toContain(`>${h}</h2>`);
    }
    expect(html).toContain('&quot;social&quot; 2 months and &quot;Ads&quot; not reached after 15 months');
    expect(html).toContain('3:1, a common rule of thumb');
    expect(html).not.toMatch(/NaN|Infinity/);
    for (const [name, content] of tree) expect(content.toString('utf8'), name).not.toMatch(/NaN|Infinity/);
  });

  it('says values are revenue, not profit, when no margin is given', () => {
    const dir = join(work, 'revenue');
    const r = runClv(['report', '--orders', 'test/fixtures/cac/orders.csv', '--spend', 'test/fixtures/cac/spend.csv', '--as-of', '2024-03-31', '--no-clv', '--out', dir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('every LTV figure is revenue, not profit');
    expect(html).toContain('LTV 12 months (revenue, not profit)');
    // Without a margin, LTV at 3 months is twice the 0.5-margin figure: social 230 / 5 = 46.
    expect(readFileSync(join(dir, 'data/unit_economics.csv'), 'utf8')).toContain('\nsocial,5,100,20,46,54,54,,,2.7,,1\n');
  }, 60_000);
});
