import { InputError, PricingError } from '../domain/errors.js';
import type { OptionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import type { BsmResult } from './blackScholes.js';
import { bsmInto } from './blackScholes.js';
import { expiryCloseUtc, MS_PER_YEAR } from './expiries.js';
import { DEFAULT_VOL_WINDOW, RealizedVolatility } from './realizedVolatility.js';

/** Dividend yields the original hard-codes (SPEC §10); every other ticker gets DEFAULT_DIVIDEND_YIELD. */
export const DIVIDEND_YIELDS: Readonly<Record<string, number>> = { AAPL: 0.005, MSFT: 0.007, SPY: 0.013, QQQ: 0.006 };
export const DEFAULT_DIVIDEND_YIELD = 0.015;
export const DEFAULT_RATE = 0.04;
export const DEFAULT_FALLBACK_VOL = 0.3;
const MAX_CACHED_CONTRACTS = 10_000;

export interface OptionMarkModelOptions {
  /** Risk-free rate, continuously compounded. Default 0.04. */
  readonly rate?: number;
  /** Volatility used until a symbol's realised volatility is warm. Default 0.30. */
  readonly fallbackVol?: number;
  /** Daily returns in the realised-volatility window. Default 20. */
  readonly volWindow?: number;
}

interface SymbolState {
  lastPrice: number;
  lastDailyTs: number;
  readonly vol: RealizedVolatility;
}

interface ContractInfo {
  readonly strike: number;
  readonly closeTs: number;
  readonly dividend: number;
}

/**
 * Theoretical option marks for the paper venue and the strategies, where no
 * option quotes exist: Black–Scholes–Merton on the underlying's last price
 * with its realised volatility.
 *
 * Volatility is fed by daily closes only (bars with timeframe '1d', in time
 * order; a repeated or older daily bar is ignored). Intraday bars update the
 * last price but not the volatility: mixing 5-minute and daily returns in one
 * window and annualising by √252 would be meaningless.
 *
 * `onBar` and `price` do not allocate once a symbol and a contract have been
 * seen (the per-contract strike and expiry instant are cached by OCC symbol).
 */
export class OptionMarkModel {
  readonly rate: number;
  readonly fallbackVol: number;
  readonly volWindow: number;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly contracts = new Map<string, ContractInfo>();
  private readonly scratch: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };

  constructor(options: OptionMarkModelOptions = {}) {
    const rate = options.rate ?? DEFAULT_RATE;
    const fallbackVol = options.fallbackVol ?? DEFAULT_FALLBACK_VOL;
    const volWindow = options.volWindow ?? DEFAULT_VOL_WINDOW;
    if (!Number.isFinite(rate) || Math.abs(rate) > 1) throw new InputError('rate', `must be a finite number in [-1, 1], got ${String(rate)}`);
    if (!Number.isFinite(fallbackVol) || fallbackVol <= 0 || fallbackVol > 5) {
      throw new InputError('fallbackVol', `must be a number in (0, 5], got ${String(fallbackVol)}`);
    }
    if (!Number.isInteger(volWindow) || volWindow < 2) throw new InputError('volWindow', `must be an integer ≥ 2, got ${String(volWindow)}`);
    this.rate = rate;
    this.fallbackVol = fallbackVol;
    this.volWindow = volWindow;
  }

  /** Feed every underlying bar (already validated at the data edge). */
  onBar(bar: Bar): void {
    let st = this.symbols.get(bar.symbol);
    if (st === undefined) {
      st = { lastPrice: Number.NaN, lastDailyTs: Number.NEGATIVE_INFINITY, vol: new RealizedVolatility(this.volWindow) };
      this.symbols.set(bar.symbol, st);
    }
    st.lastPrice = bar.close;
    if (bar.timeframe === '1d' && bar.ts > st.lastDailyTs) {
      st.lastDailyTs = bar.ts;
      st.vol.update(bar.close);
    }
  }

  lastPrice(symbol: string): number | undefined {
    const p = this.symbols.get(symbol)?.lastPrice;
    return p === undefined || Number.isNaN(p) ? undefined : p;
  }

  /** Realised volatility once warm, otherwise the fallback. */
  volatility(symbol: string): number {
    return this.symbols.get(symbol)?.vol.value ?? this.fallbackVol;
  }

  /** True once the symbol's realised volatility is warm. */
  volatilityReady(symbol: string): boolean {
    return this.symbols.get(symbol)?.vol.ready ?? false;
  }

  dividendYield(symbol: string): number {
    return DIVIDEND_YIELDS[symbol] ?? DEFAULT_DIVIDEND_YIELD;
  }

  /** Theoretical mid per share at `nowTs`, on `underlyingPrice` or else the last price seen. */
  price(contract: OptionContract, nowTs: number, underlyingPrice?: number): number {
    return this.evaluate(this.scratch, contract, nowTs, underlyingPrice).price;
  }

  /** Price and greeks (a fresh object). */
  greeks(contract: OptionContract, nowTs: number, underlyingPrice?: number): BsmResult {
    const out: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
    return this.evaluate(out, contract, nowTs, underlyingPrice);
  }

  /** Price and greeks written into `out`, for callers on the hot path that keep their own scratch object. */
  greeksInto(out: BsmResult, contract: OptionContract, nowTs: number, underlyingPrice?: number): BsmResult {
    return this.evaluate(out, contract, nowTs, underlyingPrice);
  }

  private evaluate(out: BsmResult, contract: OptionContract, nowTs: number, underlyingPrice: number | undefined): BsmResult {
    if (!Number.isFinite(nowTs)) {
      throw new PricingError('PRICING_INPUT_INVALID', `nowTs: must be a finite epoch millisecond time, got ${String(nowTs)}`, { field: 'nowTs' });
    }
    const spot = underlyingPrice ?? this.lastPrice(contract.underlying);
    if (spot === undefined) {
      throw new PricingError('PRICING_INPUT_INVALID', `underlyingPrice: no price given and no bar seen for ${contract.underlying}`, {
        field: 'underlyingPrice',
        symbol: contract.underlying,
      });
    }
    const info = this.info(contract);
    const years = Math.max(0, info.closeTs - nowTs) / MS_PER_YEAR;
    return bsmInto(out, contract.right, spot, info.strike, years, this.rate, info.dividend, this.volatility(contract.underlying));
  }

  private info(contract: OptionContract): ContractInfo {
    let info = this.contracts.get(contract.symbol);
    if (info === undefined) {
      // Bounded so a years-long replay of rolling contracts cannot grow it without limit.
      if (this.contracts.size >= MAX_CACHED_CONTRACTS) this.contracts.clear();
      info = { strike: contract.strike.toNumber(), closeTs: expiryCloseUtc(contract.expiry), dividend: this.dividendYield(contract.underlying) };
      this.contracts.set(contract.symbol, info);
    }
    return info;
  }
}
