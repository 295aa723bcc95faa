import { z } from 'zod';
import { createActor, type Actor } from 'xstate';
import { InputError } from '../domain/errors.js';
import type { OptionContract } from '../domain/instrument.js';
import { optionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import type { Signal } from '../domain/signal.js';
import { addDays, nyParts, nyWallTimeToUtc } from '../domain/session.js';
import { expiriesFrom } from '../market/expiries.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import {
  swingEntryBlock, swingGuardMachine, swingTradeMachine,
  type SwingExitReason, type SwingPlan, type SwingRiskLevel, type SwingSetupKind, type SwingTradeEmitted,
} from '../../machines/strategies/swingTrading.js';
import type { StrategyRules, StrategyView } from './types.js';

/**
 * Swing trading (SPEC §1.3): intraday breakouts, momentum continuations and
 * oversold bounces, each bought as a weekly call and closed the same day.
 *
 * The rules run on 5-minute bars. Breakout and reversal read 15-minute bars,
 * built here from three 5-minute bars (09:45, 10:00, … New York) and judged
 * when one completes; momentum reads the 5-minute bars themselves. Exits are
 * judged on every 5-minute bar of a held underlying.
 */

export const SWING_TRADING_ID = 'swing-trading';
export const SWING_TRADING_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['swing-trading'];

export const SWING_TRADING_DEFAULTS = {
  // Guards (the original's "Phase 1" risk controls).
  maxDailyLossPct: 0.02, lossStreak: 5, coolOffDays: 3, coolOffMinLosses: 3,
  minStrength: 70, mediumRiskAbove: 75, lowRiskAbove: 85,
  minPremium: 0.5,
  /** Premium × 100 per contract ≤ this share of equity; also the size of a position. */
  maxPositionPct: 0.025,
  // Breakout, on 15-minute bars of the last 5 sessions.
  breakoutAbovePct: 0.008, breakoutMinVolMult: 2.5, breakoutMinMomentum: 0.008,
  // Momentum, on 5-minute bars.
  momentumMinSpreadPct: 1.5, momentumMinVolRatio: 1.5,
  // Reversal, on 15-minute bars of the last 3 sessions.
  reversalMinBounce: 0.02, reversalMinVolSpike: 2.5, reversalMinDownMoves: 8,
  // Contract and hold per setup.
  breakoutOtmPct: 0.015, breakoutMaxHoldHours: 4,
  momentumOtmPct: 0.01, momentumMaxHoldHours: 3,
  reversalOtmPct: 0.02, reversalMaxHoldHours: 6,
  // Exits, as fractions of the entry premium.
  stopLossPct: 0.03, profitTargetPct: 0.25, bigTargetPct: 0.5, partialFlagPct: 0.15,
  timeExitFraction: 0.8, endOfDayHour: 14,
} as const;

export type SwingTradingParams = { -readonly [K in keyof typeof SWING_TRADING_DEFAULTS]: number };

const D = SWING_TRADING_DEFAULTS;
const frac = (def: number) => z.number().gt(0).max(1).default(def);
const count = (def: number, max: number) => z.number().int().min(1).max(max).default(def);
const score = (def: number) => z.number().min(0).max(100).default(def);

