/**
 * Screenshot of a report, for the README and for looking at changes:
 *   npx tsx test/helpers/screenshot.ts reports/out/sample/index.html docs/report.png [height] [scrollY] [media] [width]
 * media: screen (default), print, dark, or pdf (then OUT is an A4 PDF of the whole report, as
 * Chromium prints it; `pdftoppm -png -r 50 OUT.pdf page` turns its pages into pictures).
 * width: the viewport's width in CSS pixels (1100 by default; 390 for a phone).
 * scrollY may be a CSS selector instead (e.g. '#retention-triangle'): the picture starts at that element.
 */
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.ts';

const [file, out, height = '1500', scrollY = '0', media = 'screen', width = '1100'] = process.argv.slice(2);
if (!file || !out) {
  process.stderr.write('usage: screenshot.ts REPORT.html OUT.png [height] [scrollY] [screen|print|dark|pdf] [width]\n');
  process.exit(2);
}
const browser = await launchChromium();
try {
  const w = Number(width);
  const page = await browser.newPage({ viewport: { width: w, height: Number(height) }, colorScheme: media === 'dark' ? 'dark' : 'light' });
  await page.goto(pathToFileURL(file).href);
  if (media === 'pdf') {
    await page.pdf({ path: out, format: 'A4', printBackground: true });
  } else {
    if (media === 'print') await page.emulateMedia({ media: 'print' });
    const y = /^\d+$/.test(scrollY) ? Number(scrollY) : await page.$eval(scrollY, (e) => e.getBoundingClientRect().top + window.scrollY);
    await page.screenshot({ path: out, clip: { x: 0, y, width: w, height: Number(height) }, fullPage: true });
  }
} finally {
  await browser.close();
}
