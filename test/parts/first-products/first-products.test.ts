/**
 * First products: the products of the first order ranked by their customers'
 * first-12-month net revenue. Hand-computed on the line fixture; checked
 * against pandas on UCI Online Retail when the shared data set is present.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../../helpers/cli.ts';
import { reportStructure } from '../../helpers/golden.ts';

const out = () => join(mkdtempSync(join(tmpdir(), 'clv-first-products-')), 'out');

describe('clv view first-products', () => {
  it('credits each customer\'s first 12 months to every product of the first order (hand-computed)', () => {
    // test/fixtures/lines/first-product.csv as of 2025-01-31: C1 (first order 2024-01-05: A and B) and C2
    // (2024-01-20: A) have had 12 months; C3 and C4 (February 2024) not yet. C1: 20 + 10 = 30; C2: 10 + 5 = 15.
    // A: (30 + 15) ÷ 2 = 22.5; B: 30. Fewer than 30 customers each: listed, not ranked, no interval.
    const dir = out();
    const r = runClv(['view', 'first-products', '--orders', 'test/fixtures/lines/first-product.csv', '--map', 'product=product', '--as-of', '2025-01-31', '--out', dir, '--quiet']);
    // (The orders end in March 2024: the report warns that the data look stale.)
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'data/first_products.csv'), 'utf8')).toBe(
      'product,customers,value_12m_mean,value_12m_low,value_12m_high,value_12m_total,ranked\nB,1,30,,,30,false\nA,2,22.5,,,45,false\n',
    );
    const s = reportStructure(readFileSync(join(dir, 'index.html'), 'utf8')).sections[0];
    expect(s.narrative[0]).toBe('2 customers acquired up to 2024-01-20 have had 12 months since their first order; each is counted under every product of that order (column "product"), and 1 of them bought several products in it.');
    // As of 2025-03-31 all four count: C3 5 − 4 = 1 (its returned C is not a product it bought), C4 12 + 4 = 16.
    const all = out();
    expect(runClv(['view', 'first-products', '--orders', 'test/fixtures/lines/first-product.csv', '--map', 'product=product', '--as-of', '2025-03-31', '--out', all, '--quiet']).status).toBe(0);
    expect(readFileSync(join(all, 'data/first_products.csv'), 'utf8')).toBe(
      'product,customers,value_12m_mean,value_12m_low,value_12m_high,value_12m_total,ranked\nA,2,22.5,,,45,false\nC,1,16,,,16,false\nB,2,15.5,,,31,false\n',
    );
  }, 60_000);

  it('needs a product column', () => {
    const r = runClv(['view', 'first-products', '--orders', 'test/fixtures/hand-orders.csv', '--out', out(), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('view first-products: nothing to show; needs amounts and a product column in the orders (--map product=COL)');
  });

  const retail = '/work/shared/data/online_retail/online_retail.csv.gz';
  it.skipIf(!existsSync(retail))('matches pandas on UCI Online Retail', () => {
    // pandas 2 (/usr/bin/python3): lines with a CustomerID, exact duplicates dropped, amount = Quantity × UnitPrice;
    // orders = InvoiceNo; a customer's first order = earliest date (then file order) among orders with amount ≥ 0;
    // eligible when first date + 12 months ≤ 2011-12-10; value = sum of the customer's orders dated before first
    // date + 12 months; products = StockCodes of the first order's lines with amount ≥ 0.
    // → 613 customers; 85099B: 45 customers, mean 7,504.23; 22726: 40 customers, mean 5,009.22.
    const dir = out();
    const map = ['customer_id=CustomerID', 'order_date=InvoiceDate', 'order_id=InvoiceNo', 'quantity=Quantity', 'unit_price=UnitPrice', 'product=StockCode'].flatMap((m) => ['--map', m]);
    const r = runClv(['view', 'first-products', '--orders', retail, ...map, '--out', dir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const rows = readFileSync(join(dir, 'data/first_products.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const row = (p: string) => rows.find((x) => x[0] === p)!;
    expect([row('85099B')[1], Number(row('85099B')[2]).toFixed(2), row('85099B')[6]]).toEqual(['45', '7504.23', 'true']);
    expect([row('22726')[1], Number(row('22726')[2]).toFixed(2)]).toEqual(['40', '5009.22']);
    // The interval brackets the mean and is the same in every run (seeded).
    const [low, high] = [Number(row('85099B')[3]), Number(row('85099B')[4])];
    expect(low).toBeLessThan(7504.23);
    expect(high).toBeGreaterThan(7504.23);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('613 customers acquired up to 2010-12-10 have had 12 months since their first order');
  }, 120_000);
});