/** Parameters with the SPEC defaults; unknown keys are refused (a typo must not silently fall back). */
export const swingTradingParamsSchema = z
  .object({
    maxDailyLossPct: frac(D.maxDailyLossPct), lossStreak: count(D.lossStreak, 100), coolOffDays: count(D.coolOffDays, 30),
    coolOffMinLosses: z.number().int().min(0).max(100).default(D.coolOffMinLosses),
    minStrength: score(D.minStrength), mediumRiskAbove: score(D.mediumRiskAbove), lowRiskAbove: score(D.lowRiskAbove),
    minPremium: z.number().min(0).max(1000).default(D.minPremium), maxPositionPct: frac(D.maxPositionPct),
    breakoutAbovePct: frac(D.breakoutAbovePct), breakoutMinVolMult: z.number().gt(0).max(100).default(D.breakoutMinVolMult),
    breakoutMinMomentum: frac(D.breakoutMinMomentum),
    momentumMinSpreadPct: z.number().gt(0).max(100).default(D.momentumMinSpreadPct), momentumMinVolRatio: z.number().gt(0).max(100).default(D.momentumMinVolRatio),
    reversalMinBounce: frac(D.reversalMinBounce), reversalMinVolSpike: z.number().gt(0).max(100).default(D.reversalMinVolSpike),
    reversalMinDownMoves: z.number().int().min(1).max(10).default(D.reversalMinDownMoves),
    breakoutOtmPct: z.number().min(0).max(1).default(D.breakoutOtmPct), breakoutMaxHoldHours: z.number().gt(0).max(48).default(D.breakoutMaxHoldHours),
    momentumOtmPct: z.number().min(0).max(1).default(D.momentumOtmPct), momentumMaxHoldHours: z.number().gt(0).max(48).default(D.momentumMaxHoldHours),
    reversalOtmPct: z.number().min(0).max(1).default(D.reversalOtmPct), reversalMaxHoldHours: z.number().gt(0).max(48).default(D.reversalMaxHoldHours),
    stopLossPct: frac(D.stopLossPct), profitTargetPct: z.number().gt(0).max(100).default(D.profitTargetPct),
    bigTargetPct: z.number().gt(0).max(100).default(D.bigTargetPct), partialFlagPct: z.number().gt(0).max(100).default(D.partialFlagPct),
    timeExitFraction: frac(D.timeExitFraction), endOfDayHour: z.number().int().min(10).max(16).default(D.endOfDayHour),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.lowRiskAbove < p.mediumRiskAbove) ctx.addIssue({ code: 'custom', path: ['lowRiskAbove'], message: `must be ≥ mediumRiskAbove (${p.mediumRiskAbove})` });
    if (p.bigTargetPct < p.profitTargetPct) ctx.addIssue({ code: 'custom', path: ['bigTargetPct'], message: `must be ≥ profitTargetPct (${p.profitTargetPct})` });
  });

