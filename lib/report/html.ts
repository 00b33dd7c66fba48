/**
 * Renders a report (header, table of contents, sections, footer) as one
 * self-contained HTML document: inline CSS, inline SVG charts, one small
 * inline script allowed by its CSP hash (sortable tables, series highlight;
 * the page reads fully without it), no external URL. Each section's table
 * can be downloaded as CSV from a `data:` link. Every piece of text that
 * comes from data is escaped here; chart SVGs come from Vega, which escapes
 * its text.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../package-root.ts';
import { escapeHtml, jsonForScript } from './escape.ts';
import { csvCell, formatCsvNumber } from './csv.ts';
import type { Formatters } from './format.ts';
import type { CohortMatrix, CohortMatrixView, Section, SectionChart, SectionTable, TableColumn } from './section.ts';

const CSS = readFileSync(new URL('reports/report.css', PACKAGE_ROOT), 'utf8');
/** The report's only script, inlined once per report. */
export const SCRIPT = readFileSync(new URL('reports/report.js', PACKAGE_ROOT), 'utf8');
/** CSP source expression that allows exactly {@link SCRIPT}. */
export const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT, 'utf8').digest('base64')}'`;
/** The Content-Security-Policy of every report: nothing may load; inline styles, data: images and the one script are allowed. */
export const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${SCRIPT_HASH}; base-uri 'none'; form-action 'none'`;

export interface ReportPage {
  title: string;
  /** Company the report is about (shown above the title). */
  company?: string;
  subtitle: string;
  /** What the reader must know before reading on (stale data, dropped orders): shown under the title. */
  warnings?: string[];
  /** Label → value facts about the run (inputs, as-of, options). */
  facts: { label: string; value: string }[];
  /** Input files: path, rows read and kept. */
  inputs?: { role: string; path: string; rows: string; detail?: string }[];
  sections: Section[];
  footer: string;
  locale: string;
  /** Machine-readable summary embedded as JSON (kpis, inputs). */
  data: unknown;
}

function formatCell(value: unknown, col: Pick<TableColumn, 'kind'>, fmt: Formatters): string {
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

const NUMERIC: ReadonlySet<string> = new Set(['integer', 'money', 'money2', 'percent', 'decimal']);

/** The raw (unformatted) value of a cell as written in CSV files. */
function rawCell(value: unknown, col: TableColumn): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatCsvNumber(value);
  if (col.kind === 'boolean') return value ? 'true' : 'false';
  if (col.kind === 'link') return csvCell(String((value as { text?: unknown }).text ?? ''));
  return csvCell(String(value));
}

/** The table as CSV: the column labels as header, raw values, formula-like text neutralised. */
export function tableCsv(t: SectionTable): string {
  const lines = [t.columns.map((c) => csvCell(c.label)).join(',')];
  for (const r of t.rows) lines.push(t.columns.map((c) => rawCell(r[c.key], c)).join(','));
  return `${lines.join('\n')}\n`;
}

/** A `data:` URI for CSV text; only characters that need it are percent-encoded. */
export function csvDataUri(csv: string): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(csv).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%3B/g, ';').replace(/%2F/g, '/')}`;
}

function renderTable(t: SectionTable, sectionId: string, fmt: Formatters): string {
  const cls = (c: TableColumn) => (c.kind === 'text' || c.kind === 'link' ? ' class="text"' : '');
  const head = t.columns.map((c) => `<th scope="col"${cls(c)}>${escapeHtml(c.label)}</th>`).join('');
  const cell = (r: Record<string, unknown>, c: TableColumn, i: number) => {
    const tag = i === 0 ? 'th' : 'td';
    const v = r[c.key];
    const data = NUMERIC.has(c.kind) ? ` data-v="${typeof v === 'number' ? formatCsvNumber(v) : ''}"` : '';
    return `<${tag}${i === 0 ? ' scope="row"' : ''}${cls(c)}${data}>${c.kind === 'link' ? renderLink(v) : escapeHtml(formatCell(v, c, fmt))}</${tag}>`;
  };
  const body = t.rows.map((r) => `<tr>${t.columns.map((c, i) => cell(r, c, i)).join('')}</tr>`).join('\n');
  const file = t.csvName ?? `${sectionId}.csv`;
  return `<details class="data"${t.open ? ' open' : ''}><summary>Show the table (${t.rows.length} ${t.rows.length === 1 ? 'row' : 'rows'})</summary>
<div class="table-wrap"><table class="sortable">
<caption>${escapeHtml(t.caption)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>${t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : ''}</details>
<p class="download"><a class="csv" download="${escapeHtml(file)}" href="${escapeHtml(csvDataUri(tableCsv(t)))}">Download this table as CSV</a> <span class="note">(${escapeHtml(file)}, unformatted values)</span></p>`;
}

