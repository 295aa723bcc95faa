/**
 * Listed strike grids and US option price ticks. Strikes are kept as integer
 * thousandths of a dollar (the OCC unit), so every strike is exact and its
 * OCC form and decimal string come out without floating-point noise.
 */

/** Strike increments in thousandths, from fine to coarse. */
const STEP_LADDER_MILLI: readonly number[] = [500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000];

/** OCC strikes are written with 8 digits of thousandths. */
const MAX_STRIKE_MILLI = 99_999_999;

/**
 * The listing increment for an underlying at `spot`, as US exchanges list the
 * bulk of their strikes: $0.50 under $25, $1 under $200, $2.50 under $500,
 * $5 above (SPX lists 5-point strikes).
 */
export function baseStrikeStepMilli(spot: number): number {
  if (spot < 25) return 500;
  if (spot < 200) return 1000;
  if (spot < 500) return 2500;
  return 5000;
}

export interface StrikeGrid {
  /** Increment of this grid, thousandths. */
  readonly stepMilli: number;
  /** Strikes ascending, thousandths. */
  readonly strikesMilli: readonly number[];
}

/**
 * Strikes on the coarsest-needed grid covering [lo, hi] (dollars), with at
 * least `minEachSide` strikes below and above spot and at most `maxStrikes`
 * in all. The step starts at the listing increment for spot and widens along
 * the ladder while the range would need too many strikes (far expiries have
 * wider spacing); if even the widest step does not fit, the strikes nearest
 * `centre` are kept.
 */
export function strikeGrid(spot: number, centre: number, lo: number, hi: number, minEachSide: number, maxStrikes: number): StrikeGrid {
  const base = baseStrikeStepMilli(spot);
  let rung = STEP_LADDER_MILLI.indexOf(base);
  const spotMilli = spot * 1000;
  for (;;) {
    const step = STEP_LADDER_MILLI[rung]!;
    const atSpot = Math.round(spotMilli / step);
    let first = Math.min(Math.ceil((lo * 1000) / step), atSpot - minEachSide);
    let last = Math.max(Math.floor((hi * 1000) / step), atSpot + minEachSide);
    first = Math.max(1, first);
    last = Math.min(Math.floor(MAX_STRIKE_MILLI / step), last);
    const count = last - first + 1;
    if (count <= maxStrikes || rung === STEP_LADDER_MILLI.length - 1) {
      if (count > maxStrikes) {
        const mid = Math.min(last, Math.max(first, Math.round((centre * 1000) / step)));
        first = Math.max(first, mid - Math.floor((maxStrikes - 1) / 2));
        last = Math.min(last, first + maxStrikes - 1);
      }
      const strikesMilli: number[] = [];
      for (let i = first; i <= last; i++) strikesMilli.push(i * step);
      return { stepMilli: step, strikesMilli };
    }
    rung++;
  }
}

/** Exact decimal string of a strike in thousandths: 152500 → "152.5", 7000000 → "7000". */
export function strikeString(milli: number): string {
  const whole = Math.floor(milli / 1000);
  const frac = milli - whole * 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** `YYYY-MM-DD` → `YYMMDD`, the OCC date field. */
export function occDate(expiry: string): string {
  return expiry.slice(2, 4) + expiry.slice(5, 7) + expiry.slice(8, 10);
}

/** OCC symbol from parts already validated (root ≤ 6 characters, strike in range). Same form as `occSymbol`. */
export function occSymbolFast(paddedRoot: string, yymmdd: string, right: 'C' | 'P', milli: number): string {
  return `${paddedRoot}${yymmdd}${right}${String(milli).padStart(8, '0')}`;
}

/** US listed option minimum tick, in cents: 1¢ for prices under $3, 5¢ from $3 (penny-pilot style). */
function tickCents(priceCents: number): number {
  return priceCents < 300 ? 1 : 5;
}

// Price × 100 lands a hair off an integer (2.3 · 100 = 229.99999999999997);
// this slack keeps such values on their tick instead of a whole tick away.
const CENT_SLACK = 1e-7;

/** Largest valid price ≤ `price`, never below 0. */
export function roundBidDown(price: number): number {
  const cents = price * 100;
  if (cents <= 0) return 0;
  const tick = tickCents(cents);
  return (Math.floor(cents / tick + CENT_SLACK) * tick) / 100;
}

/** Smallest valid price ≥ `price`, at least one cent. */
export function roundAskUp(price: number): number {
  const cents = Math.max(1, price * 100);
  const tick = tickCents(cents);
  return (Math.ceil(cents / tick - CENT_SLACK) * tick) / 100;
}
