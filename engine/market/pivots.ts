import type { HLC } from './indicators/common.js';
import { checkHLC } from './indicators/common.js';

export type PivotType = 'classic' | 'fibonacci' | 'woodie' | 'camarilla';
export const PIVOT_TYPES: readonly PivotType[] = ['classic', 'fibonacci', 'woodie', 'camarilla'];

export interface PivotLevels {
  readonly pivot: number;
  readonly r1: number;
  readonly r2: number;
  readonly r3: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
}

/**
 * Pivot levels from the PRIOR bar's high, low and close, exactly as SPEC §9:
 *
 * | type      | P            | levels |
 * | classic   | (H+L+C)/3    | R1 2P−L, R2 P+(H−L), R3 H+2(P−L); S1 2P−H, S2 P−(H−L), S3 L−2(H−P) |
 * | fibonacci | (H+L+C)/3    | P ± {0.382, 0.618, 1.0}(H−L) |
 * | woodie    | (H+L+2C)/4   | the classic formulas on this P |
 * | camarilla | (H+L+C)/3    | C ± (H−L)×1.1/{12, 6, 4} |
 *
 * Throws InputError naming high/low/close for a non-finite value or high < low.
 */
export function pivotPoints(prior: HLC, type: PivotType = 'classic'): PivotLevels {
  checkHLC(prior);
  const { high: h, low: l, close: c } = prior;
  const range = h - l;
  switch (type) {
    case 'classic':
      return classicLevels((h + l + c) / 3, h, l);
    case 'woodie':
      return classicLevels((h + l + 2 * c) / 4, h, l);
    case 'fibonacci': {
      const p = (h + l + c) / 3;
      return {
        pivot: p,
        r1: p + 0.382 * range,
        r2: p + 0.618 * range,
        r3: p + 1.0 * range,
        s1: p - 0.382 * range,
        s2: p - 0.618 * range,
        s3: p - 1.0 * range,
      };
    }
    case 'camarilla': {
      const p = (h + l + c) / 3;
      const w = range * 1.1;
      return { pivot: p, r1: c + w / 12, r2: c + w / 6, r3: c + w / 4, s1: c - w / 12, s2: c - w / 6, s3: c - w / 4 };
    }
  }
}

function classicLevels(p: number, h: number, l: number): PivotLevels {
  return {
    pivot: p,
    r1: 2 * p - l,
    r2: p + (h - l),
    r3: h + 2 * (p - l),
    s1: 2 * p - h,
    s2: p - (h - l),
    s3: l - 2 * (h - p),
  };
}
