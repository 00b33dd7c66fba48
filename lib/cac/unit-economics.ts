/**
 * CAC and unit economics per acquisition channel (pure: aggregates in,
 * figures out; lib/cac/cac-data.ts collects the aggregates from DuckDB).
 *
 * Definitions (docs/formulas.md, "Plain business metrics"):
 *   CAC(channel, period)  = (marketing + sales spend of the channel in the period) / customers it acquired in the period
 *   blended CAC           = all spend / all new customers;  paid CAC = all spend / new customers of channels with spend
 *   LTV at n months       = gross margin per acquired customer in the acquisition month and the n − 1 months after it
 *                           (monthly cohort offsets 0 … n − 1), over the cohorts whose month n − 1 is complete
 *   projected LTV         = mean projected CLV of the channel's customers (Customer value section), at the channel's margin
 *   LTV:CAC               = LTV / CAC (realized 12 months, and projected)
 *   CAC payback           = first n at which LTV at n months ≥ CAC
 *   profit CLV            = (yearly margin − yearly cost to serve) × expected lifetime − CAC, with yearly margin = LTV at
 *                           12 months and expected lifetime = 1 / (1 − r) years, r = share of customers active in their
 *                           second year (months 13–24), unless the config gives the lifetime
 *
 * Spend and customers are compared over the CAC window: the periods from the
 * first to the last period of the spend file (up to the as-of date). Every
 * figure of a channel counts the customers acquired in that window.
 * Undefined figures are null, never NaN or Infinity, and each gets a reason.
 */
import { periodLabel, periodIndex, type PeriodUnit } from '../engine/periods.ts';
import type { SpendRow } from '../load/load-spend.ts';
import { channelKey } from '../load/load-spend.ts';

export type CacPeriod = Extract<PeriodUnit, 'month' | 'quarter'>;

/** Realized LTV horizons, in months. */
export const LTV_MONTHS = [3, 6, 12, 24] as const;

/** Common rule of thumb for a healthy LTV:CAC. */
export const LTV_CAC_REFERENCE = 3;

/** Rows of the blended and paid CAC in cac_by_channel.csv. */
export const ALL_CHANNELS = '(all channels)';
export const PAID_CHANNELS = '(paid channels)';

export interface CacInputs {
  period: CacPeriod;
  /** As-of date `YYYY-MM-DD`. */
  asOf: string;
  spend: SpendRow[];
  /** New customers per channel (as named in the data) and acquisition month index (year × 12 + month − 1). */
  acquisitions: { channel: string; month: number; customers: number }[];
  /** Net revenue per channel, acquisition month and month offset (0 = acquisition month). */
  cells: { channel: string; month: number; offset: number; revenue: number }[];
  /** Customers per channel and acquisition month with an order in months 13–24 of their life (offsets 12–23). */
  secondYear: { channel: string; month: number; active: number }[];
  /** Projected CLV (revenue basis) per channel and acquisition month: customers scored and their CLV sum. Absent without the models. */
  projected?: { channel: string; month: number; customers: number; clv: number }[];
  /** Horizon of the projected CLV in months (for wording). */
  projectedHorizonMonths?: number;
  /** Gross margin (fraction of revenue); undefined = values are revenue. */
  margin?: number;
  /** Margins per channel (keys matched like channels). */
  channelMargins?: Record<string, number>;
  /** Yearly cost to serve a customer, in the report currency; per channel overrides. */
  costToServe?: number;
  channelCostToServe?: Record<string, number>;
  /** Expected customer lifetime in years; default from second-year retention. */
  expectedLifetimeYears?: number;
}

export interface CacPeriodRow {
  channel: string;
  period: string;
  period_index: number;
  spend: number;
  new_customers: number;
  /** null when there is no spend on record for the channel, or no new customers. */
  cac: number | null;
}

