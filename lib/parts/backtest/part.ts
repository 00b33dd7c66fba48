/**
 * The Holdout backtest part: the `backtest` product of the run (computed once,
 * lib/run/run-context.ts; the model it chooses feeds every model figure) shown
 * as a section, with backtest.csv, backtest_summary.csv and its manifest entry.
 */
import { BACKTEST_COLUMNS, BACKTEST_SUMMARY_COLUMNS, backtestRows, backtestSummaryRows } from '../../clv/backtest.ts';
import { SPEND_MODEL_ID } from '../../models/registry.ts';
import type { BacktestOutcome } from '../../run/run-context.ts';
import type { ReportPart } from '../part.ts';
import { backtestNotRunSection, backtestSection } from './present.ts';

export const part: ReportPart<BacktestOutcome | null> = {
  id: 'backtest',
  needs: () => ['backtest'],
  enabled: ({ options }) => options.value !== false && options.backtest.holdoutMonths > 0,
  compute: (ctx) => ctx.product('backtest'),
  present(outcome, { fmt, currency }) {
    if (outcome === null) return { sections: [] };
    if (outcome.state === 'not-run') return { sections: [backtestNotRunSection(outcome.reason)], manifest: { backtest: { run: false, reason: outcome.reason } } };
    const { result: r, used, modelFixed } = outcome;
    return {
      sections: [backtestSection(r, { used, modelFixed, fmt, currency })],
      files: [
        { name: 'backtest.csv', columns: BACKTEST_COLUMNS, rows: backtestRows(r) },
        { name: 'backtest_summary.csv', columns: BACKTEST_SUMMARY_COLUMNS, rows: backtestSummaryRows(r, modelFixed || r.best === used ? used : null) },
      ],
      manifest: {
        backtest: {
          run: true,
          holdout_months: r.holdoutMonths,
          calibration_start: r.calibrationStart,
          calibration_end: r.calibrationEnd,
          holdout_start_exclusive: r.calibrationEnd,
          holdout_end: r.asOf,
          holdout_length: r.holdoutLength,
          time_unit: r.timeUnit,
          customers: r.customers,
          holdout_new_customers_left_out: r.holdoutNewCustomers,
          actual_repeat_purchases: r.actualPurchases,
          actual_spend: r.actualSpend,
          period_label: 'week start date (YYYY-MM-DD), 7-day weeks from the calibration start',
          spend_customers: 'all calibration customers',
          decided_by: 'absolute aggregate error %, then MAE per customer when within 1 percentage point',
          best: r.best,
          why: r.why,
          used,
          model_fixed: modelFixed,
          models: r.models.map((m) => ({
            name: m.model,
            fitted: m.fit !== null,
            reason: m.reason ?? null,
            params: m.fit?.params ?? null,
            log_likelihood: m.fit?.logLikelihood ?? null,
            aic: m.fit?.aic ?? null,
            converged: m.fit?.converged ?? null,
            limit: m.fit?.limit ?? null,
            predicted_repeat_purchases: m.predicted,
            aggregate_error_pct: m.aggregateErrorPct,
            mae_per_customer: m.mae,
            predicted_spend: m.spendPredicted,
            spend_error_pct: m.spendErrorPct,
            spend_mae_per_customer: m.spendMae,
          })),
          spend_model: r.spendFit ? { name: SPEND_MODEL_ID, params: r.spendFit.params, log_likelihood: r.spendFit.logLikelihood } : { name: SPEND_MODEL_ID, fitted: false, reason: r.spendReason ?? null },
        },
      },
    };
  },
};
