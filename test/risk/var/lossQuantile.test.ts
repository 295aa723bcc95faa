import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../../engine/domain/errors.js';
import { minimumOutcomes, tailCount, varCvarFromWorst, varCvarOfPnl } from '../../../engine/risk/var/lossQuantile.js';

/** P&L −1 … −n in a scrambled order: losses 1 … n. */
function lossesOneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => -(((i * 37) % n) + 1));
}

describe('the empirical quantile convention (hand-computed)', () => {
  it('n = 100: VaR₉₅ is the 95th smallest loss, CVaR₉₅ the mean of the 5 worst', () => {
    expect(varCvarOfPnl(lossesOneTo(100), 0.95)).toEqual({ var: 95, cvar: 98 });
    expect(varCvarOfPnl(lossesOneTo(100), 0.99)).toEqual({ var: 99, cvar: 100 });
    expect(tailCount(100, 0.95)).toBe(6);
  });

  it('n = 50 at 95 %: ⌈47.5⌉ = 48th loss; CVaR counts the boundary fractionally', () => {
    // VaR = 48; CVaR = 48 + ((50 − 48) + (49 − 48)) / (50 × 0.05) = 49.2
    const r = varCvarOfPnl(lossesOneTo(50), 0.95);
    expect(r.var).toBe(48);
    expect(r.cvar).toBeCloseTo(49.2, 12);
  });

  it('decimal confidences count exactly: 0.999 × 1000 is 999, 0.99 × 100 is 99', () => {
    expect(varCvarOfPnl(lossesOneTo(1000), 0.999)).toEqual({ var: 999, cvar: 1000 });
    expect(minimumOutcomes(0.95)).toBe(20);
    expect(minimumOutcomes(0.99)).toBe(100);
    expect(minimumOutcomes(0.999)).toBe(1000);
  });

  it('gains everywhere give a negative VaR (the c-worst day is still a gain); nothing at risk gives 0, not −0', () => {
    // losses −4, −3, −2, −1: the ⌈2⌉nd smallest is −3; CVaR is the mean of the two worst, −1.5.
    expect(varCvarOfPnl([1, 2, 3, 4], 0.5)).toEqual({ var: -3, cvar: -1.5 });
    const zero = varCvarOfPnl([0, 0, 0], 0.95);
    expect(Object.is(zero.var, 0) && Object.is(zero.cvar, 0)).toBe(true);
  });

  it('rejects confidence outside [0.5, 1) and too short a tail', () => {
    for (const c of [0.4, 1, 1.5, Number.NaN]) expect(() => varCvarOfPnl([1, 2], c)).toThrow(InputError);
    expect(() => varCvarFromWorst([-5], 100, 0.95)).toThrow(/needs the 6 worst/);
  });
});

const pnlArb = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 });
const confArb = fc.double({ min: 0.5, max: 0.999, noNaN: true });

describe('properties of the empirical VaR and CVaR', () => {
  it('VaR and CVaR are monotone in the confidence; CVaR ≥ VaR', () => {
    fc.assert(
      fc.property(pnlArb, confArb, confArb, (pnl, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = varCvarOfPnl(pnl, lo);
        const y = varCvarOfPnl(pnl, hi);
        const tol = 1e-9 * Math.max(1, ...pnl.map(Math.abs));
        expect(y.var).toBeGreaterThanOrEqual(x.var);
        expect(y.cvar).toBeGreaterThanOrEqual(x.cvar - tol);
        expect(x.cvar).toBeGreaterThanOrEqual(x.var - tol);
      }),
    );
  });

  it('is invariant to the order of outcomes and scales linearly with positive size', () => {
    fc.assert(
      fc.property(pnlArb, confArb, fc.double({ min: 0.001, max: 1000, noNaN: true }), fc.nat(), (pnl, c, k, shift) => {
        const base = varCvarOfPnl(pnl, c);
        const rotated = [...pnl.slice(shift % pnl.length), ...pnl.slice(0, shift % pnl.length)].reverse();
        expect(varCvarOfPnl(rotated, c)).toEqual(base);
        const scaled = varCvarOfPnl(
          pnl.map((x) => x * k),
          c,
        );
        const tol = 1e-9 * k * Math.max(1, ...pnl.map(Math.abs));
        expect(Math.abs(scaled.var - k * base.var)).toBeLessThanOrEqual(tol);
        expect(Math.abs(scaled.cvar - k * base.cvar)).toBeLessThanOrEqual(tol);
      }),
    );
  });
});