export interface CurvePoint {
  channel: string;
  months: number;
  /** Cumulative gross margin (revenue without a margin) per acquired customer by the end of month `months`. */
  value: number;
  cohorts: number;
  customers: number;
}

export interface UnitEconomicsRow {
  channel: string;
  new_customers: number;
  spend: number;
  cac: number | null;
  ltv_3m: number | null;
  ltv_6m: number | null;
  ltv_12m: number | null;
  ltv_24m: number | null;
  ltv_projected: number | null;
  ltv_cac_12m: number | null;
  ltv_cac_projected: number | null;
  payback_months: number | null;
  /** Not in the CSV contract: shown in the report and the manifest. */
  has_spend: boolean;
  margin: number;
  cost_to_serve: number;
  second_year_retention: number | null;
  expected_lifetime_years: number | null;
  profit_clv: number | null;
  /** Months of curve available (the largest n with a complete cohort). */
  curve_months: number;
}

export interface CacResult {
  period: CacPeriod;
  /** CAC window: first and last period label, and their indices. */
  window: { first: string; last: string; firstIndex: number; lastIndex: number } | null;
  rows: CacPeriodRow[];
  /** Blended and paid CAC per period (channel = ALL_CHANNELS / PAID_CHANNELS). */
  totals: CacPeriodRow[];
  units: UnitEconomicsRow[];
  curves: CurvePoint[];
  blended: { spend: number; new_customers: number; cac: number | null };
  paid: { spend: number; new_customers: number; cac: number | null };
  /** Spend by cost type over the window. */
  spendByType: { marketing: number; sales: number };
  /** Whether the LTV figures are gross margin (a margin was given) or revenue. */
  basis: 'margin' | 'revenue';
  /** Reasons for empty figures and channel mismatches, for the manifest and the data-quality notes. */
  notes: string[];
  spendOnlyChannels: string[];
  unpaidChannels: string[];
  /** Customers acquired outside the CAC window (not in any figure). */
  outsideWindow: number;
  /** Last period is not over at the as-of date. */
  lastPeriodIncomplete: boolean;
}

const monthOf = (iso: string) => Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
const toPeriod = (unit: CacPeriod, month: number) => (unit === 'month' ? month : Math.floor(month / 3));
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b : null);
/** Sums money without float drift from the order of additions (4 decimals, like the order amounts). */
const money = (n: number) => Math.round(n * 1e4) / 1e4;

