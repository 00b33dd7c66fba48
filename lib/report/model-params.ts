/**
 * How fitted models are shown: the rows of data/model_params.csv, their table
 * in a report, and the plain-words reading of the parameters.
 */
import type { TimeUnit } from '../engine/customer-base.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import type { FitResult } from '../models/model.ts';
import { anyModel, type ModelId } from '../models/registry.ts';
import { retentionRate, type SbgParams } from '../models/sbg.ts';
import type { Formatters } from './format.ts';
import type { SectionTable } from './section.ts';

/** model_params.csv contract columns. */
export const MODEL_PARAMS_COLUMNS = ['model', 'parameter', 'value', 'std_error', 'ci_low', 'ci_high', 'fit_group'] as const;

/** fit_group of the fits on all customers (the others name the acquisition channel fitted on its own). */
export const ALL_CUSTOMERS_GROUP = 'all customers';

/** model_params.csv rows of one fitted model. */
export function modelParamRows(model: string, fit: FitResult, fitGroup: string = ALL_CUSTOMERS_GROUP): Record<string, unknown>[] {
  return Object.keys(fit.params).map((name) => ({
    model,
    parameter: name,
    value: fit.params[name],
    std_error: fit.stdErrors[name],
    ci_low: fit.ci95[name]?.[0] ?? null,
    ci_high: fit.ci95[name]?.[1] ?? null,
    fit_group: fitGroup,
  }));
}

/** The report table of model parameters (rows from {@link modelParamRows}). */
export function modelParamsTable(rows: Record<string, unknown>[], options: { withModel: boolean; open?: boolean; withGroup?: boolean }): SectionTable {
  return {
    caption: 'Model parameters: maximum-likelihood estimates with delta-method standard errors and 95% intervals.',
    open: options.open,
    columns: [
      ...(options.withModel ? [{ key: 'model', label: 'Model', kind: 'text' as const }] : []),
      ...(options.withGroup ? [{ key: 'fit_group', label: 'Fitted on', kind: 'text' as const }] : []),
      { key: 'parameter', label: 'Parameter', kind: 'text' },
      { key: 'value', label: 'Estimate', kind: 'decimal' },
      { key: 'std_error', label: 'Standard error', kind: 'decimal' },
      { key: 'ci_low', label: '95% low', kind: 'decimal' },
      { key: 'ci_high', label: '95% high', kind: 'decimal' },
    ],
    rows,
  };
}


/** Plain-words reading of fitted parameters: the model's own explanation (lib/models), or its parameters listed. */
export function explainFit(model: ModelId, fit: FitResult, unit: TimeUnit, fmt: Formatters, extra: { correlation?: number }): string[] {
  const m = anyModel(model);
  return m.explain?.(fit.params, { unit, words: fmt, correlation: extra.correlation, limit: fit.limit }) ?? [`${m.title} parameters: ${Object.entries(fit.params).map(([k, v]) => `${k} = ${fmt.decimal(v, 4)}`).join(', ')}.`];
}

/** Plain-words reading of a fitted sBG (contractual retention per period). */
export function explainSbg(fit: FitResult, period: PeriodUnit, fmt: Formatters): string[] {
  const p = fit.params as unknown as SbgParams;
  const r1 = retentionRate(p, 1);
  const r12 = retentionRate(p, 12);
  return [
    `Each customer has their own chance of stopping at the end of every ${period}; these chances vary between customers as a beta distribution (α = ${fmt.decimal(p.alpha, 4)}, β = ${fmt.decimal(p.beta, 4)}), with a mean of α/(α+β) = ${fmt.percent(p.alpha / (p.alpha + p.beta))}.`,
    `So retention rises with tenure although no customer's own chance changes: ${fmt.percent(r1)} of customers keep ordering into their second ${period}, and ${fmt.percent(r12)} of those still ordering after 11 ${period}s go on into the 12th, because the customers most likely to stop leave first.`,
  ];
}

