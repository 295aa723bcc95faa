import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../engine/domain/errors.js';
import { Ring } from '../../../engine/gateway/ws/ring.js';
import { DEFAULT_WS_LIMITS, resolveLimits } from '../../../engine/gateway/ws/limits.js';

describe('Ring', () => {
  it('property: holds the last `capacity` items pushed, oldest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.oneof(fc.integer(), fc.constant('clear' as const)), { maxLength: 60 }), (capacity, ops) => {
        const ring = new Ring<number>(capacity);
        let model: number[] = [];
        for (const op of ops) {
          if (op === 'clear') {
            ring.clear();
            model = [];
          } else {
            ring.push(op);
            model = [...model, op].slice(-capacity);
          }
          expect(ring.slice()).toEqual(model);
          expect(ring.length).toBe(model.length);
          expect(ring.at(0)).toBe(model[0]);
          expect(ring.slice(1)).toEqual(model.slice(1));
        }
      }),
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Ring(0)).toThrow(InputError);
    expect(() => new Ring(1.5)).toThrow(/capacity: must be a positive integer/);
  });
});

describe('WebSocket limits', () => {
  it('default sensibly and name a bad override', () => {
    expect(resolveLimits()).toEqual(DEFAULT_WS_LIMITS);
    expect(resolveLimits({ ratePerSecond: 0.5 }).ratePerSecond).toBe(0.5);
    expect(() => resolveLimits({ burst: 0 })).toThrow('limits.burst: must be a positive integer, got 0');
    expect(() => resolveLimits({ maxBufferedBytes: Number.NaN })).toThrow(/limits.maxBufferedBytes/);
  });
});