export function computeUnitEconomics(input: CacInputs): CacResult {
  const { period } = input;
  const notes: string[] = [];
  // Channel names → keys; the display name is the spend file's spelling, else the most frequent one among customers.
  const display = new Map<string, string>();
  for (const r of input.spend) if (!display.has(r.key)) display.set(r.key, r.channel);
  const spellings = new Map<string, Map<string, number>>();
  for (const a of input.acquisitions) {
    const k = channelKey(a.channel);
    const m = spellings.get(k) ?? new Map<string, number>();
    m.set(a.channel, (m.get(a.channel) ?? 0) + a.customers);
    spellings.set(k, m);
  }
  for (const [k, m] of [...spellings].sort((a, b) => cmp(a[0], b[0]))) {
    if (display.has(k)) continue;
    const best = [...m].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0][0];
    display.set(k, best);
  }
  for (const name of display.values()) {
    if (name === ALL_CHANNELS || name === PAID_CHANNELS) notes.push(`A channel is named "${name}" in the data, like the rows of blended or paid CAC in data/cac_by_channel.csv; tell them apart by the unit economics table.`);
  }
  const paidKeys = new Set(input.spend.map((r) => r.key));

  const asOfMonth = monthOf(input.asOf);
  const asOfPeriod = periodIndex(period, input.asOf);
  if (input.spend.length === 0) {
    notes.push('The spend file has no rows on or before the as-of date, so no CAC can be computed.');
  }
  const spendPeriods = input.spend.map((r) => toPeriod(period, monthOf(r.date)));
  const window =
    spendPeriods.length > 0
      ? (() => {
          const firstIndex = Math.min(...spendPeriods);
          const lastIndex = Math.min(Math.max(...spendPeriods), asOfPeriod);
          return { first: periodLabel(period, firstIndex), last: periodLabel(period, lastIndex), firstIndex, lastIndex };
        })()
      : null;
  const inWindow = (month: number) => window !== null && toPeriod(period, month) >= window.firstIndex && toPeriod(period, month) <= window.lastIndex;
  // A period is over when its last day is on or before the as-of date.
  const lastDayOfMonth = (m: number) => new Date(Date.UTC(Math.floor(m / 12), (m % 12) + 1, 0)).toISOString().slice(0, 10);
  const lastCompleteMonth = lastDayOfMonth(asOfMonth) <= input.asOf ? asOfMonth : asOfMonth - 1;
  const lastPeriodIncomplete = window !== null && window.lastIndex === asOfPeriod && toPeriod(period, lastCompleteMonth) !== asOfPeriod;

  // Spend and new customers per channel key and period.
  const keys = [...display.keys()].sort((a, b) => cmp(display.get(a)!, display.get(b)!));
  const cell = new Map<string, { spend: number; customers: number }>();
  const at = (k: string, p: number) => {
    const id = `${k}\u0000${p}`;
    let c = cell.get(id);
    if (!c) cell.set(id, (c = { spend: 0, customers: 0 }));
    return c;
  };
  const spendByType = { marketing: 0, sales: 0 };
  for (const r of input.spend) {
    const p = toPeriod(period, monthOf(r.date));
    if (window === null || p > window.lastIndex) continue;
    at(r.key, p).spend = money(at(r.key, p).spend + r.spend);
    spendByType[r.costType] = money(spendByType[r.costType] + r.spend);
  }
  let outsideWindow = 0;
  for (const a of input.acquisitions) {
    if (!inWindow(a.month)) {
      outsideWindow += a.customers;
      continue;
    }
    at(channelKey(a.channel), toPeriod(period, a.month)).customers += a.customers;
  }

  const rows: CacPeriodRow[] = [];
  const totals: CacPeriodRow[] = [];
  const perChannel = new Map<string, { spend: number; customers: number }>();
  const noCustomerPeriods = new Map<string, string[]>();
  if (window) {
    for (const k of keys) {
      const agg = { spend: 0, customers: 0 };
      for (let p = window.firstIndex; p <= window.lastIndex; p++) {
        const c = cell.get(`${k}\u0000${p}`) ?? { spend: 0, customers: 0 };
        agg.spend = money(agg.spend + c.spend);
        agg.customers += c.customers;
        const paid = paidKeys.has(k);
        if (paid && c.customers === 0 && c.spend > 0) {
          const list = noCustomerPeriods.get(k) ?? [];
          list.push(periodLabel(period, p));
          noCustomerPeriods.set(k, list);
        }
        rows.push({ channel: display.get(k)!, period: periodLabel(period, p), period_index: p, spend: c.spend, new_customers: c.customers, cac: paid ? ratio(c.spend, c.customers) : null });
      }
      perChannel.set(k, agg);
    }
    for (let p = window.firstIndex; p <= window.lastIndex; p++) {
      let spend = 0;
      let all = 0;
      let paid = 0;
      for (const k of keys) {
        const c = cell.get(`${k}\u0000${p}`);
        if (!c) continue;
        spend = money(spend + c.spend);
        all += c.customers;
        if (paidKeys.has(k)) paid += c.customers;
      }
      totals.push({ channel: ALL_CHANNELS, period: periodLabel(period, p), period_index: p, spend, new_customers: all, cac: ratio(spend, all) });
      totals.push({ channel: PAID_CHANNELS, period: periodLabel(period, p), period_index: p, spend, new_customers: paid, cac: ratio(spend, paid) });
    }
  }
  const sumOf = (pred: (k: string) => boolean) => {
    let spend = 0;
    let customers = 0;
    for (const [k, v] of perChannel) {
      spend = money(spend + v.spend);
      if (pred(k)) customers += v.customers;
    }
    return { spend, new_customers: customers };
  };
  const all = sumOf(() => true);
  const paidSum = sumOf((k) => paidKeys.has(k));
  const blended = { ...all, cac: ratio(all.spend, all.new_customers) };
  const paid = { ...paidSum, cac: ratio(paidSum.spend, paidSum.new_customers) };

  // Monthly cohorts in the window: sizes, revenue by offset, second-year activity, projections.
  const sizes = new Map<string, Map<number, number>>();
  for (const a of input.acquisitions) {
    if (!inWindow(a.month)) continue;
    const k = channelKey(a.channel);
    const m = sizes.get(k) ?? new Map<number, number>();
    m.set(a.month, (m.get(a.month) ?? 0) + a.customers);
    sizes.set(k, m);
  }
  const revenue = new Map<string, number>();
  for (const c of input.cells) {
    if (!inWindow(c.month) || c.offset < 0) continue;
    const id = `${channelKey(c.channel)}\u0000${c.month}\u0000${c.offset}`;
    revenue.set(id, money((revenue.get(id) ?? 0) + c.revenue));
  }
  const active2 = new Map<string, number>();
  for (const s of input.secondYear) {
    if (!inWindow(s.month)) continue;
    const id = `${channelKey(s.channel)}\u0000${s.month}`;
    active2.set(id, (active2.get(id) ?? 0) + s.active);
  }
  const projected = new Map<string, { customers: number; clv: number }>();
  for (const p of input.projected ?? []) {
    if (!inWindow(p.month)) continue;
    const k = channelKey(p.channel);
    const v = projected.get(k) ?? { customers: 0, clv: 0 };
    v.customers += p.customers;
    v.clv += p.clv;
    projected.set(k, v);
  }
  const marginKeys = new Map(Object.entries(input.channelMargins ?? {}).map(([k, v]) => [channelKey(k), v]));
  const costKeys = new Map(Object.entries(input.channelCostToServe ?? {}).map(([k, v]) => [channelKey(k), v]));
  for (const k of [...marginKeys.keys(), ...costKeys.keys()]) {
    if (!display.has(k)) notes.push(`The config names channel "${k}" for a margin or cost to serve, but no customer or spend row has that channel.`);
  }
  const basis = input.margin !== undefined || marginKeys.size > 0 ? 'margin' : 'revenue';

  const curves: CurvePoint[] = [];
  const units: UnitEconomicsRow[] = [];
  for (const k of keys) {
    const name = display.get(k)!;
    const margin = marginKeys.get(k) ?? input.margin ?? 1;
    const costToServe = costKeys.get(k) ?? input.costToServe ?? 0;
    const hasSpend = paidKeys.has(k);
    const agg = perChannel.get(k) ?? { spend: 0, customers: 0 };
    const cohorts = [...(sizes.get(k) ?? new Map<number, number>())].sort((a, b) => a[0] - b[0]);
    // Cumulative margin per customer by the end of month n (n = 1 is the acquisition month), over cohorts old enough.
    const ltvAt = (n: number): { value: number; cohorts: number; customers: number } | null => {
      let total = 0;
      let customers = 0;
      let used = 0;
      for (const [month, size] of cohorts) {
        if (month + n - 1 > lastCompleteMonth) continue;
        for (let o = 0; o < n; o++) total = money(total + (revenue.get(`${k}\u0000${month}\u0000${o}`) ?? 0));
        customers += size;
        used++;
      }
      return customers > 0 ? { value: (margin * total) / customers, cohorts: used, customers } : null;
    };
    let curveMonths = 0;
    for (let n = 1; ; n++) {
      const v = ltvAt(n);
      if (!v) break;
      curveMonths = n;
      curves.push({ channel: name, months: n, value: v.value, cohorts: v.cohorts, customers: v.customers });
    }
    const ltv = (n: number) => (n <= curveMonths ? curves.find((c) => c.channel === name && c.months === n)!.value : null);
    const cac = hasSpend ? ratio(agg.spend, agg.customers) : null;
    const proj = projected.get(k);
    const ltvProjected = proj && proj.customers > 0 ? (margin * proj.clv) / proj.customers : null;
    let payback: number | null = null;
    if (cac !== null) {
      const hit = curves.find((c) => c.channel === name && c.value >= cac);
      payback = hit ? hit.months : null;
    }
    // Second-year retention over cohorts whose 24th month is complete.
    let eligible = 0;
    let retained = 0;
    for (const [month, size] of cohorts) {
      if (month + 23 > lastCompleteMonth) continue;
      eligible += size;
      retained += active2.get(`${k}\u0000${month}`) ?? 0;
    }
    const r = eligible > 0 ? retained / eligible : null;
    const lifetime = input.expectedLifetimeYears ?? (r !== null && r < 1 ? 1 / (1 - r) : null);
    const ltv12 = ltv(12);
    const profit = ltv12 !== null && lifetime !== null ? (ltv12 - costToServe) * lifetime - (cac ?? 0) : null;

    const reasons: string[] = [];
    if (!hasSpend) reasons.push('no spend on record, so no CAC, LTV:CAC or payback');
    else if (agg.customers === 0) reasons.push('spend but no customers acquired in the CAC window: CAC "no customers"');
    for (const n of LTV_MONTHS) if (ltv(n) === null && agg.customers > 0) reasons.push(`no cohort is ${n} months old yet, so no ${n}-month LTV`);
    if (input.projected === undefined) reasons.push('no projected LTV: the Customer value section did not run or could not fit the models');
    if (cac !== null && payback === null && curveMonths > 0) reasons.push(`CAC not paid back after ${curveMonths} months`);
    if (profit === null && agg.customers > 0) reasons.push(ltv12 === null ? 'no profit CLV: needs the 12-month LTV' : 'no profit CLV: no cohort is 24 months old to measure second-year retention (set unit_economics.expected_lifetime_years in the config)');
    if (reasons.length > 0) notes.push(`${name}: ${reasons.join('; ')}.`);

    units.push({
      channel: name,
      new_customers: agg.customers,
      spend: agg.spend,
      cac,
      ltv_3m: ltv(3),
      ltv_6m: ltv(6),
      ltv_12m: ltv12,
      ltv_24m: ltv(24),
      ltv_projected: ltvProjected,
      ltv_cac_12m: cac !== null && ltv12 !== null ? ratio(ltv12, cac) : null,
      ltv_cac_projected: cac !== null && ltvProjected !== null ? ratio(ltvProjected, cac) : null,
      payback_months: payback,
      has_spend: hasSpend,
      margin,
      cost_to_serve: costToServe,
      second_year_retention: r,
      expected_lifetime_years: lifetime,
      profit_clv: profit,
      curve_months: curveMonths,
    });
  }
  for (const [k, list] of noCustomerPeriods) {
    notes.push(`${display.get(k)}: spend but no new customers in ${list.length === 1 ? list[0] : `${list.length} ${period}s (${list.slice(0, 6).join(', ')}${list.length > 6 ? ', …' : ''})`}; CAC shows "no customers" there.`);
  }
  const spendOnlyChannels = units.filter((u) => u.has_spend && u.new_customers === 0).map((u) => u.channel);
  const unpaidChannels = units.filter((u) => !u.has_spend).map((u) => u.channel);
  return {
    period,
    window,
    rows,
    totals,
    units,
    curves,
    blended,
    paid,
    spendByType,
    basis,
    notes,
    spendOnlyChannels,
    unpaidChannels,
    outsideWindow,
    lastPeriodIncomplete,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
