/**
 * Cohort tables checked against a fixture computed by hand
 * (test/fixtures/hand-orders.csv, 11 rows, 5 customers, as-of 2024-03-31).
 *
 * Cohort 2024-01 = {A, B}; 2024-02 = {C, D}; 2024-03 = {E}.
 * Jan: A orders 100 + 50, B orders 80          → active 2, orders 3, revenue 230
 * Feb: A orders 30                             → active 1, orders 1, revenue 30
 * Mar: B orders 20 and is refunded 10          → active 1, orders 1 (the refund is not an order), revenue 10
 * Feb: C orders 60 + 40 (same day), D orders 90 → active 2, orders 3, revenue 190
 * Mar: C orders 25                             → active 1, orders 1, revenue 25
 * Mar: E orders 70                             → active 1, orders 1, revenue 70
 */
import { describe, expect, it } from 'vitest';
import { analyzeFile, round } from '../helpers/pipeline.ts';

const FIXTURE = 'test/fixtures/hand-orders.csv';

describe('cohort retention on the hand-computed fixture', () => {
  it('matches the triangle written out by hand', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE });
    const rows = analysis.cells.map((c) => [
      c.cohort,
      c.period_offset,
      c.cohort_customers,
      c.active_customers,
      round(c.retention_rate),
      c.orders,
      c.revenue,
      round(c.revenue_retention_rate),
      round(c.cumulative_revenue_per_customer),
      c.complete,
    ]);
    expect(rows).toEqual([
      // cohort, offset, size, active, retention, orders, revenue, revenue retention, cumulative revenue / customer, complete
      ['2024-01', 0, 2, 2, 1, 3, 230, 1, 115, true],
      ['2024-01', 1, 2, 1, 0.5, 1, 30, round(30 / 230), 130, true],
      ['2024-01', 2, 2, 1, 0.5, 1, 10, round(10 / 230), 135, true],
      ['2024-02', 0, 2, 2, 1, 3, 190, 1, 95, true],
      ['2024-02', 1, 2, 1, 0.5, 1, 25, round(25 / 190), 107.5, true],
      ['2024-03', 0, 1, 1, 1, 1, 70, 1, 70, true],
    ]);
  });

  it('averages complete cells weighted by cohort size', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE });
    expect(
      analysis.average.map((a) => [a.period_offset, a.cohorts, a.cohort_customers, a.active_customers, round(a.retention_rate), round(a.revenue_retention_rate), round(a.cumulative_revenue_per_customer)]),
    ).toEqual([
      // Cumulative: each offset adds the revenue per customer of the cohorts that reached it
      // (98 at month 0; + (30 + 25) / 4 at month 1; + 10 / 2 at month 2, where only 2024-01 remains).
      [0, 3, 5, 5, 1, 1, round((115 * 2 + 95 * 2 + 70) / 5)],
      [1, 2, 4, 2, 0.5, round(55 / 420), round(98 + 55 / 4)],
      [2, 1, 2, 1, 0.5, round(10 / 230), round(98 + 55 / 4 + 10 / 2)],
    ]);
  });

  it('marks cells of a period not over at the as-of date as incomplete and leaves them out of averages', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE, asOf: '2024-03-20' });
    const march = analysis.cells.filter((c) => c.period === '2024-03');
    expect(march.map((c) => [c.cohort, c.complete])).toEqual([
      ['2024-01', false],
      ['2024-02', false],
    ]);
    // E (2024-03-31) is after the as-of date: no 2024-03 cohort.
    expect(analysis.cells.some((c) => c.cohort === '2024-03')).toBe(false);
    // The refund of 2024-03-20 is on the as-of date (inclusive) and kept.
    expect(analysis.cells.find((c) => c.cohort === '2024-01' && c.period_offset === 2)?.revenue).toBe(10);
    expect(analysis.average.map((a) => a.period_offset)).toEqual([0, 1]);
  });

  it('computes the per-customer summary (x, t_x, T in days, mean repeat order value)', async () => {
    const { customers: table } = await analyzeFile({ path: FIXTURE });
    const customers = table.objects() as Record<string, unknown>[];
    expect(
      customers.map((c) => [c.customer_id, c.first_order_date, c.acquisition_channel, c.orders, c.frequency, c.recency_days, c.T_days, c.revenue, c.mean_repeat_order_value]),
    ).toEqual([
      // A: days Jan 5, Jan 20, Feb 3 → x = 2, t_x = 29, T = 86, z̄ = (50 + 30) / 2
      ['A', '2024-01-05', 'ads', 3, 2, 29, 86, 180, 40],
      // B: days Jan 10, Mar 15 (the refund is not a purchase day) → x = 1, t_x = 65, T = 81
      ['B', '2024-01-10', 'email', 2, 1, 65, 81, 90, 20],
      // C: two orders on Feb 1 are one purchase day; Mar 2 → x = 1, t_x = 30 (2024 is a leap year), T = 59
      ['C', '2024-02-01', 'ads', 3, 1, 30, 59, 125, 25],
      ['D', '2024-02-28', 'email', 1, 0, 0, 32, 90, null],
      ['E', '2024-03-31', 'ads', 1, 0, 0, 0, 70, null],
    ]);
  });

  it('computes headline KPIs', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE });
    expect(analysis.kpis).toMatchObject({ customers: 5, orders: 10, revenue: 555, refunds: 10, aov: 55.5, repeat_customer_rate: 0.6 });
  });

  it('splits the triangle per segment, each customer under the channel of the first order', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE }, { segmentBy: ['channel'] });
    const seg = analysis.segments[0];
    expect(seg.column).toBe('channel');
    const sizes = seg.cells.filter((c) => c.period_offset === 0).map((c) => [c.segment, c.cohort, c.cohort_customers]);
    expect(sizes).toEqual([
      ['ads', '2024-01', 1],
      ['ads', '2024-02', 1],
      ['ads', '2024-03', 1],
      ['email', '2024-01', 1],
      ['email', '2024-02', 1],
    ]);
    const emailJan = seg.cells.filter((c) => c.segment === 'email' && c.cohort === '2024-01').map((c) => [c.period_offset, c.active_customers, c.revenue]);
    expect(emailJan).toEqual([
      [0, 1, 80],
      [1, 0, 0],
      [2, 1, 10],
    ]);
    // The segments add up to the whole.
    const total = (cells: { revenue: number }[]) => cells.reduce((s, c) => s + c.revenue, 0);
    expect(total(seg.cells)).toBe(total(analysis.cells));
  });

  it('computes CRR = (E − N) / S per period with a one-period activity window', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE }, { activeWindow: 1 });
    // Window of one month: active at the end of a month = ordered in it.
    // Jan: E = {A, B}, N = 2, S = 0 → undefined.
    // Feb: S = 2, E = {A, C, D} = 3, N = {C, D} = 2 → (3 − 2) / 2.
    // Mar: S = 3, E = {B, C, E} = 3 (B's refund does not count, its order does), N = {E} = 1 → (3 − 1) / 3.
    expect(analysis.crr.map((r) => [r.period, r.customers_start, r.customers_end, r.new_customers, round(r.crr), r.complete])).toEqual([
      ['2024-01', 0, 2, 2, null, true],
      ['2024-02', 2, 3, 2, 0.5, true],
      ['2024-03', 3, 3, 1, round(2 / 3), true],
    ]);
  });

  it('leaves CRR empty during the warm-up window', async () => {
    const { analysis } = await analyzeFile({ path: FIXTURE });
    expect(analysis.crr.every((r) => r.crr === null)).toBe(true);
    expect(analysis.kpis.latest_crr).toBeNull();
  });

  it('supports ISO-week and quarter cohorts', async () => {
    const weeks = await analyzeFile({ path: FIXTURE }, { period: 'week' });
    expect([...new Set(weeks.analysis.cells.map((c) => c.cohort))]).toEqual(['2024-W01', '2024-W02', '2024-W05', '2024-W09', '2024-W13']);
    // A: first order Fri 2024-01-05 (W01); 2024-01-20 is in W03 → offset 2; 2024-02-03 in W05 → offset 4.
    const a = weeks.analysis.cells.filter((c) => c.cohort === '2024-W01' && c.active_customers > 0).map((c) => c.period_offset);
    expect(a).toEqual([0, 2, 4]);
    const quarters = await analyzeFile({ path: FIXTURE }, { period: 'quarter' });
    expect(quarters.analysis.cells.map((c) => [c.cohort, c.period_offset, c.cohort_customers, c.active_customers, c.revenue, c.complete])).toEqual([
      ['2024-Q1', 0, 5, 5, 555, true],
    ]);
  });
});
