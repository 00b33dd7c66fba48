/**
 * First products, presenting half (pure): the section "First products" (id
 * `first-products`): the products of the first order ranked by the mean net
 * revenue of their customers' first 12 months, with intervals, and
 * data/first_products.csv.
 */
import { segmentValueSpec } from '../../charts/segment-value-charts.ts';
import { INTERVAL_LEVEL } from '../../clv/segment-value.ts';
import type { SectionDraft } from '../../report/section.ts';
import type { PartOutput, PresentContext } from '../part.ts';
import { FIRST_PRODUCT_MONTHS, FIRST_PRODUCTS_COLUMNS, MIN_PRODUCT_CUSTOMERS, PRODUCT_BOOTSTRAP, TOP_PRODUCTS, type FirstProductFigures } from './compute.ts';

export function presentFirstProducts(f: FirstProductFigures, { fmt, currency }: PresentContext): PartOutput {
  if (f.column === null) return { sections: [] };
  const months = FIRST_PRODUCT_MONTHS;
  const top = f.rows.filter((r) => r.ranked).slice(0, TOP_PRODUCTS);
  const narrative: string[] = [];
  if (f.customers === 0) {
    narrative.push(`No customer's first ${months} months are over at the as-of date yet, so no product can be ranked.`);
  } else {
    narrative.push(
      `${fmt.integer(f.customers)} customers acquired up to ${f.acquiredBy} have had ${months} months since their first order; each is counted under every product of that order (column "${f.column}")${f.multiProduct > 0 ? `, and ${fmt.integer(f.multiProduct)} of them bought several products in it` : ''}.`,
    );
    const [best] = top;
    const last = top[top.length - 1];
    if (best && top.length >= 2) {
      narrative.push(
        `Of the ${fmt.integer(f.rows.filter((r) => r.ranked).length)} products that started at least ${MIN_PRODUCT_CUSTOMERS} customers, "${best.product}" brought the most: ${fmt.moneyPrecise(best.value_12m_mean)} of net revenue per customer in their first ${months} months (${fmt.integer(best.customers)} customers${best.value_12m_low !== null && best.value_12m_high !== null ? `, ${Math.round(INTERVAL_LEVEL * 100)}% interval ${fmt.moneyPrecise(best.value_12m_low)} to ${fmt.moneyPrecise(best.value_12m_high)}` : ''}); the ${top.length === TOP_PRODUCTS ? `${TOP_PRODUCTS}th` : 'last one shown'}, "${last.product}", ${fmt.moneyPrecise(last.value_12m_mean)}.`,
      );
    } else {
      narrative.push(`Fewer than two products started at least ${MIN_PRODUCT_CUSTOMERS} customers, so none is ranked; data/first_products.csv has every product.`);
    }
  }
  const section: SectionDraft = {
    id: 'first-products',
    title: 'First products',
    narrative,
    ...(top.length > 0
      ? {
          chart: {
            spec: segmentValueSpec(
              top.map((r) => ({ segment: r.product, customers: r.customers, clv_mean: r.value_12m_mean, clv_mean_low: r.value_12m_low, clv_mean_high: r.value_12m_high })),
              {
                column: 'first product',
                currency,
                horizonMonths: months,
                level: INTERVAL_LEVEL,
                measure: { title: `Net revenue per customer, first ${months} months (${currency})`, tooltip: `Mean, ${months} months`, phrase: `mean net revenue per customer of the first ${months} months in ${currency}` },
              },
            ),
            caption: `Mean net revenue of the customers' first ${months} months, by a product of their first order (the top ${top.length} with at least ${MIN_PRODUCT_CUSTOMERS} customers); the lines are ${Math.round(INTERVAL_LEVEL * 100)}% bootstrap intervals of the mean.`,
          },
          table: {
            caption: `Products of the first order with at least ${MIN_PRODUCT_CUSTOMERS} customers, by mean ${months}-month net revenue per customer (data/first_products.csv lists every product).`,
            columns: [
              { key: 'product', label: 'First product', kind: 'text' },
              { key: 'customers', label: 'Customers', kind: 'integer' },
              { key: 'value_12m_mean', label: `Mean, ${months} months`, kind: 'money2' },
              { key: 'value_12m_low', label: 'Interval low', kind: 'money2' },
              { key: 'value_12m_high', label: 'Interval high', kind: 'money2' },
              { key: 'value_12m_total', label: 'Total', kind: 'money' },
            ],
            rows: top.map((r) => ({ ...r })),
          },
        }
      : {}),
    definitions: [
      {
        term: 'First products',
        definition: `Customers whose first order is at least ${months} months before the as-of date (first order date + ${months} months ≤ the day after it). A customer's value is their net revenue (refunds included) from the day of the first order to the day before the same date ${months} months later; it counts under every product of the first order (the first row, in file order, of the first purchase day and, for order lines, every purchased line of that order), so a customer who bought several products counts under each. Ranked: products with at least ${MIN_PRODUCT_CUSTOMERS} such customers, by the mean, the top ${TOP_PRODUCTS} shown; interval: the ${Math.round(INTERVAL_LEVEL * 100)}% percentile interval of the mean over ${PRODUCT_BOOTSTRAP} resamples of the product's customers with replacement (seed 1), given for the products shown.`,
      },
    ],
  };
  return {
    sections: [section],
    files: [{ name: 'first_products.csv', columns: FIRST_PRODUCTS_COLUMNS, rows: f.rows as unknown as Record<string, unknown>[] }],
  };
}
