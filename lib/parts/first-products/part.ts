/**
 * The first-products part: products of the first order ranked by their
 * customers' first-12-month net revenue, when the orders have a product column
 * (--map product=COL), with data/first_products.csv (compute.ts, present.ts).
 */
import type { ReportPart } from '../part.ts';
import { captureFirstProducts, computeFirstProducts, type FirstProductFigures } from './compute.ts';
import { presentFirstProducts } from './present.ts';

export const part: ReportPart<FirstProductFigures> = {
  id: 'first-products',
  needs: () => [],
  enabled: () => true,
  captureFacts: captureFirstProducts,
  compute: computeFirstProducts,
  present: presentFirstProducts,
};
