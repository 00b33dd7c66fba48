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
  /** Headline figures shown as cards (plain text; escaped when rendered). */
  cards?: { label: string; value: string; detail?: string }[];
  chart?: SectionChart;
  /** Further charts of the section, shown after the first. */
  extraCharts?: SectionChart[];
  table?: SectionTable;
  /** Bulleted notes (plain text). */
  bullets?: string[];
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
