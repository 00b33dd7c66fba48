/**
 * The purchase models at the edge of their parameter space (lib/models/limits.ts; formulas in
 * docs/formulas.md, "Purchase models at the edge of their parameter space"). Each boundary case is
 * a small seeded simulation (test/models/simulate.ts, written independently of lib/models): the fit
 * must end in bounded time, name the limit it took in words, and give numbers that agree with an
 * independent computation written here (the NBD maximum by a profile search, the limits'
 * likelihoods and expectations from their defining integrals by quadrature) and with the purchases
 * the simulation made in a 26-week holdout.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { expIntRatio } from '../../lib/models/fit/special.ts';
import { compress, frequencySummary, ModelNotIdentifiedError, type FitOptions, type FitResult, type FrequencyData } from '../../lib/models/model.ts';
import { preparedBgNbdFor } from '../../lib/models/bg-nbd.ts';
import { fitPurchase, PURCHASE_MODEL_IDS, PURCHASE_MODELS, type PurchaseModelId } from '../../lib/models/registry.ts';
import { fitWithLimits, LIMIT_LL_MARGIN, limitOf, logLikelihoodCommonMuPrepared, logLikelihoodCommonPPrepared, logLikelihoodNbdPrepared } from '../../lib/models/limits.ts';
import { formatters } from '../../lib/report/format.ts';
import { simulate, type Dropout, type SimulatedCustomer } from './simulate.ts';

const HOLDOUT = 26;
/** Generous: each of these fits takes well under 2 s on a shared 2-core machine. */
const MAX_SECONDS = 5;

function customers(seed: number, dropout: Dropout, o: { r?: number; n?: number; repeatersOnly?: boolean } = {}): { rows: SimulatedCustomer[]; data: FrequencyData } {
  const all = simulate({ seed, n: o.n ?? 2000, r: o.r ?? 0.8, alpha: 8, dropout, minT: 26, maxT: 78, holdout: HOLDOUT });
  const rows = o.repeatersOnly ? all.filter((c) => c.x > 0) : all;
  return { rows, data: compress({ x: rows.map((c) => c.x), tx: rows.map((c) => c.tx), T: rows.map((c) => c.T) }) };
}

function timedFit(id: PurchaseModelId, data: FrequencyData): { fit: FitResult; seconds: number } {
  const t0 = performance.now();
  const fit = fitPurchase(id, data);
  return { fit, seconds: (performance.now() - t0) / 1000 };
}

