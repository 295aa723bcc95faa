import { InputError } from '../../engine/domain/errors.js';

/**
 * A token bucket on an injected clock: `burst` messages at once, then
 * `perMinute` a minute. Every HTTP attempt to a provider takes a token, so
 * retries count against the limit too.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly refillPerMs: number;

  constructor(private readonly capacity: number, perMinute: number, private readonly now: () => number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InputError('burst', 'must be an integer ≥ 1');
    if (!(Number.isFinite(perMinute) && perMinute > 0)) throw new InputError('perMinute', 'must be a positive number');
    this.refillPerMs = perMinute / 60_000;
    this.tokens = capacity;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.refillPerMs);
      this.last = t;
    }
  }

  tryTake(): boolean {
    this.refill();
    // Float refill can land a hair under 1 at exactly the computed instant.
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return true;
    }
    return false;
  }

  /** Milliseconds until a token is available (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 - 1e-9 ? 0 : Math.max(1, Math.ceil((1 - this.tokens) / this.refillPerMs));
  }
}
