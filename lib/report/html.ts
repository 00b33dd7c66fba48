/**
 * Renders a report (header, table of contents, sections, footer) as one
 * self-contained HTML document: inline CSS, inline SVG charts, no script
 * that fetches anything, no external URL. Every piece of text that comes
 * from data is escaped here; chart SVGs come from Vega, which escapes its text.
 */
import { readFileSync } from 'node:fs';
import { escapeHtml, jsonForScript } from './escape.ts';
import type { Formatters } from './format.ts';
import type { Section, SectionTable, TableColumn } from './section.ts';

const CSS = readFileSync(new URL('../../reports/report.css', import.meta.url), 'utf8');

export interface ReportPage {
  title: string;
  subtitle: string;
  /** Label → value facts about the run (inputs, as-of, options). */
  facts: { label: string; value: string }[];
  sections: Section[];
  footer: string;
  locale: string;
  /** Machine-readable summary embedded as JSON (kpis, inputs). */
  data: unknown;
}

function formatCell(value: unknown, col: TableColumn, fmt: Formatters): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  switch (col.kind) {
    case 'integer':
      return fmt.integer(value as number);
    case 'money':
      return fmt.money(value as number);
    case 'money2':
      return fmt.moneyPrecise(value as number);
    case 'percent':
      return fmt.percent(value as number);
    case 'decimal':
      return fmt.decimal(value as number);
    case 'boolean':
      return value ? 'yes' : 'no';
    default:
      return String(value);
  }
}

/** A `link` cell: `{ href, text }`; only relative links (no scheme), as the reports are self-contained. */
function renderLink(value: unknown): string {
  const { href, text } = (value ?? {}) as { href?: unknown; text?: unknown };
  if (typeof href !== 'string' || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) return escapeHtml(text ?? '');
  return `<a href="${escapeHtml(href)}">${escapeHtml(text ?? href)}</a>`;
}

function renderTable(t: SectionTable, fmt: Formatters): string {
  const cls = (c: TableColumn) => (c.kind === 'text' || c.kind === 'link' ? ' class="text"' : '');
  const cell = (r: Record<string, unknown>, c: TableColumn) => (c.kind === 'link' ? renderLink(r[c.key]) : escapeHtml(formatCell(r[c.key], c, fmt)));
  const head = t.columns.map((c) => `<th scope="col"${cls(c)}>${escapeHtml(c.label)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${t.columns.map((c, i) => (i === 0 ? `<th scope="row"${cls(c)}>` : `<td${cls(c)}>`) + cell(r, c) + (i === 0 ? '</th>' : '</td>')).join('')}</tr>`)
    .join('\n');
  return `<details class="data"${t.open ? ' open' : ''}><summary>Show the table (${t.rows.length} ${t.rows.length === 1 ? 'row' : 'rows'})</summary>
<div class="table-wrap"><table>
<caption>${escapeHtml(t.caption)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>${t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : ''}</details>`;
}

function renderSection(s: Section, fmt: Formatters): string {
  const parts = [`<section class="cell" id="${escapeHtml(s.id)}" aria-labelledby="${escapeHtml(s.id)}-title">`, `<h2 id="${escapeHtml(s.id)}-title">${escapeHtml(s.title)}</h2>`];
  if (s.narrative.length > 0) parts.push(`<div class="narrative">${s.narrative.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`);
  if (s.cards) {
    parts.push(
      `<div class="cards">${s.cards
        .map((c) => `<div class="card"><div class="label">${escapeHtml(c.label)}</div><div class="value">${escapeHtml(c.value)}</div>${c.detail ? `<div class="detail">${escapeHtml(c.detail)}</div>` : ''}</div>`)
        .join('')}</div>`,
    );
  }
  for (const chart of [...(s.chart ? [s.chart] : []), ...(s.extraCharts ?? [])]) {
    const desc = (chart.spec as { description?: string }).description ?? chart.caption;
    parts.push(
      `<figure class="chart" role="group" aria-label="${escapeHtml(desc)}"><div class="svg-wrap">${chart.svg}</div><figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`,
    );
  }
  if (s.bullets) parts.push(`<ul class="bullets">${s.bullets.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul>`);
  if (s.definitions) {
    parts.push(`<dl class="definitions">${s.definitions.map((d) => `<dt>${escapeHtml(d.term)}</dt><dd>${escapeHtml(d.definition)}</dd>`).join('')}</dl>`);
  }
  if (s.table) parts.push(renderTable(s.table, fmt));
  parts.push('</section>');
  return parts.join('\n');
}

export function renderReportHtml(page: ReportPage, fmt: Formatters): string {
  const toc = page.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('');
  const facts = page.facts.map((f) => `<li>${escapeHtml(f.label)}: <strong>${escapeHtml(f.value)}</strong></li>`).join('');
  return `<!doctype html>
<html lang="${escapeHtml(page.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>
${CSS}</style>
</head>
<body>
<div class="page">
<header class="report-header">
<h1>${escapeHtml(page.title)}</h1>
<p class="subtitle">${escapeHtml(page.subtitle)}</p>
<ul class="run-facts">${facts}</ul>
</header>
${page.sections.length >= 3 ? `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc}</ol></nav>` : ''}
<main>
${page.sections.map((s) => renderSection(s, fmt)).join('\n')}
</main>
<footer class="report-footer">${escapeHtml(page.footer)}</footer>
</div>
<script type="application/json" id="report-data">${jsonForScript(page.data)}</script>
</body>
</html>
`;
}
