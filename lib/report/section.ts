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
}

export interface Section {
  /** Anchor id, lowercase with dashes. */
  id: string;
  title: string;
  /** Sentences computed from the numbers (plain text; escaped when rendered). */
  narrative: string[];
  /** Headline figures shown as cards (plain text; escaped when rendered). */
  cards?: { label: string; value: string; detail?: string }[];
  chart?: {
    /** The Vega-Lite spec the SVG was rendered from. */
    spec: object;
    /** Static SVG rendered from the spec (trusted: produced by Vega, which escapes text). */
    svg: string;
    caption: string;
  };
  /** Further charts of the section, shown after the first. */
  extraCharts?: { spec: object; svg: string; caption: string }[];
  table?: SectionTable;
  /** Bulleted notes (plain text). */
  bullets?: string[];
  /** Definition list (plain text). */
  definitions?: { term: string; definition: string }[];
}
