/**
 * Seeded generator of the bundled sample data set: a believable online shop
 * over a window of calendar days (default 2022-01-01 .. 2024-12-31).
 *
 * - Acquisition: new customers per UTC day are Poisson with a rate that grows
 *   year over year and follows a monthly and weekday seasonality; each new
 *   customer gets an acquisition channel, a region and a customer type.
 * - Purchases: BG/NBD per customer (time unit: weeks). The first order is on
 *   the acquisition day; repeat purchases follow a Poisson process with rate
 *   λ ~ Gamma(r, α) until the customer drops out, which happens after each
 *   repeat purchase with probability p ~ Beta(a, b). The process is stationary.
 * - Order values: Gamma-Gamma. ν ~ Gamma(q, γ) per customer, each order value
 *   ~ Gamma(p, ν). B2B customers draw ν with rate γ × b2bSpendMultiplier.
 * - Noise outside the models: same-day second orders, refunds (negative rows),
 *   later orders arriving through email or organic.
 * - Spend: per month and paid channel, new customers × CAC × noise.
 *
 * Everything is deterministic: an own seeded PRNG (sfc32, seeded through a
 * splitmix32 mixer), only UTC date arithmetic, no Math.random, no locale.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { checkFolderPath } from '../report/write-output.ts';
import { Rng } from './rng.ts';

// ---------------------------------------------------------------------------
// Public types and parameters
// ---------------------------------------------------------------------------

export interface SampleOptions {
  /** Any safe integer; the same seed and window give byte-identical output. */
  seed: number;
  /** First calendar day (UTC) of the window, 'YYYY-MM-DD'. Default '2022-01-01'. */
  start?: string;
  /** Last calendar day (UTC) of the window, inclusive, 'YYYY-MM-DD'. Default '2024-12-31'. */
  end?: string;
  /**
   * Also write surveys.csv (NPS answers related to each customer's purchase rate and dropout
   * probability, SURVEY_PARAMETERS). Drawn from their own random stream: the other files are
   * byte-identical with or without it (the README gains a section describing it).
   */
  surveys?: boolean;
}

export interface SampleData {
  /** orders.csv: order_id,customer_id,order_date,amount,channel,region,customer_type */
  orders: string;
  /** customers.csv: customer_id,signup_date,region,customer_type,acquisition_channel */
  customers: string;
  /** spend.csv: period,channel,spend,cost_type,currency */
  spend: string;
  /** README.md documenting the data and its generating parameters. */
  readme: string;
  /** surveys.csv (with `surveys: true`): customer_id,date,score (NPS 0–10; a few empty scores). */
  surveys?: string;
}

export type SampleChannel = 'paid_search' | 'paid_social' | 'email' | 'affiliate' | 'organic';
export type SampleRegion = 'North' | 'South' | 'East' | 'West' | 'International';
export type SampleCustomerType = 'B2C' | 'B2B';

/** BG/NBD parameters (time unit: weeks). λ ~ Gamma(shape r, rate alpha); dropout p ~ Beta(a, b). */
export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Gamma-Gamma parameters: ν ~ Gamma(shape q, rate gamma) per customer; order value ~ Gamma(shape p, rate ν). */
export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface ChannelParameters {
  /** Share of new customers acquired through this channel. */
  readonly acquisitionShare: number;
  /** Cost per acquired customer (USD) behind spend.csv; null for organic (no spend). */
  readonly cac: number | null;
  readonly bgnbd: BgNbdParameters;
  /** Gamma-Gamma parameters of B2C customers; B2B use gamma × b2bSpendMultiplier. */
  readonly gammaGamma: GammaGammaParameters;
}

export interface SampleParameters {
  readonly timeUnit: 'week';
  readonly defaultStart: string;
  readonly defaultEnd: string;
  readonly acquisition: {
    /** Expected new customers per day on the first day of the window, before seasonality. */
    readonly newCustomersPerDayAtStart: number;
    /** Year-over-year growth of the acquisition rate: rate × (1 + g)^(days since start / 365.25). */
    readonly annualGrowth: number;
    /** Multiplier per calendar month, January first. */
    readonly monthlySeasonality: readonly number[];
    /** Multiplier per weekday, Sunday first (UTC getUTCDay order). */
    readonly weekdayFactors: readonly number[];
    /** Shares of regions among new customers. */
    readonly regionShares: Readonly<Record<SampleRegion, number>>;
    /** Shares of customer types among new customers. */
    readonly customerTypeShares: Readonly<Record<SampleCustomerType, number>>;
  };
  readonly channels: Readonly<Record<SampleChannel, ChannelParameters>>;
  /** B2B customers draw ν ~ Gamma(q, gamma × this), i.e. order values this many times larger. */
  readonly b2bSpendMultiplier: number;
  /** Smallest order value; Gamma draws below it are raised to it (practically never happens). */
  readonly minOrderAmount: number;
  /** Channel of repeat orders (and same-day extra orders): kept, or switched to email / organic. */
  readonly repeatOrderChannel: {
    readonly keepAcquisitionChannel: number;
    readonly email: number;
    readonly organic: number;
  };
  /** Probability that an order is followed by a second, separate order on the same day. */
  readonly sameDayRepeatProbability: number;
  readonly refunds: {
    /** Probability that an order gets a refund row. */
    readonly probability: number;
    /** Refund date = order date + uniform integer delay in [minDelayDays, maxDelayDays]. */
    readonly minDelayDays: number;
    readonly maxDelayDays: number;
    /** Share of refunds that return the full amount; the rest return a uniform fraction. */
    readonly fullRefundShare: number;
    readonly partialFractionMin: number;
    readonly partialFractionMax: number;
  };
  readonly spend: {
    /** Monthly spend = new customers × CAC × uniform(1 − noise, 1 + noise), rounded to whole USD. */
    readonly noise: number;
    readonly costType: string;
    readonly currency: string;
  };
}

