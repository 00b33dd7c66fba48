/**
 * The CAC part: CAC by channel, Spend and new customers, LTV:CAC, CAC payback
 * and Unit economics (needs a spend file), with cac_by_channel.csv and
 * unit_economics.csv (compute.ts, present.ts).
 */
import type { ReportPart } from '../part.ts';
import { captureCacFacts, computeCac, type CacFigures } from './compute.ts';
import { cacSections } from './present.ts';
import { ALL_CHANNELS } from '../../cac/unit-economics.ts';

export const part: ReportPart<CacFigures> = {
  id: 'cac',
  needs: ({ options }) => (options.value !== false ? ['scores'] : []),
  enabled: ({ options }) => options.cac !== undefined,
  captureFacts: captureCacFacts,
  compute: computeCac,
  present(f, { fmt, currency, options }) {
    const { attribution, spend, customers, spendLabel, customersLabel } = f;
    const attributionLabel = attribution.kind === 'first-order' ? "the channel of the customer's first order" : `column "${attribution.column}" of ${customersLabel}`;
    const out = cacSections({ result: f.result, fmt, currency, projectedHorizonMonths: f.projectedHorizonMonths, attributionLabel });
    const notes = [...out.bullets];
    for (const d of spend.input.dropped) notes.unshift(`${spendLabel}: ${fmt.integer(d.rows)} ${d.rows === 1 ? 'row' : 'rows'} left out: ${d.reason}.`);
    notes.unshift(`${spendLabel}: ${fmt.integer(spend.input.rows_read)} spend rows read, ${fmt.integer(spend.input.rows_kept)} used (sha256 ${spend.input.sha256.slice(0, 12)}…).`);
    if (customers) {
      notes.push(`${customersLabel}: ${fmt.integer(customers.input.rows_read)} customer rows read${customers.input.dropped.map((d) => `, ${fmt.integer(d.rows)} left out (${d.reason})`).join('')}.`);
    }
    const u = f.unmatched;
    const manifest = { ...out.manifest };
    if (u) {
      const column = attribution.kind === 'customers' ? attribution.column : 'channel';
      if (u.customersNotInFile > 0) notes.push(`${fmt.integer(u.customersNotInFile)} customers of the orders are not in ${customersLabel}; their acquisition channel is "(none)".`);
      if (u.emptyChannel > 0) notes.push(`${fmt.integer(u.emptyChannel)} customers have an empty ${column} in ${customersLabel}; their acquisition channel is "(none)".`);
      if (u.fileRowsWithoutOrders > 0) notes.push(`${fmt.integer(u.fileRowsWithoutOrders)} customers of ${customersLabel} have no order on or before the as-of date and are left out.`);
      manifest.unmatched_customers = { not_in_customers_file: u.customersNotInFile, empty_channel: u.emptyChannel, without_orders: u.fileRowsWithoutOrders };
    }
    const [first, ...rest] = out.sections;
    return {
      // The CAC sections' method entries go with the first.
      sections: first ? [{ ...first, definitions: [...(first.definitions ?? []), ...out.definitions] }, ...rest] : [],
      files: out.files,
      manifest: { unit_economics: manifest },
      notes,
      summary: out.summary,
      // The cohort table shows the blended CAC of each cohort's period, when CAC periods are the cohorts' (month, quarter).
      ...(f.result.period === options.period
        ? { cohortColumns: [{ label: 'CAC', kind: 'money2' as const, byCohort: new Map(f.result.totals.filter((t) => t.channel === ALL_CHANNELS).map((t) => [t.period, t.cac])) }] }
        : {}),
    };
  },
};
