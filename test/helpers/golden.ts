/**
 * Golden files: generated output compared with a committed expected copy
 * under test/golden/. A difference fails the test; to accept a change on
 * purpose, run the tests with UPDATE_GOLDEN=1 (which rewrites the files) and
 * commit the new files with the change that explains them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

export const GOLDEN_DIR = 'test/golden';
export const UPDATING = process.env.UPDATE_GOLDEN === '1';

export function expectGolden(relPath: string, actual: string): void {
  const file = join(GOLDEN_DIR, relPath);
  if (UPDATING) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run the tests with UPDATE_GOLDEN=1 to create it, then review and commit it`);
  expect(actual, `${file} differs (if the change is intended: UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts, review, commit)`).toBe(readFileSync(file, 'utf8'));
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Text of an HTML fragment: tags removed, entities decoded, spaces collapsed. */
export function htmlText(fragment: string): string {
  return fragment
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m])
    .replace(/\s+/g, ' ')
    .trim();
}

function all(re: RegExp, s: string): string[][] {
  return [...s.matchAll(re)].map((m) => m.slice(1));
}

/**
 * The structure of a report page as plain data: header, contents, and for
 * each section its heading, narrative, cards, charts (accessible description
 * and caption), bullets, definitions, table (caption, header, cells) and the
 * CSV behind its download link.
 */
export function reportStructure(html: string) {
  const body = html.replace(/<svg[\s\S]*?<\/svg>/g, (svg) => `<svg>${/<desc[^>]*>([\s\S]*?)<\/desc>/.exec(svg)?.[1] ?? ''}</svg>`);
  const header = /<header class="report-header">([\s\S]*?)<\/header>/.exec(body)?.[1] ?? '';
  const sections = all(/<section class="cell" id="([^"]+)"[^>]*>([\s\S]*?)<\/section>/g, body).map(([id, s]) => {
    const table = /<table[^>]*>([\s\S]*?)<\/table>/.exec(s)?.[1];
    const href = /<a class="csv" download="([^"]*)" href="([^"]*)"/.exec(s);
    return {
      id,
      title: htmlText(/<h2[^>]*>([\s\S]*?)<\/h2>/.exec(s)?.[1] ?? ''),
      narrative: all(/<p>([\s\S]*?)<\/p>/g, /<div class="narrative">([\s\S]*?)<\/div>/.exec(s)?.[1] ?? '').map(([p]) => htmlText(p)),
      cards: all(/<div class="card">([\s\S]*?)<\/div><\/div>/g, s).map(([c]) => htmlText(c.replace(/<\/div>/g, ' | '))),
      charts: all(/<figure class="chart"([^>]*)>([\s\S]*?)<\/figure>/g, s).map(([attrs, f]) => ({
        series: /data-series="([^"]*)"/.exec(attrs)?.[1] ?? null,
        description: htmlText(/<svg>([\s\S]*?)<\/svg>/.exec(f)?.[1] ?? ''),
        caption: htmlText(/<figcaption>([\s\S]*?)<\/figcaption>/.exec(f)?.[1] ?? ''),
      })),
      bullets: all(/<li>([\s\S]*?)<\/li>/g, /<ul class="bullets">([\s\S]*?)<\/ul>/.exec(s)?.[1] ?? '').map(([b]) => htmlText(b)),
      subheadings: all(/<h3>([\s\S]*?)<\/h3>/g, s).map(([h]) => htmlText(h)),
      definitions: all(/<dt>([\s\S]*?)<\/dt><dd>([\s\S]*?)<\/dd>/g, s).map(([t, d]) => `${htmlText(t)}: ${htmlText(d)}`),
      table: table
        ? {
            caption: htmlText(/<caption>([\s\S]*?)<\/caption>/.exec(table)?.[1] ?? ''),
            head: all(/<th scope="col"[^>]*>([\s\S]*?)<\/th>/g, table).map(([h]) => htmlText(h)),
            rows: all(/<tr>([\s\S]*?)<\/tr>/g, /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '').map(([r]) => all(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g, r).map(([c]) => htmlText(c))),
          }
        : null,
      csv: href ? { file: href[1], content: decodeURIComponent(htmlText(href[2]).replace(/^data:text\/csv;charset=utf-8,/, '')) } : null,
    };
  });
  return {
    title: htmlText(/<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? ''),
    header: {
      company: htmlText(/<p class="company">([\s\S]*?)<\/p>/.exec(header)?.[1] ?? ''),
      subtitle: htmlText(/<p class="subtitle">([\s\S]*?)<\/p>/.exec(header)?.[1] ?? ''),
      facts: all(/<dt>([\s\S]*?)<\/dt><dd>([\s\S]*?)<\/dd>/g, header).map(([t, d]) => `${htmlText(t)}: ${htmlText(d)}`),
      inputs: all(/<li>([\s\S]*?)<\/li>/g, /<ul class="inputs"[^>]*>([\s\S]*?)<\/ul>/.exec(header)?.[1] ?? '').map(([i]) => htmlText(i)),
    },
    contents: all(/<li><a href="#([^"]+)">([\s\S]*?)<\/a><\/li>/g, /<nav class="toc"[\s\S]*?<\/nav>/.exec(body)?.[0] ?? '').map(([id, t]) => `${id}: ${htmlText(t)}`),
    sections,
  };
}