const CHANNELS: readonly SampleChannel[] = ['paid_search', 'paid_social', 'email', 'affiliate', 'organic'];
const REGIONS: readonly SampleRegion[] = ['North', 'South', 'East', 'West', 'International'];
const CUSTOMER_TYPES: readonly SampleCustomerType[] = ['B2C', 'B2B'];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The generating parameters of the sample data, documented in its README. */
export const SAMPLE_PARAMETERS: SampleParameters = deepFreeze({
  timeUnit: 'week',
  defaultStart: '2022-01-01',
  defaultEnd: '2024-12-31',
  acquisition: {
    newCustomersPerDayAtStart: 14,
    annualGrowth: 0.35,
    monthlySeasonality: [0.95, 0.85, 0.95, 1.0, 0.95, 0.8, 0.75, 0.8, 0.95, 1.05, 1.45, 1.5],
    weekdayFactors: [1.1, 1.05, 1.0, 0.95, 0.95, 0.95, 1.0],
    regionShares: { North: 0.3, South: 0.22, East: 0.2, West: 0.17, International: 0.11 },
    customerTypeShares: { B2C: 0.85, B2B: 0.15 },
  },
  channels: {
    paid_search: {
      acquisitionShare: 0.32,
      cac: 35,
      bgnbd: { r: 0.5, alpha: 8, a: 0.8, b: 4 },
      gammaGamma: { p: 5, q: 4, gamma: 33 },
    },
    paid_social: {
      acquisitionShare: 0.24,
      cac: 45,
      bgnbd: { r: 0.38, alpha: 9, a: 1.1, b: 2.6 },
      gammaGamma: { p: 4, q: 4.5, gamma: 40 },
    },
    email: {
      acquisitionShare: 0.1,
      cac: 8,
      bgnbd: { r: 0.65, alpha: 7, a: 0.7, b: 4.5 },
      gammaGamma: { p: 5, q: 4, gamma: 27 },
    },
    affiliate: {
      acquisitionShare: 0.12,
      cac: 25,
      bgnbd: { r: 0.45, alpha: 8.5, a: 0.95, b: 3 },
      gammaGamma: { p: 4.5, q: 4, gamma: 33 },
    },
    organic: {
      acquisitionShare: 0.22,
      cac: null,
      bgnbd: { r: 0.6, alpha: 7.5, a: 0.6, b: 4.5 },
      gammaGamma: { p: 6, q: 4, gamma: 30 },
    },
  },
  b2bSpendMultiplier: 2.5,
  minOrderAmount: 1,
  repeatOrderChannel: { keepAcquisitionChannel: 0.7, email: 0.15, organic: 0.15 },
  sameDayRepeatProbability: 0.02,
  refunds: {
    probability: 0.03,
    minDelayDays: 1,
    maxDelayDays: 30,
    fullRefundShare: 0.6,
    partialFractionMin: 0.1,
    partialFractionMax: 0.9,
  },
  spend: { noise: 0.2, costType: 'marketing', currency: 'USD' },
} satisfies SampleParameters);

// ---------------------------------------------------------------------------
// Seeded random numbers
// ---------------------------------------------------------------------------


// Independent streams, so changing one part of the generator does not reshuffle the others.
const STREAM_ACQUISITION = 1;
const STREAM_CUSTOMERS = 2;
const STREAM_REFUNDS = 3;
const STREAM_SPEND = 4;
const STREAM_SURVEYS = 5;

