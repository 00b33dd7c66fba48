/** The config keys of the CAC sections: validated with their paths, relative paths resolved, unknown keys refused. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config/report-config.ts';
import { readTree, runClv } from '../helpers/cli.ts';

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clv-cac-config-'));
  const file = join(dir, 'clv.config.json');
  writeFileSync(file, content);
  return file;
}

describe('CAC config keys', () => {
  it('reads spend, customers, attribution, margin and unit_economics, resolving paths against the config file', () => {
    const file = configFile(
      JSON.stringify({
        spend: { path: 'spend.csv' },
        customers: { path: 'sub/customers.csv' },
        attribution: 'customers:source',
        margin: 0.4,
        unit_economics: { channel_margins: { Ads: 0.3 }, cost_to_serve: 12, channel_cost_to_serve: { Ads: 20 }, expected_lifetime_years: 3 },
      }),
    );
    const c = readConfig(file);
    expect(c.spend?.path).toBe(relative(process.cwd(), join(file, '..', 'spend.csv')));
    expect(c.customers?.path).toBe(relative(process.cwd(), join(file, '..', 'sub', 'customers.csv')));
    expect(c.attribution).toBe('customers:source');
    expect(c.unit_economics).toEqual({ channel_margins: { Ads: 0.3 }, cost_to_serve: 12, channel_cost_to_serve: { Ads: 20 }, expected_lifetime_years: 3 });
  });

  it('refuses wrong values and unknown keys with their path', () => {
    const file = configFile(
      JSON.stringify({ spend: { path: 'x.csv', sheet: 1 }, attribution: 'last-touch', margin: 35, unit_economics: { channel_margins: { Ads: 0 }, cost_to_serve: -1, payback: 1 } }),
    );
    expect(() => readConfig(file)).toThrow(
      [
        `${file}: invalid configuration`,
        '  spend.sheet: unknown key',
        '  attribution: expected first-order or customers:<column>',
        '  margin: expected a fraction of revenue such as 0.35 (0 < margin ≤ 1)',
        '  unit_economics.channel_margins.Ads: expected a fraction of revenue such as 0.35 (0 < margin ≤ 1)',
        '  unit_economics.cost_to_serve: Too small: expected number to be >=0',
        '  unit_economics.payback: unknown key',
      ].join('\n'),
    );
  });

  it('lets --spend and --attribution override the config', () => {
    const file = configFile(JSON.stringify({ spend: { path: 'no-such-spend.csv' }, attribution: 'customers:source' }));
    const out = join(file, '..', 'out');
    const r = runClv(['report', '--config', file, '--orders', 'test/fixtures/cac/orders.csv', '--spend', 'test/fixtures/cac/spend.csv', '--attribution', 'first-order', '--no-clv', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(readTree(out).get('manifest.json')!.toString('utf8'));
    expect(m.inputs[1]).toMatchObject({ role: 'spend', path: 'test/fixtures/cac/spend.csv', rows_read: 7 });
    expect(m.unit_economics.attribution).toBe("the channel of the customer's first order");
  }, 60_000);
});
