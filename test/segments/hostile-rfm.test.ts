/**
 * Hostile customer ids (formulas, markup) in the RFM and Win back outputs:
 * escaped in the HTML, neutralised in the CSVs; the views write the same
 * bytes in every time zone and run after run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFile } from '../helpers/pipeline.ts';
import { readTree, runClv } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-rfm-hostile-'));

// Two high-value customers with hostile ids, long gone (lapsed rule: > 365 days), and eight small recent ones.
const ORDERS = tempFile(
  'orders.csv',
  [
    'order_id,customer_id,order_date,amount,channel',
    '1,"=HYPERLINK(""http://x"",""y"")",2022-01-05,900,@ads',
    '2,"=HYPERLINK(""http://x"",""y"")",2022-02-05,900,@ads',
    '3,<script>alert(1)</script>,2022-03-01,800,<b>tv</b>',
    '4,+cmd,2024-05-01,10,email',
    '5,plain,2024-05-20,10,email',
    '6,-minus,2024-06-01,10,email',
    '7,plain2,2024-06-10,12,email',
    '8,plain3,2024-06-12,11,email',
    '9,plain4,2024-06-15,9,email',
    '10,plain5,2024-06-20,8,email',
    '11,plain6,2024-06-18,7,email',
    '',
  ].join('\n'),
);

describe('RFM and Win back with hostile customer ids', () => {
  it('escapes ids in HTML, neutralises them in CSV, and writes the same bytes in every time zone', () => {
    const a = join(work, 'utc');
    const b = join(work, 'chatham');
    const c = join(work, 'again');
    const args = ['report', '--orders', ORDERS, '--no-clv', '--quiet', '--sections', 'rfm,win-back'];
    const ra = runClv([...args, '--out', a], { TZ: 'UTC' });
    const rb = runClv([...args, '--out', b], { TZ: 'Pacific/Chatham' });
    const rc = runClv([...args, '--out', c], { TZ: 'America/New_York' });
    expect(ra.stderr).toBe('');
    expect([ra.status, rb.status, rc.status]).toEqual([0, 0, 0]);
    const ta = readTree(a);
    for (const t of [readTree(b), readTree(c)]) {
      expect([...t.keys()]).toEqual([...ta.keys()]);
      for (const [name, content] of ta) expect(t.get(name)?.equals(content), name).toBe(true);
    }
    expect([...ta.keys()]).toEqual(expect.arrayContaining(['data/win_back.csv', 'data/rfm_segments.csv', 'data/rfm_customers.csv']));

    // Top 20% of 10 customers: revenue above the value at rank ceil(0.8 × 10) = 8 of the sorted revenues (12):
    // the formula id (1800) and the script id (800); both lapsed (> 365 days before 2024-06-20).
    const wb = readFileSync(join(a, 'data', 'win_back.csv'), 'utf8');
    expect(wb).toBe(
      [
        'rank,customer_id,rfm_segment,acquisition_channel,last_order_date,orders,revenue,days_since_last,p_alive,value_at_stake,clv,projected_value_lost',
        `1,"'=HYPERLINK(""http://x"",""y"")",Can't lose them,'@ads,2022-02-05,2,1800,866,,1800,,`,
        '2,<script>alert(1)</script>,Lost,<b>tv</b>,2022-03-01,1,800,842,,800,,',
        '',
      ].join('\n'),
    );
    const rfm = readFileSync(join(a, 'data', 'rfm_customers.csv'), 'utf8');
    expect(rfm).toContain(`\n'+cmd,`);
    expect(rfm).toContain(`\n'-minus,`);
    expect(rfm).not.toMatch(/\n[=+\-@]/);
    expect(wb).not.toMatch(/\n\d+,[=+\-@]/);

    const html = readFileSync(join(a, 'index.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>tv');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)');
    expect(html).not.toMatch(/NaN|Infinity/);
    const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8')) as { sections: string[] };
    expect(manifest.sections).toEqual(['rfm-segments', 'win-back', 'methods']);
  }, 120_000);

  it('clv view win-back takes --win-back-top-share and refuses a bad --win-back-p-alive', () => {
    const out = join(work, 'view');
    const r = runClv(['view', 'win-back', '--orders', ORDERS, '--win-back-top-share', '0.1', '--quiet', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Top 10%: above the value at rank ceil(0.9 × 10) = 9 of the sorted revenues (800): only the formula id.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { sections: string[]; rfm: { win_back: { top_share: number; high_value: number; revenue_threshold: number } } };
    expect(manifest.sections).toEqual(['win-back', 'methods']);
    expect(manifest.rfm.win_back).toMatchObject({ top_share: 0.1, high_value: 1, revenue_threshold: 800 });
    const wb = readFileSync(join(out, 'data', 'win_back.csv'), 'utf8').trimEnd().split('\n');
    expect(wb.length).toBeLessThanOrEqual(2);
    for (const line of wb.slice(1)) expect(line).toMatch(/^1,"'=HYPERLINK/);
    const bad = runClv(['view', 'win-back', '--orders', ORDERS, '--win-back-p-alive', '30', '--quiet', '--out', join(work, 'bad')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--win-back-p-alive 30: expected a probability such as 0.3');
  }, 120_000);
});