/**
 * How the NPS answers of surveys.csv are drawn (own stream, after the orders). A customer is
 * asked after each purchase day and answers with probability `answerRate`, `minDelayDays`–
 * `maxDelayDays` days later (answers after the window's end are not written). Each customer has a
 * satisfaction s = rateWeight·z(ln λ) − dropoutWeight·z(logit p) + customerNoise·N(0, 1), where z
 * standardises over all customers (λ: purchase rate, p: dropout probability of the BG/NBD draw);
 * each answer is round(base + scale·s + answerNoise·N(0, 1)) clipped to 0–10. So frequent buyers
 * who rarely drop out tend to be promoters. A share `emptyShare` of answers has an empty score
 * (a question left unanswered).
 */
export const SURVEY_PARAMETERS = deepFreeze({
  answerRate: 0.1,
  minDelayDays: 1,
  maxDelayDays: 10,
  rateWeight: 0.6,
  dropoutWeight: 0.6,
  customerNoise: 0.55,
  base: 7.6,
  scale: 1.8,
  answerNoise: 0.9,
  emptyShare: 0.03,
});

// ---------------------------------------------------------------------------
// Dates (UTC only)
// ---------------------------------------------------------------------------

const DAY_MS = 86_400_000;

function parseDay(value: string, name: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const ms = Date.UTC(y, mo - 1, d);
    const date = new Date(ms);
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
      return Math.round(ms / DAY_MS);
    }
  }
  throw new UserError(`sample: ${name} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

interface DayInfo {
  iso: string;
  /** 'YYYY-MM' */
  period: string;
  month: number;
  weekday: number;
}

function dayInfo(epochDay: number): DayInfo {
  const date = new Date(epochDay * DAY_MS);
  const y = date.getUTCFullYear();
  const mo = date.getUTCMonth();
  const period = `${pad(y, 4)}-${pad(mo + 1, 2)}`;
  return { iso: `${period}-${pad(date.getUTCDate(), 2)}`, period, month: mo, weekday: date.getUTCDay() };
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/** Cents → '45.60' / '-12.00' (never exponent notation). */
function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100, 2)}`;
}

interface Customer {
  signupDay: number; // index into the window
  channel: number;
  region: number;
  type: number;
  lambda: number; // BG/NBD purchase rate (per week)
  dropout: number; // BG/NBD dropout probability
}

interface Order {
  day: number;
  customer: number;
  seq: number;
  cents: number;
  channel: number;
}

interface Refund {
  day: number;
  order: number; // index into sorted orders
  cents: number; // negative
}

/** Counts and sums of a generated sample, for the README and callers. */
export interface SampleSummary {
  customers: number;
  orders: number;
  refunds: number;
  grossRevenue: number;
  refundTotal: number;
  netRevenue: number;
  meanOrdersPerCustomer: number;
  averageOrderValue: number;
  sameDayRepeatOrders: number;
  marketingSpend: number;
}

function validateOptions(options: SampleOptions): { seed: number; start: string; end: string; startDay: number; endDay: number } {
  const { seed } = options;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new UserError(`sample: seed must be an integer, got ${JSON.stringify(seed)}`);
  }
  const start = options.start ?? SAMPLE_PARAMETERS.defaultStart;
  const end = options.end ?? SAMPLE_PARAMETERS.defaultEnd;
  const startDay = parseDay(start, 'start');
  const endDay = parseDay(end, 'end');
  if (endDay < startDay) throw new UserError(`sample: end ${end} is before start ${start}`);
  return { seed, start, end, startDay, endDay };
}

interface Generated {
  data: SampleData;
  summary: SampleSummary;
}

