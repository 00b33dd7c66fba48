/**
 * data/customers.csv: one row per customer, written by DuckDB (COPY): the
 * summary (cohort, channel, orders, x, t_x, T, revenue, z̄), and the run's
 * per-customer results when they exist: the chosen model's P(alive),
 * expected purchases and CLV over the horizon, and the RFM scores, when the
 * report's other parts need them anyway (a report of --sections headline fits
 * no model for this file). No section.
 */
import { join } from 'node:path';
import { CUSTOMERS_COLUMNS, writeCustomersCsv } from '../../engine/export-customers.ts';
import type { ReportPart } from '../part.ts';

export const part: ReportPart<{ path: string; rowCount: number }> = {
  id: 'customer-table',
  needs: () => [],
  enabled: (plan) => plan.options.view === undefined,
  async compute(ctx) {
    const scores = ctx.needed.has('scores') ? await ctx.product('scores') : null;
    const rfm = ctx.needed.has('rfm') ? await ctx.product('rfm') : null;
    const path = join(ctx.scratchDir, 'customers.csv');
    const rowCount = await writeCustomersCsv(ctx.db, { path, period: ctx.options.period, asOf: ctx.orders.asOf, scores, rfm });
    return { path, rowCount };
  },
  present: (f) => ({ sections: [], files: [{ name: 'customers.csv', columns: CUSTOMERS_COLUMNS, path: f.path, rowCount: f.rowCount }] }),
};
