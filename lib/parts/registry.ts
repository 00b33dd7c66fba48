/**
 * The ordered registry of the report's parts (lib/parts/part.ts) and of their
 * views. The order of PARTS is the order of the report; each part names the
 * views that show its sections: a view is something an analyst can regenerate
 * alone (`clv view <name>`) or pick for the report (`--sections`,
 * `report.sections` in the config). A view renders through the same pipeline
 * and renderer as the report (lib/run/build-report.ts) and writes the same
 * contract (index.html, data/, manifest.json), keeping only its own
 * section(s), its data files and its Methods & assumptions.
 *
 * Adding a part is a folder lib/parts/<name>/ (compute + present + part.ts)
 * and one entry here. This module is light (the parts themselves are loaded
 * on demand) so the config and `clv --help` can read the views.
 */
import { UserError } from '../errors.ts';
import type { ReportPart } from './part.ts';

/** Options of `clv view` that a view may accept (the input options --config, --orders, --map, --date-format, --as-of always apply). */
export type ViewOption = 'period' | 'segment-by' | 'range' | 'metric' | 'clv' | 'spend' | 'win-back' | 'surveys';

export interface ViewEntry {
  /** Name on the command line and in `report.sections`: lowercase, dashes. */
  name: string;
  /** Heading-like title, e.g. "Retention by cohort". */
  title: string;
  /** One sentence for `clv view --list` and `--help`. */
  describe: string;
  /** Ids of the section drafts this view shows; a trailing `*` matches a prefix (e.g. `segment-*`). */
  sections: string[];
  /** Exploring options that change this view. */
  options: ViewOption[];
  /** Alternative measures (`--metric`); the first is the default. */
  metrics?: { name: string; describe: string }[];
  /** Files under data/ that hold this view's numbers (written by `clv view`). */
  data: string[];
  /** Said when the view has nothing to show with the options given (e.g. segments without --segment-by). */
  needs?: string;
  /** True when it shows nothing but money: left out (and named at the top of the report) when the orders have no amounts. */
  money?: true;
  /** Example command line (after `clv view`). */
  example?: string;
}

/** A part of the report: its name, its views and its implementation (loaded on demand). */
export interface PartEntry {
  id: string;
  views: ViewEntry[];
  load(): Promise<ReportPart<unknown>>;
}

