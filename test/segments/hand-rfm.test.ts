/**
 * RFM scores, segments and the win-back list of a hand-made fixture
 * (test/fixtures/rfm/hand-rfm-orders.csv, 12 customers, as of 2024-12-31),
 * every figure worked out by hand below.
 *
 * Per customer: days since the last purchase day (R value), purchase days
 * (F value), net revenue (M value):
 *   C01   5  6   600      C07 200  5  500
 *   C02  10  1    40      C08 300  4  400
 *   C03  20  4   300      C09 400  1  200
 *   C04  30  2    80      C10 500  3   90  (120 bought − 30 refunded; the refund,
 *   C05  60  3   150                        10 days after the last purchase, is no activity)
 *   C06  90  1    30      C11  10  3  120
 *                         C12 700  1 1000
 * n = 12: breakpoint k is the value at rank ceil(k·12/5) = 3, 5, 8, 10 of the sorted values.
 *   Recency sorted: 5 10 [10] 20 [30] 60 90 [200] 300 [400] 500 700 → b = 10, 30, 200, 400
 *     R = 5 − #(days > b): 5,10 → 5; 20,30 → 4; 60,90,200 → 3; 300,400 → 2; 500,700 → 1.
 *   Frequency sorted: 1 1 [1] 1 [2] 3 3 [3] 4 [4] 5 6 → b = 1, 2, 3, 4
 *     F = 1 + #(value > b): 1 → 1, 2 → 2, 3 → 3, 4 → 4, 5 and 6 → 5.
 *   Revenue sorted: 30 40 [80] 90 [120] 150 200 [300] 400 [500] 600 1000 → b = 80, 120, 300, 500
 *     M: 30,40,80 → 1; 90,120 → 2; 150,200,300 → 3; 400,500 → 4; 600,1000 → 5.
 * Segments (first rule that matches):
 *   C01 R5 F5 → Champions; C03 R4 F4 → Champions
 *   C05 R3 F3, C07 R3 F5, C11 R5 F3 → Loyal
 *   C08 R2 F4 M4 → Can't lose them; C10 R1 F3 M2 → At risk
 *   C02 R5 F1 → New; C04 R4 F2, C06 R3 F1 → Potential loyalists
 *   C09 R2 F1 → Hibernating; C12 R1 F1 → Lost
 */
import { fileOrders } from '../../lib/sources/file.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { summarize } from '../../lib/engine/summarize.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import { buildCohortReport } from '../../lib/run/build-report.ts';
import { buildRfm } from '../../lib/segments/rfm.ts';
import { buildWinBack } from '../../lib/segments/win-back.ts';

