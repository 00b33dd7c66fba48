/**
 * `clv report` end to end, as a user runs it: byte-identical output across
 * runs and time zones, escaping of user data, exit codes and messages for
 * bad input, and an existing report left untouched when a run fails.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTree, runClv } from '../helpers/cli.ts';
import { SCRIPT } from '../../lib/report/html.ts';
import { TOOL } from '../../lib/version.ts';
import { copySample } from '../helpers/sample.ts';

let sampleOrders: string;
const work = mkdtempSync(join(tmpdir(), 'clv-cli-'));

beforeAll(async () => {
  copySample(join(work, 'sample'));
  sampleOrders = join(work, 'sample', 'orders.csv');
}, 60_000);

describe('clv report', () => {
  it('writes byte-identical output for the same input, whatever the time zone', () => {
    const a = join(work, 'out-utc');
    const b = join(work, 'out-chatham');
    const args = ['report', '--orders', sampleOrders, '--segment-by', 'channel,region', '--bootstrap', '25', '--quiet'];
    const ra = runClv([...args, '--out', a], { TZ: 'UTC' });
    const rb = runClv([...args, '--out', b], { TZ: 'Pacific/Chatham' });
    expect(ra.stderr).toBe('');
    expect(ra.status).toBe(0);
    expect(rb.status).toBe(0);
    expect(ra.stdout.trim()).toBe(join(a, 'index.html'));
    const ta = readTree(a);
    const tb = readTree(b);
    expect([...ta.keys()]).toEqual([
      'data/backtest.csv',
      'data/backtest_summary.csv',
      'data/cohort_projection.csv',
      'data/cohort_retention.csv',
      'data/cohort_retention_by_segment.csv',
      'data/crr.csv',
      'data/customers.csv',
      'data/lifecycle.csv',
      'data/model_params.csv',
      'data/retention_curve.csv',
      'data/rfm_customers.csv',
      'data/rfm_segments.csv',
      'data/segment_clv.csv',
      'data/win_back.csv',
      'index.html',
      'manifest.json',
    ]);
    for (const [name, content] of ta) expect(tb.get(name)?.equals(content), name).toBe(true);

    // The output contract.
    const header = (name: string) => ta.get(name)!.toString('utf8').split('\n')[0];
    expect(header('data/cohort_retention.csv')).toBe(
      'cohort,period_offset,cohort_customers,active_customers,retention_rate,orders,revenue,revenue_retention_rate,cumulative_revenue_per_customer,complete',
    );
    expect(header('data/cohort_retention_by_segment.csv')).toBe(
      'segment_column,segment,cohort,period_offset,cohort_customers,active_customers,retention_rate,orders,revenue,revenue_retention_rate,cumulative_revenue_per_customer,complete',
    );
    expect(header('data/customers.csv')).toBe(
      'customer_id,cohort,first_order_date,acquisition_channel,orders,frequency,recency_days,T_days,revenue,mean_repeat_order_value,p_alive,expected_purchases,clv,rfm_segment,r,f,m',
    );
    expect(header('data/lifecycle.csv')).toBe(
      'period,active,new,retained,reactivated,churned,quick_ratio,revenue,new_revenue,expansion_revenue,contraction_revenue,reactivated_revenue,churned_revenue,revenue_quick_ratio',
    );
    expect(header('data/segment_clv.csv')).toBe(
      'segment_column,segment,customers,p_alive_mean,expected_purchases,clv_mean,clv_mean_low,clv_mean_high,clv_median,clv_total,clv_total_low,clv_total_high,simple_clv_mean,realized_revenue,small_segment',
    );
    // The RFM segments are segments of Projected value by segment, scored with the all-customer fit:
    // they partition the customers, so their customers and total CLV add up to the "all" row.
    const segRows = ta.get('data/segment_clv.csv')!.toString('utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const all = segRows.find((r) => r[0] === 'all')!;
    const rfm = segRows.filter((r) => r[0] === 'RFM segment');
    expect(rfm.map((r) => r[1])).toEqual(['At risk', "Can't lose them", 'Champions', 'Hibernating', 'Lost', 'Loyal', 'New', 'Potential loyalists']);
    expect(rfm.reduce((n, r) => n + Number(r[2]), 0)).toBe(Number(all[2]));
    expect(rfm.reduce((n, r) => n + Number(r[9]), 0)).toBeCloseTo(Number(all[9]), 0);
    const manifest = JSON.parse(ta.get('manifest.json')!.toString('utf8'));
    expect(manifest.tool.name).toBe('clv-report');
    expect(manifest.as_of).toBe('2024-12-31');
    expect(manifest.options).toMatchObject({ period: 'month', segment_by: ['channel', 'region'] });
    expect(manifest.inputs[0]).toMatchObject({ role: 'orders', path: sampleOrders, format: 'csv', dropped: [] });
    expect(manifest.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.inputs[0].rows_read).toBe(manifest.inputs[0].rows_kept);
    // The purchase model is the one the holdout backtest chose.
    expect(manifest.customer_value).toMatchObject({ fitted: true, options: { model: manifest.backtest.used, time_unit: 'week', horizon_months: 12 } });
    expect(manifest.customer_value.models.map((m: { converged: boolean }) => m.converged)).toEqual([true, true]);
  }, 120_000);

  it('escapes user data in HTML and neutralises formula-like CSV text cells', () => {
    const out = join(work, 'out-hostile');
    const r = runClv(['report', '--orders', 'test/fixtures/hostile-orders.csv', '--segment-by', 'channel,region', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The only <script> elements are the JSON data block and the report's own inline script (allowed by its CSP hash).
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html.match(/<script>([\s\S]*?)<\/script>/)![1]).toBe(SCRIPT);
    const customers = readFileSync(join(out, 'data/customers.csv'), 'utf8');
    expect(customers).toContain(`'=cmd|' /C calc'!A0,2024-01`);
    expect(customers).toContain(`'+plus,2024-02,2024-02-10,'@at,`);
    const bySegment = readFileSync(join(out, 'data/cohort_retention_by_segment.csv'), 'utf8');
    expect(bySegment).toContain(`region,'-minus,2024-02,0,1,1,1,1,7,1,7,true`);
  }, 60_000);

  it('refuses bad input with exit code 2, a file:line message and no stack trace, leaving the previous report', () => {
    const out = join(work, 'out-keep');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'index.html'), 'previous report');
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ tool: TOOL }));
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, 'customer_id,order_date,amount\nc1,2024-01-05,12\nc2,yesterday,3\n');
    const r = runClv(['report', '--orders', bad, '--out', out, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `clv: cannot read ${bad}: 1 problem\n  ${bad}:3:2: column "order_date": value "yesterday": not a valid date; expected a date as YYYY-MM-DD or an ISO 8601 date-time such as 2024-03-15T10:30:00Z (use --date-format for other layouts)\n`,
    );
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('previous report');
  }, 60_000);

  it('explains usage errors', () => {
    const r = runClv(['report', '--out', join(work, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Missing required argument: orders');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const seg = runClv(['report', '--orders', 'test/fixtures/hand-orders.csv', '--segment-by', 'plan', '--out', join(work, 'y'), '--quiet']);
    expect(seg.status).toBe(2);
    expect(seg.stderr).toBe('clv: --segment-by plan: no such column in test/fixtures/hand-orders.csv; choose one of channel\n');
    const help = runClv(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('clv report');
    expect(help.stdout).toContain('clv sample');
  }, 60_000);
});
