/** The What changed section on small hand-made runs: parameter drift, mismatched runs, unreadable runs. */
import { describe, expect, it } from 'vitest';
import { whatChanged, type CurrentRun, type PreviousRun } from '../../lib/parts/what-changed/present.ts';
import { formatters } from '../../lib/report/format.ts';
import type { RetentionCell } from '../../lib/cohorts/retention.ts';
import type { Kpis } from '../../lib/cohorts/kpis.ts';

const fmt = formatters('en-US', 'USD');
const kpis: Kpis = { customers: 1000, orders: 2500, revenue: 125000, refunds: 500, aov: 50, repeat_customer_rate: 0.4, revenue_per_customer: 125, latest_crr: { period: '2024-06', value: 0.8 } };

function cell(cohort: string, offset: number, customers: number, active: number): RetentionCell {
  return { cohort, period_offset: offset, cohort_customers: customers, active_customers: active, retention_rate: active / customers, revenue: active * 10, complete: true } as RetentionCell;
}

const current: CurrentRun = {
  asOf: '2024-06-30',
  period: 'month',
  currency: 'USD',
  kpis,
  cells: [cell('2024-04', 0, 100, 100), cell('2024-04', 1, 100, 40), cell('2024-04', 2, 100, 30), cell('2024-05', 0, 200, 200), cell('2024-05', 1, 200, 40), cell('2024-06', 0, 50, 50)],
  average: [
    { period_offset: 0, cohorts: 3, cohort_customers: 350, active_customers: 350, retention_rate: 1, revenue_retention_rate: 1, cumulative_revenue_per_customer: 10 },
    { period_offset: 1, cohorts: 2, cohort_customers: 300, active_customers: 80, retention_rate: 80 / 300, revenue_retention_rate: null, cumulative_revenue_per_customer: 12 },
    { period_offset: 2, cohorts: 1, cohort_customers: 100, active_customers: 30, retention_rate: 0.3, revenue_retention_rate: null, cumulative_revenue_per_customer: 13 },
  ],
  params: [
    { model: 'bgnbd', parameter: 'r', value: 0.3, std_error: 0.01, ci_low: 0.28, ci_high: 0.32 },
    { model: 'bgnbd', parameter: 'alpha', value: 4.1, std_error: 0.2, ci_low: 3.7, ci_high: 4.5 },
  ],
  customerValue: { fitted: true, options: { time_unit: 'week' }, totals: { total: 60000 } },
};

const previous: PreviousRun = {
  month: '2024-05',
  manifest: {
    as_of: '2024-05-31',
    options: { period: 'month', currency: 'USD' },
    kpis: { customers: 950, orders: 2300, revenue: 120000, aov: 120000 / 2300, repeat_customer_rate: 0.38, latest_crr: { period: '2024-05', value: 0.82 } },
    customer_value: { fitted: true, options: { time_unit: 'week' }, totals: { total: 58000 } },
  },
  retention: [
    { cohort: '2024-04', period_offset: 0, cohort_customers: 100, active_customers: 100, retention_rate: 1, revenue: 1000, complete: true },
    { cohort: '2024-04', period_offset: 1, cohort_customers: 100, active_customers: 40, retention_rate: 0.4, revenue: 400, complete: true },
    { cohort: '2024-05', period_offset: 0, cohort_customers: 200, active_customers: 200, retention_rate: 1, revenue: 2000, complete: true },
  ],
  params: [
    { model: 'bgnbd', parameter: 'r', value: 0.25, ci_low: 0.2, ci_high: 0.28 },
    { model: 'bgnbd', parameter: 'alpha', value: 4, ci_low: 3, ci_high: 5 },
  ],
};

