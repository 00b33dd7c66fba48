/**
 * The history page of the monthly job (`<out-root>/index.html`): one row per
 * monthly run, newest first, with its headline KPIs and a link to its report,
 * all read from the runs' manifest.json files. Rendered with the reports'
 * own page layout and styles; every value from the manifests is escaped.
 * Contains nothing but manifest data (no clock), so the same runs give the
 * same page byte for byte.
 */
import { TOOL } from '../version.ts';
import { formatters } from './format.ts';
import { renderReportHtml } from './html.ts';
import type { Section, TableColumn } from './section.ts';
import type { PreviousManifest } from '../parts/what-changed/present.ts';

/** One run folder: its manifest, or why it could not be read. */
export type HistoryRun = { month: string; manifest: PreviousManifest } | { month: string; problem: string };

/** Text of the history page's footer by which clv monthly recognises a page it may replace. */
export const HISTORY_MARK = 'Rewritten after each clv monthly run';

export function renderHistoryPage(runs: HistoryRun[]): string {
  const sorted = [...runs].sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0));
  const readable = sorted.filter((r): r is Extract<HistoryRun, { manifest: PreviousManifest }> => 'manifest' in r);
  const newest = readable[0]?.manifest;
  const currency = newest?.options?.currency ?? 'USD';
  const locale = newest?.options?.locale ?? 'en-US';
  const fmt = formatters(locale, currency);
  const currencies = new Set(readable.map((r) => r.manifest.options?.currency ?? 'USD'));
  const mixed = currencies.size > 1;
  const moneyKind = mixed ? ('decimal' as const) : ('money' as const);

  const columns: TableColumn[] = [
    { key: 'link', label: 'Month', kind: 'link' },
    { key: 'as_of', label: 'As of', kind: 'text' },
    { key: 'customers', label: 'Customers', kind: 'integer' },
    { key: 'orders', label: 'Orders', kind: 'integer' },
    { key: 'revenue', label: 'Net revenue', kind: moneyKind },
    { key: 'aov', label: 'AOV', kind: mixed ? 'decimal' : 'money2' },
    { key: 'repeat_customer_rate', label: 'Repeat rate', kind: 'percent' },
    { key: 'crr', label: 'Latest CRR', kind: 'percent' },
    { key: 'projected_value', label: 'Projected value', kind: moneyKind },
    ...(mixed ? [{ key: 'currency', label: 'Currency', kind: 'text' as const }] : []),
  ];
  const rows = sorted.map((r) => {
    const link = { href: `${r.month}/index.html`, text: r.month };
    if ('problem' in r) return { link, as_of: 'unreadable' };
    const m = r.manifest;
    const k = m.kpis ?? {};
    const cv = m.customer_value;
    return {
      link,
      as_of: m.as_of ?? '',
      customers: k.customers ?? null,
      orders: k.orders ?? null,
      revenue: k.revenue ?? null,
      aov: k.aov ?? null,
      repeat_customer_rate: k.repeat_customer_rate ?? null,
      crr: k.latest_crr?.value ?? null,
      crr_period: k.latest_crr?.period ?? '',
      projected_value: cv?.fitted ? (cv.totals?.total ?? null) : null,
      currency: m.options?.currency ?? 'USD',
    };
  });

  const narrative: string[] = [];
  if (sorted.length === 0) narrative.push('No monthly run yet.');
  else {
    narrative.push(`${sorted.length} monthly ${sorted.length === 1 ? 'run' : 'runs'}, newest first. Each row is read from the run's manifest.json; the month opens its report.`);
    const [latest, before] = readable;
    if (latest?.manifest.kpis?.customers !== undefined && latest.manifest.kpis.revenue !== undefined) {
      const lk = latest.manifest.kpis;
      let sentence = `Latest run, ${latest.month}: ${fmt.integer(lk.customers as number)} customers and ${mixed ? fmt.decimal(lk.revenue as number) : fmt.money(lk.revenue as number)} net revenue up to ${latest.manifest.as_of}`;
      const bk = before?.manifest.kpis;
      if (bk?.customers !== undefined) {
        const d = (lk.customers as number) - bk.customers;
        sentence += `, ${fmt.integer(Math.abs(d))} ${d < 0 ? 'fewer' : 'more'} ${Math.abs(d) === 1 ? 'customer' : 'customers'} than in ${before.month}`;
      }
      narrative.push(`${sentence}.`);
    }
  }
  const problems = sorted.filter((r): r is Extract<HistoryRun, { problem: string }> => 'problem' in r);
  const sections: Section[] = [
    {
      id: 'runs',
      title: 'Monthly runs',
      narrative,
      ...(problems.length > 0 ? { bullets: problems.map((p) => `${p.month}: could not be read (${p.problem}).`) } : {}),
      ...(rows.length > 0
        ? {
            table: {
              caption: `Headline figures of each monthly run${mixed ? ' (amounts in each run\'s own currency)' : `, amounts in ${currency}`}.`,
              columns,
              rows,
              open: true,
              note: 'Net revenue is after refunds; AOV = net revenue ÷ orders; repeat rate = share of customers who ordered on 2 or more days; latest CRR = customer retention rate of the latest complete month of each run (its month is in the run\'s report); projected value is the customer value over the CLV horizon (empty when the models were not fitted).',
            },
          }
        : {}),
    },
  ];
  const newestInput = newest?.inputs?.[0]?.path;
  return renderReportHtml(
    {
      title: 'Monthly reports',
      subtitle: sorted.length > 0 ? `Runs from ${sorted[sorted.length - 1].month} to ${sorted[0].month}.` : 'No monthly run yet.',
      facts: [
        ...(readable[0] ? [{ label: 'Latest run', value: `${readable[0].month} (as of ${readable[0].manifest.as_of ?? 'unknown'})` }] : []),
        ...(newestInput ? [{ label: 'Orders file', value: newestInput }] : []),
      ],
      sections,
      footer: `Made by ${TOOL.name} ${TOOL.version}. ${HISTORY_MARK} from the manifest.json of every month folder next to this file.`,
      locale,
      data: { runs: rows.map(({ link, ...rest }) => ({ month: link.text, ...rest })) },
    },
    fmt,
  );
}
