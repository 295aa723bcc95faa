import { checkFinite, checkPeriod, nanArray } from './common.js';

export const DEFAULT_RSI_PERIOD = 14;

/**
 * Wilder's RSI. The first average gain and loss are the simple means of the
 * first `period` changes; after that each is smoothed with k = 1/period:
 * avg ← (avg·(period−1) + x)/period. RSI = 100 − 100/(1 + RS), RS = avgGain/avgLoss.
 *
 * Edge cases (chosen, documented):
 * - average loss 0 and average gain > 0 → 100 (SPEC §9);
 * - both averages 0 (a flat series) → 50: no movement is neither overbought
 *   nor oversold, and 100 would fire every "overbought" rule on a halted stock.
 *
 * Ready after period + 1 values (period changes).
 */
export class RSI {
  readonly period: number;
  private prev = Number.NaN;
  private changes = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(period = DEFAULT_RSI_PERIOD) {
    this.period = checkPeriod('period', period);
  }

  get ready(): boolean {
    return this.changes >= this.period;
  }

  get value(): number | null {
    if (!this.ready) return null;
    if (this.avgLoss === 0) return this.avgGain === 0 ? 50 : 100;
    const rs = this.avgGain / this.avgLoss;
    return 100 - 100 / (1 + rs);
  }

  update(x: number): void {
    checkFinite('value', x);
    const prev = this.prev;
    this.prev = x;
    if (Number.isNaN(prev)) return;
    const d = x - prev;
    const gain = d > 0 ? d : 0;
    const loss = d < 0 ? -d : 0;
    const n = this.period;
    if (this.changes < n) {
      this.avgGain += gain / n;
      this.avgLoss += loss / n;
      this.changes++;
      return;
    }
    this.avgGain = (this.avgGain * (n - 1) + gain) / n;
    this.avgLoss = (this.avgLoss * (n - 1) + loss) / n;
  }

  reset(): void {
    this.prev = Number.NaN;
    this.changes = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
  }
}

/** Batch RSI: NaN for the first `period` elements. */
export function rsi(values: readonly number[], period = DEFAULT_RSI_PERIOD): Float64Array {
  const r = new RSI(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) {
    r.update(checkFinite(`values[${i}]`, values[i]!));
    out[i] = r.value ?? Number.NaN;
  }
  return out;
}
