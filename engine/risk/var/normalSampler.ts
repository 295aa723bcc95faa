import { createRng } from '../../domain/random.js';

/**
 * The Monte Carlo VaR kernel's random numbers: xoshiro128** (the generator of
 * `engine/domain/random.ts`, inlined here so the state lives in one object the
 * kernel's loop can keep hot) feeding a 128-layer ziggurat for normals and
 * Marsaglia–Tsang for gamma/χ² variates.
 *
 * Streams are counter-based: the paths are cut into blocks of BLOCK_PATHS and
 * block b of seed s draws from the stream `createRng(s, 'var-mc').child(b)`,
 * whatever chunk or worker simulates it. So a seed gives the same paths with
 * any number of workers and any chunk size that is a multiple of BLOCK_PATHS.
 *
 * Only 32-bit integer arithmetic, `Math.log`, `Math.exp` and `Math.sqrt` are
 * used, so a seed gives the same numbers on every platform running this Node.
 */

export const BLOCK_PATHS = 1024;

const TWO_POW_M32 = 1 / 4_294_967_296;

// Ziggurat of Marsaglia & Tsang (J. Stat. Softw. 5(8), 2000), 128 layers.
// Their version takes the layer from the low bits of the same signed integer
// it scales into x, which correlates the two (Doornik 2005). Here the layer
// comes from bits 0–6, the sign from bit 7 and the magnitude from bits 8–31,
// three disjoint fields of one output, so they are independent.
const LAYERS = 128;
const R = 3.442619855899; // start of the tail
const V = 9.91256303526217e-3; // area of each layer
const MAG = 16_777_216; // 2^24: range of the magnitude field

const kn = new Uint32Array(LAYERS); // accept j·w[i] outright when j < k[i]
const wn = new Float64Array(LAYERS); // x per unit of the magnitude field
const fn = new Float64Array(LAYERS); // exp(−x_i²/2) at each layer's edge
{
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * MAG);
  kn[1] = 0;
  wn[0] = q / MAG;
  wn[LAYERS - 1] = dn / MAG;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * MAG);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / MAG;
  }
}

/** A xoshiro128** stream with bulk-friendly normal and gamma variates. */
export class NormalSampler {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number, block = 0) {
    this.seedBlock(seed, block);
  }

  /** Restart at the first draw of block `block` of `seed` (no allocation beyond the seeding Rng). */
  seedBlock(seed: number, block: number): void {
    const rng = createRng(seed, 'var-mc').child(block);
    this.s0 = rng.nextUint32() | 0;
    this.s1 = rng.nextUint32() | 0;
    this.s2 = rng.nextUint32() | 0;
    this.s3 = rng.nextUint32() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next output as a signed 32-bit integer (callers use its bits). */
  nextInt32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in (0, 1): never 0, so its log is finite. */
  uniformOpen(): number {
    return ((this.nextInt32() >>> 0) + 0.5) * TWO_POW_M32;
  }

  /** Standard normal deviate. */
  normal(): number {
    const u = this.nextInt32();
    const i = u & 127;
    const j = u >>> 8;
    if (j < kn[i]!) {
      const x = j * wn[i]!;
      return (u & 128) === 0 ? x : -x;
    }
    return this.normalSlow(u);
  }

  /** The ~1 % of draws that fall outside a layer's inner rectangle: wedge test or tail. */
  private normalSlow(first: number): number {
    let u = first;
    for (;;) {
      const i = u & 127;
      const j = u >>> 8;
      const negative = (u & 128) !== 0;
      if (j < kn[i]!) {
        const x = j * wn[i]!;
        return negative ? -x : x;
      }
      if (i === 0) {
        // Marsaglia (1964) tail beyond R.
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.uniformOpen()) / R;
          y = -Math.log(this.uniformOpen());
        } while (y + y < x * x);
        return negative ? -(R + x) : R + x;
      }
      const x = j * wn[i]!;
      if (fn[i]! + this.uniformOpen() * (fn[i - 1]! - fn[i]!) < Math.exp(-0.5 * x * x)) return negative ? -x : x;
      u = this.nextInt32();
    }
  }

  /**
   * Gamma(shape, 1) for shape ≥ 1 (Marsaglia & Tsang, ACM TOMS 26(3), 2000):
   * about 1.02 normal and one uniform per variate. χ²(ν) = 2·Gamma(ν/2).
   */
  gamma(shape: number): number {
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
      const u = this.uniformOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Fill out[from, to) with standard normals. */
  fillNormal(out: Float64Array, from = 0, to = out.length): void {
    for (let k = from; k < to; k++) out[k] = this.normal();
  }
}
