/**
 * The shape of the synthetic smile and its no-arbitrage check, kept apart
 * from the surface so option validation can use it without a cycle.
 */

/** The smile multiplier minus one: −skew·m + smile·m². */
export function smileShape(skew: number, smile: number, m: number): number {
  return -skew * m + smile * m * m;
}

/**
 * Gatheral's density condition g(x) ≥ 0 (Gatheral & Jacquier 2014, eq. 2.1)
 * for this surface's total variance w = v²·F(x)², where v = σ_ATM·√T and
 * F(x) = 1 + smileShape(clip·tanh(x/clip)). In these units it reduces to
 *   g = (1 − x·F′/F)² − v²·F²·F′²/4 + F·F″,
 * so the worst case is the largest v the chain can reach. Returns the lowest
 * g over the moneyness range (and the lowest F, which must stay positive).
 */
export function smileArbitrageMargin(skew: number, smile: number, clip: number, maxTotalVol: number): { minDensity: number; minFactor: number } {
  let minDensity = Number.POSITIVE_INFINITY;
  let minFactor = Number.POSITIVE_INFINITY;
  const steps = 1600;
  const span = 5 * clip; // tanh(5) is within 1e-4 of 1: the wings beyond are flat
  for (let i = 0; i <= steps; i++) {
    const x = -span + (2 * span * i) / steps;
    const t = Math.tanh(x / clip);
    const m = clip * t;
    const dm = 1 - t * t;
    const d2m = (-2 / clip) * t * dm;
    const f = 1 + smileShape(skew, smile, m);
    const fm = -skew + 2 * smile * m;
    const fx = fm * dm;
    const fxx = 2 * smile * dm * dm + fm * d2m;
    const a = 1 - (x * fx) / f;
    const g = a * a - (maxTotalVol * maxTotalVol * f * f * fx * fx) / 4 + f * fxx;
    if (g < minDensity) minDensity = g;
    if (f < minFactor) minFactor = f;
  }
  return { minDensity, minFactor };
}
