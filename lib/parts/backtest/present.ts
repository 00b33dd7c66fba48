/**
 * The report's "Holdout backtest" section: how far off each purchase model was
 * on the held-out months, which one the Customer value section uses and why,
 * the tracking plots, holdout purchases by calibration frequency and the
 * summary table (lib/clv/backtest.ts computes the figures).
 */
import { holdoutByFrequencySpec, trackingSpec, type FrequencyValue, type TrackingValue } from '../../charts/backtest-charts.ts';
import { addDays } from '../../clv/backtest-options.ts';
import { MAX_FREQUENCY_BIN, NO_AMOUNTS, TIE_POINTS, type BacktestModel, type BacktestResult } from '../../clv/backtest.ts';
import { modelTitle, PURCHASE_MODEL_IDS } from '../../models/registry.ts';
import { limitName } from '../../models/limits.ts';
import type { Formatters } from '../../report/format.ts';
import type { SectionDraft } from '../../report/section.ts';

export const BACKTEST_SECTION_ID = 'backtest';
const TITLE = 'Holdout backtest';

export const BACKTEST_DEFINITIONS = [
  {
    term: 'Calibration and holdout',
    definition:
      'The calibration period runs from the first order to the as-of date minus N calendar months (--holdout-months, UTC; the same day of the month, or the last day of a shorter month); the holdout is the rest, from the day after the calibration end to the as-of date. The models are fitted on the calibration orders only, with t_x and T measured to the calibration end.',
  },
  {
    term: 'Repeat purchases (backtest)',
    definition:
      "Counted as in the models: a purchase is a customer's distinct purchase day (orders on the same day are one purchase); repeat purchases are the purchase days after the first. Only customers whose first purchase is in the calibration period count; customers first seen in the holdout are left out.",
  },
  { term: 'Predicted holdout purchases', definition: "Σ over the calibration customers of E[Y(h) | x, t_x, T], the model's expected purchases in the h holdout weeks (or days) given the customer's own calibration history (conditional expectation)." },
  { term: 'Aggregate error', definition: '(predicted − actual) ÷ actual holdout repeat purchases, in percent; positive means the model expected more purchases than happened.' },
  { term: 'MAE per customer', definition: 'Mean over the calibration customers of |predicted − actual| holdout purchases (customers with no holdout purchase count with 0).' },
  {
    term: 'Spend check',
    definition:
      "Gamma-Gamma fitted on the calibration period: E[Z | x, z̄] × E[Y(h) | x, t_x, T] per customer against the customer's actual holdout purchase revenue (orders only, refunds not subtracted), over all calibration customers (0 when they did not buy); error and MAE as for purchases.",
  },
  {
    term: 'Tracking plot',
    definition:
      'Expected cumulative repeat purchases by day τ = Σ over first-purchase days d ≤ τ of (calibration customers whose first purchase was on d) × E[X(τ − d)], the expected repeat purchases of a new customer (no conditioning on history), against the count of purchase days after the first. Weeks are 7-day periods from the first calibration purchase day, labelled by their start date; the last week ends on the as-of date.',
  },
  {
    term: 'Model choice',
    definition: `Among the purchase models (${PURCHASE_MODEL_IDS.map(modelTitle).join(', ')}), the smallest absolute aggregate error on the holdout wins; the models within ${TIE_POINTS} percentage point of it are tied, and among them the smaller MAE per customer decides. Only converged fits take part: a model whose calibration fit did not converge is never chosen over one whose fit did, whatever its error. A fit that ran to the edge of its parameter space and took its limiting model (no dropout, or the same dropout for every customer; see the model's entry) counts as converged when the limiting model's fit converged (data/backtest_summary.csv: converged, limit). The chosen model is then refitted on all orders up to the as-of date for the Customer value projections. --clv-model (or clv.model in the config) overrides the choice. Log-likelihood and AIC (2k − 2·LL) of the calibration fits are shown but do not decide.`,
  },
];

/** The section when the backtest does not apply (contractual mode). */
export function backtestNotRunSection(reason: string): SectionDraft {
  return { id: BACKTEST_SECTION_ID, title: TITLE, narrative: [reason], definitions: BACKTEST_DEFINITIONS.slice(0, 1) };
}

function signed(fmt: Formatters, pct: number): string {
  return `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${fmt.decimal(Math.abs(pct), 1)}%`;
}

