/**
 * Customer value of a subscription business (`--business contractual`), the
 * computing half: the sBG fitted on retention from activity, the observed and
 * fitted survival, and every current subscriber's value (`subscriber_scores`,
 * and the view `customer_scores` over it). The report's Customer value part
 * presents it (lib/parts/customer-value/).
 */
import { exactAvg, exactSum, type Database } from '../engine/database.ts';
import type { PeriodUnit } from '../engine/periods.ts';
import { UserError } from '../errors.ts';
import type { FitResult } from '../models/model.ts';
import { discountedExpectedLifetime, type SbgParams } from '../models/sbg.ts';
import { contractualData, fitContractual, periodHorizon, pooledSurvival, scoreSubscribers, survivalCurve, type ContractualData } from './contractual.ts';

/** Bars of the value histogram (the last collects the top 1%). */
export const HISTOGRAM_BINS = 25;

export interface ContractualFigures {
  data: ContractualData;
  fit: FitResult;
  totals: { customers: number; retained: number; total: number; mean: number; median: number | null; p99: number | null; periods: number };
  histogram: { start: number; end: number; customers: number; last: boolean }[];
  curve: ReturnType<typeof survivalCurve>;
  observed: ReturnType<typeof pooledSurvival>;
  horizon: { periods: number; discount: number };
  /** Discounted expected lifetime of a new subscriber, in periods. */
  lifetime: number;
}

export async function computeContractual(
  db: Database,
  o: { period: PeriodUnit; asOf: string; horizonMonths: number; annualDiscountRate: number; margin?: number },
): Promise<ContractualFigures | { failed: string }> {
  const data = await contractualData(db, { period: o.period, asOf: o.asOf });
  let fit;
  try {
    fit = fitContractual(data);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { failed: err.message };
  }
  const params = fit.params as unknown as SbgParams;
  await scoreSubscribers(db, params, { period: o.period, asOf: o.asOf, horizonMonths: o.horizonMonths, annualDiscountRate: o.annualDiscountRate, margin: o.margin ?? 1 });
  const [totals] = await db.rows<ContractualFigures['totals']>(`
    SELECT CAST(count(*) AS INTEGER) AS customers, CAST(count(*) FILTER (WHERE retained) AS INTEGER) AS retained,
           ${exactSum('clv')} AS total, coalesce(${exactAvg('CASE WHEN retained THEN clv END')}, 0) AS mean,
           quantile_disc(clv, 0.5) FILTER (WHERE retained) AS median, quantile_disc(clv, 0.99) FILTER (WHERE retained) AS p99,
           coalesce(${exactAvg('CASE WHEN retained THEN expected_periods END')}, 0) AS periods
    FROM subscriber_scores`);
  const width = (totals.p99 ?? 0) > 0 ? (totals.p99 as number) / HISTOGRAM_BINS : 1;
  const hist = await db.rows<{ bin: number; customers: number }>(`
    SELECT CAST(least(floor(clv / ${width}), ${HISTOGRAM_BINS}) AS INTEGER) AS bin, CAST(count(*) AS INTEGER) AS customers
    FROM subscriber_scores WHERE retained GROUP BY ALL ORDER BY ALL`);
  const horizon = periodHorizon(o.period, o.horizonMonths, o.annualDiscountRate);
  return {
    data,
    fit,
    totals,
    histogram: hist.map((b) => ({ start: b.bin * width, end: (b.bin + 1) * width, customers: b.customers, last: b.bin === HISTOGRAM_BINS })),
    curve: survivalCurve(data, params, 12),
    observed: pooledSurvival(data),
    horizon,
    lifetime: discountedExpectedLifetime(params, horizon.discount),
  };
}
