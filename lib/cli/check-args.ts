/**
 * Checks of the parsed command line that yargs does not make: an option that
 * takes one value given twice (yargs would hand over an array), and a number
 * option whose value is not a number (yargs would hand over NaN, and messages
 * would say "NaN"). Each refusal quotes what was typed.
 */
import { UserError } from '../errors.ts';

/** The parts of yargs' getOptions() used here. */
export interface DeclaredOptions {
  /** Every declared option. */
  key: Record<string, unknown>;
  array: string[];
  boolean: string[];
  number: string[];
}

/** What was typed after `--name` (or in `--name=value`), for messages. */
function typed(raw: string[], name: string): string[] {
  const out: string[] = [];
  raw.forEach((arg, i) => {
    if (arg === `--${name}` && i + 1 < raw.length) out.push(raw[i + 1]);
    else if (arg.startsWith(`--${name}=`)) out.push(arg.slice(name.length + 3));
  });
  return out;
}

export function checkArgs(argv: Record<string, unknown>, declared: DeclaredOptions, raw: string[]): void {
  const many = new Set([...declared.array, ...declared.boolean]);
  for (const name of Object.keys(declared.key)) {
    if (many.has(name)) continue;
    const value = argv[name];
    if (Array.isArray(value)) {
      const values = typed(raw, name);
      throw new UserError(`--${name} is given ${value.length} times (${(values.length > 0 ? values : value).map((v) => JSON.stringify(String(v))).join(', ')}); give it once`);
    }
  }
  for (const name of declared.number) {
    const value = argv[name];
    if (typeof value === 'number' && !Number.isFinite(value)) {
      const text = typed(raw, name)[0] ?? String(value);
      throw new UserError(`--${name} ${JSON.stringify(text)}: expected a number such as 12 or 0.35`);
    }
  }
}

/** Whether `code` is an ISO 4217 currency code Intl can format. */
export function validCurrency(code: string): boolean {
  if (!/^[A-Za-z]{3}$/.test(code)) return false;
  try {
    new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    return true;
  } catch {
    return false;
  }
}

/** Whether `tag` is a BCP 47 locale Intl accepts. */
export function validLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** --currency and --locale, checked before any work (Intl would throw deep inside the report). */
export function checkFormatArgs(argv: Record<string, unknown>): void {
  const { currency, locale } = argv;
  if (typeof currency === 'string' && !validCurrency(currency)) throw new UserError(`--currency ${JSON.stringify(currency)}: expected an ISO 4217 currency code such as USD or EUR`);
  if (typeof locale === 'string' && !validLocale(locale)) throw new UserError(`--locale ${JSON.stringify(locale)}: expected a locale such as en-US or de-DE`);
}
