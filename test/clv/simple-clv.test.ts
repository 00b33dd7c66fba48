/**
 * Simple CLV (lib/clv/simple-clv.ts; docs/formulas.md "Plain business metrics").
 * Every expected number is computed by hand in the comments next to it.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { summarize } from '../../lib/engine/summarize.ts';
import { loadOrders } from '../../lib/load/load-orders.ts';
import type { PeriodUnit } from '../../lib/engine/periods.ts';
import { simpleClv, simpleClvInputs, simpleClvYears, type SimpleClvInputs } from '../../lib/clv/simple-clv.ts';
import { round, tempFile } from '../helpers/pipeline.ts';

const YEARS = {
  lastPeriod: 0,
  firstPeriod: 0,
  periods: 12,
  periodFrom: '2024-01-01',
  periodTo: '2024-12-31',
  labelFrom: '2024-01',
  labelTo: '2024-12',
  previousFrom: '2023-01-01',
  previousTo: '2023-12-31',
};

function inputs(counts: Pick<SimpleClvInputs, 'orders' | 'revenue' | 'activeCustomers' | 'previousYearCustomers' | 'retainedCustomers'>): SimpleClvInputs {
  return { ...YEARS, ...counts };
}

describe('simpleClv (pure)', () => {
  it('matches a hand-computed example', () => {
    // 100 active customers place 300 orders worth 15,000 → AOV = 15000 / 300 = 50, frequency = 300 / 100 = 3 a year.
    // 60 of the 100 customers of the year before ordered again → r = 0.6, lifespan = 1 / (1 − 0.6) = 2.5 years.
    // Margin 0.3: simple CLV = 50 × 3 × 2.5 × 0.3 = 112.5; m = 50 × 3 × 0.3 = 45.
    // d = 0.1: retention form = 45 × 0.6 / (1 + 0.1 − 0.6) = 27 / 0.5 = 54.
    const out = simpleClv(inputs({ orders: 300, revenue: 15000, activeCustomers: 100, previousYearCustomers: 100, retainedCustomers: 60 }), {
      margin: 0.3,
      annualDiscountRate: 0.1,
    });
    expect(out.reasons).toEqual([]);
    expect(out.aov).toBe(50);
    expect(out.frequencyPerYear).toBe(3);
    expect(out.retention).toBe(0.6);
    expect(round(out.lifespanYears)).toBe(2.5);
    expect(round(out.yearlyMargin)).toBe(45);
    expect(round(out.simpleClv)).toBe(112.5);
    expect(round(out.retentionFormClv)).toBe(54);
  });

  it('with r = 0 the lifespan is one year and the retention form is 0', () => {
    // AOV = 200 / 4 = 50, frequency = 4 / 2 = 2, m (margin 1) = 100; lifespan 1 / (1 − 0) = 1 → simple = 100;
    // retention form = 100 × 0 / (1 + 0.1) = 0.
    const out = simpleClv(inputs({ orders: 4, revenue: 200, activeCustomers: 2, previousYearCustomers: 5, retainedCustomers: 0 }), {
      margin: 1,
      annualDiscountRate: 0.1,
    });
    expect([out.lifespanYears, out.simpleClv, out.retentionFormClv, out.reasons]).toEqual([1, 100, 0, []]);
  });

  it('no orders in the last year: no AOV, frequency or CLV', () => {
    const out = simpleClv(inputs({ orders: 0, revenue: 0, activeCustomers: 0, previousYearCustomers: 4, retainedCustomers: 0 }), {
      margin: 0.3,
      annualDiscountRate: 0.1,
    });
    expect([out.aov, out.frequencyPerYear, out.yearlyMargin, out.simpleClv, out.retentionFormClv]).toEqual([null, null, null, null, null]);
    // Retention 0 / 4 = 0 is still a figure.
    expect(out.retention).toBe(0);
    expect(out.reasons).toEqual(['no orders in the last year (2024-01-01 to 2024-12-31): no average order value or purchase frequency']);
  });

  it('no customers in the year before: needs two full years of history', () => {
    // AOV = 90 / 3 = 30, frequency = 3 / 2 = 1.5, m = 30 × 1.5 × 0.5 = 22.5, but no r.
    const out = simpleClv(inputs({ orders: 3, revenue: 90, activeCustomers: 2, previousYearCustomers: 0, retainedCustomers: 0 }), {
      margin: 0.5,
      annualDiscountRate: 0.1,
    });
    expect([out.aov, out.frequencyPerYear, out.yearlyMargin]).toEqual([30, 1.5, 22.5]);
    expect([out.retention, out.lifespanYears, out.simpleClv, out.retentionFormClv]).toEqual([null, null, null, null]);
    expect(out.reasons).toEqual([
      'needs two full years of history: no customer ordered in the year before (2023-01-01 to 2023-12-31), so there is no yearly retention',
    ]);
  });

  it('r = 1: the lifespan is not finite, no simple CLV; the retention form is m / d', () => {
    // AOV = 100 / 2 = 50, frequency = 2 / 2 = 1, m = 50 (margin 1); r = 2 / 2 = 1.
    // Retention form = 50 × 1 / (1 + 0.1 − 1) = 500.
    const out = simpleClv(inputs({ orders: 2, revenue: 100, activeCustomers: 2, previousYearCustomers: 2, retainedCustomers: 2 }), {
      margin: 1,
      annualDiscountRate: 0.1,
    });
    expect([out.retention, out.lifespanYears, out.simpleClv]).toEqual([1, null, null]);
    expect(round(out.retentionFormClv)).toBe(500);
    expect(out.reasons).toEqual([
      'every customer who ordered in the year before (2023-01-01 to 2023-12-31) ordered again in the last year (2024-01-01 to 2024-12-31) (retention 100.0%): the expected lifespan 1 / (1 − r) is not finite, so there is no simple CLV',
    ]);
    // With d = 0 the retention form m × 1 / (1 + 0 − 1) is not finite either.
    const d0 = simpleClv(inputs({ orders: 2, revenue: 100, activeCustomers: 2, previousYearCustomers: 2, retainedCustomers: 2 }), { margin: 1, annualDiscountRate: 0 });
    expect(d0.retentionFormClv).toBeNull();
    expect(d0.reasons[1]).toBe('retention 100.0% with a discount rate of 0: the retention-form CLV m × r / (1 + d − r) is not finite');
  });

  it('AOV ≤ 0 (refunds at least equal purchases): no CLV', () => {
    // AOV = −20 / 2 = −10 and 0 / 2 = 0.
    for (const revenue of [-20, 0]) {
      const out = simpleClv(inputs({ orders: 2, revenue, activeCustomers: 1, previousYearCustomers: 2, retainedCustomers: 1 }), { margin: 1, annualDiscountRate: 0.1 });
      expect(out.aov).toBe(revenue / 2);
      expect(out.retention).toBe(0.5);
      expect(out.lifespanYears).toBe(2);
      expect([out.simpleClv, out.retentionFormClv]).toEqual([null, null]);
      expect(out.reasons).toEqual([
        'net revenue in the last year (2024-01-01 to 2024-12-31) is not positive (refunds at least equal purchases), so the average order value is not positive: no CLV',
      ]);
    }
  });

  it('invalid options or counts give null figures with a reason, never NaN', () => {
    const ok = inputs({ orders: 3, revenue: 90, activeCustomers: 2, previousYearCustomers: 2, retainedCustomers: 1 });
    const badMargin = simpleClv(ok, { margin: Number.NaN, annualDiscountRate: 0.1 });
    expect([badMargin.yearlyMargin, badMargin.simpleClv, badMargin.retentionFormClv]).toEqual([null, null, null]);
    expect(badMargin.reasons[0]).toMatch(/gross margin/);
    const badRate = simpleClv(ok, { margin: 1, annualDiscountRate: -0.5 });
    expect(badRate.retentionFormClv).toBeNull();
    // Simple CLV does not use d: 30 × 1.5 × 2 × 1 = 90.
    expect(badRate.simpleClv).toBe(90);
    expect(badRate.reasons[0]).toMatch(/discount rate/);
    const badCounts = simpleClv({ ...ok, retainedCustomers: 3 }, { margin: 1, annualDiscountRate: 0.1 });
    expect(Object.values(badCounts).filter((v) => typeof v === 'number')).toEqual([]);
    expect(badCounts.reasons).toHaveLength(1);
  });
});

describe('simpleClvYears', () => {
  it('P is the as-of period when the as-of date is its last day, else the one before', () => {
    // 2024-12-31 ends December → P = 2024-12, Y1 = 2024-01 … 2024-12, Y0 = 2023.
    expect(simpleClvYears('month', '2024-12-31')).toMatchObject({
      periods: 12,
      periodFrom: '2024-01-01',
      periodTo: '2024-12-31',
      labelFrom: '2024-01',
      labelTo: '2024-12',
      previousFrom: '2023-01-01',
      previousTo: '2023-12-31',
    });
    // 2024-12-15 is mid-December → P = 2024-11, Y1 = 2023-12 … 2024-11, Y0 = 2022-12 … 2023-11.
    expect(simpleClvYears('month', '2024-12-15')).toMatchObject({
      periodFrom: '2023-12-01',
      periodTo: '2024-11-30',
      labelFrom: '2023-12',
      labelTo: '2024-11',
      previousFrom: '2022-12-01',
      previousTo: '2023-11-30',
    });
    // Quarters: 2024-12-15 is inside Q4 → P = 2024-Q3, Y1 = 2023-Q4 … 2024-Q3.
    expect(simpleClvYears('quarter', '2024-12-15')).toMatchObject({
      periods: 4,
      periodFrom: '2023-10-01',
      periodTo: '2024-09-30',
      labelFrom: '2023-Q4',
      labelTo: '2024-Q3',
      previousFrom: '2022-10-01',
      previousTo: '2023-09-30',
    });
    // ISO weeks: 2024-12-29 is a Sunday (2024-12-25 was a Wednesday) → its week is complete;
    // 52 weeks back starts on Monday 2024-01-01 (2024-12-29 is 363 days after it).
    expect(simpleClvYears('week', '2024-12-29')).toMatchObject({ periods: 52, periodFrom: '2024-01-01', periodTo: '2024-12-29', labelFrom: '2024-W01', labelTo: '2024-W52' });
    // Saturday 2024-12-28: the week is not over → P is the week before (ends Sunday 2024-12-22).
    expect(simpleClvYears('week', '2024-12-28')).toMatchObject({ periodFrom: '2023-12-25', periodTo: '2024-12-22' });
  });
});

/*
 * Twelve customers over three years (2022–2024). The channel of the first order is the acquisition channel:
 *   ads: A, B, G, J     email: C, D, H, K     organic: E, F, I, L
 * J's only 2024 row is a full refund (revenue, not an order); D has two orders on one day and a refund in 2024-09.
 */
