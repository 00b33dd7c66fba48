/**
 * No NaN or Infinity in any output: small and degenerate data (1 order, every
 * order on one day, 1 customer, no repeat customer, all amounts zero, a
 * semicolon or tab file, headers that differ from the canonical names in case
 * and spacing, behind a BOM) give reports whose every file — HTML, CSV,
 * manifest — is free of NaN, Infinity, ∞ and undefined; what cannot be
 * computed is said in words. The same for `clv score` and `clv fit`, which
 * may instead refuse with exit 2 and a sentence.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree, runClv } from '../helpers/cli.ts';
import { nothingToPlot, renderSvg } from '../../lib/charts/render-svg.ts';

const work = mkdtempSync(join(tmpdir(), 'clv-degenerate-'));
const BAD = /NaN|Infinity|∞|undefined|\[object Object\]/;

const FIXTURES: Record<string, string> = {
  'one order': 'customer_id,order_date,amount\na,2024-03-05,10\n',
  'one day': 'customer_id,order_date,amount,channel\na,2024-03-05,10,ads\nb,2024-03-05,20,mail\nc,2024-03-05,5,ads\na,2024-03-05,7,ads\n',
  'one customer': 'customer_id,order_date,amount\na,2023-01-05,10\na,2023-06-05,12\na,2024-02-05,9\na,2024-09-05,30\n',
  'no repeat customer': `customer_id,order_date,amount,channel\n${Array.from({ length: 30 }, (_v, i) => `c${i},2023-${String(1 + (i % 12)).padStart(2, '0')}-0${1 + (i % 9)},${10 + i},${i % 2 ? 'ads' : 'mail'}`).join('\n')}\n`,
  'all amounts zero': `customer_id,order_date,amount\n${Array.from({ length: 40 }, (_v, i) => `c${i % 8},2023-${String(1 + (i % 12)).padStart(2, '0')}-1${i % 10},0`).join('\n')}\n`,
  'semicolon file': 'customer_id;order_date;amount\na;2024-01-05;10\na;2024-02-05;20\nb;2024-01-09;15\n',
  'tab file': 'customer_id\torder_date\tamount\na\t2024-01-05\t10\na\t2024-02-05\t20\nb\t2024-01-09\t15\n',
  'headers in other case behind a BOM': '\uFEFFCustomer ID,ORDER_DATE,Amount \na,2024-01-05,10\na,2024-02-05,20\nb,2024-01-09,15\n',
};

function expectClean(dir: string, label: string): number {
  let files = 0;
  for (const [name, content] of readTree(dir)) {
    files++;
    // The inline script (the same in every report) is code, not output of the data.
    const text = content.toString('utf8').replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    const hit = BAD.exec(text);
    expect(hit ? `${label}: ${name}: …${text.slice(Math.max(0, hit.index - 80), hit.index + 40)}…` : '').toBe('');
  }
  return files;
}

describe('degenerate data: every output file is free of NaN, Infinity, ∞ and undefined', () => {
  for (const [label, csv] of Object.entries(FIXTURES)) {
    it(label, () => {
      const orders = join(work, `${label.replaceAll(' ', '-')}.csv`);
      writeFileSync(orders, csv);
      const out = join(work, `${label.replaceAll(' ', '-')}-out`);
      const report = runClv(['report', '--orders', orders, '--out', join(out, 'report'), '--quiet', '--bootstrap', '20']);
      expect(report.status, report.stderr).toBe(0);
      expect(expectClean(join(out, 'report'), `${label} report`)).toBeGreaterThan(4);
      for (const args of [['score'], ['fit', '--model', 'bgnbd'], ['fit', '--model', 'gamma-gamma'], ['fit', '--model', 'sbg']]) {
        const r = runClv([...args, '--orders', orders, '--out', join(out, args.join('-')), '--quiet']);
        expect(r.stderr, `${label}: clv ${args.join(' ')}`).not.toMatch(BAD);
        if (r.status === 0) expectClean(join(out, args.join('-')), `${label} ${args.join(' ')}`);
        else {
          expect(r.status, `${label}: clv ${args.join(' ')}: ${r.stderr}`).toBe(2);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
        }
      }
    }, 240_000);
  }
});

describe('degenerate data with spend, customers, surveys, a product column and segments', () => {
  // Charts of such data have nothing to plot (a segment curve of one order, a month of zero spend, a payback
  // curve without cohorts): they are left out with a sentence instead of axes "from ∞ to −∞" or "NaN".
  const extra = {
    'spend.csv': 'period,channel,spend\n2024-03,ads,0\n',
    'customers.csv': 'customer_id,region\na,North\nb,South\n',
    'surveys.csv': 'customer_id,date,score\na,2024-03-06,9\n',
  };
  const orders: Record<string, string> = {
    'one order': 'customer_id,order_date,amount,product,channel\na,2024-03-05,10,p1,ads\n',
    'one day': 'customer_id,order_date,amount,product,channel\na,2024-03-05,10,p1,ads\nb,2024-03-05,20,p2,mail\n',
    'all amounts zero': 'customer_id,order_date,amount,product,channel\na,2024-03-05,0,p1,ads\nb,2024-03-05,0,p2,mail\na,2024-04-05,0,p1,ads\n',
  };
  for (const [label, csv] of Object.entries(orders)) {
    it(label, () => {
      const dir = mkdtempSync(join(work, 'extra-'));
      for (const [name, text] of Object.entries({ ...extra, 'orders.csv': csv })) writeFileSync(join(dir, name), text);
      const inputs = ['--orders', 'orders.csv', '--spend', 'spend.csv', '--customers', 'customers.csv', '--surveys', 'surveys.csv', '--map', 'product=product'].map((a) => (a.endsWith('.csv') ? join(dir, a) : a));
      const r = runClv(['report', ...inputs, '--segment-by', 'region,first:product', '--bootstrap', '20', '--out', join(dir, 'report'), '--quiet']);
      expect(r.status, r.stderr).toBe(0);
      expect(expectClean(join(dir, 'report'), `${label} report`)).toBeGreaterThan(4);
      const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
      expect(html).toContain('No chart of spend per month, stacked by channel: the data give no values to plot.');
      expect(html).toContain('No chart of average retention curve per region (size-weighted over cohorts, complete months): the data give no values to plot.');
    }, 240_000);
  }
});

describe('nothingToPlot', () => {
  const spec = (values: object[]) => ({
    data: { values },
    mark: 'line',
    encoding: { x: { field: 'k', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' }, color: { field: 's', type: 'nominal' } },
  });
  it('is true for an empty data set and for values that are not numbers, false for segments named NaN or Infinity', async () => {
    expect(nothingToPlot(await renderSvg(spec([]), 't'))).toBe(true);
    expect(nothingToPlot(await renderSvg(spec([{ k: 'a', v: 'b', s: 'x' }]), 't'))).toBe(true);
    const named = await renderSvg(spec([{ k: 1, v: 2, s: 'Infinity' }, { k: 2, v: 3, s: 'NaN' }, { k: 3, v: 1, s: 'Infinity' }]), 't');
    expect(named).toContain('Infinity');
    expect(nothingToPlot(named)).toBe(false);
  });
});
