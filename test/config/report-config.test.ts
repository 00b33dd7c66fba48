import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config/report-config.ts';
import { UserError } from '../../lib/errors.ts';

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clv-config-'));
  const file = join(dir, 'clv.config.json');
  writeFileSync(file, content);
  return file;
}

describe('readConfig', () => {
  it('reads the committed example config', () => {
    const c = readConfig('clv.config.json');
    expect(c.orders?.path).toBe('data/sample/orders.csv');
    expect(c.segment_by).toEqual(['channel', 'region', 'customer_type']);
    expect(c.monthly?.out_root).toBe('reports/out');
  });

  it('resolves the orders path against the config file directory', () => {
    const file = configFile('{"orders": {"path": "orders.csv", "map": {"customer_id": "CustomerID"}, "date_format": "yyyyMMdd"}}');
    const c = readConfig(file);
    expect(c.orders?.path).toBe(relative(process.cwd(), join(file, '..', 'orders.csv')));
    expect(c.orders?.map).toEqual({ customer_id: 'CustomerID' });
  });

  it('names every wrong key with its path and what was expected', () => {
    const file = configFile('{"orders": {"path": 1, "mapp": {}}, "period": "year", "as_of": "31/12/2024", "report": {"currency": "dollars"}, "colour": 1}');
    let message = '';
    try {
      readConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `${file}: invalid configuration`,
      '  orders.path: expected string, received number',
      '  orders.mapp: unknown key',
      '  as_of: expected a date as YYYY-MM-DD',
      '  period: Invalid option: expected one of "month"|"week"|"quarter"',
      '  report.currency: expected an ISO 4217 currency code such as USD',
      '  colour: unknown key',
    ]);
  });

  it('takes the growth-accounting section and first-order segments', () => {
    const c = readConfig(configFile('{"segment_by": ["first:product", "channel"], "report": {"sections": ["lifecycle", "segments"]}}'));
    expect(c.segment_by).toEqual(['first:product', 'channel']);
    expect(c.report?.sections).toEqual(['lifecycle', 'segments']);
    const file = configFile('{"segment_by": ["first:"]}');
    expect(() => readConfig(file)).toThrow(`${file}: invalid configuration\n  segment_by[0]: expected first:<column> with a column of the orders file, such as first:product`);
  });

  it('checks the clv options: ranges, choices and unknown keys', () => {
    const file = configFile('{"clv": {"business": "subscription", "horizon_months": 1.5, "annual_discount_rate": 10, "discount": 0.1}}');
    expect(() => readConfig(file)).toThrow(
      [
        `${file}: invalid configuration`,
        '  clv.business: Invalid option: expected one of "non-contractual"|"contractual"',
        '  clv.horizon_months: expected a whole number of months',
        '  clv.annual_discount_rate: expected a fraction such as 0.1 (10%), not a percentage',
        '  clv.discount: unknown key',
      ].join('\n'),
    );
    expect(readConfig(configFile('{"clv": {"business": "contractual", "enabled": true}}')).clv).toEqual({ business: 'contractual', enabled: true });
  });

  it('reads monthly.out_root relative to the config file and names wrong monthly keys', () => {
    const ok = configFile('{"monthly": {"out_root": "history"}}');
    expect(readConfig(ok).monthly?.out_root).toBe(relative(process.cwd(), join(ok, '..', 'history')));
    const bad = configFile('{"monthly": {"out_root": 5, "keep_months": 12}}');
    expect(() => readConfig(bad)).toThrow(`${bad}: invalid configuration\n  monthly.out_root: expected string, received number\n  monthly.keep_months: unknown key`);
  });

  it('refuses a file that is not JSON', () => {
    const file = configFile('{ orders: ');
    expect(() => readConfig(file)).toThrow(`${file}: not valid JSON`);
  });
});
