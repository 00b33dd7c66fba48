/**
 * Real exports end to end (issue 12): a purchase log without amounts (an extract of the BTYDplus
 * grocery log, test/fixtures/grocery/README.md), order lines (test/fixtures/lines/README.md), and a
 * monthly run on stale data (the sample as of two years after its last order).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree, runClv } from '../helpers/cli.ts';
import { sampleConfig } from '../helpers/sample.ts';
import { EXIT_STALE } from '../../lib/run/stale.ts';

const text = (html: string) =>
  html
    .replace(/<svg[\s\S]*?<\/svg>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('a purchase log without amounts', () => {
  it('gives retention, CRR and a purchase-model projection, says what needs money is left out, and shows no money', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clv-grocery-')), 'report');
    const r = runClv(['report', '--orders', 'test/fixtures/grocery/grocery-300.csv', '--map', 'customer_id=cust', '--map', 'order_date=date', '--out', out, '--quiet']);
    expect(r.stderr).toContain('The orders have no amounts');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.sections).toEqual(expect.arrayContaining(['retention-triangle', 'crr', 'customer-value', 'rfm-segments']));
    expect(manifest.sections).not.toContain('revenue-retention');
    expect(manifest.sections).not.toContain('segment-value');
    expect(manifest.sections).not.toContain('win-back');
    expect(manifest.customer_value).toMatchObject({ fitted: true, money: false });
    expect(manifest.customer_value.models.map((m: { name: string }) => m.name)).toHaveLength(1);
    expect(manifest.customer_value.totals.purchases).toBeGreaterThan(0);
    expect(manifest.warnings[0]).toContain('left out: Revenue retention, Cumulative revenue per customer, Projected value by segment, Win back');
    const page = text(readFileSync(join(out, 'index.html'), 'utf8'));
    expect(page).toContain('more orders');
    expect(page).toContain('Spend was not checked: the orders have no amounts.');
    // Nothing in money anywhere in the body of the report.
    const body = page.slice(page.indexOf('Headline figures'), page.indexOf('Methods'));
    expect(body).not.toMatch(/\$/);
    expect([...readTree(join(out, 'data')).keys()]).not.toContain('win_back.csv');
  });
});

describe('order lines', () => {
  it('reads line items from the command line and counts every dropped line in Data quality', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clv-lines-')), 'report');
    const r = runClv([
      'report', '--orders', 'test/fixtures/lines/order-lines.csv', '--map', 'customer_id=CustomerID', '--map', 'order_date=InvoiceDate',
      '--map', 'order_id=InvoiceNo', '--map', 'quantity=Quantity', '--map', 'unit_price=UnitPrice', '--date-format', 'yyyy-MM-dd HH:mm:ss',
      '--no-clv', '--holdout-months', '0', '--out', out, '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.inputs[0]).toMatchObject({ rows_read: 9, rows_kept: 6, orders: 4 });
    // Hand totals (test/fixtures/lines/README.md): 2 customers, 3 purchases, net revenue 35.25 after 10.00 of refunds.
    expect(manifest.kpis).toMatchObject({ customers: 2, orders: 3, revenue: 35.25, refunds: 10 });
    const page = text(readFileSync(join(out, 'index.html'), 'utf8'));
    expect(page).toContain('the 6 kept lines form 4 orders');
    expect(page).toContain('1 row dropped: exact duplicate of an earlier line');
    expect(page).toContain("1 row (1 order) dropped: refund (negative amount) before the customer's first order; 1 customer had nothing else and is not counted.");
  });
});

describe('stale data', () => {
  it('clv monthly two years after the last order finishes, says so at the top and on stderr, and exits 5 (0 with --allow-stale)', () => {
    const root = mkdtempSync(join(tmpdir(), 'clv-stale-'));
    const config = sampleConfig('clv-stale-sample-');
    const r = runClv(['monthly', '--config', config, '--as-of', '2026-12-31', '--out-root', root, '--quiet', '--no-bootstrap']);
    expect(r.status).toBe(EXIT_STALE);
    expect(r.stderr).toContain('No orders since 2024-12-31: the as-of date 2026-12-31 is 24 months later.');
    expect(r.stdout.trim()).toBe(join(root, '2026-12', 'index.html'));
    const page = readFileSync(join(root, '2026-12', 'index.html'), 'utf8');
    expect(page).toContain('<div class="warnings" role="note"><p>No orders since 2024-12-31');
    const manifest = JSON.parse(readFileSync(join(root, '2026-12', 'manifest.json'), 'utf8'));
    expect(manifest.stale).toEqual({ last_order: '2024-12-31', as_of: '2026-12-31', periods: 24 });
    // The exit status does not depend on the models: the second run leaves them out (--no-clv).
    const again = runClv(['monthly', '--config', config, '--as-of', '2026-12-31', '--out-root', root, '--quiet', '--no-bootstrap', '--no-clv', '--allow-stale']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('No orders since 2024-12-31');
    // A full monthly run of the sample (with its survey file) and one without the models: about 10 s and 4 s of CPU.
  }, 180_000);
});