const ORDERS = `order_id,customer_id,order_date,amount,channel
1,A,2022-03-10,100,ads
2,A,2023-02-15,50,ads
3,A,2024-01-20,80,ads
4,A,2024-12-20,40,ads
5,B,2022-06-01,60,ads
6,B,2023-12-05,70,ads
7,B,2024-06-10,30,ads
8,C,2023-01-10,200,email
9,C,2023-11-20,100,email
10,D,2023-05-05,40,email
11,D,2024-05-05,40,email
12,D,2024-05-05,20,email
13,D,2024-09-01,-20,email
14,E,2023-07-07,90,organic
15,E,2024-12-31,60,organic
16,F,2024-02-02,150,organic
17,F,2024-03-03,50,organic
18,G,2022-12-20,30,ads
19,G,2023-06-15,45,ads
20,H,2023-12-01,80,email
21,H,2024-12-10,20,email
22,I,2022-01-15,25,organic
23,J,2023-03-03,60,ads
24,J,2024-02-10,-60,ads
25,K,2024-07-07,100,email
26,K,2024-12-16,50,email
27,L,2023-09-09,70,organic
28,L,2024-10-10,70,organic
29,L,2024-11-11,35,organic
`;

async function countInputs(o: { period: PeriodUnit; asOf: string; groupBy?: string }) {
  const path = tempFile('orders.csv', ORDERS);
  const db = await openDatabase();
  try {
    const orders = await loadOrders(db, { path, asOf: o.asOf });
    await summarize(db, { period: o.period, asOf: orders.asOf, segmentBy: ['channel'] });
    return await simpleClvInputs(db, o);
  } finally {
    db.close();
  }
}