export function backtestSection(r: BacktestResult, o: { used: BacktestModel; modelFixed: boolean; fmt: Formatters; currency: string }): SectionDraft {
  const { fmt } = o;
  const unit = r.timeUnit === 'week' ? 'weeks' : 'days';
  const fitted = r.models.filter((m) => m.fit && m.predicted !== null);
  const narrative = [
    `To check the purchase models on data they have not seen, they were fitted on the orders from ${r.calibrationStart} to ${r.calibrationEnd} (the calibration period: the as-of date ${r.asOf} minus ${r.holdoutMonths} ${r.holdoutMonths === 1 ? 'month' : 'months'}) and asked to predict the holdout from ${addDays(r.calibrationEnd, 1)} to ${r.asOf} (${fmt.decimal(r.holdoutLength, 1)} ${unit}).`,
    `The ${fmt.integer(r.customers)} customers who had bought by ${r.calibrationEnd} made ${fmt.integer(r.actualPurchases)} repeat purchases (distinct purchase days) in the holdout${r.holdoutNewCustomers > 0 ? `; the ${fmt.integer(r.holdoutNewCustomers)} customers first seen in the holdout are left out` : ''}.`,
  ];
  for (const m of r.models) {
    const t = modelTitle(m.model);
    if (!m.fit || m.predicted === null) {
      narrative.push(`${t} could not be checked: it could not be fitted on the calibration period (${m.reason ?? 'no reason given'}).`);
      continue;
    }
    const err = m.aggregateErrorPct;
    const anyConverged = r.models.some((x) => x.fit?.converged);
    const limit = m.fit.limit ? ` Its calibration fit ran to the edge of its parameter space, so it is ${t} at its ${limitName(m.fit.limit.id)} limit.` : '';
    narrative.push(
      `${t} predicted ${fmt.decimal(m.predicted, 1)} holdout purchases${err === null ? '' : `, ${Math.abs(err) < 0.05 ? 'on the mark' : `${fmt.decimal(Math.abs(err), 1)}% ${err > 0 ? 'too many' : 'too few'}`}`}; per customer it was off by ${fmt.decimal(m.mae ?? 0, 3)} purchases on average.${limit}${
        m.fit.converged ? '' : ` Its calibration fit did not converge (${m.fit.message ?? 'see the manifest'}), so it was not considered for the choice${anyConverged ? ': a model whose fit did not converge is never chosen over one whose fit did, whatever its error' : ''}.`
      }`,
    );
  }
  const spendModels = fitted.filter((m) => m.spendPredicted !== null);
  if (spendModels.length > 0) {
    narrative.push(
      `With Gamma-Gamma for the spend per purchase, holdout revenue was ${fmt.money(r.actualSpend)}; ${spendModels
        .map((m) => `${modelTitle(m.model)} predicted ${fmt.money(m.spendPredicted!)}${m.spendErrorPct === null ? '' : ` (${signed(fmt, m.spendErrorPct)})`}, off by ${fmt.moneyPrecise(m.spendMae ?? 0)} per customer on average`)
        .join('; ')}.`,
    );
  } else {
    narrative.push(
      r.spendReason === NO_AMOUNTS
        ? 'Spend was not checked: the orders have no amounts.'
        : `Spend was not checked: Gamma-Gamma could not be fitted on the calibration period (${r.spendReason ?? 'no reason given'}).`,
    );
  }
  const usedTitle = modelTitle(o.used);
  if (o.modelFixed) {
    narrative.push(
      `The purchase model was set with --clv-model (or clv.model in the config), so the Customer value section uses ${usedTitle} whatever the backtest finds${r.best ? `; the backtest favours ${modelTitle(r.best)}, because ${r.why}` : ` (${r.why})`}.`,
    );
  } else if (r.best) {
    narrative.push(`${usedTitle} is used for the Customer value projections, refitted on all orders up to ${r.asOf}, because ${r.why}.`);
  } else {
    narrative.push(`The Customer value section keeps its default model, ${usedTitle}, because ${r.why}.`);
  }
  const best = r.models.find((m) => m.model === r.best);
  if (best && best.aggregateErrorPct !== null) {
    const e = Math.abs(best.aggregateErrorPct);
    const level =
      e < 5
        ? `The chosen model's total was within ${fmt.decimal(e, 1)}% of what happened: a close fit, so its projections can be relied on as a central estimate (individual customers vary far more than the total).`
        : e < 15
          ? `The chosen model's total was ${fmt.decimal(e, 1)}% off: fair, so read its projections as approximate.`
          : `Even the chosen model's total was ${fmt.decimal(e, 1)}% off: the projections should be treated with caution.`;
    narrative.push(r.actualPurchases < 100 ? `${level} The holdout has only ${fmt.integer(r.actualPurchases)} repeat purchases, so these errors are rough.` : level);
  }

  const series = ['Actual', ...fitted.map((m) => modelTitle(m.model))];
  const cumulative: TrackingValue[] = [];
  const weekly: TrackingValue[] = [];
  for (const t of r.tracking) {
    cumulative.push({ week: t.week, series: 'Actual', value: t.actualCumulative });
    weekly.push({ week: t.week, series: 'Actual', value: t.actualWeekly });
    for (const m of fitted) {
      cumulative.push({ week: t.week, series: modelTitle(m.model), value: t.predictedCumulative[m.model] ?? 0 });
      weekly.push({ week: t.week, series: modelTitle(m.model), value: t.predictedWeekly[m.model] ?? 0 });
    }
  }
  const freq: FrequencyValue[] = [];
  for (const f of r.frequency) {
    const label = f.frequency >= MAX_FREQUENCY_BIN ? `${MAX_FREQUENCY_BIN}+` : String(f.frequency);
    freq.push({ frequency: label, order: f.frequency, series: 'Actual', value: f.actual, customers: f.customers });
    for (const m of fitted) freq.push({ frequency: label, order: f.frequency, series: modelTitle(m.model), value: f.predicted[m.model] ?? 0, customers: f.customers });
  }
  const charts =
    fitted.length > 0
      ? {
          chart: {
            spec: trackingSpec(cumulative, { series, calibrationEnd: r.calibrationEnd, cumulative: true }),
            caption: `Cumulative repeat purchases of the customers who bought by ${r.calibrationEnd}, actual and expected by each model; the dotted rule marks the calibration end. The models' holdout curves do not use each customer's history, unlike the holdout totals above.`,
          },
          extraCharts: [
            { spec: trackingSpec(weekly, { series, calibrationEnd: r.calibrationEnd, cumulative: false }), caption: 'Repeat purchases per week, actual and expected by each model.' },
            {
              spec: holdoutByFrequencySpec(freq, { series }),
              caption: `Mean purchases in the holdout by repeat purchases in the calibration period (${MAX_FREQUENCY_BIN}+ pools ${MAX_FREQUENCY_BIN} or more), actual and predicted from each customer's history.`,
            },
          ],
        }
      : {};
  return {
    id: BACKTEST_SECTION_ID,
    title: TITLE,
    narrative,
    cards: [
      { label: 'Holdout repeat purchases', value: fmt.integer(r.actualPurchases), detail: `${addDays(r.calibrationEnd, 1)} to ${r.asOf}` },
      ...fitted.map((m) => ({
        label: `${modelTitle(m.model)} predicted`,
        value: fmt.decimal(m.predicted!, 0),
        detail: m.aggregateErrorPct === null ? 'no holdout purchases to compare with' : `${signed(fmt, m.aggregateErrorPct)} against actual`,
      })),
      { label: 'Model used', value: usedTitle, detail: o.modelFixed ? 'set with --clv-model' : r.best ? 'chosen by the backtest' : 'default (no model could be checked)' },
    ],
    ...charts,
    bullets: [
      `Calibration fits: ${r.models.map((m) => (m.fit ? `${modelTitle(m.model)}${m.fit.limit ? ` (${limitName(m.fit.limit.id)} limit)` : ''} log-likelihood ${fmt.decimal(m.fit.logLikelihood, 2)}, AIC ${fmt.decimal(m.fit.aic, 2)}${m.fit.converged ? '' : ', not converged'}` : `${modelTitle(m.model)} not fitted`)).join('; ')}. Higher log-likelihood and lower AIC fit the calibration data better, but they do not decide: the holdout error does.`,
      'The sBG model of contractual businesses (--business contractual) is not backtested.',
      'The per-week figures are in data/backtest.csv (cumulative, by week start date) and the per-model figures in data/backtest_summary.csv.',
    ],
    table: {
      caption: 'Holdout backtest per purchase model: calibration fit, holdout purchases and spend against actual.',
      open: true,
      csvName: 'backtest_table.csv',
      columns: [
        { key: 'model', label: 'Model', kind: 'text' },
        { key: 'log_likelihood', label: 'Log-likelihood', kind: 'decimal' },
        { key: 'aic', label: 'AIC', kind: 'decimal' },
        { key: 'predicted', label: 'Predicted purchases', kind: 'decimal' },
        { key: 'aggregate_error', label: 'Aggregate error', kind: 'percent' },
        { key: 'mae_per_customer', label: 'MAE per customer', kind: 'decimal' },
        { key: 'spend_error', label: 'Spend error', kind: 'percent' },
        { key: 'spend_mae', label: 'Spend MAE per customer', kind: 'money2' },
        { key: 'chosen', label: 'Used', kind: 'boolean' },
        { key: 'converged', label: 'Converged', kind: 'boolean' },
        { key: 'limit', label: 'Limit taken', kind: 'text' },
      ],
      rows: r.models.map((m) => ({
        model: modelTitle(m.model),
        log_likelihood: m.fit?.logLikelihood ?? null,
        aic: m.fit?.aic ?? null,
        predicted: m.predicted,
        aggregate_error: m.aggregateErrorPct === null ? null : m.aggregateErrorPct / 100,
        mae_per_customer: m.mae,
        spend_error: m.spendErrorPct === null ? null : m.spendErrorPct / 100,
        spend_mae: m.spendMae,
        chosen: m.model === o.used,
        converged: m.fit?.converged ?? false,
        limit: m.fit?.limit ? limitName(m.fit.limit.id) : null,
      })),
    },
    definitions: BACKTEST_DEFINITIONS,
  };
}
