/**
 * How the report names a data column in headings and sentences: the config's
 * `report.labels` when it names it, else the column in words
 * (`customer_type` → "customer type"; `channel` → "acquisition channel", as a
 * customer's channel is the one of their first order).
 */
export type ColumnLabels = Readonly<Record<string, string>>;

export function columnLabel(column: string, labels: ColumnLabels = {}): string {
  const named = labels[column];
  if (named !== undefined) return named;
  if (column === 'channel') return 'acquisition channel';
  // --segment-by first:<column>: the column's value on the customer's first order.
  if (column.startsWith('first:')) return `first-order ${column.slice('first:'.length).replace(/[_\s]+/g, ' ').trim()}`;
  return column.replace(/[_\s]+/g, ' ').trim();
}

/** Where a customer's value of a segment column of the orders comes from, in words (lib/engine/summarize.ts, Methods). */
export const FIRST_ORDER_ORIGIN = 'the value on their first order';
