/**
 * Seeded random numbers: sfc32 seeded through a splitmix32 mixer, with the
 * distributions the data generators need. Never Math.random: the same seed
 * and stream always give the same sequence, on every machine.
 */

/** splitmix32-style integer mixer (bijective on 32-bit words). */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Uniform random numbers in [0, 1) from sfc32, plus the distributions the generator needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let h = mix32(lo ^ mix32(hi ^ mix32(stream)));
    this.a = h = mix32(h);
    this.b = h = mix32(h ^ 0x6a09e667);
    this.c = h = mix32(h ^ 0xbb67ae85);
    this.d = 1;
    for (let i = 0; i < 20; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform in (0, 1]. */
  nextOpen(): number {
    return 1 - this.next();
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  normal(): number {
    const u = this.nextOpen();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given rate. */
  exponential(rate: number): number {
    return -Math.log(this.nextOpen()) / rate;
  }

  /** Gamma(shape, rate) by Marsaglia–Tsang (with the shape < 1 boost). */
  gamma(shape: number, rate: number): number {
    if (shape < 1) {
      return this.gamma(shape + 1, rate) * Math.pow(this.nextOpen(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return (d * v) / rate;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    const y = this.gamma(b, 1);
    return x / (x + y);
  }

  /** Poisson(mean): counts unit-rate exponential arrivals up to `mean` (fine for the small daily means here). */
  poisson(mean: number): number {
    let k = 0;
    let t = this.exponential(1);
    while (t <= mean) {
      k++;
      t += this.exponential(1);
    }
    return k;
  }

  /** Index drawn from weights (need not sum to 1). */
  pick(weights: readonly number[], total: number): number {
    let u = this.next() * total;
    for (let i = 0; i < weights.length - 1; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}
