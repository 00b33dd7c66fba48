/**
 * Fit times of the CLV models (BG/NBD, Pareto/NBD, Gamma-Gamma) on large
 * synthetic compressed data and on CDNOW.
 *
 *   npx tsx bench/clv-fit.ts                                  # 10k, 100k, 1m distinct entries, every model, CDNOW
 *   npx tsx bench/clv-fit.ts --sizes 1m --models bg-nbd       # one model, one size
 *   npx tsx bench/clv-fit.ts --sizes 100k --runs 3 --no-cdnow
 *
 * Frequency data (BG/NBD and Pareto/NBD): customers simulated from BG/NBD
 * (r = 0.8, α = 8 weeks, a = 0.6, b = 3) with an age T of 0..1100 whole days,
 * purchases on whole days (same-day purchases are one), t_x and T in days / 7,
 * x ≤ 50 (customers with more repeat purchases are drawn again); customers are
 * added until the data have the requested number of distinct (x, t_x, T)
 * triples, each with its count of customers as weight (≥ 1), sorted like
 * `compress` sorts. Spend data (Gamma-Gamma): repeat buyers with x from the
 * same simulation, z̄ from Gamma-Gamma (p = 6, q = 3.7, γ = 150) in cents,
 * added until there are that many distinct (x, z̄) pairs. Own PRNG (sfc32):
 * the same --seed gives the same data.
 *
 * Wall time of one fit of each registered model (lib/models/registry.ts; standard
 * errors included) by performance.now(); with --runs > 1 the median. The data
 * object is new for every size, so per-data preparation is in the time; with
 * several runs later runs reuse it (the cache keyed by the data object).
 */
import { compressSpend } from '../lib/models/gamma-gamma.ts';
import { compress, type FitResult, type FrequencyData, type SpendData } from '../lib/models/model.ts';
import { fitPurchase, fitSpend, isPurchaseModelId, PURCHASE_MODEL_IDS, SPEND_MODEL_ID, type PurchaseModelId, type SpendModelId } from '../lib/models/registry.ts';
import { cdnowFromTransactions } from '../test/clv/cdnow.ts';

type ModelKey = PurchaseModelId | SpendModelId;
const ALL_MODELS: ModelKey[] = [...PURCHASE_MODEL_IDS, SPEND_MODEL_ID];

function parseArgs(argv: string[]): { sizes: number[]; models: ModelKey[]; runs: number; seed: number; cdnow: boolean } {
  let sizes = [10_000, 100_000, 1_000_000];
  let models = ALL_MODELS;
  let runs = 1;
  let seed = 42;
  let cdnow = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') sizes = next().split(',').filter((s) => s !== '').map(parseSize);
    else if (a === '--models') {
      models = next().split(',').map((m) => {
        if (!(ALL_MODELS as string[]).includes(m)) throw new Error(`unknown model ${m} (expected ${ALL_MODELS.join(', ')})`);
        return m as ModelKey;
      });
    } else if (a === '--runs') runs = Math.max(1, Number(next()));
    else if (a === '--seed') seed = Number(next());
    else if (a === '--no-cdnow') cdnow = false;
    else throw new Error(`unknown option ${a}`);
  }
  return { sizes, models, runs, seed, cdnow };
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s} (expected e.g. 10k, 1m, 5000)`);
  const mult = m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * mult);
}

// ---------------------------------------------------------------------------
// Random numbers: sfc32, standard normal (Box–Muller), gamma (Marsaglia–Tsang)
// ---------------------------------------------------------------------------

function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

function makeRandom(seed: number) {
  const uniform = sfc32(seed);
  const open = (): number => {
    let u = uniform();
    while (u === 0) u = uniform();
    return u;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(open())) * Math.cos(2 * Math.PI * uniform());
  /** Gamma(shape, rate). */
  const gamma = (shape: number, rate: number): number => {
    if (shape < 1) return gamma(shape + 1, rate) * Math.pow(open(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = open();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  const beta = (a: number, b: number): number => {
    const x = gamma(a, 1);
    return x / (x + gamma(b, 1));
  };
  const exponential = (rate: number): number => -Math.log(open()) / rate;
  return { uniform, gamma, beta, exponential };
}

// ---------------------------------------------------------------------------
// Synthetic data
// ---------------------------------------------------------------------------

const MAX_DAY = 1100;
const MAX_X = 50;
const DAYS = MAX_DAY + 1;

/** One simulated BG/NBD customer: x, t_x and T in whole days. */
function simulateCustomer(rnd: ReturnType<typeof makeRandom>): { x: number; txDay: number; TDay: number } {
  const r = 0.8;
  const alpha = 8; // weeks
  for (;;) {
    const TDay = Math.floor(rnd.uniform() * DAYS);
    const lambda = rnd.gamma(r, alpha) / 7; // per day
    const p = rnd.beta(0.6, 3);
    let t = 0;
    let x = 0;
    let lastDay = 0;
    for (;;) {
      t += rnd.exponential(lambda);
      const day = Math.floor(t);
      if (day > TDay) break;
      if (day === lastDay) continue; // same-day purchases are one
      x++;
      lastDay = day;
      if (rnd.uniform() < p) break; // drops out after this purchase
    }
    if (x <= MAX_X) return { x, txDay: lastDay, TDay };
  }
}

/** Frequency data with `distinct` distinct (x, t_x, T) triples, sorted by x, t_x, T. */
function syntheticFrequencyData(distinct: number, seed = 42): FrequencyData & { customersSimulated: number } {
  const rnd = makeRandom(seed);
  const counts = new Map<number, number>();
  let simulated = 0;
  const limit = Math.max(1_000_000, distinct * 200);
  while (counts.size < distinct && simulated < limit) {
    const c = simulateCustomer(rnd);
    simulated++;
    const key = (c.x * DAYS + c.txDay) * DAYS + c.TDay;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const n = keys.length;
  const out = { x: new Array<number>(n), tx: new Array<number>(n), T: new Array<number>(n), weight: new Array<number>(n), customersSimulated: simulated };
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const TDay = k % DAYS;
    const rest = (k - TDay) / DAYS;
    const txDay = rest % DAYS;
    out.x[i] = (rest - txDay) / DAYS;
    out.tx[i] = txDay / 7;
    out.T[i] = TDay / 7;
    out.weight[i] = counts.get(k)!;
  }
  return out;
}

/** Spend data with `distinct` distinct (x, z̄) pairs (z̄ in whole cents), sorted by x, z̄. */
function syntheticSpendData(distinct: number, seed = 42): SpendData {
  const rnd = makeRandom(seed + 1);
  const p = 6;
  const q = 3.7;
  const gamma = 150; // mean spend ≈ $330, so that there are enough distinct amounts in cents
  const counts = new Map<number, number>();
  const CENTS = 1e8; // z̄ below 1,000,000.00
  let simulated = 0;
  const limit = Math.max(1_000_000, distinct * 20);
  while (counts.size < distinct && simulated < limit) {
    const { x } = simulateCustomer(rnd);
    simulated++;
    if (x === 0) continue;
    const nu = rnd.gamma(q, gamma);
    const cents = Math.max(1, Math.round((rnd.gamma(p * x, nu) / x) * 100));
    if (cents >= CENTS) continue;
    const key = x * CENTS + cents;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const n = keys.length;
  const out: SpendData = { x: new Array<number>(n), zbar: new Array<number>(n), weight: new Array<number>(n) };
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const cents = k % CENTS;
    out.x[i] = (k - cents) / CENTS;
    out.zbar[i] = cents / 100;
    out.weight[i] = counts.get(k)!;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeFit(fit: () => FitResult, runs: number): { ms: number; all: number[]; result: FitResult } {
  const all: number[] = [];
  let result: FitResult | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = fit();
    all.push(performance.now() - t0);
  }
  return { ms: median(all), all, result: result! };
}

function fmtParams(p: Record<string, number>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v.toPrecision(6)}`)
    .join(' ');
}

