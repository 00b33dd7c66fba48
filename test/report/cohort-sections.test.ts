/** Narrative sentences and section contents computed from the numbers. */
import { describe, expect, it } from 'vitest';
import { dataQualitySection, MAX_SEGMENTS_SHOWN, segmentSections } from '../../lib/parts/cohorts/present.ts';
import { part as cohortsPart } from '../../lib/parts/cohorts/part.ts';
import { resolveRunOptions } from '../../lib/run/run-options.ts';
import { fileOrders } from '../../lib/sources/file.ts';
import type { SectionDraft } from '../../lib/report/section.ts';
import { formatters } from '../../lib/report/format.ts';
import { analyzeFile, tempFile } from '../helpers/pipeline.ts';

const fmt = formatters('en-US', 'USD');

describe('cohort report sections', () => {
  it('state the hand-computed figures of the fixture in their sentences', async () => {
    const { analysis, orders } = await analyzeFile({ path: 'test/fixtures/hand-orders.csv' });
    const source = fileOrders({ path: 'test/fixtures/hand-orders.csv' });
    const own = cohortsPart.present({ analysis, orders }, { fmt, currency: 'USD', options: resolveRunOptions({ orders: source }) }).sections;
    const sections: SectionDraft[] = [...own.slice(0, -1), dataQualitySection({ analysis, orders, fmt, currency: 'USD', source: source.describe() }), ...own.slice(-1)];
    expect(sections.map((s) => s.id)).toEqual([
      'headline',
      'retention-triangle',
      'retention-curves',
      'revenue-retention',
      'cumulative-revenue',
      'crr',
      'data-quality',
      'definitions',
    ]);
    const text = (id: string) => sections.find((s) => s.id === id)!.narrative.join(' ');
    // 5 customers, 10 orders, 555 net after 10 refunded; 3 of 5 came back; AOV 55.5.
    expect(text('headline')).toContain('5 customers placed 10 orders worth $555 after refunds of $10.');
    expect(text('headline')).toContain('60.0% of customers came back to order on another day; the average order was worth $55.50.');
    // Offset 1: cohorts 2024-01 and 2024-02, 2 of 4 customers active.
    expect(text('retention-triangle')).toContain('On average 50.0% of a cohort');
    // Cumulative revenue per customer: (115·2 + 95·2 + 70) / 5 = 98 at month 0; 98 + (30 + 25) / 4 = 111.75 at month 1.
    expect(text('cumulative-revenue')).toContain('$98.00 by the end of month 0 and $111.75 by the end of month 1');
    // 2024-02 at month 1: 215 / 2 = 107.50, (107.5 / 111.75 − 1) = −3.8%.
    expect(text('cumulative-revenue')).toContain('2024-02, stands at $107.50 per customer, 3.8% below the average.');
    const cards = sections[0].cards!.map((c) => [c.label, c.value]);
    expect(cards).toEqual([
      ['Customers', '5'],
      ['Orders', '10'],
      ['Net revenue', '$555'],
      ['Average order value', '$55.50'],
      ['Repeat-customer rate', '60.0%'],
      ['Latest CRR', '–'],
    ]);
  });

  it(`shows the ${MAX_SEGMENTS_SHOWN} largest segment values and says where the rest are`, async () => {
    const rows = ['customer_id,order_date,amount,store'];
    for (let s = 0; s < 15; s++) {
      for (let c = 0; c <= s; c++) rows.push(`s${s}c${c},2024-01-0${1 + (c % 5)},10,store-${String(s).padStart(2, '0')}`);
    }
    const path = tempFile('orders.csv', `${rows.join('\n')}\n`);
    const { analysis, orders } = await analyzeFile({ path }, { segmentBy: ['store'] });
    const [section] = segmentSections({ analysis, orders, fmt, currency: 'USD' });
    expect(section.table!.rows.map((r) => r.segment)).toEqual(['store-14', 'store-13', 'store-12', 'store-11', 'store-10', 'store-09', 'store-08', 'store-07', 'store-06', 'store-05']);
    expect(section.narrative.join(' ')).toContain('15 values of store; the 10 with the most customers are shown, and data/cohort_retention_by_segment.csv has them all.');
    // Every value is still in the segment cells behind the CSV.
    expect(new Set(analysis.segments[0].cells.map((c) => c.segment)).size).toBe(15);
  });
});
