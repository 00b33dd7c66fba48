import { describe, it, expect } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { UserError } from '../../lib/errors.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSample, writeSample, SAMPLE_PARAMETERS } from '../../lib/sample/generate-sample.ts';

const data = generateSample({ seed: 42 });

function rows(csv: string): { header: string; cells: string[][] } {
  expect(csv.endsWith('\n')).toBe(true);
  expect(csv.includes('\r')).toBe(false);
  const lines = csv.slice(0, -1).split('\n');
  return { header: lines[0], cells: lines.slice(1).map((l) => l.split(',')) };
}

/** Rows failing a check (first few), so a failure names the offending rows without one `expect` per row. */
function failing(cells: string[][], ok: (r: string[], i: number) => boolean): string[] {
  const bad: string[] = [];
  for (let i = 0; i < cells.length && bad.length < 5; i++) if (!ok(cells[i], i)) bad.push(cells[i].join(','));
  return bad;
}

const orders = rows(data.orders);
const customers = rows(data.customers);
const spend = rows(data.spend);
const positive = orders.cells.filter((r) => r[0].startsWith('O'));
const refunds = orders.cells.filter((r) => r[0].startsWith('R'));

describe('generateSample', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateSample({ seed: 42 });
    expect(again.orders).toBe(data.orders);
    expect(again.customers).toBe(data.customers);
    expect(again.spend).toBe(data.spend);
    expect(again.readme).toBe(data.readme);
    const a = generateSample({ seed: 1, start: '2023-01-01', end: '2023-03-31' });
    const b = generateSample({ seed: 2, start: '2023-01-01', end: '2023-03-31' });
    expect(a.orders).not.toBe(b.orders);
    expect(a.customers).not.toBe(b.customers);
  });

  it('writes the specified header columns', () => {
    expect(orders.header).toBe('order_id,customer_id,order_date,amount,channel,region,customer_type');
    expect(customers.header).toBe('customer_id,signup_date,region,customer_type,acquisition_channel');
    expect(spend.header).toBe('period,channel,spend,cost_type,currency');
    expect(failing(orders.cells, (r) => r.length === 7)).toEqual([]);
    expect(failing(customers.cells, (r) => r.length === 5)).toEqual([]);
    expect(failing(spend.cells, (r) => r.length === 5)).toEqual([]);
  });

  it('has row counts and averages of a believable shop', () => {
    expect(customers.cells.length).toBeGreaterThanOrEqual(20_000);
    expect(customers.cells.length).toBeLessThanOrEqual(40_000);
    const perCustomer = positive.length / customers.cells.length;
    expect(perCustomer).toBeGreaterThan(2.5);
    expect(perCustomer).toBeLessThan(4.5);
    const aov = positive.reduce((s, r) => s + Number(r[3]), 0) / positive.length;
    expect(aov).toBeGreaterThan(40);
    expect(aov).toBeLessThan(90);
    // 36 months × 4 paid channels
    expect(spend.cells).toHaveLength(36 * 4);
    expect(data.orders.length).toBeLessThan(5_000_000);
  });

  it('keeps every order date within the window and sorts by date, then id', () => {
    expect(failing(orders.cells, (r) => /^\d{4}-\d{2}-\d{2}$/.test(r[2]) && r[2] >= '2022-01-01' && r[2] <= '2024-12-31')).toEqual([]);
    const key = (r: string[]): string => `${r[2]} ${r[0]}`;
    expect(failing(orders.cells, (r, i) => i === 0 || key(r) > key(orders.cells[i - 1]))).toEqual([]);
    expect(positive[0][0]).toBe('O0000001');
    expect(positive[0][2]).toBe('2022-01-01');
  });

  it('formats amounts with two decimals', () => {
    expect(failing(orders.cells, (r) => /^-?\d+\.\d{2}$/.test(r[3]))).toEqual([]);
  });

  it('contains refunds with negative amounts not larger than their order', () => {
    expect(refunds.length / positive.length).toBeGreaterThan(0.015);
    expect(refunds.length / positive.length).toBeLessThan(0.05);
    expect(failing(refunds, (r) => /^R\d{6,}$/.test(r[0]) && Number(r[3]) < 0)).toEqual([]);
    expect(failing(positive, (r) => /^O\d{7,}$/.test(r[0]) && Number(r[3]) > 0)).toEqual([]);
    // A refund follows an order of the same customer and channel, 1–30 days earlier, of at least its size.
    const byCustomer = new Map<string, string[][]>();
    for (const r of positive) {
      const list = byCustomer.get(r[1]);
      if (list) list.push(r);
      else byCustomer.set(r[1], [r]);
    }
    const dayOf = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
    expect(
      failing(refunds, (f) =>
        (byCustomer.get(f[1]) ?? []).some((o) => {
          const delay = dayOf(f[2]) - dayOf(o[2]);
          return o[4] === f[4] && delay >= 1 && delay <= 30 && Number(o[3]) >= -Number(f[3]);
        }),
      ),
    ).toEqual([]);
  });

  it('contains same-day repeat orders', () => {
    const seen = new Set<string>();
    let repeats = 0;
    for (const r of positive) {
      const key = `${r[1]} ${r[2]}`;
      if (seen.has(key)) repeats++;
      seen.add(key);
    }
    expect(repeats).toBeGreaterThan(positive.length * 0.01);
  });

  it('describes every ordering customer in customers.csv, with consistent attributes', () => {
    const byId = new Map(customers.cells.map((r) => [r[0], r]));
    expect(byId.size).toBe(customers.cells.length);
    const ids = customers.cells.map((r) => r[0]);
    expect([...ids].sort()).toEqual(ids);
    expect(
      failing(orders.cells, (r) => {
        const c = byId.get(r[1]);
        return c !== undefined && r[5] === c[2] && r[6] === c[3];
      }),
    ).toEqual([]);
    const firstOrder = new Map<string, string[]>();
    for (const r of positive) if (!firstOrder.has(r[1])) firstOrder.set(r[1], r);
    // Every customer's first order is on the signup day, through the acquisition channel.
    expect(firstOrder.size).toBe(customers.cells.length);
    expect(
      failing(customers.cells, (c) => {
        const o = firstOrder.get(c[0]);
        return o !== undefined && o[2] === c[1] && o[4] === c[4];
      }),
    ).toEqual([]);
    const b2b = customers.cells.filter((r) => r[3] === 'B2B').length / customers.cells.length;
    expect(b2b).toBeGreaterThan(0.1);
    expect(b2b).toBeLessThan(0.2);
  });

  it('has more new customers in Nov/Dec than in summer', () => {
    const perMonth = new Map<string, number>();
    for (const r of customers.cells) perMonth.set(r[1].slice(5, 7), (perMonth.get(r[1].slice(5, 7)) ?? 0) + 1);
    const novDec = (perMonth.get('11')! + perMonth.get('12')!) / 2;
    const summer = (perMonth.get('07')! + perMonth.get('08')!) / 2;
    expect(novDec).toBeGreaterThan(summer * 1.4);
  });

  it('has non-negative monthly spend for paid channels only', () => {
    const paid = Object.entries(SAMPLE_PARAMETERS.channels)
      .filter(([, c]) => c.cac !== null)
      .map(([name]) => name)
      .sort();
    expect(paid).not.toContain('organic');
    expect(spend.cells.filter((r) => r[1] === 'organic')).toEqual([]);
    expect(
      failing(
        spend.cells,
        (r) =>
          /^\d{4}-(0[1-9]|1[0-2])$/.test(r[0]) &&
          paid.includes(r[1]) &&
          /^\d+$/.test(r[2]) &&
          Number(r[2]) >= 0 &&
          r[3] === 'marketing' &&
          r[4] === 'USD',
      ),
    ).toEqual([]);
    expect(new Set(spend.cells.map((r) => r[1]))).toEqual(new Set(paid));
    const key = (r: string[]): string => `${r[0]} ${r[1]}`;
    expect(failing(spend.cells, (r, i) => i === 0 || key(r) > key(spend.cells[i - 1]))).toEqual([]);
    expect(spend.cells.reduce((s, r) => s + Number(r[2]), 0)).toBeGreaterThan(0);
  });

  it('documents the parameters in the README', () => {
    expect(data.readme.startsWith('# ')).toBe(true);
    expect(data.readme.endsWith('\n')).toBe(true);
    for (const c of Object.keys(SAMPLE_PARAMETERS.channels)) expect(data.readme).toContain(`\`${c}\``);
    expect(data.readme).toContain('BG/NBD');
    expect(data.readme).toContain('Gamma-Gamma');
  });

  it('rejects bad options', () => {
    expect(() => generateSample({ seed: 1.5 })).toThrow(/seed/);
    expect(() => generateSample({ seed: 1, start: '2023-02-30' })).toThrow(/start/);
    expect(() => generateSample({ seed: 1, start: '2023-02-01', end: '2023-01-01' })).toThrow(/before/);
  });
});

