/**
 * Renders a Vega-Lite spec to a static SVG string in Node (no browser, no
 * canvas), so every chart is visible without JavaScript, in print and offline.
 * Each mark that carries an accessible label also gets an SVG `<title>`, which
 * browsers show as a tooltip on hover. Element ids are made unique per chart
 * so several SVGs can share one page.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ChartLocale } from './chart-locale.ts';

export interface RenderOptions {
  /** Number and date formats of the report's locale (lib/charts/chart-locale.ts). */
  locale?: ChartLocale;
  /** Where Vega-Lite's and Vega's warnings go (--verbose detail); by default nowhere, so cron mail stays empty. */
  log?: (message: string) => void;
}

/** A Vega / Vega-Lite logger that hands warnings to `log` and never writes to the console. */
function quietLogger(log: (message: string) => void) {
  let level = 0;
  const say = (kind: string) => (...args: unknown[]) => {
    log(`chart ${kind}: ${args.map(String).join(' ')}`);
    return logger;
  };
  const logger = {
    level(l?: number) {
      if (l === undefined) return level as never;
      level = l;
      return logger as never;
    },
    error: (...args: unknown[]) => {
      throw new Error(args.map(String).join(' '));
    },
    warn: say('warning'),
    info: say('info'),
    debug: () => logger,
  };
  return logger;
}

export async function renderSvg(spec: object, idPrefix: string, o: RenderOptions = {}): Promise<string> {
  const logger = quietLogger(o.log ?? (() => {}));
  const withLocale = o.locale ? { ...spec, config: { ...((spec as { config?: object }).config ?? {}), locale: o.locale } } : spec;
  const compiled = vl.compile(withLocale as vl.TopLevelSpec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: logger as never, logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    return postProcess(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

function postProcess(svg: string, idPrefix: string): string {
  let out = svg
    // Tooltips without JavaScript: <path aria-label="…" role="graphics-symbol" …/> → <path …><title>…</title></path>
    // (the <title> is also the element's accessible name, so the aria-label is not repeated).
    .replace(/<(path|rect|circle|line|text|symbol)([^<>]*?)\baria-label="([^"]*)"([^<>]*?role="graphics-symbol"[^<>]*?)\/>/g, (_m, tag, before, label, after) =>
      `<${tag}${before}${after.replace(/^ /, '')}><title>${label}</title></${tag}>`,
  );
  // Ids (clip paths, gradients) come from a process-wide counter in Vega:
  // renumber them per chart so the output is the same in every run.
  const ids = new Map<string, string>();
  const rename = (id: string) => {
    let v = ids.get(id);
    if (!v) ids.set(id, (v = `${idPrefix}-${ids.size + 1}`));
    return v;
  };
  out = out
    .replace(/\bid="([^"]+)"/g, (_m, id) => `id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_m, id) => `href="#${rename(id)}"`);
  // Drop the fixed white background rectangle: the page decides the background.
  out = out.replace(/^(<svg[^>]*>)<rect width="\d+(?:\.\d+)?" height="\d+(?:\.\d+)?" fill="(?:white|transparent)"\/>/, '$1');
  // Smaller files, the same picture: geometry to 0.1 px, and the chart font set once by the page's CSS
  // (reports/report.css) instead of on every text element.
  const tenth = (v: string) => v.replace(/-?\d+\.\d{2,}/g, (n) => String(Math.round(Number(n) * 10) / 10));
  out = out.replace(/ (d|transform|x|y|x1|x2|y1|y2|width|height|points)="([^"]*)"/g, (_m, name, value) => ` ${name}="${tenth(value)}"`);
  out = out.replace(/ font-family="system-ui[^"]*"/g, '');
  return out;
}

/**
 * Whether a rendered chart has nothing to show: a continuous axis whose values
 * run from ∞ to −∞ (no data at all) or from NaN (no valid value), which is
 * what Vega draws for an empty or degenerate data set (one order, no spend…).
 * Read from the axes' accessible labels, which Vega writes as "… scale with
 * values from A to B" (a categorical axis lists its values instead, so a
 * segment named "Infinity" is not taken for one).
 */
export function nothingToPlot(svg: string): boolean {
  return /scale with values from [^"]*(NaN|∞|Infinity)/.test(svg);
}
