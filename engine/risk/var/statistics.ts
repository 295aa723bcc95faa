/**
 * Sample statistics of return series, as the parametric and Monte Carlo VaR
 * use them. Conventions (also in docs/risk-var.md):
 * - mean: arithmetic; covariance and standard deviation: unbiased (n − 1);
 * - skewness g₁ = m₃ / m₂^{3/2} and excess kurtosis g₂ = m₄ / m₂² − 3 from the
 *   population central moments m_k = Σ(x − x̄)^k / n (the moment ratios the
 *   Cornish–Fisher expansion is written in).
 * Two passes (mean first), so a series with a large mean keeps its digits.
 */

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length === 0 ? Number.NaN : s / x.length;
}

export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Unbiased (n − 1) standard deviation. */
  readonly sd: number;
  /** g₁; 0 for a constant series. */
  readonly skewness: number;
  /** g₂ (0 for a normal); 0 for a constant series. */
  readonly excessKurtosis: number;
}

export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  const mu = mean(x);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mu;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // A constant series has no shape; report the normal's so Cornish–Fisher reduces to the normal.
  const flat = !(m2 > 0);
  return { n, mean: mu, sd, skewness: flat ? 0 : m3 / Math.pow(m2, 1.5), excessKurtosis: flat ? 0 : m4 / (m2 * m2) - 3 };
}

/** Column means of a column-major table. */
export function columnMeans(columns: readonly Float64Array[]): Float64Array {
  return Float64Array.from(columns, (c) => mean(c));
}

/** Unbiased sample covariance matrix (d×d, row-major) of a column-major table. */
export function covarianceMatrix(columns: readonly Float64Array[]): Float64Array {
  const d = columns.length;
  const n = columns[0]?.length ?? 0;
  const mu = columnMeans(columns);
  const centred = columns.map((c, a) => Float64Array.from(c, (v) => v - mu[a]!));
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ci = centred[i]!;
    for (let j = 0; j <= i; j++) {
      const cj = centred[j]!;
      let s = 0;
      for (let t = 0; t < n; t++) s += ci[t]! * cj[t]!;
      const v = n > 1 ? s / (n - 1) : 0;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return cov;
}

/** Σ_a exposure[a] · columns[a][t] for every row t: the currency P&L series of a linear portfolio. */
export function linearPnlSeries(columns: readonly Float64Array[], exposure: ArrayLike<number>): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let a = 0; a < columns.length; a++) {
    const e = exposure[a]!;
    if (e === 0) continue;
    const c = columns[a]!;
    for (let t = 0; t < n; t++) out[t] = out[t]! + e * c[t]!;
  }
  return out;
}

/** xᵀ M y for a d×d row-major M. */
export function quadraticForm(m: Float64Array, x: ArrayLike<number>, y: ArrayLike<number> = x): number {
  const d = x.length;
  let s = 0;
  for (let i = 0; i < d; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    let row = 0;
    for (let j = 0; j < d; j++) row += m[i * d + j]! * y[j]!;
    s += xi * row;
  }
  return s;
}
