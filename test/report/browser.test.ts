/**
 * The report in a real browser (Debian's Chromium via playwright-core), with
 * every network request blocked: no console errors, no request attempted,
 * every chart rendered with marks, and user data shown as text, not markup.
 * Mandatory when CI=true; skipped with a visible message where Chromium is missing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { writeSample } from '../../lib/sample/generate-sample.ts';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.ts';
import { runClv } from '../helpers/cli.ts';

const available = chromiumAvailable();
const work = mkdtempSync(join(tmpdir(), 'clv-browser-'));
let browser: Browser | undefined;

beforeAll(async () => {
  if (!available) return;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function openReport(file: string) {
  const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, requests, problems };
}

describe.skipIf(!available)('report in headless Chromium (network blocked)', () => {
  it('renders every chart of the sample report with no request and no console error', async () => {
    await writeSample(join(work, 'sample'), { seed: 42 });
    const out = join(work, 'report');
    const r = runClv(['report', '--orders', join(work, 'sample', 'orders.csv'), '--segment-by', 'channel,region', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const { page, context, requests, problems } = await openReport(join(out, 'index.html'));
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          marks: svg ? svg.querySelectorAll('[role="graphics-symbol"], path.mark, .role-mark path, .role-mark rect').length : 0,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          label: f.getAttribute('aria-label') ?? '',
        };
      }),
    );
    expect(charts.length).toBe(9);
    for (const c of charts) {
      expect(c.marks, c.label).toBeGreaterThan(0);
      expect(c.width, c.label).toBeGreaterThan(200);
      expect(c.height, c.label).toBeGreaterThan(100);
    }
    const headings = await page.$$eval('section.cell > h2', (hs) => hs.map((h) => h.textContent));
    expect(headings).toEqual([
      'Headline figures',
      'Retention by cohort',
      'Retention curves',
      'Revenue retention',
      'Cumulative revenue per customer',
      'Customer retention rate (CRR)',
      'Retention by acquisition channel',
      'Retention by region',
      'Customer value',
      'Data quality notes',
      'Methods & assumptions',
    ]);
    // On a phone-sized screen nothing widens the page (long paths and hashes wrap, charts shrink).
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Print emulation keeps every chart visible.
    await page.emulateMedia({ media: 'print' });
    const visible = await page.$$eval('figure.chart svg', (svgs) => svgs.filter((s) => s.getBoundingClientRect().height > 0).length);
    expect(visible).toBe(9);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows hostile channel and customer names as text', async () => {
    const out = join(work, 'hostile');
    const r = runClv(['report', '--orders', 'test/fixtures/hostile-orders.csv', '--segment-by', 'channel,region', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const { page, context, requests, problems } = await openReport(join(out, 'index.html'));
    expect(await page.$$eval('img, b', (els) => els.length)).toBe(0);
    expect(await page.$$eval('script:not([type="application/json"])', (els) => els.length)).toBe(1);
    const text = await page.textContent('body');
    expect(text).toContain('"quoted" & <b>bold</b>');
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