function generate(options: SampleOptions): Generated {
  const { seed, start, end, startDay, endDay } = validateOptions(options);
  const P = SAMPLE_PARAMETERS;
  const nDays = endDay - startDay + 1;
  const days: DayInfo[] = new Array(nDays);
  for (let i = 0; i < nDays; i++) days[i] = dayInfo(startDay + i);

  const channelParams = CHANNELS.map((c) => P.channels[c]);
  const channelWeights = channelParams.map((c) => c.acquisitionShare);
  const channelTotal = sum(channelWeights);
  const regionWeights = REGIONS.map((r) => P.acquisition.regionShares[r]);
  const regionTotal = sum(regionWeights);
  const typeWeights = CUSTOMER_TYPES.map((t) => P.acquisition.customerTypeShares[t]);
  const typeTotal = sum(typeWeights);
  const emailIdx = CHANNELS.indexOf('email');
  const organicIdx = CHANNELS.indexOf('organic');
  const b2bIdx = CUSTOMER_TYPES.indexOf('B2B');
  const minCents = Math.round(P.minOrderAmount * 100);
  const switchTotal = P.repeatOrderChannel.keepAcquisitionChannel + P.repeatOrderChannel.email + P.repeatOrderChannel.organic;

  // 1. Acquisition: Poisson new customers per day.
  const acq = new Rng(seed, STREAM_ACQUISITION);
  const newPerDay = new Array<number>(nDays);
  for (let i = 0; i < nDays; i++) {
    const d = days[i];
    const mean =
      P.acquisition.newCustomersPerDayAtStart *
      Math.pow(1 + P.acquisition.annualGrowth, i / 365.25) *
      P.acquisition.monthlySeasonality[d.month] *
      P.acquisition.weekdayFactors[d.weekday];
    newPerDay[i] = acq.poisson(mean);
  }

  // 2. Customers and their purchases.
  const rng = new Rng(seed, STREAM_CUSTOMERS);
  const customers: Customer[] = [];
  const orders: Order[] = [];
  let sameDayRepeatOrders = 0;
  for (let day = 0; day < nDays; day++) {
    for (let k = 0; k < newPerDay[day]; k++) {
      const ci = customers.length;
      const channel = rng.pick(channelWeights, channelTotal);
      const region = rng.pick(regionWeights, regionTotal);
      const type = rng.pick(typeWeights, typeTotal);
      const cp = channelParams[channel];
      const lambda = rng.gamma(cp.bgnbd.r, cp.bgnbd.alpha);
      const dropout = rng.beta(cp.bgnbd.a, cp.bgnbd.b);
      customers.push({ signupDay: day, channel, region, type, lambda, dropout });
      const gg = cp.gammaGamma;
      const nu = rng.gamma(gg.q, gg.gamma * (type === b2bIdx ? P.b2bSpendMultiplier : 1));
      const amount = (): number => Math.max(minCents, Math.round(rng.gamma(gg.p, nu) * 100));
      const laterChannel = (): number => {
        const c = rng.pick(
          [P.repeatOrderChannel.keepAcquisitionChannel, P.repeatOrderChannel.email, P.repeatOrderChannel.organic],
          switchTotal,
        );
        return c === 0 ? channel : c === 1 ? emailIdx : organicIdx;
      };
      let seq = 0;
      const place = (orderDay: number, orderChannel: number): void => {
        orders.push({ day: orderDay, customer: ci, seq: seq++, cents: amount(), channel: orderChannel });
        if (rng.next() < P.sameDayRepeatProbability) {
          orders.push({ day: orderDay, customer: ci, seq: seq++, cents: amount(), channel: laterChannel() });
          sameDayRepeatOrders++;
        }
      };
      // First order on the acquisition day, through the acquisition channel.
      place(day, channel);
      // Repeat purchases: Poisson(λ) in weeks until dropout (after each repeat purchase, with probability p).
      const horizonWeeks = (nDays - day) / 7; // purchases at t < horizon fall on or before `end`
      if (lambda > 0) {
        let t = 0;
        for (;;) {
          t += rng.exponential(lambda);
          if (t >= horizonWeeks) break;
          const orderDay = day + Math.floor(t * 7);
          if (orderDay >= nDays) break; // guards floating-point edge cases
          place(orderDay, laterChannel());
          if (rng.next() < dropout) break;
        }
      }
    }
  }

  orders.sort((x, y) => x.day - y.day || x.customer - y.customer || x.seq - y.seq);

  // 3. Refunds.
  const rr = new Rng(seed, STREAM_REFUNDS);
  const refunds: Refund[] = [];
  const R = P.refunds;
  for (let i = 0; i < orders.length; i++) {
    if (rr.next() >= R.probability) continue;
    const o = orders[i];
    const delay = rr.int(R.minDelayDays, R.maxDelayDays);
    const full = rr.next() < R.fullRefundShare;
    const fraction = R.partialFractionMin + rr.next() * (R.partialFractionMax - R.partialFractionMin);
    const refundDay = o.day + delay;
    if (refundDay >= nDays) continue;
    let cents = full ? o.cents : Math.round(o.cents * fraction);
    cents = Math.min(o.cents, Math.max(1, cents));
    refunds.push({ day: refundDay, order: i, cents: -cents });
  }
  refunds.sort((x, y) => x.day - y.day || x.order - y.order);

  // 4. CSV texts.
  const customerWidth = Math.max(6, String(customers.length).length);
  const orderWidth = Math.max(7, String(orders.length).length);
  const refundWidth = Math.max(6, String(refunds.length).length);
  const customerIds = customers.map((_, i) => `C${pad(i + 1, customerWidth)}`);
  const customerSuffix = customers.map((c) => `${REGIONS[c.region]},${CUSTOMER_TYPES[c.type]}`);

  const orderLines: string[] = ['order_id,customer_id,order_date,amount,channel,region,customer_type'];
  let ri = 0;
  let grossCents = 0;
  let refundCents = 0;
  for (let i = 0; i <= orders.length; i++) {
    const day = i < orders.length ? orders[i].day : Number.POSITIVE_INFINITY;
    // Refund ids sort after order ids ('R' > 'O'), so refunds of a day follow its orders.
    while (ri < refunds.length && refunds[ri].day < day) {
      const f = refunds[ri];
      const o = orders[f.order];
      orderLines.push(
        `R${pad(ri + 1, refundWidth)},${customerIds[o.customer]},${days[f.day].iso},${formatCents(f.cents)},${CHANNELS[o.channel]},${customerSuffix[o.customer]}`,
      );
      refundCents += f.cents;
      ri++;
    }
    if (i === orders.length) break;
    const o = orders[i];
    orderLines.push(
      `O${pad(i + 1, orderWidth)},${customerIds[o.customer]},${days[o.day].iso},${formatCents(o.cents)},${CHANNELS[o.channel]},${customerSuffix[o.customer]}`,
    );
    grossCents += o.cents;
  }

  const customerLines: string[] = ['customer_id,signup_date,region,customer_type,acquisition_channel'];
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i];
    customerLines.push(`${customerIds[i]},${days[c.signupDay].iso},${customerSuffix[i]},${CHANNELS[c.channel]}`);
  }

  // 5. Spend per month and paid channel.
  const paid = CHANNELS.map((c, i) => ({ name: c, index: i, cac: P.channels[c].cac }))
    .filter((c): c is { name: SampleChannel; index: number; cac: number } => c.cac !== null)
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const periods: string[] = [];
  const acquiredByPeriod = new Map<string, number[]>();
  for (const c of customers) {
    const period = days[c.signupDay].period;
    let counts = acquiredByPeriod.get(period);
    if (!counts) acquiredByPeriod.set(period, (counts = new Array<number>(CHANNELS.length).fill(0)));
    counts[c.channel]++;
  }
  for (let i = 0; i < nDays; i++) {
    const period = days[i].period;
    if (periods[periods.length - 1] !== period) periods.push(period);
  }
  const sr = new Rng(seed, STREAM_SPEND);
  const spendLines: string[] = ['period,channel,spend,cost_type,currency'];
  let spendTotal = 0;
  for (const period of periods) {
    const counts = acquiredByPeriod.get(period);
    for (const c of paid) {
      const n = counts ? counts[c.index] : 0;
      const noise = 1 + P.spend.noise * (2 * sr.next() - 1);
      const spend = Math.max(0, Math.round(n * c.cac * noise));
      spendTotal += spend;
      spendLines.push(`${period},${c.name},${spend},${P.spend.costType},${P.spend.currency}`);
    }
  }

  const summary: SampleSummary = {
    customers: customers.length,
    orders: orders.length,
    refunds: refunds.length,
    grossRevenue: grossCents / 100,
    refundTotal: refundCents / 100,
    netRevenue: (grossCents + refundCents) / 100,
    meanOrdersPerCustomer: customers.length ? orders.length / customers.length : 0,
    averageOrderValue: orders.length ? grossCents / 100 / orders.length : 0,
    sameDayRepeatOrders,
    marketingSpend: spendTotal,
  };

  const readme = renderReadme({ seed, start, end, nDays }, summary);
  const surveys = options.surveys ? generateSurveys(seed, customers, orders, days, customerIds) : undefined;
  return {
    data: {
      orders: orderLines.join('\n') + '\n',
      customers: customerLines.join('\n') + '\n',
      spend: spendLines.join('\n') + '\n',
      readme: surveys ? `${readme}${surveysReadme(surveys)}` : readme,
      ...(surveys ? { surveys: surveys.text } : {}),
    },
    summary,
  };
}

