/** Shared chart settings: sizes, fonts and colour-blind-safe palettes. */

/** Okabe–Ito palette (colour-blind safe) for categories such as channels and segments. */
export const CATEGORY_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Colour of the emphasised average line. */
export const AVERAGE_COLOR = '#1a1a1a';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 280;

/** Vega-Lite config used by every chart. */
export const CHART_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'transparent',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, grid: true, gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600 },
  title: { fontSize: 14, anchor: 'start' },
} as const;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
