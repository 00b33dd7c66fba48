/**
 * data/customers.csv: one row per customer, written by DuckDB (COPY): the
 * summary (cohort, channel, orders, x, t_x, T, revenue, z̄), and the run's
 * per-customer results when they exist: the chosen model's P(alive),
 * expected purchases and CLV over the horizon, and the RFM scores. No section.
 */
import { join } from 'node:path';
import { CUSTOMERS_COLUMNS, writeCustomersCsv } from '../../engine/export-customers.ts';
import type { Plan, ReportPart } from '../part.ts';

/** The views whose sections use the models: only then does the table wait for the fits. */
const MODEL_VIEWS = ['customer-value', 'segment-value', 'backtest', 'ltv-cac', 'unit-economics', 'rfm', 'win-back'];
const withScores = ({ options, shows }: Plan) => options.value !== false && MODEL_VIEWS.some(shows);
const withRfm = ({ options, shows }: Plan) => options.rfm !== false && (shows('rfm') || shows('win-back'));

export const part: ReportPart<{ path: string; rowCount: number }> = {
  id: 'customer-table',
  needs: (plan) => [...(withScores(plan) ? (['scores'] as const) : []), ...(withRfm(plan) ? (['rfm'] as const) : [])],
  enabled: (plan) => plan.options.view === undefined,
  async compute(ctx) {
    const scores = withScores(ctx.plan) ? await ctx.product('scores') : null;
    const rfm = withRfm(ctx.plan) ? await ctx.product('rfm') : null;
    const path = join(ctx.scratchDir, 'customers.csv');
    const rowCount = await writeCustomersCsv(ctx.db, { path, period: ctx.options.period, asOf: ctx.orders.asOf, scores, rfm });
    return { path, rowCount };
  },
  present: (f) => ({ sections: [], files: [{ name: 'customers.csv', columns: CUSTOMERS_COLUMNS, path: f.path, rowCount: f.rowCount }] }),
};
