/**
 * Synthetic orders CSV for the benchmark (bench/run.ts), written as a stream.
 *
 *   npx tsx bench/generate-orders.ts --rows 1000000 --out bench/data/orders-1m.csv [--seed 42]
 *
 * Columns: order_id,customer_id,order_date,amount,channel (dates YYYY-MM-DD).
 * Shape: ~rows/4 customers (C0000001 …), orders per customer geometric with
 * mean 4; a customer's first order falls between 2022-01-01 and 2024-12-31
 * (acquisition grows over time), later orders on or after it and skewed
 * towards it (churn); amounts with 2 decimals from a per-customer spend level,
 * ~3% of rows are refunds (negative amounts, never a customer's first order);
 * 5 channels, later orders mostly through the acquisition channel. Rows are in
 * date order (shuffled within a day); order ids increase with the row and
 * customer ids in order of first appearance.
 *
 * Deterministic: own seeded PRNG (sfc32 seeded through splitmix32), no
 * Math.random, no time zone, so the same --rows and --seed give the same bytes.
 * The whole file is planned in typed arrays (~12 bytes per row), then written
 * in 8 MiB chunks.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../lib/sample/rng.ts';

const START_MS = Date.UTC(2022, 0, 1);
const END_MS = Date.UTC(2024, 11, 31);
const DAYS = Math.round((END_MS - START_MS) / 86_400_000) + 1; // 1096
const CHANNELS = ['paid_search', 'paid_social', 'email', 'affiliate', 'organic'] as const;
/** Cumulative acquisition shares of CHANNELS. */
const CHANNEL_CUM = [0.3, 0.5, 0.65, 0.75, 1];
const MEAN_ORDERS = 4;
const REFUND_SHARE = 0.03;
const CHUNK_BYTES = 8 << 20;

/** Uniform doubles in [0, 1) from the project's seeded generator (lib/sample/rng.ts). */
export function makeRng(seed: number): () => number {
  const rng = new Rng(seed, 0);
  return () => rng.next();
}

export interface GenerateOptions {
  rows: number;
  out: string;
  seed?: number;
}

export interface GenerateResult {
  rows: number;
  customers: number;
  bytes: number;
}