function renderChart(chart: SectionChart, sectionId: string, n: number): string {
  const desc = (chart.spec as { description?: string }).description ?? chart.caption;
  const titleId = `${sectionId}-chart-${n}`;
  // The SVG is an image with a summary for screen readers; its marks keep their <title> tooltips.
  const svg = chart.svg.replace(/^<svg /, `<svg role="img" aria-labelledby="${escapeHtml(titleId)}" `).replace(/^(<svg[^>]*>)/, `$1<desc id="${escapeHtml(titleId)}">${escapeHtml(`${desc} ${chart.caption}`)}</desc>`);
  const s = chart.series;
  const picker = s
    ? `<div class="series-picker" hidden><label>Highlight ${escapeHtml(s.title.toLowerCase())} <select><option value="">all</option>${s.values.map((v) => `<option>${escapeHtml(v)}</option>`).join('')}</select></label></div>`
    : '';
  return `<figure class="chart"${s ? ` data-series="${escapeHtml(s.title)}"` : ''}>${picker}<div class="svg-wrap">${svg}</div><figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`;
}

/** The numeric cohort matrix: shaded cells with numbers, a radio switch between measures (no script needed), both measures in print. */
function renderMatrix(m: CohortMatrix, sectionId: string, fmt: Formatters): string {
  const name = `${sectionId}-measure`;
  const extra = m.extra ?? [];
  const head = `<thead><tr><th scope="col" class="text">Cohort</th><th scope="col">Customers</th>${extra.map((e) => `<th scope="col">${escapeHtml(e.label)}</th>`).join('')}<th scope="col">Repeat</th>${m.offsets.map((k) => `<th scope="col">${k}</th>`).join('')}</tr></thead>`;

  const value = (v: CohortMatrixView, x: number) =>
    v.kind === 'percent' ? (v.digits === 0 ? fmt.percentWhole(x) : fmt.percent(x)) : v.digits === 0 ? fmt.money(x) : fmt.moneyPrecise(x);
  const table = (v: CohortMatrixView) => {
    const shaded = (j: number) => !(v.unshaded ?? []).includes(m.offsets[j]);
    const max = Math.max(0, ...v.cells.flatMap((r) => r.flatMap((c, j) => (c && !c.projected && shaded(j) && Number.isFinite(c.v) ? [c.v] : []))));
    const body = m.rows
      .map((r, i) => {
        const cells = v.cells[i]
          .map((c, j) => {
            if (c === null || !Number.isFinite(c.v)) return '<td></td>';
            const s = shaded(j) && max > 0 && !c.projected ? Math.max(0, Math.min(1, c.v / max)) : 0;
            const cls = c.projected ? 'proj' : [c.partial ? 'p' : '', s > 0.6 ? 'hi' : ''].filter(Boolean).join(' ');
            return `<td${cls ? ` class="${cls}"` : ''}${s > 0 ? ` style="--s:${s.toFixed(2)}"` : ''}>${escapeHtml(value(v, c.v))}</td>`;
          })
          .join('');
        const extras = extra.map((e) => `<td class="lead">${escapeHtml(formatCell(e.values[i], e, fmt))}</td>`).join('');
        return `<tr><th scope="row" class="text">${escapeHtml(r.cohort)}</th><td class="lead">${escapeHtml(fmt.integer(r.customers))}</td>${extras}<td class="lead">${r.repeatRate === null ? '' : escapeHtml(fmt.percentWhole(r.repeatRate))}</td>${cells}</tr>`;
      })
      .join('\n');
    return `<div class="matrix-wrap"><table class="matrix-table"><caption>${escapeHtml(`${v.label}, by cohort (rows) and ${m.offsetTitle.toLowerCase()} (columns)`)}</caption>${head}<tbody>\n${body}\n</tbody></table></div>`;
  };
  const switcher =
    m.views.length > 1
      ? `<div class="matrix-switch" role="radiogroup" aria-label="Measure">${m.views.map((v, i) => `<input type="radio" name="${escapeHtml(name)}" id="${escapeHtml(`${name}-${i}`)}"${i === 0 ? ' checked' : ''}><label for="${escapeHtml(`${name}-${i}`)}">${escapeHtml(v.label)}</label>`).join('')}</div>`
      : '';
  return `<div class="matrix" data-views="${m.views.length}">${switcher}${m.views.map((v, i) => `<div class="matrix-view v${i}">${table(v)}</div>`).join('')}<p class="note">${escapeHtml(m.caption)}${m.note ? ` ${escapeHtml(m.note)}` : ''}</p></div>`;
}

