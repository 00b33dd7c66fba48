/** The history page: one row per run, newest first, escaped, deterministic. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileOrders } from '../../lib/sources/file.ts';
import { describe, expect, it } from 'vitest';
import { renderHistoryPage, type HistoryRun } from '../../lib/report/history-page.ts';
import { runMonthly } from '../../lib/job/monthly.ts';
import type { Progress } from '../../lib/progress.ts';

const quiet: Progress = { step() {}, done() {} };

function run(month: string, customers: number, extra: Record<string, unknown> = {}): HistoryRun {
  return {
    month,
    manifest: {
      as_of: `${month}-28`,
      options: { currency: 'USD', locale: 'en-US' },
      kpis: { customers, orders: customers * 2, revenue: customers * 100, aov: 50, repeat_customer_rate: 0.25, latest_crr: { period: month, value: 0.875 } },
      customer_value: { fitted: true, totals: { total: customers * 40 } },
      ...extra,
    },
  };
}

function rowMonths(html: string): string[] {
  return [...html.matchAll(/<tr><th scope="row" class="text"><a href="([^"]+)">/g)].map((m) => m[1]);
}

describe('renderHistoryPage', () => {
  it('lists the runs newest first with their KPIs and a link', () => {
    const html = renderHistoryPage([run('2024-02', 20), run('2024-04', 40), run('2023-12', 10), run('2024-03', 30)]);
    expect(rowMonths(html)).toEqual(['2024-04/index.html', '2024-03/index.html', '2024-02/index.html', '2023-12/index.html']);
    expect(html).toContain(
      '<tr><th scope="row" class="text"><a href="2024-04/index.html">2024-04</a></th><td class="text">2024-04-28</td><td data-v="40">40</td><td data-v="80">80</td><td data-v="4000">$4,000</td><td data-v="50">$50.00</td><td data-v="0.25">25.0%</td><td data-v="0.875">87.5%</td><td data-v="1600">$1,600</td></tr>',
    );
    expect(html).toContain('4 monthly runs, newest first.');
    expect(html).toContain('Latest run, 2024-04: 40 customers and $4,000 net revenue up to 2024-04-28, 10 more customers than in 2024-03.');
    // Same look as the reports: the reports' stylesheet and page layout.
    expect(html).toContain('<header class="report-header">');
    expect(html).toContain('.cards { display: grid;');
    // Nothing but manifest data: the same runs give the same bytes.
    expect(renderHistoryPage([run('2024-03', 30), run('2024-04', 40), run('2024-02', 20), run('2023-12', 10)])).toBe(html);
  });

  it('escapes what it reads from the manifests and lists unreadable runs', () => {
    const hostile = run('2024-05', 5, {
      as_of: '<img src=x onerror=alert(1)>',
      inputs: [{ path: '"><script>alert(2)</script>.csv' }],
    });
    if ('manifest' in hostile && hostile.manifest.kpis) hostile.manifest.kpis.latest_crr = { period: '<b>bold</b>', value: 0.5 };
    const html = renderHistoryPage([hostile, { month: '2024-04', problem: 'manifest.json is not valid JSON (<oops>)' }]);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('"crr_period":"\\u003cb\\u003ebold\\u003c/b\\u003e"'); // in the JSON data block
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;.csv');
    expect(html).toContain('<li>2024-04: could not be read (manifest.json is not valid JSON (&lt;oops&gt;)).</li>');
    expect(rowMonths(html)).toEqual(['2024-05/index.html', '2024-04/index.html']);
    expect(html.match(/<script/g)).toHaveLength(2); // the JSON data block and the report's own inline script (CSP hash)
  });

  it('is rewritten by each run from every month folder, ignoring other folders', async () => {
    const out = mkdtempSync(join(tmpdir(), 'clv-history-'));
    mkdirSync(join(out, 'sample')); // a clv report folder in the same root
    mkdirSync(join(out, '2023-11'));
    writeFileSync(join(out, '2023-11', 'manifest.json'), '{"kpis": {"customers": "many"}}');
    for (const asOf of ['2024-03-31', '2024-01-31', '2024-02-29']) {
      await runMonthly({ orders: fileOrders({ path: 'test/fixtures/hand-orders.csv' }), report: { value: false }, asOf, outRoot: out, now: () => new Date(0), progress: quiet });
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(rowMonths(html)).toEqual(['2024-03/index.html', '2024-02/index.html', '2024-01/index.html', '2023-11/index.html']);
    expect(html).toContain('<li>2023-11: could not be read (manifest.json: kpis.customers: Invalid input: expected number, received string).</li>');
    expect(html).toContain('<td class="text">2024-02-29</td><td data-v="4">4</td><td data-v="7">7</td><td data-v="450">$450</td>');
    expect(html).toContain('<td class="text">2024-01-31</td><td data-v="2">2</td><td data-v="3">3</td><td data-v="230">$230</td>');
    expect(html).not.toContain('sample');
  });
});
