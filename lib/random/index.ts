// A small seeded generator, so the same seed gives the same numbers on every machine and in every worker
// (Math.random cannot be seeded). xoshiro128** (Blackman & Vigna) seeded through splitmix32: fast in
// 32-bit integer arithmetic, and independent streams come from hashing (seed, stream) into the state.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /** `stream` separates generators that share a seed (e.g. one per width or per purpose). */
  constructor(seed: number, stream = 0) {
    const st = { s: (Math.imul(seed | 0, 0x632be5ab) ^ Math.imul(stream | 0, 0x9e3779b1) ^ 0x5bd1e995) | 0 };
    // Mix in the high bits of seeds beyond 2^32 too, so seeds differing only there differ.
    st.s = (st.s + Math.floor(seed / 4294967296)) | 0;
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniform in 0..n-1. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `length` independent N(0, std²) values. */
  normals(length: number, std = 1): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = std * this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seed for tfjs's random ops (randomNormal, randomUniform, dropout). tfjs treats a seed of 0 as "no seed"
 * and draws from Math.random, so seed 0 — the default everywhere — would silently not reproduce. Our seeds
 * are never negative, so 0 maps to −1 without colliding with any other.
 */
export function tfSeed(seed: number): number {
  return seed === 0 ? -1 : seed;
}