const counts = (i: SimpleClvInputs) => [i.orders, i.revenue, i.activeCustomers, i.previousYearCustomers, i.retainedCustomers];

/*
 * As-of 2024-12-31 (a month end and a quarter end): P = 2024-12 (2024-Q4), Y1 = 2024, Y0 = 2023.
 *   Y1 orders / revenue: A 2 / 80+40=120, B 1 / 30, D 2 / 40+20−20=40, E 1 / 60, F 2 / 200, H 1 / 20,
 *     J 0 / −60 (refund only: not active), K 2 / 150, L 2 / 105
 *     → orders 13, revenue 665, active 8 (A B D E F H K L)
 *   Y0 (2023): A B C D E G H J L → 9;  in both: A B D E H L → 6.
 *   Per channel:
 *     ads     A B G J: orders 2+1 = 3, revenue 120+30−60 = 90,   active 2 (A B),   Y0 4 (A B G J), both 2 (A B)
 *     email   C D H K: orders 2+1+2 = 5, revenue 40+20+150 = 210, active 3 (D H K), Y0 3 (C D H),   both 2 (D H)
 *     organic E F I L: orders 1+2+2 = 5, revenue 60+200+105 = 365, active 3 (E F L), Y0 2 (E L),     both 2 (E L) → r = 1
 */
