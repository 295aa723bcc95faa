import { Decimal } from '../domain/money.js';
import type { Side } from '../domain/orders.js';
import { InputError } from '../domain/errors.js';
import { instrumentFromSymbol, underlyingOf } from '../domain/instrument.js';

/**
 * Recent sales at a loss, for the wash-sale warning. The IRS treats the stock
 * and its options as one security family for this purpose, so sales are kept
 * by underlying. Only the latest loss sale of an underlying matters: it opens
 * the window that ends last.
 */

export interface RealizedSale {
  /** Equity ticker or OCC symbol. */
  readonly symbol: string;
  readonly side: Side;
  /** Execution time, epoch ms UTC. */
  readonly ts: number;
  /** P&L the fill realised, after commission (Portfolio.apply's `realized`). */
  readonly realizedPnl: Decimal;
  /** True when the fill reduced a long position (a sale that can realise a loss). */
  readonly closesLong: boolean;
}

export interface LossSale {
  readonly underlying: string;
  readonly symbol: string;
  readonly ts: number;
  /** Positive amount lost. */
  readonly loss: Decimal;
}

/** What the wash-sale rule reads. */
export interface LossSaleHistory {
  latestLossSale(underlying: string): LossSale | undefined;
}

export class LossSaleTracker implements LossSaleHistory {
  private readonly latest = new Map<string, LossSale>();

  /** Feed every fill; only sales closing a long position at a loss are kept. */
  record(sale: RealizedSale): void {
    if (!Number.isFinite(sale.ts)) throw new InputError('sale.ts', `must be a finite epoch ms, got ${String(sale.ts)}`);
    if (!(sale.realizedPnl instanceof Decimal) || !sale.realizedPnl.isFinite()) {
      throw new InputError('sale.realizedPnl', `must be a finite Decimal, got ${String(sale.realizedPnl)}`);
    }
    if (sale.side !== 'sell' || !sale.closesLong || !sale.realizedPnl.isNegative() || sale.realizedPnl.isZero()) return;
    const underlying = underlyingOf(instrumentFromSymbol(sale.symbol)).toUpperCase();
    const prior = this.latest.get(underlying);
    if (prior !== undefined && prior.ts > sale.ts) return;
    this.latest.set(underlying, { underlying, symbol: sale.symbol, ts: sale.ts, loss: sale.realizedPnl.neg() });
  }

  latestLossSale(underlying: string): LossSale | undefined {
    return this.latest.get(underlying.toUpperCase());
  }
}