function fmtSize(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}m` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}

interface Row {
  data: string;
  model: ModelKey;
  entries: number;
  customers: number;
  ms: number;
  all: number[];
  result: FitResult;
}

function printRow(r: Row): void {
  const res = r.result;
  process.stdout.write(
    `| ${r.data} | ${r.model} | ${r.entries} | ${r.customers} | ${(r.ms / 1000).toFixed(3)} | ${res.converged ? 'yes' : 'no'} | ${res.iterations} | ${res.logLikelihood.toFixed(4)} | ${fmtParams(res.params)} |` +
      (r.all.length > 1 ? ` runs: ${r.all.map((v) => (v / 1000).toFixed(3)).join(', ')}` : '') +
      (res.converged ? '' : ` (${res.message}; gradient ${res.gradientNorm.toExponential(2)})`) +
      '\n',
  );
}

function sumOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

const opts = parseArgs(process.argv.slice(2));
process.stdout.write(`Node ${process.version}, seed ${opts.seed}, runs ${opts.runs}\n\n`);
process.stdout.write('| data | model | distinct entries | customers | fit s | converged | iterations | LL | parameters |\n');
process.stdout.write('| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |\n');

if (opts.cdnow) {
  const customers = cdnowFromTransactions();
  const freq = compress(customers);
  const spend = compressSpend(customers);
  for (const model of opts.models) {
    const t = isPurchaseModelId(model) ? timeFit(() => fitPurchase(model, freq), opts.runs) : timeFit(() => fitSpend(spend), opts.runs);
    const d = isPurchaseModelId(model) ? freq : spend;
    printRow({ data: 'CDNOW', model, entries: d.x.length, customers: sumOf(d.weight), ...t });
  }
}

for (const size of opts.sizes) {
  const freq = opts.models.some(isPurchaseModelId) ? syntheticFrequencyData(size, opts.seed) : undefined;
  const spend = opts.models.some((m) => !isPurchaseModelId(m)) ? syntheticSpendData(size, opts.seed) : undefined;
  for (const model of opts.models) {
    if (isPurchaseModelId(model)) {
      const d = freq!;
      printRow({ data: `synthetic ${fmtSize(size)}`, model, entries: d.x.length, customers: sumOf(d.weight), ...timeFit(() => fitPurchase(model, d), opts.runs) });
    } else {
      const d = spend!;
      printRow({ data: `synthetic ${fmtSize(size)}`, model, entries: d.x.length, customers: sumOf(d.weight), ...timeFit(() => fitSpend(d), opts.runs) });
    }
  }
}
