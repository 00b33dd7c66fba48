/**
 * The Summary's findings (lib/parts/cohorts/summary.ts, lib/report/summary.ts) against values
 * worked by hand on test/fixtures/summary/orders.csv (its README has the working).
 */
import { describe, expect, it } from 'vitest';
import { growthEntry, retentionTrendEntry } from '../../lib/parts/cohorts/summary.ts';
import { formatters } from '../../lib/report/format.ts';
import { summarySection } from '../../lib/report/summary.ts';
import type { SummaryEntry } from '../../lib/parts/part.ts';
import { analyzeFile } from '../helpers/pipeline.ts';

const fmt = formatters('en-US', 'USD');

describe('summary findings', () => {
  it('compare active customers with a year earlier and the last year of cohorts with the ones before', async () => {
    const { analysis } = await analyzeFile({ path: 'test/fixtures/summary/orders.csv', asOf: '2024-12-31' }, { period: 'quarter' });
    expect(growthEntry(analysis, fmt)).toEqual({
      topic: 'growth',
      section: 'crr',
      sentence: 'Active customers (who ordered in the last 4 quarters) numbered 5 at the end of 2024-Q4, 16.7% fewer than a year earlier (6 at the end of 2023-Q4): the customer base is shrinking.',
      card: { label: 'Active customers', value: '5', detail: '−16.7% on 2023-Q4' },
    });
    expect(retentionTrendEntry(analysis, fmt)).toEqual({
      topic: 'retention',
      section: 'retention-triangle',
      sentence: 'Of the customers who joined from 2023-Q4 to 2024-Q3, 75.0% ordered again in the quarter after joining, against 25.0% for the cohorts before: new customers come back more often than before (50.0 pts higher).',
    });
  });

  it('keeps at most six findings and four cards, in topic order, and only those whose section is shown', () => {
    const e = (topic: SummaryEntry['topic'], section: string, card = true): SummaryEntry => ({ topic, section, sentence: `${topic} in ${section}.`, ...(card ? { card: { label: topic, value: '1' } } : {}) });
    const drafts = ['crr', 'retention-triangle', 'customer-value', 'cac-payback', 'win-back'].map((id) => ({ id, title: `Title ${id}`, narrative: [] }));
    const s = summarySection([e('risk', 'win-back'), e('value', 'customer-value'), e('growth', 'crr'), e('channels', 'cac-payback'), e('retention', 'retention-triangle', false), e('growth', 'not-shown')], drafts)!;
    expect(s.findings!.map((f) => f.sentence)).toEqual(['growth in crr.', 'retention in retention-triangle.', 'value in customer-value.', 'channels in cac-payback.', 'risk in win-back.']);
    expect(s.findings![0]).toEqual({ sentence: 'growth in crr.', href: '#crr', linkText: 'Title crr' });
    expect(s.cards!.map((c) => c.label)).toEqual(['growth', 'value', 'channels', 'risk']);
    expect(summarySection([e('growth', 'not-shown')], drafts)).toBeUndefined();
  });
});

describe('formatters().setting: a share the user set, with only the decimals it has', () => {
  it('writes 10% and 35%, not 10.0% and 35.0%, and keeps what a setting has (12.5%, 7.25%)', () => {
    const fmt = formatters('en-US', 'USD');
    expect([0.1, 0.35, 0.125, 0.0725, 0.2].map(fmt.setting)).toEqual(['10%', '35%', '12.5%', '7.25%', '20%']);
    expect(fmt.percent(0.1)).toBe('10.0%');
    expect(formatters('de-DE', 'EUR').setting(0.125)).toBe('12,5\u00a0%');
  });
});