function renderDefinitions(defs: { term: string; definition: string }[]): string {
  return `<dl class="definitions">${defs.map((d) => `<dt>${escapeHtml(d.term)}</dt><dd>${escapeHtml(d.definition)}</dd>`).join('')}</dl>`;
}

function renderSection(s: Section, fmt: Formatters): string {
  const parts = [`<section class="cell" id="${escapeHtml(s.id)}" aria-labelledby="${escapeHtml(s.id)}-title">`, `<h2 id="${escapeHtml(s.id)}-title">${escapeHtml(s.title)}</h2>`];
  if (s.narrative.length > 0) parts.push(`<div class="narrative">${s.narrative.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`);
  if (s.cards) {
    const inner = (c: NonNullable<Section['cards']>[number]) =>
      `<div class="label">${escapeHtml(c.label)}</div><div class="value">${escapeHtml(c.value)}</div>${c.detail ? `<div class="detail">${escapeHtml(c.detail)}</div>` : ''}`;
    parts.push(`<div class="cards">${s.cards.map((c) => `<div class="card">${c.href ? `<a href="${escapeHtml(c.href)}">${inner(c)}</a>` : inner(c)}</div>`).join('')}</div>`);
  }
  if (s.findings && s.findings.length > 0) {
    parts.push(`<ul class="findings">${s.findings.map((f) => `<li>${escapeHtml(f.sentence)} <a href="${escapeHtml(f.href)}">${escapeHtml(f.linkText)}&nbsp;›</a></li>`).join('')}</ul>`);
  }
  if (s.matrix) parts.push(renderMatrix(s.matrix, s.id, fmt));
  for (const [i, chart] of [...(s.chart ? [s.chart] : []), ...(s.extraCharts ?? [])].entries()) parts.push(renderChart(chart, s.id, i + 1));
  if (s.bullets) parts.push(`<ul class="bullets">${s.bullets.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul>`);
  if (s.definitions && s.definitions.length > 0) parts.push(renderDefinitions(s.definitions));
  for (const g of s.groups ?? []) parts.push(`<h3>${escapeHtml(g.title)}</h3>`, renderDefinitions(g.definitions));
  if (s.analysts && s.analysts.length > 0) {
    parts.push(`<details class="analysts"><summary>For analysts: the models' parameters and fit</summary><ul class="bullets">${s.analysts.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul></details>`);
  }
  if (s.table) parts.push(renderTable(s.table, s.id, fmt));
  parts.push('</section>');
  return parts.join('\n');
}

export function renderReportHtml(page: ReportPage, fmt: Formatters): string {
  // What changed (monthly) and the Summary come right after the header, before the contents.
  const leading = ['what-changed', 'summary'];
  let n = 0;
  while (n < page.sections.length && leading.includes(page.sections[n].id)) n++;
  const lead = page.sections.slice(0, n);
  const rest = page.sections.slice(lead.length);
  const toc = page.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('');
  const facts = page.facts.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd></div>`).join('');
  const inputs = (page.inputs ?? [])
    .map((i) => `<li><span class="role">${escapeHtml(i.role)}</span> <code>${escapeHtml(i.path)}</code>: ${escapeHtml(i.rows)}${i.detail ? ` <span class="note">(${escapeHtml(i.detail)})</span>` : ''}</li>`)
    .join('');
  return `<!doctype html>
<html lang="${escapeHtml(page.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(page.title)}</title>
<style>
${CSS}</style>
</head>
<body>
<div class="page">
<header class="report-header">
${page.company ? `<p class="company">${escapeHtml(page.company)}</p>\n` : ''}<h1>${escapeHtml(page.title)}</h1>
<p class="subtitle">${escapeHtml(page.subtitle)}</p>
${(page.warnings ?? []).length > 0 ? `<div class="warnings" role="note">${(page.warnings ?? []).map((w) => `<p>${escapeHtml(w)}</p>`).join('')}</div>\n` : ''}<dl class="run-facts">${facts}</dl>
${inputs ? `<ul class="inputs" aria-label="Inputs">${inputs}</ul>\n` : ''}</header>
<main>
${lead.map((s) => renderSection(s, fmt)).join('\n')}
${page.sections.length >= 3 ? `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc}</ol></nav>` : ''}
${rest.map((s) => renderSection(s, fmt)).join('\n')}
</main>
<footer class="report-footer">${escapeHtml(page.footer)}</footer>
</div>
<script type="application/json" id="report-data">${jsonForScript(page.data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
