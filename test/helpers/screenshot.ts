/**
 * Screenshot of a report, for the README and for looking at changes:
 *   npx tsx test/helpers/screenshot.ts reports/out/sample/index.html docs/report.png [height] [scrollY] [media]
 */
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.ts';

const [file, out, height = '1500', scrollY = '0', media = 'screen'] = process.argv.slice(2);
if (!file || !out) {
  process.stderr.write('usage: screenshot.ts REPORT.html OUT.png [height] [scrollY] [screen|print|dark]\n');
  process.exit(2);
}
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: Number(height) }, colorScheme: media === 'dark' ? 'dark' : 'light' });
  await page.goto(pathToFileURL(file).href);
  if (media === 'print') await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: out, clip: { x: 0, y: Number(scrollY), width: 1100, height: Number(height) }, fullPage: true });
} finally {
  await browser.close();
}