describe('writeSample', () => {
  it('writes the four files and leaves no temporary files behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clv-sample-'));
    try {
      const out = join(dir, 'nested', 'sample');
      const options = { seed: 3, start: '2024-11-01', end: '2024-12-31' };
      const paths = await writeSample(out, options);
      expect(paths.map((p) => p.slice(out.length + 1))).toEqual(['orders.csv', 'customers.csv', 'spend.csv', 'README.md']);
      expect((await readdir(out)).sort()).toEqual(['README.md', 'customers.csv', 'orders.csv', 'spend.csv']);
      const expected = generateSample(options);
      expect(await readFile(join(out, 'orders.csv'), 'utf8')).toBe(expected.orders);
      expect(await readFile(join(out, 'README.md'), 'utf8')).toBe(expected.readme);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("never replaces files it did not write: a shop's own orders.csv (--out .) is refused and left as it was", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clv-sample-'));
    try {
      const options = { seed: 3, start: '2024-11-01', end: '2024-12-31' };
      await writeFile(join(dir, 'orders.csv'), 'my orders');
      await writeFile(join(dir, 'notes.txt'), 'mine');
      const err = await writeSample(dir, options).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).exitCode).toBe(2);
      expect((err as UserError).message).toBe(
        `--out ${JSON.stringify(dir)}: the folder holds "orders.csv", which clv sample did not write (the folder has no README.md of a clv sample); the sample would replace it, so nothing was changed: choose a new or empty folder, or one that holds an earlier sample`,
      );
      expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'orders.csv']);
      expect(await readFile(join(dir, 'orders.csv'), 'utf8')).toBe('my orders');
      // A README.md of another kind does not make the folder a sample's.
      await writeFile(join(dir, 'README.md'), '# My shop\n');
      await expect(writeSample(dir, options)).rejects.toThrow('the folder holds "orders.csv", "README.md", which clv sample did not write');
      // Beside other files, and over an earlier sample (another seed), it writes.
      const other = join(dir, 'other');
      await mkdir(other);
      await writeFile(join(other, 'notes.txt'), 'mine');
      await writeSample(other, options);
      await writeSample(other, { ...options, seed: 4 });
      expect(await readFile(join(other, 'orders.csv'), 'utf8')).toBe(generateSample({ ...options, seed: 4 }).orders);
      expect(await readFile(join(other, 'notes.txt'), 'utf8')).toBe('mine');
      // A plain file as the folder.
      await expect(writeSample(join(dir, 'notes.txt'), options)).rejects.toThrow(`--out ${JSON.stringify(join(dir, 'notes.txt'))} is a file, not a folder`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
