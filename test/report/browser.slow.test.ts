/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
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
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.ts';
import { runClv } from '../helpers/cli.ts';
import { copySample } from '../helpers/sample.ts';

const available = chromiumAvailable();
const work = mkdtempSync(join(tmpdir(), 'clv-browser-'));
let browser: Browser | undefined;
/** The sample report written by the first test, used by the later ones. */
let sampleReport = '';

beforeAll(async () => {
  if (!available) return;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function openReport(file: string, options: BrowserContextOptions = {}) {
  const context = await browser!.newContext({ viewport: { width: 1100, height: 900 }, ...options });
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
    copySample(join(work, 'sample'));
    const out = join(work, 'report');
    const r = runClv(['report', '--orders', join(work, 'sample', 'orders.csv'), '--spend', join(work, 'sample', 'spend.csv'), '--segment-by', 'channel,region', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    sampleReport = join(out, 'index.html');
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
    expect(charts.length).toBe(23);
    for (const c of charts) {
      expect(c.marks, c.label).toBeGreaterThan(0);
      expect(c.width, c.label).toBeGreaterThan(200);
      expect(c.height, c.label).toBeGreaterThan(100);
    }
    const headings = await page.$$eval('section.cell > h2', (hs) => hs.map((h) => h.textContent));
    expect(headings).toEqual([
      'Summary',
      'Headline figures',
      'Retention by cohort',
      'Retention curves',
      'Revenue retention',
      'Cumulative revenue per customer',
      'Customer retention rate (CRR)',
      'Retention by acquisition channel',
      'Retention by region',
      'Growth accounting',
      'Customer value',
      'Holdout backtest',
      'Projected value by segment',
      'CAC by channel',
      'Spend and new customers by channel',
      'LTV:CAC by channel',
      'CAC payback',
      'Unit economics by channel',
      'RFM segments',
      'Win back',
      'Data quality notes',
      'Methods & assumptions',
    ]);
    // On a phone-sized screen nothing widens the page (long paths and hashes wrap; charts scroll inside their frame).
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // …and chart text stays readable: no text drawn smaller than 10 px.
    const sizes = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.flatMap((svg) => {
        const scale = svg.getBoundingClientRect().width / ((svg as SVGSVGElement).viewBox.baseVal?.width || Number(svg.getAttribute('width')) || 1);
        return [...svg.querySelectorAll('text')].filter((t) => (t.textContent ?? '').trim() !== '').map((t) => ({ text: t.textContent ?? '', px: parseFloat(getComputedStyle(t).fontSize) * scale }));
      }),
    );
    expect(sizes.length).toBeGreaterThan(500);
    expect(sizes.filter((x) => x.px < 10)).toEqual([]);
    // No KPI figure wraps: each card's number is one line, inside its card.
    const figures = await page.$$eval('.card .value', (els) =>
      els.map((e) => {
        const text = document.createRange();
        text.selectNodeContents(e);
        const lineTops = new Set([...text.getClientRects()].map((r) => Math.round(r.top)));
        return { text: e.textContent ?? '', lines: lineTops.size, fits: text.getBoundingClientRect().right <= (e.closest('.card') as HTMLElement).getBoundingClientRect().right };
      }),
    );
    expect(figures.length).toBeGreaterThan(15);
    for (const f of figures) expect(f, f.text).toMatchObject({ lines: 1, fits: true });
    // Print emulation keeps every chart visible.
    await page.emulateMedia({ media: 'print' });
    const visible = await page.$$eval('figure.chart svg', (svgs) => svgs.filter((s) => s.getBoundingClientRect().height > 0).length);
    expect(visible).toBe(23);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows hostile channel and customer names as text', async () => {
    const out = join(work, 'hostile');
    const r = runClv(['report', '--orders', 'test/fixtures/hostile-orders.csv', '--spend', 'test/fixtures/cac/hostile-spend.csv', '--segment-by', 'channel,region', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const { page, context, requests, problems } = await openReport(join(out, 'index.html'));
    expect(await page.$$eval('img, b', (els) => els.length)).toBe(0);
    expect(await page.$$eval('script:not([type="application/json"])', (els) => els.length)).toBe(1);
    const text = await page.textContent('body');
    expect(text).toContain('"quoted" & <b>bold</b>');
    expect(text).toContain('"<script>alert(1)</script>"');
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
  it('offers every table as CSV from inside the file: the link holds the table, the download works under the CSP', async () => {
    const { page, context, problems } = await openReport(sampleReport, { acceptDownloads: true });
    const tables = await page.$$eval('section.cell', (sections) =>
      sections
        .filter((s) => s.querySelector('table'))
        .map((s) => ({
          id: s.id,
          href: s.querySelector('a.csv')?.getAttribute('href') ?? '',
          file: s.querySelector('a.csv')?.getAttribute('download') ?? '',
          head: [...s.querySelectorAll('details.data thead th')].map((th) => th.textContent),
          firstColumn: [...s.querySelectorAll('details.data tbody tr')].map((tr) => (tr as HTMLTableRowElement).cells[0].textContent),
          values: [...s.querySelectorAll('details.data tbody tr')].map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => c.getAttribute('data-v'))),
        })),
    );
    // Every section with a table: triangle, curves, revenue, cumulative, CRR, two segment sections, customer value,
    // Every section with a table, as listed in the headings above except the retention-by-region, CAC payback, LTV:CAC and spend sections.
    expect(tables.length).toBe(15);
    for (const t of tables) {
      expect(t.href.startsWith('data:text/csv;charset=utf-8,'), t.id).toBe(true);
      const lines = decodeURIComponent(t.href.slice('data:text/csv;charset=utf-8,'.length)).split('\n').slice(0, -1);
      expect(lines[0], t.id).toBe(t.head.map((h) => (/[",]/.test(h!) ? `"${h!.replace(/"/g, '""')}"` : h)).join(','));
      expect(lines.length - 1, t.id).toBe(t.firstColumn.length);
      // Every numeric cell of the CSV is the raw value behind the formatted cell.
      lines.slice(1).forEach((line, i) => {
        const cells = line.split(',');
        t.values[i].forEach((v, j) => {
          if (v !== null) expect(cells[j], `${t.id} row ${i} col ${j}`).toBe(v);
        });
      });
    }
    // The CRR table's CSV is the data file's content (same rows, same numbers).
    const crr = tables.find((t) => t.id === 'crr')!;
    const fromLink = decodeURIComponent(crr.href.slice('data:text/csv;charset=utf-8,'.length)).split('\n').slice(1);
    const fromFile = readFileSync(join(sampleReport, '..', 'data', 'crr.csv'), 'utf8').split('\n').slice(1);
    expect(fromLink).toEqual(fromFile);
    // Clicking the link downloads that CSV (data: links are not blocked by the report's CSP).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#crr a.csv')]);
    expect(download.suggestedFilename()).toBe('crr.csv');
    const saved = readFileSync((await download.path())!, 'utf8');
    expect(saved).toBe(decodeURIComponent(crr.href.slice('data:text/csv;charset=utf-8,'.length)));
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('sorts tables and highlights a cohort with the inline script; reads fully without JavaScript', async () => {
    const { page, context, requests, problems } = await openReport(sampleReport);
    await page.click('#retention-triangle details.data summary');
    const sizes = () => page.$$eval('#retention-triangle details.data tbody tr', (rows) => rows.map((r) => Number((r as HTMLTableRowElement).cells[1].getAttribute('data-v'))));
    const before = await sizes();
    await page.click('#retention-triangle details.data thead th:nth-child(2) button');
    const asc = await sizes();
    expect(asc).toEqual([...before].sort((a, b) => a - b));
    expect(await page.getAttribute('#retention-triangle details.data thead th:nth-child(2)', 'aria-sort')).toBe('ascending');
    await page.click('#retention-triangle details.data thead th:nth-child(2) button');
    expect(await sizes()).toEqual([...before].sort((a, b) => b - a));
    // The cohort table's switch shows one measure at a time, with CSS alone.
    const shownViews = () => page.$$eval('#retention-triangle .matrix-view', (vs) => vs.map((v) => (v as HTMLElement).offsetParent !== null));
    expect(await shownViews()).toEqual([true, false]);
    await page.click('#retention-triangle .matrix-switch label:nth-of-type(2)');
    expect(await shownViews()).toEqual([false, true]);
    // Series picker on the retention curves: one cohort highlighted, the others dimmed, the average untouched.
    expect(await page.isVisible('#retention-curves .series-picker')).toBe(true);
    await page.selectOption('#retention-curves select', '2023-06');
    const marks = await page.$$eval('#retention-curves svg [role="graphics-symbol"]', (els) => ({
      hl: els.filter((e) => e.classList.contains('hl')).map((e) => e.querySelector('title')?.textContent ?? ''),
      dim: els.filter((e) => e.classList.contains('dim')).length,
      plain: els.filter((e) => !e.classList.contains('dim') && !e.classList.contains('hl')).length,
    }));
    expect(marks.hl).toHaveLength(1);
    expect(marks.hl[0]).toContain('Cohort: 2023-06;');
    expect(marks.dim).toBe(34);
    expect(marks.plain).toBeGreaterThan(0);
    // Clicking a legend entry of a segment chart highlights that segment.
    const legend = await page.$$('#segment-1-channel .role-legend-entry .pickable');
    expect(legend.length).toBe(5);
    await legend[0].click();
    expect(await page.$$eval('#segment-1-channel svg .hl', (els) => els.length)).toBeGreaterThan(0);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();

    const off = await openReport(sampleReport, { javaScriptEnabled: false });
    expect(await off.page.$$eval('.series-picker', (els) => els.every((e) => (e as HTMLElement).offsetParent === null))).toBe(true);
    expect(await off.page.$$eval('th button', (els) => els.length)).toBe(0);
    expect(await off.page.$$eval('figure.chart svg', (svgs) => svgs.filter((s) => s.getBoundingClientRect().height > 100).length)).toBe(23);
    expect(await off.page.$$eval('table tbody tr', (rows) => rows.length)).toBeGreaterThan(50);
    await off.context.close();
  }, 60_000);

  it('follows a dark colour scheme, charts included, and prints every chart on white', async () => {
    const { page, context, problems } = await openReport(sampleReport, { colorScheme: 'dark' });
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const look = () =>
      page.evaluate(() => ({
        background: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
        axisLabels: [...document.querySelectorAll('figure.chart svg .role-axis-label text')].map((t) => getComputedStyle(t).fill),
        average: getComputedStyle(document.querySelector('#retention-curves svg [stroke="#1a1a1a"]')!).stroke,
      }));
    const dark = await look();
    expect(luminance(dark.background)).toBeLessThan(0.15);
    expect(luminance(dark.text)).toBeGreaterThan(0.8);
    expect(dark.axisLabels.length).toBeGreaterThan(50);
    for (const fill of dark.axisLabels) expect(luminance(fill)).toBeGreaterThan(0.8);
    expect(luminance(dark.average)).toBeGreaterThan(0.8);
    // Print: light colours whatever the screen's scheme, every chart visible, interactive parts hidden.
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    const printed = await look();
    expect(luminance(printed.background)).toBeGreaterThan(0.95);
    for (const fill of printed.axisLabels) expect(luminance(fill)).toBeLessThan(0.2);
    const visible = await page.$$eval('figure.chart svg', (svgs) => svgs.filter((s) => s.getBoundingClientRect().height > 100 && s.getBoundingClientRect().width > 200).length);
    expect(visible).toBe(23);
    expect(await page.$$eval('a.csv, .series-picker', (els) => els.filter((e) => (e as HTMLElement).getBoundingClientRect().height > 0).length)).toBe(0);
    // Charts are images with a summary for screen readers.
    const labels = await page.$$eval('figure.chart svg', (svgs) => svgs.map((s) => [s.getAttribute('role'), document.getElementById(s.getAttribute('aria-labelledby') ?? '')?.textContent ?? '']));
    for (const [role, text] of labels) {
      expect(role).toBe('img');
      expect((text ?? '').length).toBeGreaterThan(40);
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('prints to a PDF small enough to mail: no cell background turned into an image per cell', async () => {
    // A hatched (gradient) background on the cohort table's projected cells once made Chromium's PDF of the
    // sample 282 MB (one 529×765 image per cell); with plain grey cells on paper it is about 0.5 MB.
    const { page, context } = await openReport(sampleReport);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.length).toBeGreaterThan(100_000);
    expect(pdf.length).toBeLessThan(5_000_000);
    await context.close();
  }, 120_000);
});
