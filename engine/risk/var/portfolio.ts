import { InputError } from '../../domain/errors.js';
import { CONTRACT_MULTIPLIER } from '../../domain/money.js';
import type { OptionRight } from '../../domain/instrument.js';
import { allocateOptionColumns, bsmPriceBatch, CALL, PUT } from '../../market/batchPricing.js';
import type { BookModel, OptionBookColumns } from './bookRevaluation.js';

/**
 * What the VaR is of: stock positions (a signed currency value per asset) and
 * European option positions on those assets. Assets are named as in the
 * returns table's header. Statistics, so plain numbers; the CLI converts its
 * Decimal `--value` at its edge.
 */

/** Trading days per year: converts the horizon (in trading days, like the return rows) to option time. */
export const TRADING_DAYS_PER_YEAR = 252;

export interface StockPosition {
  readonly asset: string;
  /** Market value held, in currency; negative for a short. */
  readonly value: number;
}

export interface OptionPosition {
  readonly asset: string;
  readonly right: OptionRight;
  readonly strike: number;
  /** Years to expiry today (ACT/365, as the option pricer takes it). */
  readonly years: number;
  readonly rate: number;
  readonly dividend: number;
  /** Annualised volatility, held fixed over the horizon. */
  readonly vol: number;
  /** Contracts; negative for written options. */
  readonly quantity: number;
  /** Shares per contract; defaults to 100. */
  readonly multiplier?: number;
}

export interface Portfolio {
  readonly stocks: readonly StockPosition[];
  readonly options: readonly OptionPosition[];
  /** Today's price of each asset that has options on it. */
  readonly spots?: Readonly<Record<string, number>>;
}

/** `value` split across `assets` by `weights` (equal weights by default); weights need not sum to 1 (leverage, shorts). */
export function weightedPortfolio(assets: readonly string[], value: number, weights?: readonly number[]): Portfolio {
  if (!Number.isFinite(value)) throw new InputError('value', `must be finite, got ${value}`);
  const w = weights ?? assets.map(() => 1 / assets.length);
  if (w.length !== assets.length) {
    throw new InputError('weights', `${w.length} weights for ${assets.length} assets (${assets.join(', ')}): give one weight per return column`);
  }
  w.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new InputError('weights', `weight ${i + 1} (${assets[i]}) is not a finite number: ${x}`);
  });
  return { stocks: assets.map((asset, i) => ({ asset, value: value * w[i]! })), options: [] };
}

/** A portfolio mapped onto a returns table's columns. */
export interface ResolvedPortfolio {
  /** Stock value per asset column (summed when an asset is listed twice). */
  readonly exposure: Float64Array;
  /** null when there are no options: the portfolio is linear in the returns. */
  readonly book: BookModel | null;
  /** No stock value and no option contracts: nothing is at risk. */
  readonly empty: boolean;
}

function finite(field: string, x: number, rule?: 'positive' | 'nonNegative'): number {
  if (!Number.isFinite(x)) throw new InputError(field, `must be a finite number, got ${x}`);
  if (rule === 'positive' && !(x > 0)) throw new InputError(field, `must be > 0, got ${x}`);
  if (rule === 'nonNegative' && !(x >= 0)) throw new InputError(field, `must be ≥ 0, got ${x}`);
  return x;
}

export function resolvePortfolio(portfolio: Portfolio, assets: readonly string[], horizonDays: number): ResolvedPortfolio {
  const index = new Map(assets.map((a, i) => [a, i] as const));
  const column = (field: string, asset: string): number => {
    const i = index.get(asset);
    if (i === undefined) throw new InputError(field, `asset ${asset} is not a column of the returns (${assets.join(', ')})`);
    return i;
  };
  const exposure = new Float64Array(assets.length);
  portfolio.stocks.forEach((s, k) => {
    const i = column(`stocks[${k}].asset`, s.asset);
    exposure[i] = exposure[i]! + finite(`stocks[${k}].value`, s.value);
  });
  const live = portfolio.options.filter((o) => o.quantity !== 0);
  const empty = exposure.every((v) => v === 0) && live.length === 0;
  if (portfolio.options.length === 0) return { exposure, book: null, empty };

  const n = portfolio.options.length;
  const horizonYears = horizonDays / TRADING_DAYS_PER_YEAR;
  const book: OptionBookColumns = {
    count: n,
    asset: new Int32Array(n),
    right: new Uint8Array(n),
    strike: new Float64Array(n),
    yearsAtHorizon: new Float64Array(n),
    rate: new Float64Array(n),
    dividend: new Float64Array(n),
    vol: new Float64Array(n),
    scale: new Float64Array(n),
    price0: new Float64Array(n),
  };
  const today = allocateOptionColumns(n);
  const spots = new Float64Array(assets.length);
  portfolio.options.forEach((o, j) => {
    const f = (name: string) => `options[${j}].${name}`;
    const a = column(f('asset'), o.asset);
    const spot = portfolio.spots?.[o.asset];
    if (spot === undefined) throw new InputError(`spots.${o.asset}`, `today's price of ${o.asset} is needed to revalue options[${j}]`);
    spots[a] = finite(`spots.${o.asset}`, spot, 'positive');
    if (o.right !== 'C' && o.right !== 'P') throw new InputError(f('right'), `must be C or P, got ${String(o.right)}`);
    const years = finite(f('years'), o.years, 'nonNegative');
    book.asset[j] = a;
    book.right[j] = o.right === 'C' ? CALL : PUT;
    book.strike[j] = finite(f('strike'), o.strike, 'positive');
    book.yearsAtHorizon[j] = Math.max(0, years - horizonYears);
    book.rate[j] = finite(f('rate'), o.rate);
    book.dividend[j] = finite(f('dividend'), o.dividend);
    book.vol[j] = finite(f('vol'), o.vol, 'nonNegative');
    book.scale[j] = finite(f('quantity'), o.quantity) * finite(f('multiplier'), o.multiplier ?? CONTRACT_MULTIPLIER, 'positive');
    today.right[j] = book.right[j]!;
    today.spot[j] = spots[a]!;
    today.strike[j] = book.strike[j]!;
    today.years[j] = years;
    today.rate[j] = book.rate[j]!;
    today.dividend[j] = book.dividend[j]!;
    today.vol[j] = book.vol[j]!;
  });
  bsmPriceBatch(today, book.price0);
  return { exposure, book: { spots, options: book }, empty };
}