/** surveys.csv (see SURVEY_PARAMETERS), from its own random stream. */
function generateSurveys(seed: number, customers: Customer[], orders: Order[], days: DayInfo[], ids: string[]): { text: string; answers: number; respondents: number; empty: number } {
  const S = SURVEY_PARAMETERS;
  const rng = new Rng(seed, STREAM_SURVEYS);
  const zscores = (xs: number[]) => {
    const mean = sum(xs) / xs.length;
    const sd = Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / xs.length) || 1;
    return xs.map((x) => (x - mean) / sd);
  };
  const rate = zscores(customers.map((c) => Math.log(Math.max(c.lambda, 1e-12))));
  const drop = zscores(customers.map((c) => Math.log(Math.max(c.dropout, 1e-12) / Math.max(1 - c.dropout, 1e-12))));
  const satisfaction = customers.map((_, i) => S.rateWeight * rate[i] - S.dropoutWeight * drop[i] + S.customerNoise * rng.normal());
  const answers: { day: number; customer: number; order: number; score: number | null }[] = [];
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i];
    const prev = orders[i - 1];
    if (prev && prev.day === o.day && prev.customer === o.customer) continue; // one invitation per purchase day
    if (rng.next() >= S.answerRate) continue;
    const day = o.day + rng.int(S.minDelayDays, S.maxDelayDays);
    const noise = rng.normal();
    const empty = rng.next() < S.emptyShare;
    if (day >= days.length) continue;
    const score = Math.min(10, Math.max(0, Math.round(S.base + S.scale * satisfaction[o.customer] + S.answerNoise * noise)));
    answers.push({ day, customer: o.customer, order: i, score: empty ? null : score });
  }
  answers.sort((x, y) => x.day - y.day || x.customer - y.customer || x.order - y.order);
  const lines = ['customer_id,date,score', ...answers.map((a) => `${ids[a.customer]},${days[a.day].iso},${a.score ?? ''}`)];
  return {
    text: lines.join('\n') + '\n',
    answers: answers.length,
    respondents: new Set(answers.map((a) => a.customer)).size,
    empty: answers.filter((a) => a.score === null).length,
  };
}

