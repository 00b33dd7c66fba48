/**
 * Small segments (issue 12): segments below --min-segment-size are shown but not ranked, and their
 * intervals are marked unreliable, in the narrative, the table and data/segment_clv.csv. Sizes are
 * the sample's (clv.config.json): affiliate 3,065, email 2,612 and International 2,897 customers are
 * below 4,000; the others are above.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClv } from '../helpers/cli.ts';
import { sampleConfig } from '../helpers/sample.ts';

describe('small segments', () => {
  it('are shown but not ranked, and flagged in segment_clv.csv', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clv-small-')), 'view');
    const r = runClv(['view', 'segment-value', '--config', sampleConfig(), '--segment-by', 'channel,region', '--bootstrap', '5', '--min-segment-size', '4000', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const csv = readFileSync(join(out, 'data', 'segment_clv.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    expect(header[header.length - 1]).toBe('small_segment');
    const flagged = csv.slice(1).map((l) => l.split(',')).filter((c) => c[c.length - 1] === 'true').map((c) => `${c[0]}:${c[1]}:${c[2]}`);
    expect(flagged).toEqual(['channel:affiliate:3065', 'channel:email:2612', 'region:International:2897']);
    const html = readFileSync(join(out, 'index.html'), 'utf8').replace(/&quot;/g, '"');
    expect(html).toContain('By acquisition channel, 2 segments "email" (2,612 customers), "affiliate" (3,065 customers) have fewer than 4,000 customers: shown, but not ranked, and their intervals are unreliable');
    // Neither small channel is named as worth the most or the least.
    const ranking = /By acquisition channel, customers from "([^"]+)" are worth the most [^<]* those from "([^"]+)" the least/.exec(html);
    expect(ranking).not.toBeNull();
    expect(['email', 'affiliate']).not.toContain(ranking![1]);
    expect(['email', 'affiliate']).not.toContain(ranking![2]);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).segment_value.min_segment_size).toBe(4000);
  }, 120_000);

  it('refuses a minimum size that is not a whole number of customers', () => {
    const r = runClv(['view', 'segment-value', '--config', sampleConfig(), '--min-segment-size', '0', '--out', join(tmpdir(), 'never'), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--min-segment-size 0: expected a whole number of customers from 1 to 1000000');
  });
});
