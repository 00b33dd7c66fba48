/**
 * MBG/NBD (lib/models/mbg-nbd.ts) against lifetimes' ModifiedBetaGeoFitter.
 *
 * Reference values: lifetimes 0.11.3 (github:CamDavidsonPilon/lifetimes,
 * commit 4f2833f4518621343bb6983eb3e540c11f66ec6a, 2024-06-28), run from its
 * source with Debian's /usr/bin/python3 (numpy 1.24.2, scipy 1.10.1, pandas
 * 1.5.3) on the CDNOW calibration summary this project builds
 * (cdnowFromTransactions() of test/clv/cdnow.ts, as in bg-nbd.test.ts: the
 * 2,357 customers' x, t_x and T in weeks at full precision, written out as JSON
 * by Node and read back by Python, so the same doubles). The call:
 *
 *   m = ModifiedBetaGeoFitter().fit(x, t_x, T)      # defaults: tol=1e-7, penalizer 0, no weights
 *   m.params_                                       # r, alpha, a, b
 *   -2357 * ModifiedBetaGeoFitter._negative_log_likelihood(log([r, alpha, a, b]), x, t_x, T, ones(2357), 0)
 *   m.conditional_probability_alive(x, t_x, T)
 *   m.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
 *   m.expected_number_of_purchases_up_to_time(t)
 *
 * every value printed with repr(). lifetimes imports autograd (for the
 * optimizer's gradient and the Hessian), which is neither installed nor
 * installable here; a throwaway stand-in module re-exported numpy and
 * scipy.special and gave value_and_grad and hessian by 5-point central
 * differences (step 1e-4 in log-parameters). That touches only the optimizer's
 * path to the maximum, not the formulas evaluated. Check of the stand-in: on
 * Hardie's summary file (cdnow_customers_summary.csv) the same call gives
 * r 0.52484, α 6.18299, a 0.89136, b 1.61400, the BTYDplus values lifetimes'
 * own test asserts (0.525, 6.183, 0.891, 1.614; also asserted below for our fit).
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { BG_NBD_TITLE, fitBgNbd, pAliveBgNbd, prepareBgNbd } from '../../lib/models/bg-nbd.ts';
import { numericalGradient } from '../../lib/models/fit/optimize.ts';
import { lnGamma, logAddExp } from '../../lib/models/fit/special.ts';
import {
  conditionalExpectedMbgNbd,
  expectedIfAliveMbgNbd,
  expectedPurchasesNewMbgNbd,
  fitMbgNbd,
  logLikelihoodMbgNbd,
  logLikelihoodMbgNbdPrepared,
  MBG_NBD_TITLE,
  mbgNbd,
  pAliveMbgNbd,
  type MbgNbdParams,
} from '../../lib/models/mbg-nbd.ts';
import { compress, ModelNotIdentifiedError, type FrequencyData } from '../../lib/models/model.ts';
import { PURCHASE_MODELS } from '../../lib/models/registry.ts';
import { Rng } from '../../lib/sample/rng.ts';
import { cdnowFromSummary, cdnowFromTransactions } from '../clv/cdnow.ts';
import { expectPublished } from '../clv/published.ts';

/** lifetimes' fitted parameters (m.params_) and log-likelihood there. */
const LIFETIMES: MbgNbdParams = { r: 0.5248429031549527, alpha: 6.183081764350377, a: 0.8913595173421781, b: 1.6140029313016064 };
const LIFETIMES_LL = -9582.135715553766;

/** m.conditional_probability_alive(x, t_x, T) at lifetimes' parameters: [x, t_x, T, value]. */
const P_ALIVE: [number, number, number, number][] = [
  [0, 0, 38.86, 0.3897151860655971],
  [0, 0, 30, 0.4173760310910914],
  [1, 5, 38.86, 0.2595041413683438],
  [2, 30.43, 38.86, 0.7061256993050125],
  [5, 20, 35, 0.37799137575055536],
  [10, 38, 38.86, 0.9140662795724231],
  [50, 10, 38, 5.297147841808457e-21],
];