const YEAR_END = { overall: [13, 665, 8, 9, 6], ads: [3, 90, 2, 4, 2], email: [5, 210, 3, 3, 2], organic: [5, 365, 3, 2, 2] };

describe('simpleClvInputs on the pipeline', () => {
  it('month, as-of on a month end (2024-12-31), grouped by acquisition channel', async () => {
    const { overall, groups } = await countInputs({ period: 'month', asOf: '2024-12-31', groupBy: 'acquisition_channel' });
    expect([overall.periodFrom, overall.periodTo, overall.labelFrom, overall.labelTo]).toEqual(['2024-01-01', '2024-12-31', '2024-01', '2024-12']);
    expect(counts(overall)).toEqual(YEAR_END.overall);
    expect(groups.map((g) => [g.group, ...counts(g)])).toEqual([
      ['ads', ...YEAR_END.ads],
      ['email', ...YEAR_END.email],
      ['organic', ...YEAR_END.organic],
    ]);

    // Overall, margin 0.3, d = 0.1: AOV = 665 / 13, frequency = 13 / 8, r = 6 / 9 = 2/3, lifespan = 3,
    // m = 665 / 8 × 0.3 = 24.9375, simple = 24.9375 × 3 = 74.8125,
    // retention form = 24.9375 × (2/3) / (1.1 − 2/3) = 16.625 / (13/30) = 498.75 / 13.
    const o = simpleClv(overall, { margin: 0.3, annualDiscountRate: 0.1 });
    expect([round(o.aov), round(o.frequencyPerYear), round(o.retention), round(o.lifespanYears)]).toEqual([round(665 / 13), 1.625, round(2 / 3), 3]);
    expect([round(o.yearlyMargin), round(o.simpleClv), round(o.retentionFormClv)]).toEqual([24.9375, 74.8125, round(498.75 / 13)]);

    // organic: r = 2 / 2 = 1 → no lifespan, no simple CLV; m = 365 / 3 (margin 1), retention form = m / 0.1 = 3650 / 3.
    const organic = simpleClv(groups[2], { margin: 1, annualDiscountRate: 0.1 });
    expect([organic.retention, organic.lifespanYears, organic.simpleClv]).toEqual([1, null, null]);
    expect(round(organic.retentionFormClv)).toBe(round(3650 / 3));
    expect(organic.reasons).toHaveLength(1);
    // ads: AOV = 90 / 3 = 30, frequency = 3 / 2 = 1.5, r = 2 / 4 = 0.5 → lifespan 2, simple (margin 1) = 30 × 1.5 × 2 = 90.
    const ads = simpleClv(groups[0], { margin: 1, annualDiscountRate: 0.1 });
    expect([ads.aov, ads.frequencyPerYear, ads.retention, ads.lifespanYears, ads.simpleClv]).toEqual([30, 1.5, 0.5, 2, 90]);
  });

  it('quarter, as-of on a quarter end (2024-12-31): same years, same counts', async () => {
    const { overall, groups } = await countInputs({ period: 'quarter', asOf: '2024-12-31' });
    expect([overall.periodFrom, overall.periodTo, overall.labelFrom, overall.labelTo]).toEqual(['2024-01-01', '2024-12-31', '2024-Q1', '2024-Q4']);
    expect(counts(overall)).toEqual(YEAR_END.overall);
    expect(groups).toEqual([]);
  });

  it('month, as-of mid-month (2024-12-15): P = 2024-11', async () => {
    /*
     * Rows after 2024-12-15 are cut (A 12-20, K 12-16, E 12-31). Y1 = 2023-12 … 2024-11, Y0 = 2022-12 … 2023-11.
     *   Y1: A 1 / 80, B 2 / 70+30=100, D 2 / 40, F 2 / 200, H 1 / 80 (2023-12-01; 2024-12-10 is after P),
     *       J 0 / −60, K 1 / 100, L 2 / 105 → orders 11, revenue 645, active 7 (A B D F H K L)
     *   Y0: A (2023-02), C, D, E, G (2022-12-20, 2023-06), J, L → 7 (B's 2023-12 and H's 2023-12 are in Y1)
     *   both: A D L → 3
     *   ads A B G J: orders 1+2 = 3, revenue 80+100−60 = 120, active 2, Y0 3 (A G J), both 1 (A)
     *   email C D H K: orders 2+1+1 = 4, revenue 40+80+100 = 220, active 3 (D H K), Y0 2 (C D), both 1 (D)
     *   organic E F I L: orders 2+2 = 4, revenue 200+105 = 305, active 2 (F L), Y0 2 (E L), both 1 (L)
     */
    const { overall, groups } = await countInputs({ period: 'month', asOf: '2024-12-15', groupBy: 'acquisition_channel' });
    expect([overall.periodFrom, overall.periodTo, overall.previousFrom, overall.previousTo]).toEqual(['2023-12-01', '2024-11-30', '2022-12-01', '2023-11-30']);
    expect(counts(overall)).toEqual([11, 645, 7, 7, 3]);
    expect(groups.map((g) => [g.group, ...counts(g)])).toEqual([
      ['ads', 3, 120, 2, 3, 1],
      ['email', 4, 220, 3, 2, 1],
      ['organic', 4, 305, 2, 2, 1],
    ]);
    // r = 3 / 7 → lifespan = 1 / (4/7) = 1.75; margin 1: simple = 645 / 7 × 1.75 = 161.25.
    const o = simpleClv(overall, { margin: 1, annualDiscountRate: 0.1 });
    expect([round(o.lifespanYears), round(o.simpleClv)]).toEqual([1.75, 161.25]);
  });

  it('quarter, as-of mid-quarter (2024-12-15): P = 2024-Q3', async () => {
    /*
     * Y1 = 2023-Q4 … 2024-Q3 (2023-10-01 … 2024-09-30), Y0 = 2022-10-01 … 2023-09-30.
     *   Y1: A 1 / 80, B 2 / 100, C 1 / 100 (2023-11-20), D 2 / 40 (refund 2024-09-01 is in Q3), F 2 / 200,
     *       H 1 / 80, J 0 / −60, K 1 / 100; L's orders of 2024-10 and 2024-11 are in Q4, after P
     *       → orders 10, revenue 640, active 7 (A B C D F H K)
     *   Y0: A, C (2023-01), D, E, G, J, L (2023-09-09) → 7;  both: A C D → 3
     */
    const { overall } = await countInputs({ period: 'quarter', asOf: '2024-12-15' });
    expect([overall.periodFrom, overall.periodTo, overall.labelFrom, overall.labelTo]).toEqual(['2023-10-01', '2024-09-30', '2023-Q4', '2024-Q3']);
    expect(counts(overall)).toEqual([10, 640, 7, 7, 3]);
  });

  it('one year of history: no retention, with the reason', async () => {
    /*
     * As-of 2022-12-31: Y1 = 2022: A 100 (03), B 60 (06), G 30 (12), I 25 (01) → orders 4, revenue 215, active 4; Y0 = 2021: nobody.
     * Groups: ads A B G → 3 / 190 / 3; organic I → 1 / 25 / 1 (C D E F H J K L are not customers yet).
     */
    const { overall, groups } = await countInputs({ period: 'month', asOf: '2022-12-31', groupBy: 'seg_0' });
    expect(counts(overall)).toEqual([4, 215, 4, 0, 0]);
    expect(groups.map((g) => [g.group, ...counts(g)])).toEqual([
      ['ads', 3, 190, 3, 0, 0],
      ['organic', 1, 25, 1, 0, 0],
    ]);
    const out = simpleClv(overall, { margin: 1, annualDiscountRate: 0.1 });
    // AOV = 215 / 4 = 53.75, frequency = 1.
    expect([out.aov, out.frequencyPerYear, out.retention, out.simpleClv, out.retentionFormClv]).toEqual([53.75, 1, null, null, null]);
    expect(out.reasons).toEqual([
      'needs two full years of history: no customer ordered in the year before (2021-01-01 to 2021-12-31), so there is no yearly retention',
    ]);
  });

  it('groups by any SQL over customer_base b (the segment columns of the run)', async () => {
    const byChannel = await countInputs({ period: 'month', asOf: '2024-12-31', groupBy: 'b.acquisition_channel' });
    const upper = await countInputs({ period: 'month', asOf: '2024-12-31', groupBy: 'upper(b.acquisition_channel)' });
    expect(upper.groups.map((g) => g.group)).toEqual(byChannel.groups.map((g) => g.group.toUpperCase()));
    expect(upper.groups.map((g) => g.orders)).toEqual(byChannel.groups.map((g) => g.orders));
  });
});
