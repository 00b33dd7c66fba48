/**
 * Channel names from user data are escaped in HTML and neutralised in CSV;
 * periods with spend and no new customers, channels with spend and no
 * customers, and channels with customers and no spend give empty cells with a
 * reason, never NaN or Infinity; the output is byte-identical across time zones.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeUnitEconomics } from '../../lib/cac/unit-economics.ts';
import { channelKey, type SpendRow } from '../../lib/load/load-spend.ts';
import { readTree, runClv } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-cac-esc-'));

function spendRow(date: string, channel: string, spend: number, costType: 'marketing' | 'sales' = 'marketing'): SpendRow {
  return { date, channel, key: channelKey(channel), spend, costType, line: 0 };
}

describe('computeUnitEconomics edge cases', () => {
  // Month indices: 2024-01 = 2024 × 12 + 0 = 24288.
  const JAN = 24288;
  const result = computeUnitEconomics({
    period: 'month',
    asOf: '2024-03-15',
    spend: [spendRow('2024-01-01', 'Ads', 100), spendRow('2024-02-01', 'Ads', 50), spendRow('2024-03-01', 'Ads', 60, 'sales'), spendRow('2024-02-01', 'TV', 500)],
    acquisitions: [
      { channel: 'ads', month: JAN, customers: 4 },
      { channel: 'ads', month: JAN + 2, customers: 2 },
      { channel: 'organic', month: JAN + 1, customers: 3 },
      { channel: 'organic', month: JAN - 1, customers: 5 },
    ],
    cells: [
      { channel: 'ads', month: JAN, offset: 0, revenue: 200 },
      { channel: 'ads', month: JAN, offset: 1, revenue: 40 },
      { channel: 'organic', month: JAN + 1, offset: 0, revenue: 90 },
    ],
    secondYear: [],
  });

  it('shows spend without new customers as an empty CAC, and no CAC for channels without spend', () => {
    // Ads: 2024-01 100 / 4 = 25; 2024-02 50 / 0 → no customers; 2024-03 60 / 2 = 30 (the month is not over on 2024-03-15).
    expect(result.rows.filter((r) => r.channel === 'Ads').map((r) => [r.period, r.spend, r.new_customers, r.cac])).toEqual([
      ['2024-01', 100, 4, 25],
      ['2024-02', 50, 0, null],
      ['2024-03', 60, 2, 30],
    ]);
    expect(result.rows.filter((r) => r.channel === 'TV').map((r) => r.cac)).toEqual([null, null, null]);
    expect(result.rows.filter((r) => r.channel === 'organic').map((r) => r.cac)).toEqual([null, null, null]);
    // Blended: (210 + 500) / (6 + 3) = 78.888…; paid: 710 / 6 (organic's 3 left out) = 118.333…
    expect(result.blended).toEqual({ spend: 710, new_customers: 9, cac: 710 / 9 });
    expect(result.paid).toEqual({ spend: 710, new_customers: 6, cac: 710 / 6 });
    expect(result.spendByType).toEqual({ marketing: 650, sales: 60 });
    // organic's 5 customers of 2023-12 are before the spend file's first month.
    expect(result.outsideWindow).toBe(5);
    expect(result.lastPeriodIncomplete).toBe(true);
    expect(result.spendOnlyChannels).toEqual(['TV']);
    expect(result.unpaidChannels).toEqual(['organic']);
    expect(result.notes).toContain('Ads: spend but no new customers in 2024-02; CAC shows "no customers" there.');
    expect(result.notes).toContain('TV: spend but no customers acquired in the CAC window: CAC "no customers"; no projected LTV: the Customer value section did not run or could not fit the models.');
  });

  it('computes LTV only for complete months and never returns NaN or Infinity', () => {
    // Ads 1 month: cohorts 2024-01 (4 customers, 200) and 2024-03 is not complete → 200 / 4 = 50 (revenue basis);
    // 2 months: 2024-01 only: (200 + 40) / 4 = 60; 3 months would need 2024-03 complete → the curve stops at 2.
    expect(result.curves.filter((c) => c.channel === 'Ads').map((c) => [c.months, c.value])).toEqual([
      [1, 50],
      [2, 60],
    ]);
    const ads = result.units.find((u) => u.channel === 'Ads')!;
    // CAC over the window = 210 / 6 = 35; the 1-month LTV 50 ≥ 35 → payback 1.
    expect(ads).toMatchObject({ cac: 35, payback_months: 1, ltv_3m: null, ltv_cac_12m: null });
    expect(result.basis).toBe('revenue');
    expect(JSON.stringify(result)).not.toMatch(/NaN|Infinity/);
    for (const u of result.units) for (const v of Object.values(u)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });
});

describe('clv report with hostile channel names', () => {
  it('escapes them in HTML, neutralises them in CSV and writes the same bytes in every time zone', () => {
    const a = join(work, 'utc');
    const b = join(work, 'chatham');
    const args = ['report', '--orders', 'test/fixtures/hostile-orders.csv', '--spend', 'test/fixtures/cac/hostile-spend.csv', '--no-clv', '--quiet'];
    const ra = runClv([...args, '--out', a], { TZ: 'UTC' });
    const rb = runClv([...args, '--out', b], { TZ: 'Pacific/Chatham' });
    expect(ra.stderr).toBe('');
    expect(ra.status).toBe(0);
    expect(rb.status).toBe(0);
    const ta = readTree(a);
    const tb = readTree(b);
    expect([...ta.keys()]).toContain('data/cac_by_channel.csv');
    for (const [name, content] of ta) expect(tb.get(name)?.equals(content), name).toBe(true);
    const html = readFileSync(join(a, 'index.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>');
    // The JSON data block and the report's own inline script (allowed by its CSP hash) are the only scripts.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('&quot;=HYPERLINK(&quot;http://x&quot;)&quot; took 8.8% of the spend');
    // Nowhere in the page: on two months of data there is no CRR yet, and no empty CRR chart either.
    expect(html).not.toMatch(/NaN|Infinity/);
    const cacHtml = ['cac-by-channel', 'spend-and-customers', 'ltv-cac', 'cac-payback', 'unit-economics'].map((id) => {
      const m = new RegExp(`<section class="cell" id="${id}"[\\s\\S]*?</section>`).exec(html);
      expect(m, id).not.toBeNull();
      return m![0];
    });
    for (const s of cacHtml) expect(s).not.toMatch(/NaN|Infinity/);
    const units = readFileSync(join(a, 'data/unit_economics.csv'), 'utf8');
    // The =HYPERLINK channel has spend and no customer: quoted, neutralised, empty CAC and LTV.
    expect(units).toContain(`"'=HYPERLINK(""http://x"")",0,5,,,,,,,,,\n`);
    // <script> channel: customer "=cmd…" joined 2024-01 (10) and ordered 2024-02 (20); spend 30 + 10 over 1 customer = 40.
    expect(units).toContain('<script>alert(1)</script>,1,40,40,');
    const byChannel = readFileSync(join(a, 'data/cac_by_channel.csv'), 'utf8');
    expect(byChannel).toContain(`"""quoted"" & <b>bold</b>",2024-01,12,1,12\n`);
    expect(byChannel).not.toMatch(/NaN|Infinity/);
  }, 60_000);
});
