/** The parts a report is made of: an ordered list of sections ("cells"). */

/** How a table column's values are shown. */
export type ColumnKind = 'text' | 'integer' | 'money' | 'money2' | 'percent' | 'decimal' | 'boolean' | 'link';

export interface TableColumn {
  key: string;
  label: string;
  kind: ColumnKind;
}

export interface SectionTable {
  caption: string;
  columns: TableColumn[];
  rows: Record<string, unknown>[];
  /** Shown under the table, e.g. where the full data is. */
  note?: string;
  /** Show the table expanded (for reports where the table is the main content). */
  open?: boolean;
  /** File name offered by the table's CSV download link (default: the section id + `.csv`). */
  csvName?: string;
}

/** A chart with several series (cohorts, segments): the reader can pick one to highlight. */
export interface ChartSeries {
  /** The series field's title as it appears in the marks' tooltips, e.g. `Cohort`. */
  title: string;
  /** The series values, in the order offered. */
  values: string[];
}

/** A chart of a section, with its Vega-Lite spec and the SVG rendered from it. */
export interface SectionChart {
  /** The Vega-Lite spec the SVG was rendered from. */
  spec: object;
  /** Static SVG rendered from the spec (trusted: produced by Vega, which escapes text). */
  svg: string;
  caption: string;
  /** Offer a picker that highlights one series (needs JavaScript; the chart reads fully without it). */
  series?: ChartSeries;
}

/** One measure of a cohort matrix: a value per cohort (row) and offset (column). */
export interface CohortMatrixView {
  /** The switch's label, e.g. "% retained". */
  label: string;
  kind: 'percent' | 'money';
  /** Digits after the decimal point. */
  digits: number;
  /** Per row, per offset: the value, `partial` when its period was not over at the as-of date, `projected` by the models; null: not reached. */
  cells: ({ v: number; partial?: boolean; projected?: boolean } | null)[][];
  /** Offsets whose cells are not shaded (offset 0 of retention is 100% by definition). */
  unshaded?: number[];
}

/** The cohort table the way SaaS cohort screens show it: cohorts down, offsets across, numbers in shaded cells. */
export interface CohortMatrix {
  caption: string;
  /** Title over the offset columns, e.g. "Months since first order". */
  offsetTitle: string;
  offsets: number[];
  rows: { cohort: string; customers: number; repeatRate: number | null }[];
  /** Further figures per row (other parts' cohort columns, such as CAC), shown after the size. */
  extra?: { label: string; kind: ColumnKind; values: (number | null)[] }[];
  /** One or two measures; the page switches between them, print shows each. */
  views: CohortMatrixView[];
  note?: string;
}

/** A titled group of method entries (formulas, assumptions) in Methods & assumptions. */
export interface DefinitionGroup {
  title: string;
  definitions: { term: string; definition: string }[];
}

export interface Section {
  /** Anchor id, lowercase with dashes. */
  id: string;
  title: string;
  /** Sentences computed from the numbers (plain text; escaped when rendered). */
  narrative: string[];
  /** Headline figures shown as cards (plain text; escaped when rendered); `href`: the section a card comes from (#id). */
  cards?: { label: string; value: string; detail?: string; href?: string }[];
  /** Findings that each link to the section they come from (the Summary). */
  findings?: { sentence: string; href: string; linkText: string }[];
  chart?: SectionChart;
  /** Further charts of the section, shown after the first. */
  extraCharts?: SectionChart[];
  table?: SectionTable;
  /** Bulleted notes (plain text). */
  bullets?: string[];
  /** A numeric cohort table (shown before the charts). */
  matrix?: CohortMatrix;
  /** Model parameters and fit statistics in words, shown in a collapsed "For analysts" block (plain text). */
  analysts?: string[];
  /**
   * How the section's figures are computed (plain text). In the full report these
   * entries are gathered into the closing Methods & assumptions section, under the
   * section's title (see lib/report/methods.ts).
   */
  definitions?: { term: string; definition: string }[];
  /** Titled definition lists (used by Methods & assumptions). */
  groups?: DefinitionGroup[];
}

/** A section before its chart is rendered. */
export type SectionDraft = Omit<Section, 'chart' | 'extraCharts'> & {
  chart?: Omit<SectionChart, 'svg'>;
  extraCharts?: Omit<SectionChart, 'svg'>[];
};
