/**
 * One colour per category value across the whole report: a channel is the
 * same colour in the CAC lines, the spend bars, the payback curves and the
 * retention-by-channel chart. Chart builders ask {@link categoryScale} for a
 * colour scale tagged with the category's key (`channel`, a segment column);
 * before the charts are drawn, {@link harmoniseColors} gives every value of a
 * key its colour from the sorted list of all that key's values in the report,
 * whatever subset or order a single chart shows.
 */
import { CATEGORY_COLORS } from './theme.ts';

/** The label of the line that gathers the smaller series of a chart ("others"): always grey. */
export const OTHERS = 'all others';
export const OTHERS_COLOR = '#8c8c8c';

const KEY = Symbol('category key');

interface CategoryScale {
  domain: string[];
  range: string[];
  [KEY]: string;
}

function colorsFor(domain: string[], all: string[]): string[] {
  let i = 0;
  return domain.map((v) => (v === OTHERS ? OTHERS_COLOR : CATEGORY_COLORS[(all.indexOf(v) >= 0 ? all.indexOf(v) : all.length + i++) % CATEGORY_COLORS.length]));
}

/** A Vega-Lite colour scale for the values of category `key` (colours settled by harmoniseColors). */
export function categoryScale(key: string, domain: string[]): CategoryScale {
  const sorted = [...new Set(domain.filter((v) => v !== OTHERS))].sort();
  return { domain, range: colorsFor(domain, sorted), [KEY]: key };
}

function scalesIn(node: unknown, out: CategoryScale[]): CategoryScale[] {
  if (Array.isArray(node)) for (const n of node) scalesIn(n, out);
  else if (node !== null && typeof node === 'object') {
    if (KEY in node) out.push(node as CategoryScale);
    // Data values are never scales: skip them (they can be large).
    for (const [k, v] of Object.entries(node)) if (k !== 'data' && k !== 'values') scalesIn(v, out);
  }
  return out;
}

/** Sets the colours of every category scale in `specs` so that a value has one colour in all of them. */
export function harmoniseColors(specs: object[]): void {
  const scales = specs.flatMap((s) => scalesIn(s, []));
  const values = new Map<string, Set<string>>();
  for (const s of scales) {
    const set = values.get(s[KEY]) ?? new Set<string>();
    for (const v of s.domain) if (v !== OTHERS) set.add(v);
    values.set(s[KEY], set);
  }
  const sorted = new Map([...values].map(([k, set]) => [k, [...set].sort()]));
  for (const s of scales) s.range = colorsFor(s.domain, sorted.get(s[KEY]) ?? []);
}
