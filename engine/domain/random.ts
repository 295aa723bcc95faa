import { InputError } from './errors.js';

/**
 * Seeded randomness for data generation and simulations. Only 32-bit integer
 * arithmetic (`Math.imul`, shifts) drives the state, so a seed gives the same
 * sequence on every platform; `normal()` adds only `Math.log` and `Math.sqrt`
 * (no trigonometry), which V8 computes identically everywhere.
 *
 * A stream is named by a path (`seed`, then `/key` per child). A child's state
 * is a hash of its path alone, never of draws made on its parent, so the
 * stream for symbol X is the same whichever symbols are generated before it.
 */

const TWO_POW_32 = 4_294_967_296;

/** 32-bit FNV-1a over UTF-16 code units, with a caller-chosen offset basis. */
export function hash32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: a strong 32-bit finaliser used to expand seed material. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128** (Blackman & Vigna): 128-bit state, period 2^128 − 1. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** Prefer `createRng`; `path` names the stream and fully determines it. */
  constructor(readonly path: string) {
    // Two differently-based hashes give 64 bits of seed material, so distinct
    // paths collide only with negligible probability.
    const a = hash32(path);
    const b = hash32(path, 0x9747b28c);
    this.s0 = splitmix32(a);
    this.s1 = splitmix32(b);
    this.s2 = splitmix32(a ^ rotl(b, 13));
    this.s3 = splitmix32(b ^ rotl(a, 7) ^ 0x6a09e667);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero is the one forbidden state
  }

  /** An independent stream named by this stream's path and `key`. */
  child(key: string | number): Rng {
    return new Rng(`${this.path}/${String(key)}`);
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new InputError('n', `must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Normal deviate (Marsaglia polar method; the second value of each pair is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + sd * v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        return mean + sd * u * m;
      }
    }
  }
}

/** The root stream of a seed; `key` (optional) selects a named child of it directly. */
export function createRng(seed: number | string, key?: string): Rng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new InputError('seed', `must be a finite number, got ${seed}`);
  const root = new Rng(String(seed));
  return key === undefined ? root : root.child(key);
}