/** Splits one CSV line (quoted cells may hold commas and doubled quotes). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (const m of line.matchAll(re)) {
    out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]);
    if (m[2] === '') break;
  }
  return out;
}

const ORDERS = { path: 'test/fixtures/rfm/hand-rfm-orders.csv', asOf: '2024-12-31' };

async function report(winBack: { topShare?: number; pAliveBelow?: number }) {
  const result = await buildCohortReport({ orders: fileOrders(ORDERS), value: false, rfm: { winBack } });
  try {
    const text = (name: string) => {
      const f = result.files.get(`data/${name}`);
      return typeof f === 'string' ? f : readFileSync((f as { fromFile: string }).fromFile, 'utf8');
    };
    return {
      customers: text('rfm_customers.csv'),
      segments: text('rfm_segments.csv'),
      winBack: text('win_back.csv'),
      html: result.files.get('index.html') as string,
      sections: result.sections,
      manifest: result.manifest,
    };
  } finally {
    await result.cleanup();
  }
}

describe('RFM on the hand-made fixture', () => {
  it('scores and names every customer as worked out by hand', async () => {
    const r = await report({ topShare: 0.5 });
    expect(r.customers).toBe(
      [
        'customer_id,days_since_last,purchase_days,revenue,r,f,m,rfm_segment',
        'C01,5,6,600,5,5,5,Champions',
        'C02,10,1,40,5,1,1,New',
        'C03,20,4,300,4,4,3,Champions',
        'C04,30,2,80,4,2,1,Potential loyalists',
        'C05,60,3,150,3,3,3,Loyal',
        'C06,90,1,30,3,1,1,Potential loyalists',
        'C07,200,5,500,3,5,4,Loyal',
        "C08,300,4,400,2,4,4,Can't lose them",
        'C09,400,1,200,2,1,3,Hibernating',
        'C10,500,3,90,1,3,2,At risk',
        'C11,10,3,120,5,3,2,Loyal',
        'C12,700,1,1000,1,1,5,Lost',
        '',
      ].join('\n'),
    );
    // Per segment: customers, revenue (total 3510), mean revenue; no P(alive) or CLV without the models.
    const rows = r.segments.trim().split('\n').slice(1).map(splitCsv);
    // segment, customers, share of customers, revenue, share of revenue, mean revenue, mean R, mean F, mean M
    const expected: [string, number, number, number, number, number][] = [
      ['Champions', 2, 900, 5 + 4, 5 + 4, 5 + 3], // C01, C03
      ['Loyal', 3, 770, 3 + 3 + 5, 3 + 5 + 3, 3 + 4 + 2], // C05, C07, C11
      ["Can't lose them", 1, 400, 2, 4, 4],
      ['At risk', 1, 90, 1, 3, 2],
      ['New', 1, 40, 5, 1, 1],
      ['Potential loyalists', 2, 110, 4 + 3, 2 + 1, 1 + 1], // C04, C06
      ['Hibernating', 1, 200, 2, 1, 3],
      ['Lost', 1, 1000, 1, 1, 5],
    ];
    expect(rows.map((c) => c[0])).toEqual(expected.map((e) => e[0]));
    for (const [i, [, n, rev, rSum, fSum, mSum]] of expected.entries()) {
      const c = rows[i].slice(2).map((v) => (v === '' ? null : Number(v)));
      expect(c[0]).toBe(n);
      expect(c[1]).toBeCloseTo(n / 12, 10);
      expect(c[2]).toBe(rev);
      expect(c[3]).toBeCloseTo(rev / 3510, 10);
      expect(c[4]).toBeCloseTo(rev / n, 8);
      expect(c[5]).toBeCloseTo(rSum / n, 10);
      expect(c[6]).toBeCloseTo(fSum / n, 10);
      expect(c[7]).toBeCloseTo(mSum / n, 10);
      expect(c.slice(8)).toEqual([null, null]);
    }
    expect(r.segments.split('\n')[0]).toBe('rfm_segment,rule,customers,customer_share,revenue,revenue_share,mean_revenue,mean_r,mean_f,mean_m,mean_p_alive,mean_clv');
    // Biggest: Loyal (3 of 12 = 25.0%); most valuable: Lost, 1000 / 3510 = 28.5% of revenue from 1 of 12 = 8.3% of customers.
    const rfm = r.sections.find((s) => s.id === 'rfm-segments')!;
    expect(rfm.narrative[0]).toBe(
      'The 12 customers fall into 8 of the 8 RFM segments. The biggest is Loyal (3 customers, 25.0%); the most valuable is Lost, with 28.5% of net revenue from 8.3% of customers ($1,000.00 per customer).',
    );
    expect(rfm.narrative[1]).toBe('Champions are 16.7% of customers and bring 25.6% of net revenue.');
    // The rules go to Methods & assumptions, under the section's title.
    const methods = r.sections.find((s) => s.id === 'methods')!;
    const group = methods.groups?.find((g) => g.title === 'RFM segments');
    expect(group?.definitions.map((d) => d.term)).toEqual(['RFM recency (R)', 'RFM frequency (F)', 'RFM monetary (M)', 'RFM scores', ...['Champions', 'Loyal', "Can't lose them", 'At risk', 'New', 'Potential loyalists', 'Hibernating', 'Lost'].map((x) => `Segment: ${x}`)]);
  });

  it('lists lapsed high-value customers without the models (top 50%), ranked by revenue', async () => {
    // High value, top 50%: revenue above the value at rank ceil(0.5 × 12) = 6 of the sorted revenues, 150:
    // C09 200, C03 300, C08 400, C07 500, C01 600, C12 1000.
    // Lapsed: more than 365 days, or more than 2 × the mean gap between purchase days:
    //   C12 700 > 365 ✓; C09 400 > 365 ✓;
    //   C07: 5 days over 360 → gap 90, 200 > 180 ✓; C08: 4 days over 300 → gap 100, 300 > 200 ✓;
    //   C03: 4 days over 90 → gap 30, 20 ≤ 60 ✗; C01: 5 days ≤ 365, gap (2024-07-01 … 12-26 = 178) / 5 = 35.6, 5 ≤ 71.2 ✗.
    // Value at stake = revenue: C12 1000, C07 500, C08 400, C09 200. C08's channel is a formula: neutralised.
    const r = await report({ topShare: 0.5 });
    expect(r.winBack).toBe(
      [
        'rank,customer_id,rfm_segment,acquisition_channel,last_order_date,orders,revenue,days_since_last,p_alive,value_at_stake,clv,projected_value_lost',
        '1,C12,Lost,ads,2023-01-31,1,1000,700,,1000,,',
        '2,C07,Loyal,ads,2024-06-14,5,500,200,,500,,',
        `3,C08,Can't lose them,"'=HYPERLINK(""x"")",2024-03-06,4,400,300,,400,,`,
        '4,C09,Hibernating,email,2023-11-27,1,200,400,,200,,',
        '',
      ].join('\n'),
    );
    const wb = r.sections.find((s) => s.id === 'win-back')!;
    expect(wb.narrative[0]).toContain('the list uses a plain rule: of the 6 high-value customers, with net revenue above $150.00 (the top 50% of customers by net revenue), 4 have not bought');
    expect(wb.narrative[0]).toContain('adds up to $2,100');
    // The formula channel is shown as text in the HTML, escaped.
    expect(r.html).toContain('=HYPERLINK(&quot;x&quot;)');
    expect(r.manifest.rfm).toMatchObject({ win_back: { rule: 'lapsed', high_value: 6, customers: 4, value_at_stake: 2100, revenue_threshold: 150 } });
  });

  it('uses the default top 20%: revenue above the value at rank ceil(0.8 × 12) = 10, 500 → C01 and C12; only C12 lapsed', async () => {
    const r = await report({});
    expect(r.winBack.split('\n').slice(1)).toEqual(['1,C12,Lost,ads,2023-01-31,1,1000,700,,1000,,', '']);
  });

  it('ranks by revenue × (1 − P(alive)) with the model scores, ties by customer id', async () => {
    const db = await openDatabase();
    try {
      const orders = await loadOrders(db, ORDERS);
      await summarize(db, { period: 'month', asOf: orders.asOf, segmentBy: [] });
      await buildRfm(db, orders.asOf);
      // Hand-set scores (as lib/clv/score-customers.ts would leave them).
      const p: Record<string, number> = { C01: 0.9, C03: 0.8, C07: 0.25, C08: 0.0625, C09: 0.3, C12: 0.05, C10: 0.1 };
      const values = Array.from({ length: 12 }, (_, i) => `C${String(i + 1).padStart(2, '0')}`)
        .map((id, i) => `('${id}', ${p[id] ?? 0.5}, ${10 * (i + 1)})`)
        .join(', ');
      await db.run(`CREATE TEMP TABLE customer_scores AS SELECT * FROM (VALUES ${values}) t(customer_id, p_alive, clv)`);
      const res = await buildWinBack(db, orders.asOf, { pAliveBelow: 0.3, topShare: 0.5 }, { name: 'customer_scores', columns: ['customer_id', 'p_alive', 'clv'] });
      // High value as above (C09 C03 C08 C07 C01 C12); P(alive) < 0.3: C07 0.25, C08 0.0625, C12 0.05
      // (C09 at exactly 0.3 is not below; C10 0.1 is not high value).
      // Value at stake: C12 1000 × 0.95 = 950; C07 500 × 0.75 = 375; C08 400 × 0.9375 = 375 → tie, C07 before C08.
      // Projected value lost = CLV ÷ P(alive) − CLV: C12 120 × 0.95 / 0.05 = 2,280; C07 70 × 0.75 / 0.25 = 210;
      // C08 80 × 0.9375 / 0.0625 = 1,200; in all 3,690.
      const rows = await db.rows<{ rank: number; customer_id: string; value_at_stake: number; clv: number; projected_value_lost: number }>(
        'SELECT rank, customer_id, value_at_stake, clv, round(projected_value_lost, 9) AS projected_value_lost FROM win_back ORDER BY rank',
      );
      expect(rows).toEqual([
        { rank: 1, customer_id: 'C12', value_at_stake: 950, clv: 120, projected_value_lost: 2280 },
        { rank: 2, customer_id: 'C07', value_at_stake: 375, clv: 70, projected_value_lost: 210 },
        { rank: 3, customer_id: 'C08', value_at_stake: 375, clv: 80, projected_value_lost: 1200 },
      ]);
      expect(res).toEqual({ rule: 'p-alive', revenueThreshold: 150, highValue: 6, customers: 3, valueAtStake: 1700, hasClv: true, valueLost: 3690 });
    } finally {
      db.close();
    }
  });
});