/** m.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T): [t, x, t_x, T, value]. */
const CONDITIONAL: [number, number, number, number, number][] = [
  [39, 2, 30.43, 38.86, 1.262669220221487],
  [39, 0, 0, 38.86, 0.1539542769313317],
  [10, 1, 5, 20, 0.23759042782462053],
  [52, 7, 35, 38, 5.494653373713998],
  [1, 3, 12, 30, 0.03033312345931159],
  [78, 20, 37, 38.5, 20.833655135445824],
];

/** m.expected_number_of_purchases_up_to_time(t): [t, value]. */
const EXPECTED_NEW: [number, number][] = [
  [0.1429, 0.007779573993728179],
  [1, 0.05306033265320423],
  [3, 0.15079224314370632],
  [32, 1.036605802932207],
  [78, 1.8036305179875582],
];

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

const data = compress(cdnowFromTransactions());
const fit = fitMbgNbd(data);

describe('MBG/NBD on CDNOW, against lifetimes 0.11.3 ModifiedBetaGeoFitter', () => {
  it('fits lifetimes\' parameters to 1e-4 relative (its optimizer tolerance) and at least its log-likelihood', () => {
    expect(fit.converged).toBe(true);
    expect(fit.model).toBe(MBG_NBD_TITLE);
    expect(fit.customers).toBe(2357);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(relErr(fit.params[k], LIFETIMES[k]), k).toBeLessThan(1e-4);
    // ours meets a tighter gradient criterion: the same maximum, not below it
    expect(relErr(fit.logLikelihood, LIFETIMES_LL)).toBeLessThan(1e-9);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(LIFETIMES_LL - 1e-9);
    expect(fit.aic).toBeCloseTo(2 * 4 - 2 * fit.logLikelihood, 10);
    for (const k of ['r', 'alpha', 'a', 'b']) expect(fit.stdErrors[k]).toBeGreaterThan(0);
  });

  it('evaluated at lifetimes\' parameters, gives lifetimes\' log-likelihood, P(alive) and expectations to 1e-7 relative', () => {
    expect(relErr(logLikelihoodMbgNbd(LIFETIMES, data), LIFETIMES_LL)).toBeLessThan(1e-7);
    for (const [x, tx, T, v] of P_ALIVE) expect(relErr(pAliveMbgNbd(LIFETIMES, x, tx, T), v), `P(alive | ${x}, ${tx}, ${T})`).toBeLessThan(1e-7);
    for (const [t, x, tx, T, v] of CONDITIONAL) {
      expect(relErr(conditionalExpectedMbgNbd(LIFETIMES, t, x, tx, T), v), `E[Y(${t}) | ${x}, ${tx}, ${T}]`).toBeLessThan(1e-7);
    }
    for (const [t, v] of EXPECTED_NEW) expect(relErr(expectedPurchasesNewMbgNbd(LIFETIMES, t), v), `E[X(${t})]`).toBeLessThan(1e-7);
    expect(expectedPurchasesNewMbgNbd(LIFETIMES, 0)).toBe(0);
    expect(conditionalExpectedMbgNbd(LIFETIMES, 0, 2, 30.43, 38.86)).toBe(0);
  });

  it('counts a one-time buyer as possibly gone (P(alive) < 1, falling with age), unlike BG/NBD', () => {
    const once = pAliveMbgNbd(fit.params as unknown as MbgNbdParams, 0, 0, 38.86);
    expect(once).toBeLessThan(1);
    expect(once).toBeGreaterThan(0);
    expect(pAliveMbgNbd(LIFETIMES, 0, 0, 52)).toBeLessThan(pAliveMbgNbd(LIFETIMES, 0, 0, 10));
    // with no time at all, only the chance of dropping out right after the first purchase: 1 / (1 + a/b)
    expect(pAliveMbgNbd(LIFETIMES, 0, 0, 0)).toBeCloseTo(LIFETIMES.b / (LIFETIMES.a + LIFETIMES.b), 14);
    expect(pAliveBgNbd(LIFETIMES, 0, 0, 38.86)).toBe(1);
    expect(mbgNbd.pAliveCaveat).toBeUndefined();
  });

  it("reproduces the BTYDplus estimates of lifetimes' own test on Hardie's summary file (r 0.525, α 6.183, a 0.891, b 1.614)", () => {
    const s = fitMbgNbd(compress(cdnowFromSummary()), { skipStdErrors: true });
    expect(s.converged).toBe(true);
    expectPublished(s.params.r, '0.525', 'r');
    expectPublished(s.params.alpha, '6.183', 'alpha');
    expectPublished(s.params.a, '0.891', 'a');
    expectPublished(s.params.b, '1.614', 'b');
  });

  it('fits the 1,016 distinct CDNOW triples well under a second', () => {
    const t0 = performance.now();
    expect(fitMbgNbd(data).converged).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('MBG/NBD expectations', () => {
  it('E[Y(t) | x, T, alive] = E[Y(t) | x, t_x, T] / P(alive) does not depend on t_x', () => {
    // lifetimes: (a+b+x)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)·2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] / (1 + a/(b+x)·((α+T)/(α+t_x))^(r+x));
    // the divisor is 1/P(alive), the only place t_x enters: dividing by P(alive) leaves a function of (t, x, T)
    for (const [t, x, T] of [[39, 2, 38.86], [10, 0, 20], [52, 7, 38], [260, 30, 120]]) {
      const ifAlive = expectedIfAliveMbgNbd(LIFETIMES, t, x, T);
      expect(mbgNbd.expectedIfAlive(LIFETIMES as unknown as Record<string, number>, t, x, T)).toBe(ifAlive);
      const txs = x === 0 ? [0] : [0.5, T / 3, T / 2, T - 0.01, T];
      for (const tx of txs) {
        const ratio = conditionalExpectedMbgNbd(LIFETIMES, t, x, tx, T) / pAliveMbgNbd(LIFETIMES, x, tx, T);
        expect(relErr(ratio, ifAlive), `t=${t} x=${x} tx=${tx} T=${T}`).toBeLessThan(1e-14);
      }
    }
  });

  it('rises with the horizon, stays finite for heavy buyers, long horizons and large T, and is continuous at a = 1', () => {
    const p = LIFETIMES;
    expect(expectedPurchasesNewMbgNbd(p, 78)).toBeGreaterThan(expectedPurchasesNewMbgNbd(p, 32));
    const heavy = conditionalExpectedMbgNbd(p, 520, 300, 1000, 1040);
    expect(Number.isFinite(heavy)).toBe(true);
    expect(heavy).toBeGreaterThan(conditionalExpectedMbgNbd(p, 52, 300, 1000, 1040));
    expect(pAliveMbgNbd(p, 2000, 1, 1e6)).toBe(0);
    expect(pAliveMbgNbd(p, 2000, 1e6, 1e6)).toBeGreaterThan(0.99);
    expect(Number.isFinite(expectedIfAliveMbgNbd(p, 5200, 2000, 1e6))).toBe(true);
    const at = expectedPurchasesNewMbgNbd({ ...p, a: 1 }, 39);
    const below = expectedPurchasesNewMbgNbd({ ...p, a: 1 - 1e-4 }, 39);
    const above = expectedPurchasesNewMbgNbd({ ...p, a: 1 + 1e-4 }, 39);
    expect(Number.isFinite(at)).toBe(true);
    expect(at).toBeGreaterThan(Math.min(below, above) - 1e-6);
    expect(at).toBeLessThan(Math.max(below, above) + 1e-6);
  });
});

/** lifetimes' per-customer log-likelihood, written out term by term (the oracle of the prepared kernel). */
function referenceLL({ r, alpha, a, b }: MbgNbdParams, d: FrequencyData): number {
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i];
    const A1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
    const A2 = lnGamma(a + b) + lnGamma(b + x + 1) - lnGamma(b) - lnGamma(a + b + x + 1);
    const A3 = -(r + x) * Math.log(alpha + d.T[i]);
    const A4 = Math.log(a) - Math.log(b + x) + (r + x) * (Math.log(alpha + d.T[i]) - Math.log(alpha + d.tx[i]));
    ll += d.weight[i] * (A1 + A2 + logAddExp(A3, A3 + A4));
  }
  return ll;
}

describe('MBG/NBD likelihood and gradient', () => {
  // CDNOW plus heavy buyers over three years (their powers leave the double range: summed entry by entry), weight 0, t_x = T
  const mixed: FrequencyData = {
    x: [...data.x, 0, 0, 3, 300, 300, 500],
    tx: [...data.tx, 0, 0, 150, 900, 1000, 20],
    T: [...data.T, 0, 150, 150, 1000, 1000, 1100],
    weight: [...data.weight, 2, 0, 5, 1, 3, 1],
  };
  const points: MbgNbdParams[] = [LIFETIMES, { r: 2, alpha: 0.5, a: 3, b: 0.2 }, { r: 0.1, alpha: 40, a: 0.05, b: 12 }];

  it('the prepared likelihood equals the per-customer formula of lifetimes', () => {
    const prep = prepareBgNbd(mixed);
    for (const p of points) {
      expect(relErr(logLikelihoodMbgNbdPrepared(p, prep, null), referenceLL(p, mixed))).toBeLessThan(1e-12);
      expect(relErr(mbgNbd.logLikelihood(p as unknown as Record<string, number>, data), referenceLL(p, data))).toBeLessThan(1e-12);
    }
  });

  it('analytic gradient agrees with the numerical gradient to 1e-6 relative', () => {
    const prep = prepareBgNbd(mixed);
    const names = ['r', 'alpha', 'a', 'b'] as const;
    for (const p of points) {
      const g = new Float64Array(4);
      logLikelihoodMbgNbdPrepared(p, prep, g);
      const analytic = names.map((n, i) => p[n] * g[i]);
      const theta = names.map((n) => Math.log(p[n]));
      const ll = (t: readonly number[]): number =>
        logLikelihoodMbgNbdPrepared({ r: Math.exp(t[0]), alpha: Math.exp(t[1]), a: Math.exp(t[2]), b: Math.exp(t[3]) }, prep, null);
      const numeric = numericalGradient(ll, theta);
      for (let i = 0; i < 4; i++) expect(relErr(analytic[i], numeric[i]), `${names[i]} at ${JSON.stringify(p)}`).toBeLessThan(1e-6);
    }
  });
});

/**
 * Customers simulated from MBG/NBD itself (lifetimes' modified_beta_geometric_nbd_model, in continuous time):
 * λ ~ Gamma(r, α), p ~ Beta(a, b); right after the first purchase and after every repeat purchase the customer
 * drops out with probability p; purchases while active are Poisson(λ); ages T uniform in [13, 104] weeks.
 */
function simulate(truth: MbgNbdParams, customers: number, seed: number): FrequencyData {
  const rng = new Rng(seed, 1);
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  for (let i = 0; i < customers; i++) {
    const age = 13 + rng.next() * 91;
    const lambda = rng.gamma(truth.r, truth.alpha);
    const p = rng.beta(truth.a, truth.b);
    let n = 0;
    let last = 0;
    let t = 0;
    while (rng.next() >= p) {
      t += rng.exponential(lambda);
      if (t > age) break;
      n++;
      last = t;
    }
    x.push(n);
    tx.push(last);
    T.push(age);
  }
  return compress({ x, tx, T });
}

describe('MBG/NBD parameter recovery on simulated customers', () => {
  it('recovers the generating parameters within 3 standard errors', () => {
    for (const [truth, seed] of [
      [{ r: 0.5, alpha: 6, a: 0.9, b: 1.6 }, 11],
      [{ r: 1.5, alpha: 20, a: 2, b: 6 }, 12],
    ] as [MbgNbdParams, number][]) {
      const f = fitMbgNbd(simulate(truth, 20_000, seed));
      expect(f.converged).toBe(true);
      for (const k of ['r', 'alpha', 'a', 'b'] as const) {
        const z = (f.params[k] - truth[k]) / (f.stdErrors[k] as number);
        expect(Math.abs(z), `${k}: ${f.params[k]} vs ${truth[k]}`).toBeLessThan(3);
      }
    }
  });
});

describe('MBG/NBD on data that cannot identify it', () => {
  it('throws ModelNotIdentifiedError, naming the model, when nobody made a repeat purchase', () => {
    const none = compress({ x: [0, 0, 0], tx: [0, 0, 0], T: [10, 20, 30] });
    expect(() => fitMbgNbd(none)).toThrow(ModelNotIdentifiedError);
    expect(() => fitMbgNbd(none)).toThrow(/^MBG\/NBD cannot be fitted: no customer made a repeat purchase/);
    expect(() => fitMbgNbd(compress({ x: [3], tx: [5], T: [10] }))).toThrow(/single customer/);
    expect(() => fitMbgNbd(compress({ x: [], tx: [], T: [] }))).toThrow(ModelNotIdentifiedError);
  });
});

describe('MBG/NBD in the registry and in SQL', () => {
  it('is registered as a purchase model with its title, parameters and Methods entry', () => {
    expect(PURCHASE_MODELS.mbgnbd).toBe(mbgNbd);
    expect(mbgNbd.title).toBe('MBG/NBD');
    expect(mbgNbd.title).not.toBe(BG_NBD_TITLE);
    expect(mbgNbd.paramNames).toEqual(['r', 'alpha', 'a', 'b']);
    expect(mbgNbd.definition.definition).toMatch(/Batislam, Denizel & Filiztekin 2007/);
    expect(mbgNbd.fit(data, { skipStdErrors: true }).params.r).toBeCloseTo(fit.params.r, 8);
    // the other purchase models are untouched by its presence
    expect(fitBgNbd(data, { skipStdErrors: true }).model).toBe(BG_NBD_TITLE);
  });

  it('pAliveSql gives pAlive in DuckDB (whole days, unitDays = 7), 0 where the odds overflow', async () => {
    const histories = [
      [0, 0, 272],
      [0, 0, 0],
      [1, 35, 272],
      [2, 213, 272],
      [10, 266, 272],
      [50, 70, 266],
      [3000, 7, 3000],
    ];
    const params = LIFETIMES as unknown as Record<string, number>;
    const { sql } = mbgNbd.pAliveSql!(params, 7);
    const db = await openDatabase();
    try {
      const values = histories.map(([x, tx, T]) => `(${x}, ${tx}, ${T})`).join(', ');
      const rows = await db.rows<{ x: number; tx_days: number; T_days: number; p: number }>(
        `SELECT h.x, h.tx_days, h.T_days, ${sql} AS p FROM (VALUES ${values}) AS h(x, tx_days, T_days) ORDER BY h.x, h.tx_days, h.T_days`,
      );
      expect(rows).toHaveLength(histories.length);
      for (const row of rows) {
        const expected = mbgNbd.pAlive(params, Number(row.x), Number(row.tx_days) / 7, Number(row.T_days) / 7);
        const what = `x=${row.x} t_x=${row.tx_days} T=${row.T_days} days`;
        if (expected === 0) expect(row.p, what).toBe(0);
        else expect(relErr(row.p, expected), what).toBeLessThan(1e-12);
      }
    } finally {
      db.close();
    }
  });
});
