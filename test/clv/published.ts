/**
 * Comparison with published figures: a published value is reproduced when our
 * value, rounded to as many decimals as the published one shows, equals it.
 */
import { expect } from 'vitest';

/** Our value rounded to the decimals of `published` (e.g. '0.2426', '-9582.43'). */
export function asPublished(actual: number, published: string): string {
  const dot = published.indexOf('.');
  const decimals = dot < 0 ? 0 : published.length - dot - 1;
  const s = actual.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : s;
}

/** Asserts that `actual` reproduces `published` to all the digits it shows. */
export function expectPublished(actual: number, published: string, label = ''): void {
  expect(asPublished(actual, published), `${label} ${actual} vs published ${published}`).toBe(published);
}
