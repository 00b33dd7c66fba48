/**
 * Golden tests: the report and a view of a small fixed input
 * (test/fixtures/hand-orders.csv) against committed expected files in
 * test/golden/: the HTML's structure (section order, headings, narrative,
 * cards, chart descriptions, table contents, the CSV of each download link)
 * and every Vega-Lite spec. A difference fails; UPDATE_GOLDEN=1 rewrites the
 * files on purpose (see test/helpers/golden.ts).
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { describe, expect, it } from 'vitest';
import { buildCohortReport, type CohortReportOptions } from '../../lib/run/build-report.ts';
import { expectGolden, reportStructure } from '../helpers/golden.ts';

const ORDERS = fileOrders({ path: 'test/fixtures/hand-orders.csv' });

async function golden(name: string, options: Omit<CohortReportOptions, 'orders'>) {
  const result = await buildCohortReport({ orders: ORDERS, ...options });
  try {
    const html = result.files.get('index.html') as string;
    const structure = reportStructure(html);
    expectGolden(`${name}/structure.json`, `${JSON.stringify(structure, null, 2)}\n`);
    const specs: string[] = [];
    for (const s of result.sections) {
      for (const [i, c] of [...(s.chart ? [s.chart] : []), ...(s.extraCharts ?? [])].entries()) {
        const file = `${s.id}-${i + 1}.vl.json`;
        specs.push(file);
        expectGolden(`${name}/specs/${file}`, `${JSON.stringify(c.spec, null, 2)}\n`);
      }
    }
    expectGolden(`${name}/specs.txt`, `${specs.join('\n')}\n`);
    return structure;
  } finally {
    await result.cleanup();
  }
}

describe('golden files', () => {
  it('the report of hand-orders.csv (segments by channel, no CLV)', async () => {
    const s = await golden('hand-report', { segmentBy: ['channel'], value: false, rfm: false, company: 'Hand & Co', title: 'Hand-made orders' });
    expect(s.sections.map((x) => x.id)).toEqual([
      'summary',
      'headline',
      'retention-triangle',
      'retention-curves',
      'revenue-retention',
      'cumulative-revenue',
      'crr',
      'segment-1-channel',
      'lifecycle',
      'data-quality',
      'methods',
    ]);
  });

  it('the retention view of hand-orders.csv, revenue metric, cohorts 2024-02 to 2024-03', async () => {
    const s = await golden('hand-view-retention-revenue', { view: 'retention', triangleMetric: 'revenue', cohortRange: { from: '2024-02', to: '2024-03' } });
    expect(s.sections.map((x) => x.id)).toEqual(['retention-triangle', 'methods']);
  });
});
