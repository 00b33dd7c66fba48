/**
 * The holdout backtest inside the report (lib/report/cohort-report.ts): when
 * it runs, what it hands to the Customer value section (the chosen model),
 * and its section, data files and manifest entry.
 */
import type { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_HOLDOUT_MONTHS, type BacktestOptions } from '../clv/backtest-options.ts';
import {
  BACKTEST_COLUMNS,
  BACKTEST_SUMMARY_COLUMNS,
  backtestRows,
  backtestSummaryRows,
  MODEL_TITLES,
  prepareBacktestDays,
  runBacktest,
  type BacktestModel,
  type BacktestResult,
} from '../clv/backtest.ts';
import { DEFAULT_VALUE_OPTIONS, type ValueOptions } from '../clv/value-options.ts';
import { BACKTEST_SECTION_ID, backtestNotRunSection, backtestSection } from './backtest-section.ts';
import type { Formatters } from './format.ts';
import type { SectionDraft } from './cohort-sections.ts';

export interface BacktestRun {
  section: SectionDraft;
  files: { name: string; columns: readonly string[]; rows: Record<string, unknown>[] }[];
  manifest: Record<string, unknown>;
  /** The model the Customer value section uses, when the backtest chose it. */
  valueOverride?: { model: BacktestModel };
  /** A line for the Customer value section saying where its model came from. */
  valueBullet?: string;
}

export interface BacktestPlan {
  /** Call while the order facts are loaded (summarize's afterFactsRead). */
  captureDays(db: Database): Promise<void>;
  run(db: Database, a: { asOf: string; firstDate: string; fmt: Formatters; currency: string; scratchDir: string }): Promise<BacktestRun>;
}

/**
 * What the report does about the backtest: nothing (Customer value switched
 * off, --holdout-months 0, or neither the backtest section nor a model choice
 * is needed), a section saying it does not apply (contractual), or the backtest.
 */
export function backtestRun(value: Partial<ValueOptions> | false | undefined, options: BacktestOptions | undefined, shows: (section: string) => boolean): BacktestPlan | undefined {
  if (value === false) return undefined;
  const bt: BacktestOptions = options ?? { holdoutMonths: DEFAULT_HOLDOUT_MONTHS, modelFixed: false };
  if (bt.holdoutMonths === 0) return undefined;
  const v: ValueOptions = { ...DEFAULT_VALUE_OPTIONS, ...(value ?? {}) };
  const wanted = shows(BACKTEST_SECTION_ID) || (shows('customer-value') && !bt.modelFixed && v.business !== 'contractual');
  if (!wanted) return undefined;
  if (v.business === 'contractual') {
    return {
      captureDays: async () => {},
      run: async () => {
        const reason = 'Not run: with --business contractual the Customer value section uses the sBG retention model, which the holdout backtest does not cover; the backtest compares the purchase models of non-contractual businesses (BG/NBD and Pareto/NBD).';
        return { section: backtestNotRunSection(reason), files: [], manifest: { run: false, reason } };
      },
    };
  }
  return {
    captureDays: (db) => prepareBacktestDays(db),
    run: async (db, a) => {
      let r: BacktestResult;
      try {
        r = await runBacktest(db, { asOf: a.asOf, firstDate: a.firstDate, holdoutMonths: bt.holdoutMonths, timeUnit: v.timeUnit, scratchDir: a.scratchDir });
      } catch (err) {
        // A holdout the user asked for that does not fit the data is their error; the default one is only reported.
        if (!(err instanceof UserError) || bt.explicit !== false) throw err;
        const reason = `Not run: the default holdout of ${bt.holdoutMonths} months does not fit in the data (${err.message.replace(/^--holdout-months \d+: /, '')}).`;
        return { section: backtestNotRunSection(reason), files: [], manifest: { run: false, reason } };
      } finally {
        await db.run('DROP TABLE IF EXISTS backtest_days');
      }
      const used: BacktestModel = bt.modelFixed ? v.model : (r.best ?? v.model);
      const section = backtestSection(r, { used, modelFixed: bt.modelFixed, fmt: a.fmt, currency: a.currency });
      return {
        section,
        files: [
          { name: 'backtest.csv', columns: BACKTEST_COLUMNS, rows: backtestRows(r) },
          { name: 'backtest_summary.csv', columns: BACKTEST_SUMMARY_COLUMNS, rows: backtestSummaryRows(r, used) },
        ],
        manifest: {
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
          model_fixed: bt.modelFixed,
          models: r.models.map((m) => ({
            name: m.model,
            fitted: m.fit !== null,
            reason: m.reason ?? null,
            params: m.fit?.params ?? null,
            log_likelihood: m.fit?.logLikelihood ?? null,
            aic: m.fit?.aic ?? null,
            converged: m.fit?.converged ?? null,
            predicted_repeat_purchases: m.predicted,
            aggregate_error_pct: m.aggregateErrorPct,
            mae_per_customer: m.mae,
            predicted_spend: m.spendPredicted,
            spend_error_pct: m.spendErrorPct,
            spend_mae_per_customer: m.spendMae,
          })),
          spend_model: r.spendFit ? { name: 'gamma-gamma', params: r.spendFit.params, log_likelihood: r.spendFit.logLikelihood } : { name: 'gamma-gamma', fitted: false, reason: r.spendReason ?? null },
        },
        valueOverride: bt.modelFixed || !r.best ? undefined : { model: r.best },
        valueBullet: bt.modelFixed
          ? `Purchase model ${MODEL_TITLES[used]}: set with --clv-model (or clv.model), overriding the holdout backtest${r.best ? `, which favours ${MODEL_TITLES[r.best]}` : ''}.`
          : r.best
            ? `Purchase model ${MODEL_TITLES[used]}: chosen by the holdout backtest (see Holdout backtest), refitted here on all orders.`
            : `Purchase model ${MODEL_TITLES[used]}: the default; the holdout backtest could not check either model.`,
      };
    },
  };
}
