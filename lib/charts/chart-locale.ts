/**
 * The report's locale for the charts: Vega formats axis numbers and dates with
 * d3-format / d3-time-format locale definitions, which are made here from the
 * same Intl data the report's text uses (lib/report/format.ts), so a de-DE
 * report writes 10.000 on its axes as in its sentences.
 */

export interface ChartLocale {
  number: { decimal: string; thousands: string; grouping: number[]; currency: [string, string] };
  time: {
    dateTime: string;
    date: string;
    time: string;
    periods: [string, string];
    days: string[];
    shortDays: string[];
    months: string[];
    shortMonths: string[];
  };
}

const cache = new Map<string, ChartLocale>();

/** d3 locale definitions for `locale` (a BCP 47 tag) and `currency` (ISO 4217). */
export function chartLocale(locale: string, currency: string): ChartLocale {
  const key = `${locale}|${currency}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const parts = new Intl.NumberFormat(locale, { useGrouping: true, minimumFractionDigits: 1 }).formatToParts(1234567.5);
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const thousands = parts.find((p) => p.type === 'group')?.value ?? '';
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(1);
  const at = money.findIndex((p) => p.type === 'currency');
  const first = money.findIndex((p) => p.type === 'integer');
  const symbol = at >= 0 ? money[at].value : '';
  // Prefix or suffix, with the locale's spacing (e.g. "1 €" in de-DE).
  const between = (from: number, to: number) => money.slice(from, to).filter((p) => p.type === 'literal').map((p) => p.value).join('');
  const currencyPair: [string, string] = at < first ? [`${symbol}${between(at + 1, first)}`, ''] : ['', `${between(money.length - 1 > at ? at : first + 1, at)}${symbol}`];
  const day = (i: number, weekday: 'long' | 'short') => new Intl.DateTimeFormat(locale, { weekday, timeZone: 'UTC' }).format(Date.UTC(2023, 0, 1 + i));
  const month = (i: number, m: 'long' | 'short') => new Intl.DateTimeFormat(locale, { month: m, timeZone: 'UTC' }).format(Date.UTC(2023, i, 1));
  const out: ChartLocale = {
    number: { decimal, thousands, grouping: [3], currency: currencyPair },
    time: {
      dateTime: '%x, %X',
      date: '%Y-%m-%d',
      time: '%H:%M:%S',
      periods: ['AM', 'PM'],
      days: Array.from({ length: 7 }, (_, i) => day(i, 'long')),
      shortDays: Array.from({ length: 7 }, (_, i) => day(i, 'short')),
      months: Array.from({ length: 12 }, (_, i) => month(i, 'long')),
      shortMonths: Array.from({ length: 12 }, (_, i) => month(i, 'short')),
    },
  };
  cache.set(key, out);
  return out;
}