/** Writes the orders file (to a temporary name first, renamed when complete). */
export function generateOrders(options: GenerateOptions): GenerateResult {
  const n = options.rows;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--rows must be a positive integer, got ${n}`);
  const rng = makeRng(options.seed ?? 42);

  // 1. Plan: customers with their first day, spend level and channel; orders as (customer, day, first?).
  const maxCustomers = n;
  const custChannel = new Uint8Array(maxCustomers);
  const custScale = new Float32Array(maxCustomers);
  const orderCust = new Uint32Array(n);
  const orderDay = new Uint16Array(n);
  const orderFirst = new Uint8Array(n);
  const logq = Math.log(1 - 1 / MEAN_ORDERS);
  let rows = 0;
  let customers = 0;
  while (rows < n) {
    const c = customers++;
    // Acquisition grows over the window: density ∝ (1 + day/DAYS), sampled by inversion.
    const u = rng();
    const first = Math.min(DAYS - 1, Math.floor(DAYS * (Math.sqrt(1 + 3 * u) - 1)));
    const ch = rng();
    let k = 0;
    while (ch >= CHANNEL_CUM[k]) k++;
    custChannel[c] = k;
    // Spend level: log-normal-ish around 60.
    custScale[c] = 60 * Math.exp(0.6 * normal(rng));
    // Orders: geometric with mean MEAN_ORDERS.
    let count = 1 + Math.floor(Math.log(1 - rng()) / logq);
    if (count > n - rows) count = n - rows;
    const span = DAYS - first;
    for (let j = 0; j < count; j++) {
      const r = rows++;
      orderCust[r] = c;
      if (j === 0) {
        orderDay[r] = first;
        orderFirst[r] = 1;
      } else {
        const v = rng();
        orderDay[r] = first + Math.floor(span * v * v);
      }
    }
  }

  // 2. Date order: counting sort by day, then a shuffle within each day.
  const perDay = new Uint32Array(DAYS + 1);
  for (let i = 0; i < n; i++) perDay[orderDay[i] + 1]++;
  for (let d = 0; d < DAYS; d++) perDay[d + 1] += perDay[d];
  const fill = perDay.slice(0, DAYS);
  const sorted = new Uint32Array(n);
  for (let i = 0; i < n; i++) sorted[fill[orderDay[i]]++] = i;
  for (let d = 0; d < DAYS; d++) {
    const lo = perDay[d];
    for (let i = perDay[d + 1] - 1; i > lo; i--) {
      const j = lo + Math.floor(rng() * (i - lo + 1));
      const t = sorted[i];
      sorted[i] = sorted[j];
      sorted[j] = t;
    }
  }

  // 3. Write.
  const dates = Array.from({ length: DAYS }, (_, d) => new Date(START_MS + d * 86_400_000).toISOString().slice(0, 10));
  const custWidth = Math.max(7, String(customers).length);
  const orderWidth = Math.max(8, String(n).length);
  const refundP = REFUND_SHARE / (1 - customers / n || 1);
  mkdirSync(dirname(options.out), { recursive: true });
  const tmp = `${options.out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES + (1 << 20)); // slack for one batch of lines (4096 × ≤ 64 bytes)
    let pos = buf.write('order_id,customer_id,order_date,amount,channel\n', 0, 'latin1');
    let parts: string[] = [];
    // Customer ids are numbered in order of first appearance (signup order).
    const custId = new Uint32Array(customers);
    let nextId = 0;
    for (let r = 0; r < n; r++) {
      const i = sorted[r];
      const c = orderCust[i];
      if (custId[c] === 0) custId[c] = ++nextId;
      const first = orderFirst[i] === 1;
      let cents = Math.max(100, Math.round(custScale[c] * (0.5 + rng()) * 100));
      let channel = custChannel[c];
      if (!first) {
        if (rng() < refundP) cents = -Math.max(100, Math.round(cents * (0.2 + 0.8 * rng())));
        const w = rng();
        if (w >= 0.7) channel = w < 0.85 ? 2 : 4; // later orders partly via email or organic
      }
      const abs = cents < 0 ? -cents : cents;
      const frac = abs % 100;
      parts.push(
        `O${String(r + 1).padStart(orderWidth, '0')},C${String(custId[c]).padStart(custWidth, '0')},${dates[orderDay[i]]},${cents < 0 ? '-' : ''}${(abs - frac) / 100}.${frac < 10 ? '0' : ''}${frac},${CHANNELS[channel]}\n`,
      );
      if (parts.length === 4096) {
        pos += buf.write(parts.join(''), pos, 'latin1');
        parts = [];
        if (pos >= CHUNK_BYTES) {
          writeAll(fd, buf, pos);
          bytes += pos;
          pos = 0;
        }
      }
    }
    pos += buf.write(parts.join(''), pos, 'latin1');
    writeAll(fd, buf, pos);
    bytes += pos;
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, options.out);
  return { rows: n, customers, bytes };
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let off = 0;
  while (off < length) off += writeSync(fd, buf, off, length - off);
}

/** Standard normal (Box–Muller, one of the pair). */
function normal(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** `1m`, `10m`, `500k`, `250000` → a row count. */
export function parseSize(size: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(size.trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(size)} (expected e.g. 1m, 10m, 500k, 250000)`);
  const mult = m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  return Math.round(Number(m[1]) * mult);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '42' } },
  });
  if (!values.rows || !values.out) {
    process.stderr.write('usage: npx tsx bench/generate-orders.ts --rows 1000000 --out bench/data/orders-1m.csv [--seed 42]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const res = generateOrders({ rows: parseSize(values.rows), out: values.out, seed: Number(values.seed) });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${values.out}: ${res.rows} rows, ${res.customers} customers, ${(res.bytes / 1e6).toFixed(0)} MB in ${s} s\n`);
}
