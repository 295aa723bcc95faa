import type { Decimal } from '../domain/money.js';
import type { Bar, Timeframe } from '../domain/market.js';
import type { Instrument } from '../domain/instrument.js';
import type { Signal } from '../domain/signal.js';

/** A position a strategy holds, as the engine books it from fills. */
export interface HeldPosition {
  readonly instrument: Instrument;
  /** Signed quantity (contracts or shares). */
  readonly quantity: number;
  /** Average entry price per share (per underlying share for options). */
  readonly entryPrice: Decimal;
  /** Time of the first fill that opened it, epoch ms UTC. */
  readonly entryTs: number;
}

/** Read-only facts the engine gives a rule function on each bar. */
export interface StrategyView {
  /** Current engine time (the clock), epoch ms UTC. */
  now(): number;
  /** Account equity in currency, for sizing. */
  equity(): Decimal;
  /** What this strategy holds whose underlying is `underlying`, if anything. */
  holding(underlying: string): HeldPosition | undefined;
  /** True while this strategy has an order working on `underlying` (entry or exit). */
  hasWorkingOrder(underlying: string): boolean;
  /**
   * Every position this strategy holds on `underlying` (each leg of a spread,
   * shares from an exercise or assignment), signed and exact, from the
   * strategy's own book; empty when flat. `holding` shows one instrument per
   * underlying, so strategies with several legs read this instead. Optional
   * so that views built elsewhere (tests) need not provide it.
   */
  positions?(underlying: string): readonly HeldQuantity[];
}

/** One instrument a strategy holds and how many (signed: contracts or shares). */
export interface HeldQuantity {
  readonly instrument: Instrument;
  readonly quantity: number;
}

/**
 * The hot path of a strategy: a plain object called synchronously for every
 * bar of its universe. It keeps its own indicator state and returns a signal
 * only when its rules fire. No I/O, no clock other than `view.now()`, no randomness.
 */
export interface StrategyRules {
  readonly id: string;
  readonly universe: readonly string[];
  readonly timeframe: Timeframe;
  onBar(bar: Bar, view: StrategyView): Signal | null;
  /** Current parameters, JSON-safe (operators read them). */
  params?(): Readonly<Record<string, unknown>>;
  /**
   * Change parameters live: the patch is merged over the current ones and the
   * whole set validated (InputError naming the field; nothing changes on error).
   * Returns the parameters now in force.
   */
  updateParams?(patch: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>;
}
