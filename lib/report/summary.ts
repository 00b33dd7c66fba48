/**
 * The Summary that opens a full report: at most six findings and four cards
 * that a leader acts on, each computed by the part that owns the figures
 * (PartOutput.summary) and linking to the section it comes from. Only
 * findings whose section is in the report are kept; nothing is added here.
 */
import { SUMMARY_TOPICS, type SummaryEntry } from '../parts/part.ts';
import type { SectionDraft } from './section.ts';

export const SUMMARY_ID = 'summary';
export const MAX_FINDINGS = 6;
export const MAX_CARDS = 4;

export function summarySection(entries: SummaryEntry[], drafts: readonly SectionDraft[]): SectionDraft | undefined {
  const titles = new Map(drafts.map((d) => [d.id, d.title]));
  const kept = entries
    .filter((e) => titles.has(e.section))
    .map((e, i) => ({ e, i }))
    .sort((a, b) => SUMMARY_TOPICS.indexOf(a.e.topic) - SUMMARY_TOPICS.indexOf(b.e.topic) || a.i - b.i)
    .map(({ e }) => e);
  if (kept.length === 0) return undefined;
  return {
    id: SUMMARY_ID,
    title: 'Summary',
    narrative: [],
    findings: kept.slice(0, MAX_FINDINGS).map((e) => ({ sentence: e.sentence, href: `#${e.section}`, linkText: titles.get(e.section) as string })),
    cards: kept
      .filter((e) => e.card)
      .slice(0, MAX_CARDS)
      .map((e) => ({ ...(e.card as NonNullable<SummaryEntry['card']>), href: `#${e.section}` })),
  };
}