/** Σ over customers of the model's E[Y(26) | x, t_x, T] against the holdout purchases the simulation made. */
function holdoutError(id: PurchaseModelId, fit: FitResult, rows: SimulatedCustomer[]): number {
  const m = PURCHASE_MODELS[id];
  const predicted = rows.reduce((s, c) => s + m.conditionalExpected(fit.params, HOLDOUT, c.x, c.tx, c.T), 0);
  const actual = rows.reduce((s, c) => s + c.holdout, 0);
  return Math.abs(predicted - actual) / actual;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
/** lnΓ(r+x) − lnΓ(r) for whole x, as the sum Σ_{j<x} ln(r+j). */
const lnRising = (r: number, x: number) => {
  let s = 0;
  for (let j = 0; j < x; j++) s += Math.log(r + j);
  return s;
};

/** Simpson's rule of f on [a, b] with n (even) intervals. */
function simpson(f: (t: number) => number, a: number, b: number, n = 400): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

const words = formatters('en-US', 'USD');

describe('the exponential-integral ratio R(k, z) = z e^z E_k(z) of the common-dropout-rate limit', () => {
  it('matches mpmath to 1e-13 on both sides of its series/continued-fraction switch, at integer k and near it', () => {
    // python3: import mpmath; mpmath.mp.dps = 30
    //          for k, z in cases: print(mpmath.nstr(z * mpmath.exp(z) * mpmath.expint(k, z), 17))
    const cases: [number, number, number][] = [
      [0.3, 1e-5, 0.041034238485808852],
      [0.8, 0.05, 0.17866513429686],
      [1.0, 0.5, 0.46145531624186523],
      [1.0000001, 0.5, 0.46145528670707012],
      [2.5, 1.5, 0.43020835059088504],
      [3.0, 1.99, 0.44417906113791787],
      [3.0, 2.01, 0.44644479689249567],
      [7.2, 10.0, 0.59494798478039367],
      [45.0, 0.01, 0.00022721988573135204],
      [0.5, 300.0, 0.99834159802047272],
    ];
    for (const [k, z, want] of cases) expect(rel(expIntRatio(k, z), want), `k=${k} z=${z}`).toBeLessThan(1e-13);
    expect(expIntRatio(0, 1)).toBeNaN();
    expect(expIntRatio(1, -1)).toBeNaN();
  });
});

describe('(a) no dropout: customers simulated from the NBD (r 0.8, α 8 weeks; nobody leaves), seed 1', () => {
  const { rows, data } = customers(1, { kind: 'none' });

  /** The NBD maximum found independently: α from its score equation by bisection for each r, r by golden section on the profile. */
  function nbdByProfile(): { r: number; alpha: number; ll: number } {
    const W = data.weight.reduce((s, w) => s + w, 0);
    const alphaFor = (r: number) => {
      const score = (a: number) => (r * W) / a - data.x.reduce((s, x, i) => s + (data.weight[i] * (r + x)) / (a + data.T[i]), 0);
      let lo = Math.log(1e-6);
      let hi = Math.log(1e6);
      for (let k = 0; k < 200; k++) {
        const mid = (lo + hi) / 2;
        if (score(Math.exp(mid)) > 0) lo = mid;
        else hi = mid;
      }
      return Math.exp((lo + hi) / 2);
    };
    const ll = (r: number, a: number) => data.x.reduce((s, x, i) => s + data.weight[i] * (lnRising(r, x) + r * Math.log(a) - (r + x) * Math.log(a + data.T[i])), 0);
    const profile = (lr: number) => ll(Math.exp(lr), alphaFor(Math.exp(lr)));
    let [a, b] = [Math.log(0.01), Math.log(100)];
    const g = (Math.sqrt(5) - 1) / 2;
    for (let k = 0; k < 120; k++) {
      const c = b - g * (b - a);
      const d = a + g * (b - a);
      if (profile(c) > profile(d)) b = d;
      else a = c;
    }
    const r = Math.exp((a + b) / 2);
    return { r, alpha: alphaFor(r), ll: ll(r, alphaFor(r)) };
  }

  it('every purchase model ends in bounded time at its no-dropout (NBD) limit, saying so in words', () => {
    const nbd = nbdByProfile();
    for (const id of PURCHASE_MODEL_IDS) {
      const { fit, seconds } = timedFit(id, data);
      const title = PURCHASE_MODELS[id].title;
      expect(seconds, id).toBeLessThan(MAX_SECONDS);
      expect(fit.converged, id).toBe(true);
      expect(fit.limit?.id, id).toBe('nbd');
      expect(Object.keys(fit.params)).toEqual(['r', 'alpha']);
      expect(limitOf(fit.params)).toBe('nbd');
      expect(fit.limit!.reason).toMatch(new RegExp(`^The ${title.replace('/', '\\/')} fit did not converge: its likelihood keeps improving as .*(shrinks towards 0|grows without bound).*the data show no dropout that ${title.replace('/', '\\/')} can identify, and the model without dropout fits as well`));
      expect(fit.limit!.reason).toContain(`So the no-dropout (NBD) limit of ${title} is used.`);
      // the full model got no further than the limit's likelihood plus the margin
      expect(fit.limit!.full!.logLikelihood - fit.logLikelihood).toBeLessThanOrEqual(LIMIT_LL_MARGIN);
      // the maximum of the NBD likelihood, as found independently
      expect(rel(fit.params.r, nbd.r), id).toBeLessThan(1e-5);
      expect(rel(fit.params.alpha, nbd.alpha), id).toBeLessThan(1e-5);
      expect(rel(fit.logLikelihood, nbd.ll), id).toBeLessThan(1e-10);
      // the explanation reaches the report through the model's explain hook
      const text = PURCHASE_MODELS[id].explain!(fit.params, { unit: 'week', words, limit: fit.limit }).join(' ');
      expect(text).toContain(`${title} at its no-dropout limit (the NBD): every customer is taken to be still active (P(alive) = 100%)`);
      expect(PURCHASE_MODELS[id].limitDefinition!('nbd').definition).toContain('P(alive) = 1, expected purchases in the next t = (r + x)/(α + T) × t');
    }
  });

  it('P(alive) is 1, E[Y(t)] = (r+x)/(α+T)·t and E[X(t)] = r·t/α by hand, and the holdout total is within 3% of the simulated one', () => {
    const { fit } = timedFit('bgnbd', data);
    const { r, alpha } = fit.params;
    for (const id of PURCHASE_MODEL_IDS) {
      const m = PURCHASE_MODELS[id];
      for (const [x, tx, T] of [[0, 0, 30], [3, 12.5, 40], [20, 70, 71]]) {
        expect(m.pAlive(fit.params, x, tx, T)).toBe(1);
        expect(rel(m.conditionalExpected(fit.params, 26, x, tx, T), ((r + x) / (alpha + T)) * 26)).toBeLessThan(1e-14);
      }
      expect(rel(m.expectedNew(fit.params, 52), (r * 52) / alpha)).toBeLessThan(1e-14);
      expect(holdoutError(id, fit, rows), id).toBeLessThan(0.03);
    }
  });
});

describe('(b) homogeneous dropout: one dropout probability (p = 0.15 after each repeat purchase) or rate (μ = 0.02 a week) for everyone', () => {
  const { rows, data } = customers(3, { kind: 'after-purchase', p: 0.15 });

  /** The common-p log-likelihood written out per customer (FHL 2005 eq. 3 before the beta mixing). */
  function commonPLogLikelihood(q: Record<string, number>, modified: boolean): number {
    const { r, alpha, p } = q;
    let ll = 0;
    for (let i = 0; i < data.x.length; i++) {
      const [x, tx, T] = [data.x[i], data.tx[i], data.T[i]];
      const c = modified ? x + 1 : x;
      const alive = Math.pow(1 - p, c) * Math.pow(alpha + T, -(r + x));
      const left = modified || x > 0 ? p * Math.pow(1 - p, c - 1) * Math.pow(alpha + tx, -(r + x)) : 0;
      ll += data.weight[i] * (lnRising(r, x) + r * Math.log(alpha) + Math.log(alive + left));
    }
    return ll;
  }

  it('BG/NBD and MBG/NBD end in bounded time at a common dropout probability near 0.15: the likelihood written out is at its maximum there', () => {
    for (const [id, modified] of [['bgnbd', false], ['mbgnbd', true]] as const) {
      const { fit, seconds } = timedFit(id, data);
      const title = PURCHASE_MODELS[id].title;
      expect(seconds, id).toBeLessThan(MAX_SECONDS);
      expect(fit.converged, id).toBe(true);
      expect(fit.limit?.id, id).toBe('common_dropout');
      expect(Object.keys(fit.params)).toEqual(['r', 'alpha', 'p']);
      expect(fit.limit!.reason).toContain('the dropout probability does not vary between customers by any amount the data can identify, and a common one fits as well');
      expect(fit.limit!.reason).toContain(`So the common-dropout-probability limit of ${title} is used.`);
      expect(fit.params.p).toBeGreaterThan(0.13);
      expect(fit.params.p).toBeLessThan(0.17);
      // the same likelihood, written out independently, and a maximum: every parameter moved by ±0.5% lowers it
      const ll = commonPLogLikelihood(fit.params, modified);
      expect(rel(fit.logLikelihood, ll), id).toBeLessThan(1e-10);
      for (const k of ['r', 'alpha', 'p']) {
        for (const f of [0.995, 1.005]) expect(commonPLogLikelihood({ ...fit.params, [k]: fit.params[k] * f }, modified), `${id} ${k}×${f}`).toBeLessThan(ll);
      }
      expect(fit.stdErrors.p).toBeGreaterThan(0);
      expect(fit.ci95.p![0]).toBeLessThan(fit.params.p);
      expect(fit.ci95.p![1]).toBeGreaterThan(fit.params.p);
      // The covariance of the log-parameters (the parametric bootstrap draws from it) is in ln p, not in
      // ln odds: its p entry agrees with the delta-method standard error of p (se(p) = p · sd(ln p)).
      const cov = fit.covarianceLog!;
      expect(cov.length).toBe(3);
      expect(rel(fit.params.p * Math.sqrt(cov[2][2]), fit.stdErrors.p!), id).toBeLessThan(1e-9);
      expect(rel(fit.params.r * Math.sqrt(cov[0][0]), fit.stdErrors.r!), id).toBeLessThan(1e-9);
      const text = PURCHASE_MODELS[id].explain!(fit.params, { unit: 'week', words, limit: fit.limit }).join(' ');
      expect(text).toContain(`${title} at its common-dropout limit: the dropout does not vary between customers.`);
      expect(text).toContain(`drops out for good with the same probability p = ${words.percent(fit.params.p)}`);
      expect(holdoutError(id, fit, rows), id).toBeLessThan(0.03);
    }
  });

  it('common p: P(alive) by its closed form and E[Y(t) | alive] by integrating (1 − e^(−λpt))/p over the posterior Gamma(r+x, α+T)', () => {
    const { fit } = timedFit('bgnbd', data);
    const { r, alpha, p } = fit.params;
    const m = PURCHASE_MODELS.bgnbd;
    for (const [x, tx, T] of [[1, 5, 30], [4, 20, 52], [12, 60, 75]]) {
      const odds = (p / (1 - p)) * Math.pow((alpha + T) / (alpha + tx), r + x);
      expect(rel(m.pAlive(fit.params, x, tx, T), 1 / (1 + odds))).toBeLessThan(1e-12);
      const [k, rate] = [r + x, alpha + T];
      const lnNorm = k * Math.log(rate) - lnRising(r, x) - lnGammaOf(r);
      const density = (l: number) => (l === 0 ? 0 : Math.exp(lnNorm + (k - 1) * Math.log(l) - rate * l));
      const upper = (k + 40 * Math.sqrt(k)) / rate;
      const byIntegral = simpson((l) => (density(l) * -Math.expm1(-l * p * 26)) / p, 0, upper, 20_000);
      expect(rel(m.expectedIfAlive(fit.params, 26, x, T), byIntegral), `x=${x}`).toBeLessThan(1e-8);
    }
    expect(m.pAlive(fit.params, 0, 0, 50)).toBe(1);
  });

  it('Pareto/NBD on customers with one exponential lifetime rate (μ = 0.02) ends at its common-dropout-rate limit; its likelihood and P(alive) agree with the defining integral', () => {
    const sim = customers(1, { kind: 'lifetime', mu: 0.02 });
    const { fit, seconds } = timedFit('pareto-nbd', sim.data);
    expect(seconds).toBeLessThan(MAX_SECONDS);
    expect(fit.converged).toBe(true);
    expect(fit.limit?.id).toBe('common_dropout');
    expect(Object.keys(fit.params)).toEqual(['r', 'alpha', 'mu']);
    expect(fit.limit!.reason).toMatch(/^The Pareto\/NBD fit did not converge: its likelihood keeps improving as s grows without bound/);
    expect(fit.limit!.reason).toContain('the dropout rate does not vary between customers by any amount the data can identify, and a common one fits as well');
    expect(fit.params.mu).toBeGreaterThan(0.015);
    expect(fit.params.mu).toBeLessThan(0.025);
    // L / (Γ(r+x)/Γ(r) α^r) = e^(−μT)(α+T)^−(r+x) + μ ∫_{t_x}^T e^(−μτ)(α+τ)^−(r+x) dτ, by Simpson's rule
    const { r, alpha, mu } = fit.params;
    const terms = (x: number, tx: number, T: number) => {
      const alive = Math.exp(-mu * T) * Math.pow(alpha + T, -(r + x));
      const left = tx === T ? 0 : mu * simpson((t) => Math.exp(-mu * t) * Math.pow(alpha + t, -(r + x)), tx, T);
      return { alive, left };
    };
    const d = sim.data;
    let ll = 0;
    for (let i = 0; i < d.x.length; i++) {
      const { alive, left } = terms(d.x[i], d.tx[i], d.T[i]);
      ll += d.weight[i] * (lnRising(r, d.x[i]) + r * Math.log(alpha) + Math.log(alive + left));
    }
    expect(rel(PURCHASE_MODELS['pareto-nbd'].logLikelihood(fit.params, d), ll)).toBeLessThan(1e-9);
    expect(rel(fit.logLikelihood, ll)).toBeLessThan(1e-9);
    for (const [x, tx, T] of [[0, 0, 40], [2, 10, 52], [9, 70, 72]]) {
      const { alive, left } = terms(x, tx, T);
      expect(rel(PURCHASE_MODELS['pareto-nbd'].pAlive(fit.params, x, tx, T), alive / (alive + left)), `x=${x}`).toBeLessThan(1e-9);
      expect(rel(PURCHASE_MODELS['pareto-nbd'].expectedIfAlive(fit.params, 26, x, T), ((r + x) / (alpha + T)) * (-Math.expm1(-mu * 26) / mu))).toBeLessThan(1e-14);
    }
    expect(holdoutError('pareto-nbd', fit, sim.rows)).toBeLessThan(0.03);
    const text = PURCHASE_MODELS['pareto-nbd'].explain!(fit.params, { unit: 'week', words, limit: fit.limit }).join(' ');
    expect(text).toContain(`Every customer drops out at the same rate μ = ${words.decimal(mu, 5)} per week`);
  });
});

describe('(c) no repeaters at all', () => {
  it('every purchase model refuses at once, saying in words why neither a dropout nor a purchase rate can be told', () => {
    const rows = simulate({ seed: 5, n: 500, r: 0.8, alpha: 8, dropout: { kind: 'none' }, minT: 26, maxT: 78, holdout: 0 });
    const data = compress({ x: rows.map(() => 0), tx: rows.map(() => 0), T: rows.map((c) => c.T) });
    for (const id of PURCHASE_MODEL_IDS) {
      const t0 = performance.now();
      expect(() => fitPurchase(id, data), id).toThrow(ModelNotIdentifiedError);
      expect(() => fitPurchase(id, data), id).toThrow(`${PURCHASE_MODELS[id].title} cannot be fitted: no customer made a repeat purchase (every customer bought on one day only), so the purchase rate and the dropout rate cannot be told apart`);
      expect((performance.now() - t0) / 1000).toBeLessThan(1);
    }
  });
});

describe('(d) everyone repeats (only the repeat buyers of a simulation with p = 0.1 and r = 2)', () => {
  it('each model ends in bounded time at its common-dropout limit, and BG/NBD predicts the holdout within 5%', () => {
    const { rows, data } = customers(3, { kind: 'after-purchase', p: 0.1 }, { r: 2, n: 3000, repeatersOnly: true });
    expect(rows.every((c) => c.x > 0)).toBe(true);
    for (const id of PURCHASE_MODEL_IDS) {
      const { fit, seconds } = timedFit(id, data);
      expect(seconds, id).toBeLessThan(MAX_SECONDS);
      expect(fit.converged, id).toBe(true);
      for (const v of Object.values(fit.params)) expect(Number.isFinite(v)).toBe(true);
      // whichever way the fit ended, its reason says so: these data have a common dropout
      expect(fit.limit?.id, id).toBe('common_dropout');
      expect(fit.limit!.reason).toContain('does not vary between customers');
      // BG/NBD is the process that made these data; MBG/NBD (a dropout chance after the first purchase,
      // which no repeat buyer took) and Pareto/NBD (dropout at any moment) are off by 10-15% on them
      expect(holdoutError(id, fit, rows), id).toBeLessThan(id === 'bgnbd' ? 0.05 : 0.2);
    }
    const bg = timedFit('bgnbd', data).fit;
    expect(bg.params.p).toBeGreaterThan(0.08);
    expect(bg.params.p).toBeLessThan(0.12);
  });
});

describe("the limits' analytic gradients", () => {
  it('agree with central differences of their likelihoods to 1e-6 relative at several points', () => {
    const prep = preparedBgNbdFor(customers(1, { kind: 'lifetime', mu: 0.02 }).data);
    type P = Record<string, number>;
    const cases: [string, (p: P, g: Float64Array | null) => number, P[]][] = [
      ['NBD', (p, g) => logLikelihoodNbdPrepared({ r: p.r, alpha: p.alpha }, prep, g), [{ r: 0.8, alpha: 8 }, { r: 3, alpha: 1 }]],
      ['common p', (p, g) => logLikelihoodCommonPPrepared({ r: p.r, alpha: p.alpha, p: p.p }, prep, g, false), [{ r: 0.8, alpha: 8, p: 0.15 }, { r: 2, alpha: 30, p: 0.6 }]],
      ['common p, MBG/NBD', (p, g) => logLikelihoodCommonPPrepared({ r: p.r, alpha: p.alpha, p: p.p }, prep, g, true), [{ r: 0.8, alpha: 8, p: 0.15 }, { r: 0.3, alpha: 2, p: 0.01 }]],
      ['common μ', (p, g) => logLikelihoodCommonMuPrepared({ r: p.r, alpha: p.alpha, mu: p.mu }, prep, g), [{ r: 2, alpha: 3, mu: 0.2 }, { r: 0.3, alpha: 20, mu: 0.001 }]],
    ];
    for (const [what, ll, points] of cases) {
      for (const p of points) {
        const names = Object.keys(p);
        const g = new Float64Array(names.length);
        ll(p, g);
        names.forEach((k, i) => {
          const h = 1e-6 * p[k];
          const numerical = (ll({ ...p, [k]: p[k] + h }, null) - ll({ ...p, [k]: p[k] - h }, null)) / (2 * h);
          expect(rel(g[i], numerical), `${what} ∂/∂${k} at ${JSON.stringify(p)}`).toBeLessThan(1e-6);
        });
      }
    }
  });
});

describe('fitWithLimits: when a limit is taken (a stand-in for the full model, on the no-dropout simulation)', () => {
  const { data } = customers(1, { kind: 'none' });
  const nbdLL = fitPurchase('bgnbd', data).logLikelihood; // the NBD limit's (case (a) above)
  const stub = (ll: number, converged: boolean): FitResult => ({
    model: 'BG/NBD',
    params: { r: 0.8, alpha: 8, a: 1e-4, b: 3 },
    logLikelihood: ll,
    aic: 8 - 2 * ll,
    converged,
    iterations: 10,
    gradientNorm: 1e-3,
    stdErrors: {},
    ci95: {},
    customers: 2000,
    ...(converged ? {} : { message: 'it is heading for the edge', edge: [{ param: 'a', towards: 'zero' as const }] }),
  });
  const run = (...results: FitResult[]) => {
    const calls: (FitOptions | undefined)[] = [];
    const fit = fitWithLimits({
      title: 'BG/NBD',
      family: 'beta-geo',
      data,
      prepare: preparedBgNbdFor,
      ...frequencySummary(data),
      full: (o) => {
        calls.push(o);
        return results[calls.length - 1];
      },
    });
    return { fit, calls };
  };

  it('keeps a converged full fit, and gives the full fit the no-dropout limit to stop at', () => {
    const { fit, calls } = run(stub(nbdLL + 30, true));
    expect(fit.limit).toBeUndefined();
    expect(fit.logLikelihood).toBe(nbdLL + 30);
    expect(calls).toHaveLength(1);
    // The reference is fitted when the full fit first asks for it (it heads for an edge), not before.
    const given = calls[0]!.edgeReference;
    expect(typeof given).toBe('function');
    const reference = (given as () => { logLikelihood: number; margin: number } | undefined)()!;
    expect(reference.logLikelihood).toBeCloseTo(nbdLL, 6);
    expect(reference.margin).toBe(LIMIT_LL_MARGIN);
  });

  it('takes the limit when the full fit heads for the edge and does not beat it by more than the margin', () => {
    const { fit, calls } = run(stub(nbdLL + LIMIT_LL_MARGIN - 0.01, false));
    expect(fit.limit?.id).toBe('nbd');
    expect(fit.limit!.reason).toContain('its likelihood keeps improving as a shrinks towards 0, the edge of its parameter space');
    expect(calls).toHaveLength(1);
  });

  it('goes on from where the full fit stopped, without the edge rule, when it beats its limits by more than the margin', () => {
    const { fit, calls } = run(stub(nbdLL + 10, false), stub(nbdLL + 12, true));
    expect(fit.limit).toBeUndefined();
    expect(fit.converged).toBe(true);
    expect(fit.logLikelihood).toBe(nbdLL + 12);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.stopAtEdge).toBe(false);
    expect(calls[1]!.starts).toEqual([stub(0, true).params]);
    // still not converged after that: the better of the two stops, saying no limit was taken
    const again = run(stub(nbdLL + 10, false), { ...stub(nbdLL + 11, false), message: 'the optimizer stopped at the time limit' });
    expect(again.fit.converged).toBe(false);
    expect(again.fit.logLikelihood).toBe(nbdLL + 11);
    expect(again.fit.message).toMatch(/^the optimizer stopped at the time limit; its limiting models fit clearly worse \(log-likelihood .* without dropout, .* with a common dropout, .* for BG\/NBD where its fit stopped\), so none was taken$/);
  });

  it('returns a full fit that stopped in the interior (not heading for an edge) as it is', () => {
    const interior = { ...stub(nbdLL + 40, false), message: 'the optimizer stopped at the time limit' };
    delete interior.edge;
    const { fit, calls } = run(interior);
    expect(fit).toBe(interior);
    expect(calls).toHaveLength(1);
  });
});

