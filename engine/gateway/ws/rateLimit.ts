import { InputError } from '../../domain/errors.js';

/**
 * A token bucket: `burst` messages at once, refilled at `perSecond`. Time is
 * passed in (milliseconds from any monotonic origin) so tests can freeze it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(perSecond > 0)) throw new InputError('ratePerSecond', `must be positive, got ${perSecond}`);
    if (!Number.isInteger(burst) || burst < 1) throw new InputError('burst', `must be a positive integer, got ${burst}`);
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token if there is one. */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
