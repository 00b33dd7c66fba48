/**
 * Turns the Customer value and CAC flags of `clv report`, `clv view` and
 * `clv monthly` into the options of buildCohortReport: flags first, then the
 * config file, then the defaults. Light (no engine) so that `clv --help`
 * stays fast.
 */
import type { Argv } from 'yargs';
import { DEFAULT_HOLDOUT_MONTHS } from '../clv/backtest-options.ts';
import { BOOTSTRAP_METHODS, BUSINESS_TYPES, checkValueOptions, DEFAULT_VALUE_OPTIONS, type BootstrapMethod, type Business, type ValueOptions } from '../clv/value-options.ts';
import type { ReportConfig } from '../config/report-config.ts';
import { UserError } from '../errors.ts';
import type { CacOptions } from '../parts/cac/compute.ts';
import type { WinBackOptions } from '../segments/win-back.ts';
import { SURVEY_KINDS, type SurveyKind, type SurveysInput } from '../load/survey-kinds.ts';
import { parseMap } from './orders-options.ts';
import { DEFAULT_PURCHASE_MODEL, PURCHASE_MODEL_IDS, PURCHASE_MODELS, type PurchaseModelId } from '../models/registry.ts';

export interface ValueFlags {
  clv?: boolean;
  business?: Business;
  clvModel?: PurchaseModelId;
  horizonMonths?: number;
  annualDiscountRate?: number;
  bootstrap?: number;
  bootstrapSeed?: number;
  bootstrapMethod?: BootstrapMethod;
  minSegmentSize?: number;
  holdoutMonths?: number;
}

export interface CacFlags {
  spend?: string;
  customers?: string;
  attribution?: string;
}

/** The Customer value flags (no defaults here: the config and DEFAULT_VALUE_OPTIONS fill them in). */
export function valueFlags<T>(y: Argv<T>, options: { switch: boolean } = { switch: true }) {
  const b = options.switch ? y.option('clv', { type: 'boolean', describe: 'Include the Customer value section (CLV models; default on); --no-clv leaves it out', group: 'Customer value:' }) : y;
  return b
    .option('business', { choices: BUSINESS_TYPES as readonly Business[] as Business[], describe: 'non-contractual (default): customers buy when they like (a purchase model, --clv-model); contractual: subscriptions, a customer is retained while they order in every period (sBG)', group: 'Customer value:' })
    .option('clv-model', { choices: PURCHASE_MODEL_IDS, describe: `Purchase model for non-contractual businesses: ${PURCHASE_MODEL_IDS.map((id) => `${id} (${PURCHASE_MODELS[id].title})`).join(', ')}; default: the one the holdout backtest chooses, else ${DEFAULT_PURCHASE_MODEL}`, group: 'Customer value:' })
    .option('horizon-months', { type: 'number', describe: 'Months of future purchases counted in CLV (default 12)', group: 'Customer value:' })
    .option('annual-discount-rate', { type: 'number', describe: 'Yearly discount rate (default 0.1)', group: 'Customer value:' })
    .option('bootstrap', { type: 'number', describe: 'Bootstrap replicates behind the 90% intervals of Projected value by segment (default 100, or 0 above 50,000 customers unless --bootstrap-method parametric; 0 = no intervals)', group: 'Customer value:' })
    .option('bootstrap-method', { choices: BOOTSTRAP_METHODS as readonly BootstrapMethod[] as BootstrapMethod[], describe: 'refit (default): each replicate resamples the customers and refits the models; parametric: resamples them and draws the fitted parameters from their asymptotic normal instead of refitting (faster with many customers; given alone above 50,000 customers it switches the bootstrap on)', group: 'Customer value:' })
    .option('min-segment-size', { type: 'number', describe: 'Segments with fewer customers are shown in Projected value by segment but not ranked or named the most or least valuable; their intervals are marked unreliable (default 30; config clv.min_segment_size)', group: 'Customer value:' })
    .option('bootstrap-seed', { type: 'number', describe: 'Seed of the bootstrap (default 1): the same seed gives the same intervals', group: 'Customer value:' })
    .option('holdout-months', { type: 'number', describe: `Holdout backtest: fit the purchase models on the orders up to the as-of date minus N months, predict the rest, and use the better model unless --clv-model is given (default ${DEFAULT_HOLDOUT_MONTHS}; 0 = off)`, group: 'Customer value:' });
}

/** The spend / attribution flags of the CAC sections. */
export function cacFlags<T>(y: Argv<T>) {
  return y
    .option('spend', { type: 'string', describe: 'Spend file (period, channel, spend; optional cost_type, currency): adds CAC by channel and unit economics', group: 'Unit economics:' })
    .option('customers', { type: 'string', describe: 'Customer attributes file (customer_id plus columns): its columns can be --segment-by segments and the --attribution channel', group: 'Unit economics:' })
    .option('attribution', { type: 'string', describe: 'Acquisition channel of a customer: first-order (channel of the first order) or customers:<column> (default first-order)', group: 'Unit economics:' });
}