/** Validate parameters; throws InputError naming the first bad one. */
export function parseSwingTradingParams(input: unknown = {}): SwingTradingParams {
  const r = swingTradingParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', `unknown parameter (expected one of ${Object.keys(D).join(', ')})`);
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

// ---------------------------------------------------------------------------
// Setups: pure functions over the window [start, end) of parallel arrays, oldest first.

/** What a setup read from the bars; filled in place so the hot path does not allocate. */
export interface SetupReading {
  strength: number;
  /** breakout: key resistance (NaN when none was looked for or found); reversal: the 20-bar low. */
  level: number;
  /** breakout: volume multiple; momentum: volume ratio; reversal: volume spike. */
  volume: number;
  /** breakout: 5-bar momentum; momentum: (SMA5/SMA20 − 1) × 100; reversal: bounce from the low. */
  move: number;
  /** breakout: distance above resistance; reversal: down moves of the last 10. */
  extra: number;
}

export function newSetupReading(): SetupReading {
  return { strength: 0, level: Number.NaN, volume: 0, move: 0, extra: 0 };
}

function resetReading(out: SetupReading): void {
  out.strength = 0;
  out.level = Number.NaN;
  out.volume = 0;
  out.move = 0;
  out.extra = 0;
}

export const BREAKOUT_MIN_BARS = 50;
export const MOMENTUM_MIN_BARS = 30;
export const REVERSAL_MIN_BARS = 40;
/** The original's second breakout condition; always implied by breakoutAbovePct ≥ 0.008. */
const BREAKOUT_MIN_DISTANCE = 0.005;
const RESISTANCE_FROM = 20;
const RESISTANCE_HALF_WIDTH = 3;
const RESISTANCE_PERCENTILE = 0.8;

function mean(a: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return to > from ? s / (to - from) : 0;
}

const clamp01 = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/**
 * Strength of a momentum or reversal setup, 0–100: 50 when both measures just
 * meet their thresholds, plus up to 25 for each, full at twice its threshold.
 * (The original compared a %-scale value with 70, so these setups never fired.)
 */
export function thresholdStrength(a: number, aMin: number, b: number, bMin: number): number {
  return 50 + 25 * clamp01((a - aMin) / aMin) + 25 * clamp01((b - bMin) / bMin);
}

/** numpy's default (linear) percentile of the first `n` values of an ascending array. */
export function percentileSorted(sorted: ArrayLike<number>, n: number, q: number): number {
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Key resistance: among the closes i ≥ 20 bars into the window and ≥ 5 bars
 * before its end that are the highest of ±3 bars and above the 80th
 * percentile of every close before them, the highest of the last three. NaN
 * when there is none. `sorted` is scratch space of at least end − start.
 */
export function keyResistance(closes: ArrayLike<number>, start: number, end: number, sorted: Float64Array): number {
  let n = 0;
  let l1 = Number.NaN, l2 = Number.NaN, l3 = Number.NaN;
  for (let i = start; i < end - 5; i++) {
    const c = closes[i]!;
    if (i - start >= RESISTANCE_FROM) {
      let top = true;
      for (let j = i - RESISTANCE_HALF_WIDTH; j <= i + RESISTANCE_HALF_WIDTH && top; j++) if (closes[j]! > c) top = false;
      if (top && c > percentileSorted(sorted, n, RESISTANCE_PERCENTILE)) {
        l1 = l2;
        l2 = l3;
        l3 = c;
      }
    }
    // Insertion keeps the prefix sorted: O(window²) at worst, and only run once the cheap checks pass.
    let k = n++;
    while (k > 0 && sorted[k - 1]! > c) {
      sorted[k] = sorted[k - 1]!;
      k--;
    }
    sorted[k] = c;
  }
  if (Number.isNaN(l3)) return Number.NaN;
  return Math.max(l3, Number.isNaN(l2) ? l3 : l2, Number.isNaN(l1) ? l3 : l1);
}

/** Breakout (15-minute bars of the last 5 sessions). True when it fires; `out` holds what was read. */
export function evaluateBreakout(
  out: SetupReading, closes: ArrayLike<number>, volumes: ArrayLike<number>, start: number, end: number,
  p: Pick<SwingTradingParams, 'breakoutAbovePct' | 'breakoutMinVolMult' | 'breakoutMinMomentum' | 'minStrength'>, sorted: Float64Array,
): boolean {
  resetReading(out);
  if (end - start < BREAKOUT_MIN_BARS) return false;
  const price = closes[end - 1]!;
  const avg = mean(volumes, start, end - 10);
  out.volume = avg > 0 ? mean(volumes, end - 5, end) / avg : 0;
  out.move = (price - closes[end - 5]!) / closes[end - 5]!;
  // The cheap conditions first: the resistance scan is the expensive part.
  if (!(out.volume >= p.breakoutMinVolMult && out.move > p.breakoutMinMomentum)) return false;
  const key = keyResistance(closes, start, end, sorted);
  if (Number.isNaN(key)) return false;
  out.level = key;
  out.extra = (price - key) / key;
  out.strength = Math.min(100, 100 * out.extra + 10 * out.volume + 50 * out.move);
  return price > key * (1 + p.breakoutAbovePct) && out.extra > BREAKOUT_MIN_DISTANCE && out.strength >= p.minStrength;
}

/** Momentum continuation (5-minute bars): SMA5 > SMA10 > SMA20 with a wide spread and rising volume. */
export function evaluateMomentum(
  out: SetupReading, closes: ArrayLike<number>, volumes: ArrayLike<number>, start: number, end: number,
  p: Pick<SwingTradingParams, 'momentumMinSpreadPct' | 'momentumMinVolRatio' | 'minStrength'>,
): boolean {
  resetReading(out);
  if (end - start < MOMENTUM_MIN_BARS) return false;
  const s5 = mean(closes, end - 5, end);
  const s10 = mean(closes, end - 10, end);
  const s20 = mean(closes, end - 20, end);
  if (!(s5 > s10 && s10 > s20)) return false;
  out.move = (s5 / s20 - 1) * 100;
  const earlier = mean(volumes, end - 30, end - 10);
  out.volume = earlier > 0 ? mean(volumes, end - 10, end) / earlier : 1;
  if (!(out.move > p.momentumMinSpreadPct && out.volume > p.momentumMinVolRatio)) return false;
  out.strength = thresholdStrength(out.move, p.momentumMinSpreadPct, out.volume, p.momentumMinVolRatio);
  return out.strength >= p.minStrength;
}

/** Oversold bounce (15-minute bars of the last 3 sessions). */
export function evaluateReversal(
  out: SetupReading, closes: ArrayLike<number>, lows: ArrayLike<number>, volumes: ArrayLike<number>, start: number, end: number,
  p: Pick<SwingTradingParams, 'reversalMinBounce' | 'reversalMinVolSpike' | 'reversalMinDownMoves' | 'minStrength'>,
): boolean {
  resetReading(out);
  if (end - start < REVERSAL_MIN_BARS) return false;
  let low = Number.POSITIVE_INFINITY;
  for (let i = end - 20; i < end; i++) if (lows[i]! < low) low = lows[i]!;
  out.level = low;
  out.move = (closes[end - 1]! - low) / low;
  const avg = mean(volumes, start, end - 10);
  out.volume = avg > 0 ? mean(volumes, end - 3, end) / avg : 1;
  // The original counts rises over the last 9 steps and calls the rest of 10 "down".
  let up = 0;
  for (let i = end - 10; i < end - 1; i++) if (closes[i + 1]! > closes[i]!) up++;
  out.extra = 10 - up;
  if (!(out.move > p.reversalMinBounce && out.volume > p.reversalMinVolSpike && out.extra >= p.reversalMinDownMoves)) return false;
  out.strength = thresholdStrength(out.move, p.reversalMinBounce, out.volume, p.reversalMinVolSpike);
  return out.strength >= p.minStrength;
}

/** The original's risk bands: above lowRiskAbove "low", above mediumRiskAbove "medium", anything else is dropped. */
export function riskLevelOf(strength: number, p: Pick<SwingTradingParams, 'mediumRiskAbove' | 'lowRiskAbove'>): SwingRiskLevel | null {
  return strength > p.lowRiskAbove ? 'low' : strength > p.mediumRiskAbove ? 'medium' : null;
}

const HOUR = 3_600_000;
const THETA_MIN_HOLD = 2 * HOUR;
const THETA_STRIKE_FRACTION = 0.98;
const THETA_LOSS = -0.1;

/**
 * The first exit rule that holds, in the original's order, or null: the stop,
 * the two profit targets, the time limit (a fraction of the setup's maximum
 * hold), the OTM theta guard, and the end-of-day close (New York time).
 */
export function swingExitReason(
  pnlPct: number, heldMs: number, maxHoldMs: number, spot: number, strike: number, pastEndOfDay: boolean,
  p: Pick<SwingTradingParams, 'stopLossPct' | 'profitTargetPct' | 'bigTargetPct' | 'timeExitFraction'>,
): SwingExitReason | null {
  if (pnlPct <= -p.stopLossPct) return 'stop';
  if (pnlPct >= p.bigTargetPct) return 'bigTarget';
  if (pnlPct >= p.profitTargetPct) return 'target';
  if (heldMs >= p.timeExitFraction * maxHoldMs) return 'time';
  if (spot < THETA_STRIKE_FRACTION * strike && heldMs >= THETA_MIN_HOLD && pnlPct <= THETA_LOSS) return 'theta';
  if (pastEndOfDay) return 'endOfDay';
  return null;
}

/**
 * The original's "next Friday": this week's Friday from Monday to Thursday,
 * next week's from Friday to Sunday; the week's listed expiry when that Friday
 * is a holiday (never today).
 */
export function nextFridayExpiry(date: string): string {
  const py = (new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0, as Python's weekday()
  let friday = addDays(date, (4 - py + 7) % 7 || 7);
  for (;;) {
    const listed = expiriesFrom(addDays(friday, -4), 4);
    const expiry = listed[listed.length - 1];
    if (expiry !== undefined && expiry > date) return expiry;
    friday = addDays(friday, 7);
  }
}

// ---------------------------------------------------------------------------
// The rules.

const W5 = MOMENTUM_MIN_BARS;
/** 15-minute bars kept: five sessions of 26, with room to spare. */
const W15 = 160;
const BREAKOUT_SESSIONS = 5;
const REVERSAL_SESSIONS = 3;
const FIFTEEN_MIN = 15 * 60_000;

type TradeActor = Actor<typeof swingTradeMachine>;

interface SymbolState {
  // Linear buffers that are compacted when full (copyWithin): the window is always contiguous.
  readonly c5: Float64Array;
  readonly v5: Float64Array;
  n5: number;
  readonly c15: Float64Array;
  readonly l15: Float64Array;
  readonly v15: Float64Array;
  readonly s15: Int32Array;
  n15: number;
  // The 15-minute bar being built.
  aggSession: number;
  aggLow: number;
  aggVolume: number;
  aggCount: number;
  lastTs: number;
  actor: TradeActor | null;
  emitted: Extract<SwingTradeEmitted, { type: 'signal' }> | null;
  /** The held contract, cached so the per-bar exit check does not rebuild it. */
  held: OptionContract | null;
}

function push(buf: Float64Array, n: number, keep: number, x: number): number {
  if (n === buf.length) {
    buf.copyWithin(0, n - keep, n);
    n = keep;
  }
  buf[n] = x;
  return n + 1;
}

const SETUP_CODE: Readonly<Record<SwingSetupKind, number>> = { breakout: 1, momentum: 2, reversal: 3 };

export function createSwingTrading(args: { params?: Partial<SwingTradingParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseSwingTradingParams(args.params ?? {});
  const marks = args.marks;
  const states = new Map<string, SymbolState>();
  for (const s of SWING_TRADING_UNIVERSE) {
    states.set(s, {
      c5: new Float64Array(2 * W5 + 4), v5: new Float64Array(2 * W5 + 4), n5: 0,
      c15: new Float64Array(2 * W15), l15: new Float64Array(2 * W15), v15: new Float64Array(2 * W15), s15: new Int32Array(2 * W15), n15: 0,
      aggSession: -1, aggLow: 0, aggVolume: 0, aggCount: 0, lastTs: Number.NEGATIVE_INFINITY,
      actor: null, emitted: null, held: null,
    });
  }
  const guardLimits = () => ({ maxDailyLossPct: p.maxDailyLossPct, lossStreak: p.lossStreak, coolOffDays: p.coolOffDays, coolOffMinLosses: p.coolOffMinLosses });
  const guard = createActor(swingGuardMachine, { input: guardLimits() });
  guard.start();
  const reading = newSetupReading();
  const best = newSetupReading();
  const sorted = new Float64Array(2 * W15);

  // The New York day, cached so that the per-bar work is comparisons only.
  let session = -1;
  let date = '';
  let nextDayTs = Number.NEGATIVE_INFINITY;
  let openTs = 0;
  let endOfDayTs = 0;
  let expiry = '';

  function rollDay(ts: number, view: StrategyView): void {
    date = nyParts(ts).date;
    session++;
    nextDayTs = nyWallTimeToUtc(addDays(date, 1), 0, 0);
    openTs = nyWallTimeToUtc(date, 9, 30);
    endOfDayTs = nyWallTimeToUtc(date, p.endOfDayHour, 0);
    expiry = nextFridayExpiry(date);
    guard.send({ type: 'NEW_DAY', equity: view.equity().toNumber() });
  }

  function actorOf(symbol: string, st: SymbolState): TradeActor {
    if (st.actor === null) {
      const actor = createActor(swingTradeMachine, { input: { symbol } });
      actor.on('signal', (e) => {
        st.emitted = e;
      });
      actor.on('tradeClosed', (e) => guard.send({ type: 'TRADE_CLOSED', pnl: e.pnl }));
      actor.start();
      st.actor = actor;
    }
    return st.actor;
  }

  function maxHoldMs(kind: SwingSetupKind): number {
    return (kind === 'breakout' ? p.breakoutMaxHoldHours : kind === 'momentum' ? p.momentumMaxHoldHours : p.reversalMaxHoldHours) * HOUR;
  }

  /** Send an event and take the signal it emitted, if any. */
  function sendFor(st: SymbolState, actor: TradeActor, event: Parameters<TradeActor['send']>[0]): Extract<SwingTradeEmitted, { type: 'signal' }> | null {
    st.emitted = null;
    actor.send(event);
    const e = st.emitted;
    st.emitted = null;
    return e;
  }

  function entry(bar: Bar, view: StrategyView, st: SymbolState, kind: SwingSetupKind, r: SetupReading): Signal | null {
    const risk = riskLevelOf(r.strength, p);
    if (risk === null) return null;
    const otm = kind === 'breakout' ? p.breakoutOtmPct : kind === 'momentum' ? p.momentumOtmPct : p.reversalOtmPct;
    const spot = bar.close;
    const contract = optionContract({ underlying: bar.symbol, expiry, right: 'C', strike: Math.max(1, Math.round(spot * (1 + otm))) });
    const premium = marks.price(contract, bar.ts, spot);
    if (!(premium >= p.minPremium) || !Number.isFinite(premium)) return null;
    // Premium × 100 ≤ maxPositionPct of equity is the original's size check (on an assumed $10k); it sizes the position too.
    const contracts = view.equity().times(p.maxPositionPct).div(new Decimal(premium).times(CONTRACT_MULTIPLIER)).floor().toNumber();
    if (!(contracts >= 1)) return null;
    const plan: SwingPlan = {
      contractSymbol: contract.symbol, expiry, strike: contract.strike.toNumber(), setup: kind, strength: r.strength, riskLevel: risk,
      premium, contracts, maxHoldMs: maxHoldMs(kind),
    };
    const e = sendFor(st, actorOf(bar.symbol, st), { type: 'ENTRY_SETUP', ts: bar.ts, plan, block: swingEntryBlock(String(guard.getSnapshot().value)) });
    if (e === null || e.kind !== 'entry') return null;
    const id = `${SWING_TRADING_ID}:${bar.symbol}:${bar.ts}:entry`;
    const reason = `${kind} (strength ${r.strength.toFixed(1)}, ${risk} risk): buy ${contracts} ${contract.symbol} at ~${premium.toFixed(2)}`;
    return {
      id, strategyId: SWING_TRADING_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: r.strength, reason,
      intent: { strategyId: SWING_TRADING_ID, instrument: contract, side: 'buy', quantity: contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: {
        setup: SETUP_CODE[kind], premium, contracts, level: Number.isNaN(r.level) ? 0 : r.level, volume: r.volume, move: r.move, extra: r.extra,
        // The plan's own reward over risk: the first profit target against the stop.
        riskReward: p.profitTargetPct / p.stopLossPct,
      },
    };
  }

  function exit(bar: Bar, st: SymbolState, actor: TradeActor, quantity: number, entryPremium: number, entryTs: number): Signal | null {
    const contract = st.held!;
    const plan = actor.getSnapshot().context.plan!;
    const mark = marks.price(contract, bar.ts, bar.close);
    const pnl = entryPremium > 0 ? mark / entryPremium - 1 : 0;
    const heldMs = bar.ts - entryTs;
    if (pnl >= p.partialFlagPct && !actor.getSnapshot().context.partialFlagged) actor.send({ type: 'PROFIT_FLAG', ts: bar.ts, pnlPct: pnl });
    const why = swingExitReason(pnl, heldMs, plan.maxHoldMs, bar.close, plan.strike, bar.ts >= endOfDayTs, p);
    if (why === null) return null;
    const e = sendFor(st, actor, { type: 'EXIT_SETUP', ts: bar.ts, reason: why, mark });
    if (e === null || e.kind !== 'exit') return null;
    const id = `${SWING_TRADING_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason = `${why}: mark ${mark.toFixed(2)} vs entry ${entryPremium.toFixed(2)} (${(pnl * 100).toFixed(1)}%), ${(heldMs / HOUR).toFixed(2)} h held`;
    return {
      // Exits reduce risk, so they always carry full strength.
      id, strategyId: SWING_TRADING_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason,
      intent: { strategyId: SWING_TRADING_ID, instrument: contract, side: 'sell', quantity, type: 'market', limitPrice: null, reason, signalId: id },
      features: { mark, entry: entryPremium, pnlPct: pnl, hoursHeld: heldMs / HOUR },
    };
  }

  /** Adds the bar to the windows; true when it completed a 15-minute bar. */
  function record(bar: Bar, st: SymbolState): boolean {
    const n5 = push(st.c5, st.n5, W5, bar.close);
    push(st.v5, st.n5, W5, bar.volume);
    st.n5 = n5;
    if (st.aggSession !== session) {
      st.aggSession = session;
      st.aggCount = 0;
    }
    if (st.aggCount === 0) {
      st.aggLow = bar.low;
      st.aggVolume = 0;
    }
    st.aggLow = Math.min(st.aggLow, bar.low);
    st.aggVolume += bar.volume;
    st.aggCount++;
    const sinceOpen = bar.ts - openTs;
    if (sinceOpen <= 0 || sinceOpen % FIFTEEN_MIN !== 0) return false;
    const n = st.n15;
    const n15 = push(st.c15, n, W15, bar.close);
    push(st.l15, n, W15, st.aggLow);
    push(st.v15, n, W15, st.aggVolume);
    if (n === st.s15.length) st.s15.copyWithin(0, n - W15, n);
    st.s15[n15 - 1] = session;
    st.n15 = n15;
    st.aggCount = 0;
    return true;
  }

  function windowStart(st: SymbolState, sessions: number): number {
    let i = 0;
    while (i < st.n15 && st.s15[i]! <= session - sessions) i++;
    return i;
  }

  function keepIfStronger(kind: SwingSetupKind, current: SwingSetupKind | null): SwingSetupKind | null {
    if (current !== null && reading.strength <= best.strength) return current;
    best.strength = reading.strength;
    best.level = reading.level;
    best.volume = reading.volume;
    best.move = reading.move;
    best.extra = reading.extra;
    return kind;
  }

  function entrySetup(bar: Bar, view: StrategyView, st: SymbolState, fifteen: boolean): Signal | null {
    if (bar.ts >= endOfDayTs) return null; // the end-of-day rule would close it at once
    let kind: SwingSetupKind | null = null;
    // Several setups on one bar: the strongest is traded (the first on a tie), one position per underlying.
    if (fifteen && evaluateBreakout(reading, st.c15, st.v15, windowStart(st, BREAKOUT_SESSIONS), st.n15, p, sorted)) kind = keepIfStronger('breakout', kind);
    if (evaluateMomentum(reading, st.c5, st.v5, Math.max(0, st.n5 - W5), st.n5, p)) kind = keepIfStronger('momentum', kind);
    if (fifteen && evaluateReversal(reading, st.c15, st.l15, st.v15, windowStart(st, REVERSAL_SESSIONS), st.n15, p)) kind = keepIfStronger('reversal', kind);
    return kind === null ? null : entry(bar, view, st, kind, best);
  }

  return {
    id: SWING_TRADING_ID,
    universe: SWING_TRADING_UNIVERSE,
    timeframe: '5m',
    params: () => ({ ...p }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseSwingTradingParams({ ...p, ...patch });
      if (date !== '') endOfDayTs = nyWallTimeToUtc(date, p.endOfDayHour, 0);
      guard.send({ type: 'CONFIGURE', limits: guardLimits() });
      return { ...p };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      if (st === undefined || bar.timeframe !== '5m' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      if (bar.ts >= nextDayTs) rollDay(bar.ts, view);
      const fifteen = record(bar, st);

      const held = view.holding(bar.symbol);
      const longCall = held !== undefined && held.instrument.kind === 'option' && held.quantity > 0 ? held : undefined;
      const working = view.hasWorkingOrder(bar.symbol);
      const actor = st.actor;
      const phase = actor === null ? 'watching' : String(actor.getSnapshot().value);
      if (actor !== null && phase === 'entering') {
        if (longCall !== undefined) {
          actor.send({ type: 'FILLED', ts: bar.ts, entryPremium: longCall.entryPrice.toNumber(), contracts: longCall.quantity });
        } else {
          if (working || held !== undefined) return null;
          actor.send({ type: 'ENTRY_ABANDONED', ts: bar.ts });
        }
      } else if (actor !== null && (phase === 'holding' || phase === 'exiting') && longCall === undefined) {
        if (working) return null;
        actor.send({ type: 'FLAT', ts: bar.ts });
      } else if (actor !== null && phase === 'exiting') {
        if (working) return null;
        actor.send({ type: 'EXIT_ABANDONED', ts: bar.ts });
      } else if (phase === 'watching' && longCall !== undefined && !working) {
        const c = longCall.instrument as OptionContract;
        const plan: SwingPlan = {
          contractSymbol: c.symbol, expiry: c.expiry, strike: c.strike.toNumber(), setup: 'adopted', strength: 0, riskLevel: 'medium',
          premium: longCall.entryPrice.toNumber(), contracts: longCall.quantity,
          // Unknown setup: the shortest maximum hold, so it is not kept longer than any setup would be.
          maxHoldMs: Math.min(maxHoldMs('breakout'), maxHoldMs('momentum'), maxHoldMs('reversal')),
        };
        actorOf(bar.symbol, st).send({ type: 'POSITION_FOUND', ts: bar.ts, plan, entryPremium: plan.premium, contracts: plan.contracts });
      }

      if (working) return null;
      if (longCall !== undefined) {
        const a = st.actor;
        if (a === null || a.getSnapshot().value !== 'holding') return null;
        if (st.held === null || st.held.symbol !== longCall.instrument.symbol) st.held = longCall.instrument as OptionContract;
        return exit(bar, st, a, longCall.quantity, a.getSnapshot().context.entryPremium, longCall.entryTs);
      }
      // Anything else held on the underlying (stock, a short) is not this strategy's to trade around.
      if (held !== undefined) return null;
      return entrySetup(bar, view, st, fifteen);
    },
  };
}