function surveysReadme(s: { answers: number; respondents: number; empty: number }): string {
  const S = SURVEY_PARAMETERS;
  return [
    '',
    '## surveys.csv (written with `clv sample --surveys`)',
    '',
    `NPS answers (0–10): \`customer_id,date,score\`, ${fmt(s.answers)} answers from ${fmt(s.respondents)} customers; ${fmt(s.empty)} have an empty score (a question left unanswered). ` +
      `After each purchase day a customer answers with probability ${num(S.answerRate)}, ${num(S.minDelayDays)}–${num(S.maxDelayDays)} days later (answers after the window are not written). ` +
      `Each customer's satisfaction is s = ${num(S.rateWeight)}·z(ln λ) − ${num(S.dropoutWeight)}·z(logit p) + ${num(S.customerNoise)}·N(0, 1), with λ and p the customer's BG/NBD purchase rate and dropout probability standardised over all customers; ` +
      `an answer is round(${num(S.base)} + ${num(S.scale)}·s + ${num(S.answerNoise)}·N(0, 1)) clipped to 0–10. So customers who buy often and rarely drop out tend to be promoters. ` +
      'The answers come from their own random stream: the other files are the same with or without them.',
    '',
  ].join('\n');
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * Generate the sample data set. Deterministic: the same options give
 * byte-identical strings on every platform and in every time zone.
 */
export function generateSample(options: SampleOptions): SampleData {
  return generate(options).data;
}

/** Like {@link generateSample}, with counts and sums of the generated data. */
export function generateSampleWithSummary(options: SampleOptions): { data: SampleData; summary: SampleSummary } {
  return generate(options);
}

/**
 * Write orders.csv, customers.csv, spend.csv and README.md into `dir`
 * (created if missing). Each file is written to a temporary name in the same
 * directory and renamed into place. Returns the written paths.
 */
/** The first line of the sample's README.md: how a folder holding an earlier sample is recognised. */
const README_HEADING = '# Sample data: a synthetic online shop';

/**
 * The sample's files may only replace files of an earlier sample: when any
 * of them exists in `dir` and the folder's README.md is not the sample's, the
 * files are someone else's (a shop's own orders.csv) and nothing is written.
 */
async function checkSampleFolder(dir: string, names: string[]): Promise<void> {
  await checkFolderPath(dir, '--out');
  const present = names.filter((name) => existsSync(join(dir, name)));
  if (present.length === 0) return;
  const readme = await readFile(join(dir, 'README.md'), 'utf8').catch(() => '');
  if (readme.split('\n')[0] === README_HEADING) return;
  throw new UserError(
    `--out ${JSON.stringify(dir)}: the folder holds ${present.map((n) => JSON.stringify(n)).join(', ')}, which clv sample did not write (the folder has no README.md of a clv sample); the sample would replace ${present.length === 1 ? 'it' : 'them'}, so nothing was changed: choose a new or empty folder, or one that holds an earlier sample`,
  );
}

export async function writeSample(dir: string, options: SampleOptions): Promise<string[]> {
  // Refused before the seconds of generating.
  await checkSampleFolder(dir, ['orders.csv', 'customers.csv', 'spend.csv', ...(options.surveys ? ['surveys.csv'] : []), 'README.md']);
  const data = generateSample(options);
  const files: [string, string][] = [
    ['orders.csv', data.orders],
    ['customers.csv', data.customers],
    ['spend.csv', data.spend],
    ...(data.surveys !== undefined ? [['surveys.csv', data.surveys] as [string, string]] : []),
    ['README.md', data.readme],
  ];
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of files) {
    const target = join(dir, name);
    const temp = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(temp, text, 'utf8');
      await rename(temp, target);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    paths.push(target);
  }
  return paths;
}

// ---------------------------------------------------------------------------
// README
// ---------------------------------------------------------------------------