describe('the limits in SQL (the scoring fast path)', () => {
  it("each limit's pAliveSql gives its pAlive in DuckDB (whole days, unitDays = 7)", async () => {
    const fits: [PurchaseModelId, Record<string, number>][] = [
      ['bgnbd', { r: 0.8, alpha: 8 }],
      ['bgnbd', { r: 0.8, alpha: 8, p: 0.15 }],
      ['mbgnbd', { r: 0.8, alpha: 8, p: 0.15 }],
      ['pareto-nbd', { r: 0.8, alpha: 8, mu: 0.02 }],
    ];
    const histories = [
      [0, 0, 272],
      [1, 35, 272],
      [2, 213, 272],
      [10, 266, 272],
      [7, 7, 7],
    ];
    const db = await openDatabase();
    try {
      for (const [id, params] of fits) {
        const m = PURCHASE_MODELS[id];
        const fast = m.pAliveSql!(params, 7);
        for (const [x, tx, T] of histories) {
          const c = fast.pairTerm?.(x, T / 7) ?? 0;
          const g = fast.pointTerm?.(x, tx / 7) ?? 0;
          const [row] = await db.rows<{ p: number }>(`SELECT ${fast.sql} AS p FROM (VALUES (${x}, ${tx}, ${T})) AS h(x, tx_days, T_days), (SELECT ${c}::DOUBLE AS c) s, (SELECT ${g}::DOUBLE AS g) u`);
          expect(rel(row.p, m.pAlive(params, x, tx / 7, T / 7)), `${id} ${JSON.stringify(params)} x=${x} t_x=${tx} T=${T}`).toBeLessThan(1e-12);
        }
      }
    } finally {
      db.close();
    }
  });
});

/** lnΓ(r) for 0 < r < 10 by the recurrence to r + 10 and Stirling's series there (independent of lib/models/fit/special.ts). */
function lnGammaOf(r: number): number {
  let shift = 0;
  let z = r;
  while (z < 20) {
    shift += Math.log(z);
    z += 1;
  }
  const series = 1 / (12 * z) - 1 / (360 * z ** 3) + 1 / (1260 * z ** 5) - 1 / (1680 * z ** 7);
  return (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + series - shift;
}
