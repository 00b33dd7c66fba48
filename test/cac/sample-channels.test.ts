/**
 * On the sample shop, through the committed clv.config.json (spend file,
 * customers file attribution, margin 0.35): the channels' CAC and payback
 * come out in the order of the generator's documented channel quality
 * (SAMPLE_PARAMETERS: CAC per channel, BG/NBD and Gamma-Gamma parameters).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_PARAMETERS } from '../../lib/sample/generate-sample.ts';
import { expectedPurchasesNewBgNbd } from '../../lib/models/bg-nbd.ts';
import { readConfig } from '../../lib/config/report-config.ts';
import { runClv } from '../helpers/cli.ts';
import { sampleConfig } from '../helpers/sample.ts';

const config = sampleConfig('clv-cac-sample-');
const out = join(dirname(config), 'report');
let units: Record<string, string>[];

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

beforeAll(async () => {
  // No bootstrap: these tests read the CAC files, not the segment intervals.
  const r = runClv(['report', '--config', config, '--bootstrap', '0', '--out', out, '--quiet']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  units = parseCsv(readFileSync(join(out, 'data/unit_economics.csv'), 'utf8'));
}, 180_000);

const paid = Object.entries(SAMPLE_PARAMETERS.channels).filter(([, c]) => c.cac !== null);
const margin = 0.35;

/**
 * Expected cumulative gross margin per acquired customer by the end of month n of its life, from the generator's
 * parameters: margin × mean order value × (1 + E[X(t)]) with E[X(t)] the BG/NBD expected repeat purchases of a new
 * customer, t = n − ½ months (customers join, on average, in the middle of their first month), mean order value
 * p·γ/(q − 1) for B2C, times the B2B multiplier for the B2B share. Refunds and same-day extra orders are the same for
 * every channel and left out.
 */
function expectedMargin(channel: keyof typeof SAMPLE_PARAMETERS.channels, n: number): number {
  const c = SAMPLE_PARAMETERS.channels[channel];
  const shares = SAMPLE_PARAMETERS.acquisition.customerTypeShares;
  const aov = ((c.gammaGamma.p * c.gammaGamma.gamma) / (c.gammaGamma.q - 1)) * (shares.B2C + shares.B2B * SAMPLE_PARAMETERS.b2bSpendMultiplier);
  const weeks = ((n - 0.5) * 365.25) / 12 / 7;
  return margin * aov * (1 + expectedPurchasesNewBgNbd(c.bgnbd, weeks));
}

function expectedPayback(channel: keyof typeof SAMPLE_PARAMETERS.channels): number {
  const cac = SAMPLE_PARAMETERS.channels[channel].cac!;
  for (let n = 1; n <= 36; n++) if (expectedMargin(channel, n) >= cac) return n;
  return Infinity;
}

describe('CAC sections on the sample data (clv.config.json)', () => {
  it('the committed config names the sample spend and customers files', () => {
    const c = readConfig('clv.config.json');
    expect(c.spend?.path).toBe('data/sample/spend.csv');
    expect(c.attribution).toBe('customers:acquisition_channel');
  });

  it('orders the paid channels by CAC as the generator documents them, each within 5% of its CAC', () => {
    const byGenerator = [...paid].sort((a, b) => a[1].cac! - b[1].cac!).map(([name]) => name);
    expect(byGenerator).toEqual(['email', 'affiliate', 'paid_search', 'paid_social']);
    const observed = units.filter((u) => u.cac !== '').sort((a, b) => Number(a.cac) - Number(b.cac)).map((u) => u.channel);
    expect(observed).toEqual(byGenerator);
    // Spend = acquired customers × CAC × uniform(0.8, 1.2) per month: over 36 months the noise averages out.
    for (const [name, c] of paid) {
      const u = units.find((x) => x.channel === name)!;
      expect(Math.abs(Number(u.cac) / c.cac! - 1), name).toBeLessThan(0.05);
    }
    // organic has no spend: listed, with LTV but without CAC.
    expect(units.find((u) => u.channel === 'organic')).toMatchObject({ spend: '0', cac: '', ltv_cac_12m: '', payback_months: '' });
  });

  it('orders payback as the generator parameters predict', () => {
    // Predicted (margin 0.35): email 1 month, affiliate 2, paid_search 3, paid_social 14.
    const predicted = paid.map(([name]) => ({ name, months: expectedPayback(name as keyof typeof SAMPLE_PARAMETERS.channels) })).sort((a, b) => a.months - b.months);
    expect(predicted.map((p) => p.months)).toEqual([1, 2, 3, 14]);
    const observed = units.filter((u) => u.payback_months !== '').sort((a, b) => Number(a.payback_months) - Number(b.payback_months));
    expect(observed.map((u) => u.channel)).toEqual(predicted.map((p) => p.name));
    for (const p of predicted) {
      const got = Number(units.find((u) => u.channel === p.name)!.payback_months);
      expect(Math.abs(got - p.months), p.name).toBeLessThanOrEqual(Math.max(1, Math.round(0.15 * p.months)));
    }
  });

  it('orders the 12-month LTV as the generator parameters predict, and has projected LTV from the models', () => {
    const predicted = Object.keys(SAMPLE_PARAMETERS.channels)
      .map((name) => ({ name, ltv: expectedMargin(name as keyof typeof SAMPLE_PARAMETERS.channels, 12) }))
      .sort((a, b) => b.ltv - a.ltv);
    const observed = [...units].sort((a, b) => Number(b.ltv_12m) - Number(a.ltv_12m));
    expect(observed.map((u) => u.channel)).toEqual(predicted.map((p) => p.name));
    for (const u of units) {
      expect(Number(u.ltv_projected), u.channel).toBeGreaterThan(0);
      expect(Number(u.ltv_24m), u.channel).toBeGreaterThan(Number(u.ltv_12m));
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('&quot;email&quot; acquires customers most cheaply');
    expect(html).toContain('&quot;paid_social&quot; most expensively');
  });
});
