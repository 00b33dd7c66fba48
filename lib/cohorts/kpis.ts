/**
 * Headline KPIs of a report (docs/formulas.md): customers, orders, net revenue,
 * AOV = revenue / orders, repeat-customer rate = share of customers with at
 * least one repeat purchase day (x ≥ 1), and the CRR of the latest complete period.
 */
import type { Totals } from '../engine/summarize.ts';
import type { CrrRow } from './crr.ts';

export interface Kpis {
  customers: number;
  orders: number;
  /** Net revenue: orders minus refunds. */
  revenue: number;
  /** Refunds (negative amounts), as a positive number. */
  refunds: number;
  aov: number;
  repeat_customer_rate: number;
  revenue_per_customer: number;
  /** CRR of the latest complete period with a defined CRR, or null. */
  latest_crr: { period: string; value: number } | null;
}

export function headlineKpis(t: Totals, crr: CrrRow[]): Kpis {
  const latest = [...crr].reverse().find((r) => r.complete && r.crr !== null);
  return {
    customers: t.customers,
    orders: t.orders,
    revenue: t.revenue,
    refunds: t.purchase_revenue - t.revenue,
    aov: t.orders > 0 ? t.revenue / t.orders : 0,
    repeat_customer_rate: t.customers > 0 ? t.repeat_customers / t.customers : 0,
    revenue_per_customer: t.customers > 0 ? t.revenue / t.customers : 0,
    latest_crr: latest ? { period: latest.period, value: latest.crr as number } : null,
  };
}
