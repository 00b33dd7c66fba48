/** Number formatting for the report's text and tables, in the report's locale and currency. */

export interface Formatters {
  integer(n: number): string;
  money(n: number): string;
  /** Money with cents, for small per-customer values. */
  moneyPrecise(n: number): string;
  percent(n: number | null): string;
  /** A share as a whole percentage (19%). */
  percentWhole(n: number): string;
  /** A share the user set (a discount rate, a margin, a threshold) with only the decimals it has: 10%, 35%, 12.5%. */
  setting(n: number): string;
  /** Size of a gap between two shares in percentage points, unsigned. */
  gap(n: number): string;
  decimal(n: number, digits?: number): string;
}

export function formatters(locale = 'en-US', currency = 'USD'): Formatters {
  const int = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 });
  const money2 = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const pct = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const pct0 = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const pctSet = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
  const pts = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return {
    integer: (n) => int.format(n),
    money: (n) => money.format(n),
    moneyPrecise: (n) => money2.format(n),
    percent: (n) => (n === null || !Number.isFinite(n) ? '–' : pct.format(n)),
    percentWhole: (n) => pct0.format(n),
    setting: (n) => pctSet.format(n),
    gap: (n) => `${pts.format(Math.abs(n) * 100)} pts`,
    decimal: (n, digits = 2) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n),
  };
}