/** Customer value options: flags, then the config's `clv` key, then the defaults. */
export function valueOptions(args: ValueFlags, config: ReportConfig, margin: number | undefined): ValueOptions | false {
  const c = config.clv ?? {};
  if (!(args.clv ?? c.enabled ?? true)) return false;
  const d = DEFAULT_VALUE_OPTIONS;
  const o: ValueOptions = {
    business: args.business ?? c.business ?? d.business,
    model: args.clvModel ?? c.model ?? d.model,
    timeUnit: c.time_unit ?? d.timeUnit,
    horizonMonths: args.horizonMonths ?? c.horizon_months ?? d.horizonMonths,
    annualDiscountRate: args.annualDiscountRate ?? c.annual_discount_rate ?? d.annualDiscountRate,
    margin,
    bootstrap: args.bootstrap ?? c.bootstrap,
    bootstrapSeed: args.bootstrapSeed ?? c.bootstrap_seed,
    bootstrapMethod: args.bootstrapMethod ?? c.bootstrap_method,
    minSegmentSize: args.minSegmentSize ?? c.min_segment_size,
  };
  checkValueOptions(o);
  return o;
}

/** CAC options from the flags, then the config; undefined without a spend file. */
export function cacOptions(args: CacFlags, config: ReportConfig, margin: number | undefined): CacOptions | undefined {
  const spend = args.spend ?? config.spend?.path;
  const customers = args.customers ?? config.customers?.path;
  const attribution = args.attribution ?? config.attribution;
  if (spend === undefined) {
    if (args.attribution !== undefined) {
      throw new UserError('--attribution: sets the acquisition channel of the CAC sections, which need a spend file too (--spend FILE)');
    }
    return undefined;
  }
  const ue = config.unit_economics ?? {};
  return {
    spend,
    customers,
    attribution,
    margin,
    channelMargins: ue.channel_margins,
    costToServe: ue.cost_to_serve,
    channelCostToServe: ue.channel_cost_to_serve,
    expectedLifetimeYears: ue.expected_lifetime_years,
  };
}

export interface SurveyFlags {
  surveys?: string;
  surveyKind?: SurveyKind;
  surveyMap?: string[];
  surveyDateFormat?: string;
}

/** The survey flags (Survey scores section, nps_band / csat_band segments). */
export function surveyFlags<T>(y: Argv<T>) {
  return y
    .option('surveys', { type: 'string', describe: 'Survey answers file (customer_id, date, score): adds Survey scores (NPS or CSAT per period, value per band) and the segment column nps_band / csat_band', group: 'Surveys:' })
    .option('survey-kind', { choices: SURVEY_KINDS as readonly SurveyKind[] as SurveyKind[], describe: 'nps: scores 0–10 (promoter 9–10, passive 7–8, detractor 0–6; default); csat: scores 1–5 (satisfied 4–5)', group: 'Surveys:' })
    .option('survey-map', { type: 'string', array: true, describe: 'Map a survey column: --survey-map score=Rating (also customer_id, date)', group: 'Surveys:' })
    .option('survey-date-format', { type: 'string', describe: 'Pattern of survey dates that are not ISO 8601, e.g. dd/MM/yyyy', group: 'Surveys:' });
}

/** The survey input: flags, then the config's `surveys`; undefined without a file. */
export function surveysInput(args: SurveyFlags, config: ReportConfig): SurveysInput | undefined {
  const c = config.surveys;
  const path = args.surveys ?? c?.path;
  if (path === undefined) {
    if (args.surveyKind !== undefined || args.surveyMap !== undefined || args.surveyDateFormat !== undefined) {
      throw new UserError('--survey-kind/--survey-map/--survey-date-format: describe a survey file, so they need one (--surveys FILE, or surveys.path in the config)');
    }
    return undefined;
  }
  const map = { ...(args.surveys === undefined ? (c?.map ?? {}) : {}), ...parseMap(args.surveyMap, '--survey-map', 'score=Rating') };
  return { path, kind: args.surveyKind ?? (args.surveys === undefined ? c?.kind : undefined) ?? 'nps', map, dateFormat: args.surveyDateFormat ?? (args.surveys === undefined ? c?.date_format : undefined) };
}

export interface WinBackFlags {
  winBackPAlive?: number;
  winBackTopShare?: number;
}

/** The win-back list flags (no defaults here: the config's clv.win_back and DEFAULT_WIN_BACK fill them in). */
export function winBackFlags<T>(y: Argv<T>) {
  return y
    .option('win-back-p-alive', { type: 'number', describe: 'Win-back list: high-value customers with P(alive) below this (default 0.3)', group: 'Win back:' })
    .option('win-back-top-share', { type: 'number', describe: 'Win-back list: share of customers, by net revenue, counted as high value (default 0.2 = top 20%)', group: 'Win back:' });
}

/** Win-back options: flags, then the config's `clv.win_back`; unset keys take DEFAULT_WIN_BACK. */
export function winBackOptions(args: WinBackFlags, config: ReportConfig): Partial<WinBackOptions> {
  const c = config.clv?.win_back ?? {};
  const pAliveBelow = args.winBackPAlive ?? c.p_alive;
  const topShare = args.winBackTopShare ?? c.top_share;
  if (pAliveBelow !== undefined && !(pAliveBelow > 0 && pAliveBelow <= 1)) throw new UserError(`--win-back-p-alive ${pAliveBelow}: expected a probability such as 0.3 (0 < p ≤ 1)`);
  if (topShare !== undefined && !(topShare > 0 && topShare <= 1)) throw new UserError(`--win-back-top-share ${topShare}: expected a fraction of customers such as 0.2 (0 < share ≤ 1)`);
  return { ...(pAliveBelow !== undefined ? { pAliveBelow } : {}), ...(topShare !== undefined ? { topShare } : {}) };
}
