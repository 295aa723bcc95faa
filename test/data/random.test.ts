import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/domain/errors.js';
import { createRng, hash32, type Rng } from '../../engine/domain/random.js';

const take = (rng: Rng, n: number, f: (r: Rng) => number = (r) => r.uniform()): number[] => Array.from({ length: n }, () => f(rng));

describe('Rng', () => {
  it('FNV-1a matches the published test vectors', () => {
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    expect(hash32('foobar')).toBe(0xbf9cf968);
  });

  it('pins the first outputs of a seed, so a platform or algorithm change shows up', () => {
    const r = createRng(42);
    expect(take(r, 3, (x) => x.nextUint32())).toEqual([2433700052, 25877707, 674718927]);
    const c = createRng(42, 'x');
    expect(c.normal()).toBe(-1.5465687244655577);
    expect(c.normal()).toBe(0.47540677144809884);
  });

  it('same seed gives the same sequence; different seeds differ', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        expect(take(createRng(a), 20)).toEqual(take(createRng(a), 20));
        if (a !== b) expect(take(createRng(a), 4)).not.toEqual(take(createRng(b), 4));
      }),
    );
  });

  it('uniform() stays in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        for (const u of take(createRng(seed), 200)) {
          expect(u).toBeGreaterThanOrEqual(0);
          expect(u).toBeLessThan(1);
        }
      }),
    );
  });

  it('a child stream depends only on its path, not on draws made on the parent', () => {
    const fresh = createRng(7);
    const used = createRng(7);
    take(used, 1000);
    expect(take(fresh.child('symbol:AAPL'), 10)).toEqual(take(used.child('symbol:AAPL'), 10));
    expect(take(createRng(7, 'symbol:AAPL'), 10)).toEqual(take(fresh.child('symbol:AAPL'), 10));
    expect(take(fresh.child('symbol:AAPL'), 10)).not.toEqual(take(fresh.child('symbol:MSFT'), 10));
    expect(take(fresh.child('a').child('b'), 5)).toEqual(take(createRng(7, 'a/b'), 5));
  });

  it('uniform and normal have the right moments', () => {
    const rng = createRng('moments');
    const u = take(rng, 100_000);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(mean).toBeCloseTo(0.5, 2);
    const z = take(rng, 100_000, (r) => r.normal());
    const zm = z.reduce((a, b) => a + b, 0) / z.length;
    const zv = z.reduce((a, b) => a + (b - zm) ** 2, 0) / z.length;
    expect(Math.abs(zm)).toBeLessThan(0.015);
    expect(zv).toBeGreaterThan(0.98);
    expect(zv).toBeLessThan(1.02);
    expect(z.filter((x) => Math.abs(x) > 1.96).length / z.length).toBeCloseTo(0.05, 2);
    const scaled = createRng('s').normal(10, 0);
    expect(scaled).toBe(10);
  });

  it('int and between respect their ranges; bad arguments are named', () => {
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(6);
      expect(Number.isInteger(k) && k >= 0 && k < 6).toBe(true);
      const x = rng.between(-2, 3);
      expect(x >= -2 && x < 3).toBe(true);
    }
    expect(() => rng.int(0)).toThrow(InputError);
    expect(() => rng.int(1.5)).toThrow(/n: must be a positive integer/);
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });
});