/** Number with fixed decimals and thousands separators, locale-independent. */
function fmt(x: number, decimals = 0): string {
  const fixed = Math.abs(x).toFixed(decimals);
  const [int, frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Shortest plain rendering of a parameter value. */
function num(x: number): string {
  return String(x);
}

function renderReadme(run: { seed: number; start: string; end: string; nDays: number }, s: SampleSummary): string {
  const P = SAMPLE_PARAMETERS;
  const A = P.acquisition;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const isDefault = run.start === P.defaultStart && run.end === P.defaultEnd;
  const command = `clv sample --seed ${run.seed} --out <dir>`;
  const L: string[] = [];
  L.push(README_HEADING);
  L.push('');
  L.push(
    `Synthetic, seeded data of an online shop from ${run.start} to ${run.end} (${fmt(run.nDays)} days, UTC calendar days), ` +
      `generated by \`lib/sample/generate-sample.ts\` with seed ${run.seed}` +
      (isDefault ? ` (\`${command}\`).` : ` and a custom window.`) +
      ' The same seed and window always give byte-identical files. No real customers are in it.',
  );
  L.push('');
  L.push('The purchase process follows a BG/NBD model and order values a Gamma-Gamma model with the parameters below, so fitted models can be checked for parameter recovery.');
  L.push('');
  L.push('## Summary');
  L.push('');
  L.push('| | |');
  L.push('|---|---:|');
  L.push(`| Customers | ${fmt(s.customers)} |`);
  L.push(`| Orders (positive rows) | ${fmt(s.orders)} |`);
  L.push(`| of which same-day second orders | ${fmt(s.sameDayRepeatOrders)} |`);
  L.push(`| Refund rows (negative) | ${fmt(s.refunds)} |`);
  L.push(`| Mean orders per customer | ${fmt(s.meanOrdersPerCustomer, 2)} |`);
  L.push(`| Average order value (USD) | ${fmt(s.averageOrderValue, 2)} |`);
  L.push(`| Gross revenue (USD) | ${fmt(s.grossRevenue, 2)} |`);
  L.push(`| Refunds (USD) | ${fmt(s.refundTotal, 2)} |`);
  L.push(`| Net revenue (USD) | ${fmt(s.netRevenue, 2)} |`);
  L.push(`| Marketing spend (USD) | ${fmt(s.marketingSpend)} |`);
  L.push('');
  L.push('## Files');
  L.push('');
  L.push('All files are UTF-8 CSV with a header row, comma separated, LF line endings, no quoting needed. Dates are `YYYY-MM-DD`, amounts have exactly two decimals.');
  L.push('');
  L.push('### orders.csv');
  L.push('');
  L.push('One row per order or refund, sorted by `order_date`, then `order_id`.');
  L.push('');
  L.push('| Column | Meaning |');
  L.push('|---|---|');
  L.push('| `order_id` | `O0000001`… for orders (numbered in date order), `R000001`… for refunds |');
  L.push('| `customer_id` | `C000001`…, see customers.csv |');
  L.push('| `order_date` | UTC calendar day of the order or refund |');
  L.push('| `amount` | order value in USD; negative for refunds |');
  L.push('| `channel` | channel of this order: the acquisition channel on the first order; later orders mostly keep it but some come through `email` or `organic`; a refund has the channel of its order |');
  L.push('| `region` | region of the customer (same on all the customer\'s rows) |');
  L.push('| `customer_type` | `B2C` or `B2B` (same on all the customer\'s rows) |');
  L.push('');
  L.push('### customers.csv');
  L.push('');
  L.push('One row per customer, sorted by `customer_id` (customer ids are numbered in signup order).');
  L.push('');
  L.push('| Column | Meaning |');
  L.push('|---|---|');
  L.push('| `customer_id` | `C000001`… |');
  L.push('| `signup_date` | acquisition day; the customer\'s first order is on this day |');
  L.push('| `region` | `North`, `South`, `East`, `West` or `International` |');
  L.push('| `customer_type` | `B2C` or `B2B` |');
  L.push(`| \`acquisition_channel\` | ${CHANNELS.map((c) => `\`${c}\``).join(', ')} |`);
  L.push('');
  L.push('### spend.csv');
  L.push('');
  L.push('Marketing spend per month and paid channel (organic has no spend), sorted by `period`, then `channel`.');
  L.push('');
  L.push('| Column | Meaning |');
  L.push('|---|---|');
  L.push('| `period` | month `YYYY-MM` (first and last month may be partial if the window is) |');
  L.push('| `channel` | paid acquisition channel |');
  L.push(`| \`spend\` | whole USD: new customers acquired by the channel that month × CAC × uniform(${num(1 - P.spend.noise)}, ${num(1 + P.spend.noise)}) |`);
  L.push(`| \`cost_type\` | always \`${P.spend.costType}\` |`);
  L.push(`| \`currency\` | always \`${P.spend.currency}\` |`);
  L.push('');
  L.push('## How the data is generated');
  L.push('');
  L.push('### Acquisition');
  L.push('');
  L.push(
    `New customers per day are Poisson with mean ${num(A.newCustomersPerDayAtStart)} × (1 + ${num(A.annualGrowth)})^(days since start / 365.25) × month factor × weekday factor. ` +
      'Each new customer independently gets a channel, region and customer type with the shares below.',
  );
  L.push('');
  L.push(`| Month | ${months.join(' | ')} |`);
  L.push(`|---|${months.map(() => '---:').join('|')}|`);
  L.push(`| Factor | ${A.monthlySeasonality.map(num).join(' | ')} |`);
  L.push('');
  L.push(`| Weekday | ${weekdays.join(' | ')} |`);
  L.push(`|---|${weekdays.map(() => '---:').join('|')}|`);
  L.push(`| Factor | ${A.weekdayFactors.map(num).join(' | ')} |`);
  L.push('');
  L.push(`Regions: ${REGIONS.map((r) => `${r} ${num(A.regionShares[r])}`).join(', ')}. Customer types: ${CUSTOMER_TYPES.map((t) => `${t} ${num(A.customerTypeShares[t])}`).join(', ')}.`);
  L.push('');
  L.push('### Purchases (BG/NBD, time unit: weeks)');
  L.push('');
  L.push('- The first order is on the signup day at time 0.');
  L.push('- Each customer has a purchase rate λ ~ Gamma(shape r, rate α) per week (mean r/α) and a dropout probability p ~ Beta(a, b).');
  L.push('- Repeat purchases follow a Poisson process with rate λ; after each repeat purchase the customer drops out with probability p (never at time 0).');
  L.push('- The process is stationary: no seasonality or trend in λ or p (seasonality is only in acquisition).');
  L.push('- A purchase at continuous time t weeks after signup falls on day `signup_date + floor(7·t)`. Purchases after the end of the window are not observed, so the observation length of a customer is T = (days from signup to end + 1) / 7 weeks.');
  L.push('');
  L.push('### Order values (Gamma-Gamma)');
  L.push('');
  L.push(
    `- Each customer has ν ~ Gamma(shape q, rate γ); each order value ~ Gamma(shape p, rate ν), so the customer's mean order value is p/ν and the population mean is p·γ/(q − 1). ` +
      `B2B customers draw ν with rate γ × ${num(P.b2bSpendMultiplier)}, which makes their order values ${num(P.b2bSpendMultiplier)} times larger in distribution.`,
  );
  L.push(`- Values are rounded to cents, with a floor of ${P.minOrderAmount.toFixed(2)}.`);
  L.push('');
  L.push('### Parameters per acquisition channel');
  L.push('');
  L.push('| Channel | Share | CAC (USD) | r | α | a | b | mean λ per week r/α | mean dropout a/(a+b) | p (Gamma-Gamma) | q | γ | mean B2C order value pγ/(q−1) |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of CHANNELS) {
    const cp = P.channels[c];
    const { r, alpha, a, b } = cp.bgnbd;
    const gg = cp.gammaGamma;
    L.push(
      `| \`${c}\` | ${num(cp.acquisitionShare)} | ${cp.cac === null ? '—' : num(cp.cac)} | ${num(r)} | ${num(alpha)} | ${num(a)} | ${num(b)} | ` +
        `${(r / alpha).toFixed(4)} | ${(a / (a + b)).toFixed(3)} | ${num(gg.p)} | ${num(gg.q)} | ${num(gg.gamma)} | ${((gg.p * gg.gamma) / (gg.q - 1)).toFixed(2)} |`,
    );
  }
  L.push('');
  L.push('### Noise outside the models');
  L.push('');
  const RC = P.repeatOrderChannel;
  const RF = P.refunds;
  L.push(`- **Channel of later orders**: repeat orders and same-day second orders keep the acquisition channel with probability ${num(RC.keepAcquisitionChannel)}, come through \`email\` with ${num(RC.email)} and \`organic\` with ${num(RC.organic)}.`);
  L.push(
    `- **Same-day second orders**: with probability ${num(P.sameDayRepeatProbability)} an order (first or repeat) is followed by a second order of the same customer on the same day, with its own order id and its own Gamma-Gamma value. ` +
      'These are not part of the BG/NBD process: aggregate orders per customer and day before fitting it.',
  );
  L.push(
    `- **Refunds**: with probability ${num(RF.probability)} an order gets a refund row ${RF.minDelayDays}–${RF.maxDelayDays} days later (uniform), same customer and channel, own \`R…\` id, negative amount: ` +
      `the full amount with probability ${num(RF.fullRefundShare)}, otherwise a uniform fraction in [${num(RF.partialFractionMin)}, ${num(RF.partialFractionMax)}] of it. ` +
      'Refunds that would fall after the end of the window are dropped. Refunds do not change the purchase process; exclude negative rows when fitting the models.',
  );
  L.push('');
  L.push('The parameters are exported as `SAMPLE_PARAMETERS` from `lib/sample/generate-sample.ts`.');
  L.push('');
  return L.join('\n');
}
