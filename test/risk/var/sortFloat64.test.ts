import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sortFloat64 } from '../../../engine/risk/var/sortFloat64.js';
import { NormalSampler } from '../../../engine/risk/var/normalSampler.js';

describe('sortFloat64', () => {
  it('sorts like a numeric comparison sort, signed zeros, denormals and huge values included (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 2000 }), (xs) => {
        const got = sortFloat64(Float64Array.from(xs));
        const want = Float64Array.from(xs).sort();
        expect([...got]).toEqual([...want]);
      }),
    );
  });

  it('sorts a large chunk of P&L with many near-equal values', () => {
    const s = new NormalSampler(9, 0);
    const xs = Float64Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? 1e4 : 1e4 + s.normal() * 1e-9) + s.normal() * (i % 2));
    const got = sortFloat64(Float64Array.from(xs));
    const want = Float64Array.from(xs).sort();
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) mismatches++;
    expect(mismatches).toBe(0);
  });
});