/** The parts, in report order (Methods & assumptions closes every report; What changed opens a monthly one). */
export const PARTS: PartEntry[] = [
  {
    id: 'cohorts',
    views: [
      {
        name: 'headline',
        title: 'Headline figures',
        describe: 'Customers, orders, net revenue, AOV, repeat-customer rate and the latest CRR.',
        sections: ['headline'],
        options: ['period'],
        data: [],
        example: 'headline --orders shop.csv --as-of 2024-06-30',
      },
      {
        name: 'retention',
        title: 'Retention by cohort',
        describe: 'The retention triangle: share of each cohort active (or revenue kept) in each period after joining.',
        sections: ['retention-triangle'],
        options: ['period', 'range', 'metric'],
        metrics: [
          { name: 'customers', describe: 'share of the cohort\'s customers who ordered in the period' },
          { name: 'revenue', describe: "net revenue in the period as a share of the cohort's first period" },
        ],
        data: ['cohort_retention.csv'],
        example: 'retention --orders shop.csv --from 2023-01 --to 2023-06 --metric revenue',
      },
      {
        name: 'curves',
        title: 'Retention curves',
        describe: 'One retention curve per cohort and the size-weighted average.',
        sections: ['retention-curves'],
        options: ['period', 'range'],
        data: ['cohort_retention.csv', 'retention_curve.csv'],
        example: 'curves --orders shop.csv --period quarter',
      },
      {
        name: 'revenue',
        title: 'Revenue retention',
        describe: "Revenue of each cohort per period as a share of its first period's, with the average.",
        sections: ['revenue-retention'],
        money: true,
        options: ['period', 'range'],
        data: ['cohort_retention.csv', 'retention_curve.csv'],
      },
      {
        name: 'cumulative',
        title: 'Cumulative revenue per customer',
        describe: 'Net revenue per customer accumulated since the first order, per cohort and on average.',
        sections: ['cumulative-revenue'],
        money: true,
        options: ['period', 'range'],
        data: ['cohort_retention.csv', 'retention_curve.csv'],
      },
      {
        name: 'crr',
        title: 'Customer retention rate (CRR)',
        describe: 'CRR = (E − N) ÷ S per period; --from/--to limit the periods shown.',
        sections: ['crr'],
        options: ['period', 'range'],
        data: ['crr.csv'],
      },
      {
        name: 'segments',
        title: 'Retention by segment',
        describe: 'Average retention curve per value of each --segment-by column (channel = acquisition channel).',
        sections: ['segment-*'],
        options: ['period', 'segment-by', 'range'],
        data: ['cohort_retention_by_segment.csv'],
        needs: 'name the columns to segment by with --segment-by (e.g. --segment-by channel,region)',
        example: 'segments --orders shop.csv --segment-by channel,region --from 2023-01',
      },
    ],
    load: async () => (await import('./cohorts/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'lifecycle',
    views: [
      {
        name: 'lifecycle',
        title: 'Growth accounting',
        describe: 'Per period, active customers split into new, retained and reactivated, the churned ones, the same for net revenue (with expansion and contraction), and the quick ratios.',
        sections: ['lifecycle'],
        options: ['period', 'range'],
        data: ['lifecycle.csv'],
        example: 'lifecycle --orders data/sample/orders.csv --from 2024-01',
      },
    ],
    load: async () => (await import('./lifecycle/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'first-products',
    views: [
      {
        name: 'first-products',
        title: 'First products',
        describe: "Products of the customers' first orders ranked by their first 12 months' net revenue per customer, with customers counted and 90% intervals (needs a product column).",
        sections: ['first-products'],
        options: [],
        data: ['first_products.csv'],
        needs: 'needs amounts and a product column in the orders (--map product=COL)',
        example: 'first-products --orders lines.csv --map order_id=InvoiceNo --map product=StockCode',
      },
    ],
    load: async () => (await import('./first-products/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'customer-value',
    views: [
      {
        name: 'customer-value',
        title: 'Customer value',
        describe: 'Projected CLV from the chosen purchase model and Gamma-Gamma, or sBG for subscriptions (--business contractual), P(alive), fitted parameters, the simple formulas.',
        sections: ['customer-value'],
        options: ['clv'],
        data: ['model_params.csv'],
        example: 'customer-value --orders shop.csv --horizon-months 24 --margin 0.35',
      },
    ],
    load: async () => (await import('./customer-value/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'backtest',
    views: [
      {
        name: 'backtest',
        title: 'Holdout backtest',
        describe: 'Every purchase model fitted on all but the last --holdout-months months, checked against them: tracking plot, holdout purchases by frequency, errors, log-likelihood and AIC; the better model is used for Customer value.',
        sections: ['backtest'],
        options: ['clv'],
        data: ['backtest.csv', 'backtest_summary.csv'],
        example: 'backtest --orders shop.csv --holdout-months 9',
      },
    ],
    load: async () => (await import('./backtest/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'segment-value',
    views: [
      {
        name: 'segment-value',
        title: 'Projected value by segment',
        describe: 'Projected CLV per segment (--segment-by; default the acquisition channel) with 90% bootstrap intervals, the simple formula and the value realized so far.',
        sections: ['segment-value'],
        money: true,
        options: ['segment-by', 'clv'],
        data: ['segment_clv.csv'],
        example: 'segment-value --orders shop.csv --segment-by channel,region --bootstrap 200 --bootstrap-seed 7',
      },
    ],
    load: async () => (await import('./segment-value/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'cac',
    views: [
      {
        name: 'cac',
        title: 'CAC by channel',
        describe: 'Spend, new customers and CAC = spend ÷ new customers per acquisition channel and month (or quarter), with the blended CAC.',
        sections: ['cac-by-channel', 'spend-and-customers'],
        money: true,
        options: ['period', 'spend'],
        data: ['cac_by_channel.csv'],
        needs: 'needs a spend file: --spend FILE (or spend.path in the config)',
        example: 'cac --orders data/sample/orders.csv --spend data/sample/spend.csv --period quarter',
      },
      {
        name: 'ltv-cac',
        title: 'LTV:CAC by channel',
        describe: 'Realized 12-month and projected LTV per acquired customer over CAC, per channel, with the 3:1 rule of thumb.',
        sections: ['ltv-cac'],
        money: true,
        options: ['spend', 'clv'],
        data: ['unit_economics.csv'],
        needs: 'needs a spend file: --spend FILE (or spend.path in the config)',
        example: 'ltv-cac --config clv.config.json --margin 0.4',
      },
      {
        name: 'payback',
        title: 'CAC payback',
        describe: 'Cumulative gross margin per acquired customer by months since acquisition, per channel, against its CAC.',
        sections: ['cac-payback'],
        money: true,
        options: ['spend'],
        data: ['unit_economics.csv'],
        needs: 'needs a spend file: --spend FILE (or spend.path in the config)',
        example: 'payback --orders data/sample/orders.csv --spend data/sample/spend.csv --margin 0.35',
      },
      {
        name: 'unit-economics',
        title: 'Unit economics',
        describe: 'Per channel: new customers, spend, CAC, LTV at 3/6/12/24 months, projected LTV, LTV:CAC, payback and profit CLV.',
        sections: ['unit-economics'],
        money: true,
        options: ['spend', 'clv'],
        data: ['unit_economics.csv'],
        needs: 'needs a spend file: --spend FILE (or spend.path in the config)',
        example: 'unit-economics --config clv.config.json',
      },
    ],
    load: async () => (await import('./cac/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'rfm',
    views: [
      {
        name: 'rfm',
        title: 'RFM segments',
        describe: 'Recency, frequency and monetary quintile scores per customer and named segments (Champions … Lost), with revenue, P(alive) and projected CLV per segment.',
        sections: ['rfm-segments'],
        options: ['clv'],
        data: ['rfm_segments.csv', 'rfm_customers.csv'],
        example: 'rfm --orders data/sample/orders.csv',
      },
      {
        name: 'win-back',
        title: 'Win back',
        describe: 'High-value customers who are probably gone (P(alive) below a threshold, or lapsed without the models), ranked by value at stake, per segment and channel.',
        sections: ['win-back'],
        money: true,
        options: ['clv', 'win-back'],
        data: ['win_back.csv'],
        example: 'win-back --orders data/sample/orders.csv --win-back-p-alive 0.2',
      },
    ],
    load: async () => (await import('./rfm/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'surveys',
    views: [
      {
        name: 'surveys',
        title: 'Survey scores',
        describe: 'NPS (or CSAT) per period from a survey file, and per band of the latest answer (promoter / passive / detractor, or satisfied / not): respondents, retention, revenue per customer so far and projected CLV with intervals.',
        sections: ['surveys'],
        options: ['period', 'surveys', 'clv'],
        data: ['surveys.csv', 'survey_bands.csv'],
        needs: 'needs a survey file: --surveys FILE (or surveys.path in the config)',
        example: 'surveys --orders data/sample/orders.csv --surveys data/sample/surveys.csv --survey-kind nps',
      },
    ],
    load: async () => (await import('./surveys/part.ts')).part as ReportPart<unknown>,
  },
  {
    // data/customers.csv: one row per customer with the scores and RFM columns (no section; not in a view).
    id: 'customer-table',
    views: [],
    load: async () => (await import('./customer-table/part.ts')).part as ReportPart<unknown>,
  },
  {
    id: 'data-quality',
    views: [
      {
        name: 'data-quality',
        title: 'Data quality notes',
        describe: 'What was read, what was dropped and why, refunds, incomplete periods.',
        sections: ['data-quality'],
        options: [],
        data: [],
      },
    ],
    load: async () => (await import('./data-quality/part.ts')).part as ReportPart<unknown>,
  },
];

/** Every view, in report order. */
export const VIEWS: ViewEntry[] = PARTS.flatMap((p) => p.views);

/** What a report on orders without amounts leaves out (nothing when they have amounts). */
export interface MoneyCut {
  /** The money-only views of the parts that run. */
  views: ViewEntry[];
  /** Their data files, unless a view that stays writes them too. */
  files: string[];
  /** Whether a part still has something to show. */
  runs(partId: string): boolean;
}

export function moneyCut(partIds: string[], shows: (view: string) => boolean, money: boolean): MoneyCut {
  const entries = PARTS.filter((e) => partIds.includes(e.id));
  const views = money ? [] : entries.flatMap((e) => e.views).filter((v) => v.money && shows(v.name));
  const kept = VIEWS.filter((v) => shows(v.name) && !views.includes(v));
  return {
    views,
    files: views.flatMap((v) => v.data).filter((name) => !kept.some((v) => v.data.includes(name))),
    runs: (id) => {
      const own = PARTS.find((e) => e.id === id)?.views ?? [];
      return own.length === 0 || own.some((v) => kept.includes(v));
    },
  };
}

/** Drops the sections of `views` from a part's drafts. */
export function withoutViews<T extends { id: string }>(drafts: T[], views: ViewEntry[]): T[] {
  return drafts.filter((d) => !views.some((v) => viewShows(v, d.id)));
}

export function viewNames(): string[] {
  return VIEWS.map((v) => v.name);
}

/** The view of that name, or a UserError listing the valid names. */
export function findView(name: string, what = 'view'): ViewEntry {
  const v = VIEWS.find((x) => x.name === name);
  if (!v) throw new UserError(`unknown ${what} ${JSON.stringify(name)}; choose one of: ${viewNames().join(', ')}`);
  return v;
}

/** True when a section id belongs to the view. */
export function viewShows(view: ViewEntry, sectionId: string): boolean {
  return view.sections.some((p) => (p.endsWith('*') ? sectionId.startsWith(p.slice(0, -1)) : sectionId === p));
}

/**
 * The drafts of the named views, in the order of the names (each view's own
 * drafts keep their order). Drafts that belong to no named view are left out,
 * except `keep` ids (e.g. the general definitions, which feed Methods &
 * assumptions). With `strict`, a view with nothing to show is an error.
 */
export function selectSections<T extends { id: string }>(drafts: T[], names: string[], options: { keep?: string[]; strict?: boolean } = {}): T[] {
  const out: T[] = [];
  for (const name of names) {
    const view = findView(name);
    const mine = drafts.filter((d) => viewShows(view, d.id) && !out.includes(d));
    if (mine.length === 0 && options.strict) {
      throw new UserError(`view ${name}: nothing to show${view.needs ? `; ${view.needs}` : ' with these options'}`);
    }
    out.push(...mine);
  }
  for (const d of drafts) if (options.keep?.includes(d.id) && !out.includes(d)) out.push(d);
  return out;
}

/** Plain-text list of the views and their options, for `clv view --list`. */
export function formatViewList(): string {
  const optionText: Record<ViewOption, string> = {
    period: '--period',
    'segment-by': '--segment-by',
    range: '--from/--to',
    metric: '--metric',
    clv: '--business/--clv-model/--horizon-months/--annual-discount-rate/--holdout-months/--margin',
    spend: '--spend/--customers/--attribution/--margin',
    'win-back': '--win-back-p-alive/--win-back-top-share',
    surveys: '--surveys/--survey-kind/--survey-map/--survey-date-format',
  };
  const width = Math.max(...VIEWS.map((v) => v.name.length));
  const lines = ['Views (clv view <name> --orders FILE [options]; clv view <name> --help for details):', ''];
  for (const v of VIEWS) {
    lines.push(`  ${v.name.padEnd(width)}  ${v.title}: ${v.describe}`);
    const opts = v.options.map((o) => (o === 'metric' && v.metrics ? `--metric ${v.metrics.map((m) => m.name).join('|')}` : optionText[o]));
    lines.push(`  ${''.padEnd(width)}  options: ${[...opts, '--as-of'].join(', ')}${v.data.length > 0 ? `; data: ${v.data.join(', ')}` : ''}`);
  }
  lines.push('', 'Every view also takes --config, --orders, --map, --date-format, --currency, --locale, --title, --out.');
  return `${lines.join('\n')}\n`;
}
