/**
 * Mean and M2 (sum of squared deviations) of the last `size` values, O(1) per
 * push: a sliding Welford update over a ring buffer. More stable than Σx and
 * Σx²; M2 is clamped at 0 so rounding never yields a negative variance, and
 * both are recomputed from the window every RESYNC_EVERY pushes, because the
 * running values drift by a few ulps per update (amortised O(1)).
 * Shared by realised volatility and Bollinger bands.
 */
export const RESYNC_EVERY = 4096;

export class RollingMoments {
  private readonly buf: Float64Array;
  private head = 0;
  private filled = 0;
  private sinceResync = 0;
  mean = 0;
  m2 = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  /** Values held, capped at `size`. */
  get count(): number {
    return this.filled;
  }

  get full(): boolean {
    return this.filled === this.size;
  }

  push(x: number): void {
    const n = this.size;
    if (this.filled < n) {
      this.buf[this.filled++] = x;
      const delta = x - this.mean;
      this.mean += delta / this.filled;
      this.m2 += delta * (x - this.mean);
      return;
    }
    const old = this.buf[this.head]!;
    this.buf[this.head] = x;
    this.head = (this.head + 1) % n;
    const oldMean = this.mean;
    this.mean = oldMean + (x - old) / n;
    this.m2 += (x - old) * (x - this.mean + old - oldMean);
    if (this.m2 < 0) this.m2 = 0;
    if (++this.sinceResync >= RESYNC_EVERY) this.resync();
  }

  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.mean = 0;
    this.m2 = 0;
    this.sinceResync = 0;
  }

  private resync(): void {
    this.sinceResync = 0;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.buf[i]!;
    const mean = sum / this.filled;
    let m2 = 0;
    for (let i = 0; i < this.filled; i++) {
      const d = this.buf[i]! - mean;
      m2 += d * d;
    }
    this.mean = mean;
    this.m2 = m2;
  }
}