describe('whatChanged', () => {
  it('compares KPIs, cohorts and model parameters (hand-checked)', () => {
    const { section, summary } = whatChanged(current, previous, fmt);
    expect(section.id).toBe('what-changed');
    expect(section.cards?.map((c) => `${c.label}: ${c.value} (${c.detail})`)).toEqual([
      'Customers: 1,000 (+50 since 2024-05-31)',
      'Net revenue: $125,000 (+$5,000 since 2024-05-31)',
      'Repeat-customer rate: 40.0% (2.0 pts up from 38.0%)',
      'Latest CRR: 80.0% (2024-06; 82.0% in 2024-05)',
      'Projected value: $60,000 (+$2,000 since 2024-05-31)',
    ]);
    // 2024-04: 40% → 30% over month 1 → 2, where the average goes 26.7% → 30% (+3.3 pts): 13.3 pts off typical.
    // 2024-05: 100% → 20% over month 0 → 1, where the average goes 100% → 26.7% (−73.3 pts): 6.7 pts off typical.
    const moves = summary.retention_moves as { cohort: string; change: number; typical_change: number }[];
    expect(moves.map((m) => m.cohort)).toEqual(['2024-04', '2024-05']);
    expect(moves[0].change).toBeCloseTo(-0.1, 12);
    expect(moves[0].typical_change).toBeCloseTo(0.3 - 80 / 300, 12);
    expect(moves[1].change).toBeCloseTo(-0.8, 12);
    expect(moves[1].typical_change).toBeCloseTo(80 / 300 - 1, 12);
    expect(summary.new_cohorts).toEqual([{ cohort: '2024-06', customers: 50, revenue: 500 }]);
    expect(summary.revised_cells).toBe(0);
    expect(summary.parameters).toEqual([
      { model: 'bgnbd', parameter: 'r', previous: 0.25, current: 0.3, relative_change: expect.closeTo(0.2, 12), outside_previous_ci: true },
      { model: 'bgnbd', parameter: 'alpha', previous: 4, current: 4.1, relative_change: expect.closeTo(0.025, 12), outside_previous_ci: false },
    ]);
    expect(section.narrative).toContain(
      'CLV model parameters: the largest move is BG/NBD r (+20.0%); BG/NBD r left the previous 95% interval: the customers\' behaviour, or the data, changed more than sampling noise explains.',
    );
    expect(section.narrative).toContain(
      'Since the previous run: 50 more customers (1,000 in all), 200 more orders, net revenue up by $5,000 to $125,000 and the average order value down from $52.17 to $50.00.',
    );
    expect(section.narrative).toContain('New cohort 2024-06: 50 customers who spent $500 in their first month.');
    expect(section.narrative).toContain(
      'Retention moved most, against a typical cohort, in cohort 2024-04 (100 customers): 40.0% → 30.0% from month 1 to 2, 10.0 pts down, where the average curve changes by 3.3 pts up.',
    );
    expect(section.bullets).toContain('BG/NBD r: 0.2500 → 0.3000 (+20.0%); OUTSIDE the previous 95% interval 0.2000 to 0.2800.');
    expect(section.bullets).toContain('BG/NBD alpha: 4.0000 → 4.1000 (+2.5%); inside the previous 95% interval 3.0000 to 5.0000.');
    expect(section.table?.rows.map((r) => [r.cohort, r.change_text, r.typical_text])).toEqual([
      ['2024-04', '−10.0 pts', '+3.3 pts'],
      ['2024-05', '−80.0 pts', '−73.3 pts'],
    ]);
  });

  it('does not compare what is not comparable', () => {
    const other: PreviousRun = {
      ...previous,
      manifest: { ...(previous as { manifest: object }).manifest, options: { period: 'week', currency: 'EUR' }, customer_value: { fitted: true, options: { time_unit: 'day' } } },
    } as PreviousRun;
    const { section, summary } = whatChanged(current, other, fmt);
    expect(section.narrative).toContain('The previous run is in EUR, this one in USD: amounts are not compared.');
    expect(section.narrative).toContain('The previous run has cohorts by week, this one by month: cohorts are not compared.');
    expect(section.narrative).toContain('The previous run fitted the models per day, this one per week: parameters are not compared.');
    expect(section.cards?.map((c) => c.label)).toEqual(['Customers', 'Repeat-customer rate', 'Latest CRR']);
    expect(summary.parameters).toEqual([]);
    expect(section.table).toBeUndefined();
  });

  it('reports the growth accounting of the latest period against the previous run\'s', () => {
    const now = { period: '2024-06', active: 120, new: 30, retained: 70, reactivated: 20, churned: 25, quick_ratio: 2, revenue: 9000, new_revenue: 2000, expansion_revenue: 700, contraction_revenue: 300, reactivated_revenue: 1100, churned_revenue: 1500, revenue_quick_ratio: 2.1 };
    const then = { period: '2024-05', active: 95, new: 40, retained: 50, reactivated: 5, churned: 30, quick_ratio: 1.5, revenue: 7000, new_revenue: 2500, expansion_revenue: 400, contraction_revenue: 200, reactivated_revenue: 300, churned_revenue: 1800, revenue_quick_ratio: 1.6 };
    const prev = { ...previous, manifest: { ...(previous as { manifest: object }).manifest, lifecycle: { latest: then } } } as PreviousRun;
    const { section, summary } = whatChanged({ ...current, lifecycle: now }, prev, fmt);
    expect(section.narrative).toContain(
      'Growth accounting, 2024-06: 120 active customers, 30 new, 70 retained, 20 reactivated and 25 churned (quick ratio 2.00); in the previous run, 2024-05: 95 active, 40 new, 50 retained, 5 reactivated and 30 churned (quick ratio 1.50).',
    );
    expect(section.narrative).toContain(
      'Net revenue of the 2024-06 active customers: $9,000, with $2,000 new, $700 expansion, $300 contraction, $1,100 reactivated and $1,500 churned (2024-05: $7,000, $2,500 new, $1,800 churned).',
    );
    expect(summary.lifecycle).toEqual({ current: now, previous: then, change: { new: -10, retained: 20, reactivated: 15, churned: -5 } });
    // A previous run without growth accounting: this run's movements alone, and a note.
    const { section: alone } = whatChanged({ ...current, lifecycle: now }, previous, fmt);
    expect(alone.narrative).toContain('Growth accounting, 2024-06: 120 active customers, 30 new, 70 retained, 20 reactivated and 25 churned (quick ratio 2.00).');
    expect(alone.narrative).toContain('The previous run has no growth accounting: its movements are not compared.');
  });

  it('says why when the previous run cannot be read', () => {
    const { section, summary } = whatChanged(current, { month: '2024-05', problem: 'it has no manifest.json' }, fmt);
    expect(section.narrative).toEqual(['The previous run (2024-05) could not be read, so nothing is compared: it has no manifest.json.']);
    expect(summary).toEqual({ previous: { month: '2024-05', problem: 'it has no manifest.json' } });
  });
});
