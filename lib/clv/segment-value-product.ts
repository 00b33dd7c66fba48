/**
 * The run's projected value by segment (the `segment-value` product of
 * lib/run/run-context.ts): which columns are segments, how many bootstrap
 * resamples, and the figures of lib/clv/segment-value.ts over the run's scores.
 * Customer value, CAC and the segment-value part all read it.
 */
import { ident, literal } from '../engine/database.ts';
import { NO_RESPONSE } from '../load/load-surveys.ts';
import { segmentRows } from '../engine/summarize.ts';
import type { RunContext } from '../run/run-context.ts';
import type { CustomerFits } from './customer-fit.ts';
import type { BootstrapMethod } from './value-options.ts';
import { BOOTSTRAP_DEFAULT_MAX_CUSTOMERS, DEFAULT_BOOTSTRAP, DEFAULT_BOOTSTRAP_SEED, segmentValue, type SegmentColumn, type SegmentValueResult } from './segment-value.ts';

/** Name of the RFM segment column in segment_clv.csv. */
export const RFM_COLUMN_NAME = 'RFM segment';

export interface SegmentValueFigures {
  result: SegmentValueResult;
  /** Segment columns by name, in order. */
  columns: string[];
  /** Segment columns computed for another section (the survey band for Survey scores), not shown in Projected value by segment. */
  hidden: string[];
  /** No --segment-by was given: the segments are the acquisition channels. */
  defaulted: boolean;
  bootstrap: number;
  seed: number;
  /** The bootstrap was switched off because of the number of customers (not asked for): --bootstrap-method refit above BOOTSTRAP_DEFAULT_MAX_CUSTOMERS. */
  autoOff: boolean;
  /** How the replicates were made. */
  method: BootstrapMethod;
  fits: CustomerFits;
}

export async function computeSegmentValue(ctx: RunContext): Promise<SegmentValueFigures | { failed: string }> {
  const v = ctx.value;
  if (v.business === 'contractual') {
    return { failed: 'Projected value by segment uses the purchase models of non-contractual businesses (a purchase model with Gamma-Gamma); with --business contractual it is not computed.' };
  }
  const fits = await ctx.product('fits');
  if ('failed' in fits) return { failed: `No projection by segment: ${fits.failed.replace(/^[A-Za-z/-]+ cannot be fitted: /, '')}.` };
  await ctx.product('scores');
  const segmentBy = ctx.options.segmentBy;
  // A first:<column> segment where some customer's first order has several values holds lists
  // (lib/engine/summarize.ts): it is projected in a run of its own, over one row per (customer, value).
  const listed: number[] = [];
  for (const i of segmentBy.keys()) {
    const [{ type }] = await ctx.db.rows<{ type: string }>(`SELECT typeof(${ident(`seg_${i}`)}) AS type FROM customer_base LIMIT 1`);
    if (type.endsWith('[]')) listed.push(i);
  }
  const columns: SegmentColumn[] =
    segmentBy.length > 0
      ? segmentBy.flatMap((name, i) => (listed.includes(i) ? [] : [{ sql: `b.${ident(`seg_${i}`)}`, name }]))
      : ctx.orders.hasChannel
        ? [{ sql: 'b.acquisition_channel', name: 'channel' }]
        : [];
  let from = 'customer_base b';
  if (ctx.options.rfm !== false && (ctx.plan.shows('rfm') || ctx.plan.shows('win-back'))) {
    // The RFM segments are segments too (when the report shows them).
    await ctx.product('rfm');
    from = 'customer_base b LEFT JOIN customer_rfm r USING (customer_id)';
    columns.push({ sql: 'r.rfm_segment', name: RFM_COLUMN_NAME });
  }
  // The survey band: Survey scores reads its projected value here (the same scores and bootstrap); shown in this section only when named in --segment-by.
  const surveys = ctx.inputs.surveys;
  const hidden: string[] = [];
  if (surveys && ctx.plan.shows('surveys') && !segmentBy.includes(surveys.column)) {
    from += ' LEFT JOIN survey_bands sb USING (customer_id)';
    columns.push({ sql: `coalesce(sb.band, ${literal(NO_RESPONSE)})`, name: surveys.column });
    hidden.push(surveys.column);
  }
  const customers = fits.all.customers;
  // Refitting the models 100 times takes minutes on hundreds of thousands of customers, and even the
  // parametric replicates (no refits) rescore every cell 100 times: there the bootstrap runs only
  // when asked for (--bootstrap N, or --bootstrap-method parametric); the sampling error of the means
  // is small anyway.
  const method: BootstrapMethod = v.bootstrapMethod ?? 'refit';
  const autoOff = v.bootstrap === undefined && method !== 'parametric' && customers > BOOTSTRAP_DEFAULT_MAX_CUSTOMERS;
  const bootstrap = v.bootstrap ?? (autoOff ? 0 : DEFAULT_BOOTSTRAP);
  const seed = v.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED;
  ctx.progress?.step(`projecting value by segment (${bootstrap} bootstrap resamples)`);
  const simple = await ctx.product('simple');
  const common = {
    asOf: ctx.orders.asOf,
    simple: simple.inputs,
    simpleCustomers: simple.customers,
    period: ctx.options.period,
    fits,
    horizonMonths: v.horizonMonths,
    annualDiscountRate: v.annualDiscountRate,
    margin: v.margin ?? 1,
    bootstrap,
    bootstrapSeed: seed,
    bootstrapMethod: method,
  };
  const result = await segmentValue(ctx.db, { ...common, columns, from });
  for (const i of listed) {
    // Only this column's rows are kept: the run's "all" row would count a customer once per value.
    const name = segmentBy[i];
    const alias = ident(`seg_${i}`);
    const own = await segmentValue(ctx.db, { ...common, columns: [{ sql: `b.${alias}`, name }], from: `${segmentRows('customer_base', alias, true)} b` });
    const rfmAt = result.rows.findIndex((r) => r.segment_column === RFM_COLUMN_NAME);
    result.rows.splice(rfmAt < 0 ? result.rows.length : rfmAt, 0, ...own.rows.filter((r) => r.segment_column === name));
  }
  const sizes = result.sizes;
  ctx.progress?.detail?.(
    sizes
      ? `segment value: ${sizes.customers} customers in ${sizes.cells} cells, ${sizes.pairs} (x, T) pairs; ${bootstrap} bootstrap resamples in ${result.bootstrap.seconds.toFixed(1)} s${result.bootstrap.threads > 1 ? ` on ${result.bootstrap.threads} threads` : ''}`
      : 'segment value: sums of the customers\' scores, no bootstrap',
  );
  const shown = columns.filter((c) => !hidden.includes(c.name));
  const names = [...shown.filter((c) => c.name !== RFM_COLUMN_NAME).map((c) => c.name), ...listed.map((i) => segmentBy[i]), ...shown.filter((c) => c.name === RFM_COLUMN_NAME).map((c) => c.name)];
  return { result, columns: names, hidden, defaulted: segmentBy.length === 0 && columns.length > hidden.length, bootstrap, seed, autoOff, method, fits };
}
