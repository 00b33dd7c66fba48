/**
 * Debian's Chromium driven by playwright-core, for browser tests. The tests
 * are mandatory when CI=true; elsewhere they skip with a visible message when
 * Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when browser tests can run; when false and not in CI, the caller skips. */
export function chromiumAvailable(): boolean {
  const available = existsSync(CHROMIUM_PATH);
  if (!available) {
    if (process.env.CI === 'true') throw new Error(`CI=true but Chromium is not installed at ${CHROMIUM_PATH} (.ci/run installs the chromium package)`);
    console.warn(`\n*** Browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium) ***\n`);
  }
  return available;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
