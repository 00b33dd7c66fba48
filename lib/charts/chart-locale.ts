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
  // The currency symbol before or after the number, with the locale's spacing ("$1", "1 €" in de-DE).
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(1);
  const at = money.findIndex((p) => p.type === 'currency');
  const numeric = money.map((p, i) => (['integer', 'group', 'decimal', 'fraction'].includes(p.type) ? i : -1)).filter((i) => i >= 0);
  const spaces = (parts: Intl.NumberFormatPart[]) => parts.filter((p) => p.type === 'literal').map((p) => p.value).join('');
  const currencyPair: [string, string] =
    at < 0 ? ['', ''] : at < numeric[0] ? [money[at].value + spaces(money.slice(at + 1, numeric[0])), ''] : ['', spaces(money.slice(numeric[numeric.length - 1] + 1, at)) + money[at].value];
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
