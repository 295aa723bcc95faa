import { InputError } from '../../domain/errors.js';

/**
 * Cholesky factor L (lower triangular, L·Lᵀ = Σ) of a covariance matrix,
 * with the documented repair for singular and near-singular matrices.
 *
 * Repair (semi-definite Cholesky): at column j the residual variance
 * Σ_jj − Σ_k L_jk², the part of asset j's variance not explained by assets
 * before it, is compared with PIVOT_TOLERANCE · Σ_jj. At or below it the asset
 * is treated as an exact linear combination of the earlier ones: L_jj and the
 * rest of column j are set to 0. For a positive semi-definite Σ this is still
 * an exact factorisation up to that tolerance: two perfectly correlated
 * assets give L = [[σ₁, 0], [σ₂, 0]], and a constant (zero-variance) asset a
 * zero row. Residuals below −PIVOT_TOLERANCE · Σ_jj cannot come from a
 * covariance matrix (it is not positive semi-definite) and are an InputError
 * naming the asset, never silently clipped.
 */
export const PIVOT_TOLERANCE = 1e-10;

export interface CholeskyFactor {
  readonly dimension: number;
  /** d×d row-major, zero above the diagonal. */
  readonly lower: Float64Array;
  /** Columns set to zero by the repair (assets spanned by earlier ones). */
  readonly zeroedPivots: readonly number[];
}

/** `covariance` is d×d row-major and symmetric; `names` (optional) label assets in errors. */
export function choleskyFactor(covariance: Float64Array, dimension: number, names?: readonly string[]): CholeskyFactor {
  const d = dimension;
  if (covariance.length !== d * d) throw new InputError('covariance', `expected ${d}×${d} = ${d * d} entries, got ${covariance.length}`);
  const label = (i: number) => names?.[i] ?? `asset ${i}`;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const a = covariance[i * d + j]!;
      const b = covariance[j * d + i]!;
      if (!Number.isFinite(a)) throw new InputError('covariance', `entry (${label(i)}, ${label(j)}) is ${a}`);
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE)) {
        throw new InputError('covariance', `not symmetric at (${label(i)}, ${label(j)}): ${a} vs ${b}`);
      }
    }
    if (covariance[i * d + i]! < 0) throw new InputError('covariance', `variance of ${label(i)} is negative: ${covariance[i * d + i]}`);
  }

  const l = new Float64Array(d * d);
  const zeroed: number[] = [];
  for (let j = 0; j < d; j++) {
    const variance = covariance[j * d + j]!;
    let residual = variance;
    for (let k = 0; k < j; k++) residual -= l[j * d + k]! * l[j * d + k]!;
    const tolerance = PIVOT_TOLERANCE * variance;
    if (residual < -tolerance) {
      throw new InputError('covariance', `not positive semi-definite: ${label(j)} has residual variance ${residual} after the assets before it`);
    }
    if (residual <= tolerance) {
      zeroed.push(j);
      continue; // column j stays zero
    }
    const pivot = Math.sqrt(residual);
    l[j * d + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      let s = covariance[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = s / pivot;
    }
  }
  return { dimension: d, lower: l, zeroedPivots: zeroed };
}
