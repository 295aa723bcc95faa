import { z } from 'zod';
import { createActor, type Actor } from 'xstate';
import { leapsTrackerMachine, type LeapsExitReason, type LeapsPhase, type LeapsSignalEmitted } from '../../machines/strategies/leapsTracker.js';
import { InputError } from '../domain/errors.js';
import type { OptionContract } from '../domain/instrument.js';
import { parseOccSymbol } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import type { Signal } from '../domain/signal.js';
import type { BsmResult } from '../market/blackScholes.js';
import { expiryCloseUtc } from '../market/expiries.js';
import { SMA } from '../market/indicators/movingAverages.js';
import { DEFAULT_CHAIN_OPTIONS, findContract, generateOptionChain } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { LEAPS_THEMES } from '../market/universes.js';
import type { StrategyRules, StrategyView } from './types.js';

/**
 * LEAPS tracker (SPEC §1.8): buy a call about 10 % out of the money with at
 * least a year to run on names of six secular themes whose trend, momentum
 * and golden/death-cross timing score well; scale out at +50/+100/+200 %,
 * stop at −35 %, close what is still out of the money at 75 DTE.
 *
 * Judged on daily closes. The financial and valuation components of the
 * original's composite come from company fundamentals (yfinance `info`),
 * which this engine has no source for: both take the neutral 50 the original
 * itself used when `info` had nothing (see docs/strategies/leaps-tracker.md).
 */

export const LEAPS_TRACKER_ID = 'leaps-tracker';
export const LEAPS_THEME_NAMES = Object.keys(LEAPS_THEMES) as readonly (keyof typeof LEAPS_THEMES)[];
export const LEAPS_TRACKER_UNIVERSE: readonly string[] = Object.freeze([...new Set(Object.values(LEAPS_THEMES).flat())]);

/** Composite weights: trend, momentum, financial, valuation, entry timing. */
export const COMPOSITE_WEIGHTS = { trend: 0.25, momentum: 0.2, financial: 0.2, valuation: 0.15, entry: 0.2 } as const;
/** Momentum horizons in daily bars (1 m, 3 m, 6 m, 1 y) and their weights on % returns. */
const MOMENTUM_LAGS = [21, 63, 126, 252] as const;
const MOMENTUM_WEIGHTS = [0.1, 0.2, 0.3, 0.4] as const;
/** A cross counts while it lies within the last CROSS_WINDOW SMA points (days since ≤ CROSS_WINDOW − 2, as the original's loop). */
export const CROSS_WINDOW = 120;
/**
 * Closes needed before any entry is judged: SMA200 plus a full cross window of
 * SMA200 points. The original asked for 120 points of a series that had about
 * 52 (an IndexError that fell back to a neutral "no signal"); here there is
 * no entry until the window is really there.
 */
export const MIN_HISTORY = 200 + CROSS_WINDOW - 1;
const RING = 256;
const DAY_MS = 86_400_000;
const EPS = 1e-12;

export interface LeapsTrackerParams {
  readonly minComposite: number;
  readonly minMomentum: number;
  readonly minFinancial: number;
  readonly minEntryTiming: number;
  /** The exit-timing score must be below this. */
  readonly maxExitTiming: number;
  readonly maxRiskFlags: number;
  /** Premium (chain mid) at most this fraction of spot. */
  readonly maxPremiumPct: number;
  /** Target strike = round(strikeMult × spot), the nearest listed strike taken. */
  readonly strikeMult: number;
  /** The first listed expiry at least this many days out. */
  readonly minDte: number;
  readonly maxPerTheme: number;
  readonly maxPositions: number;
  /** Premium of one position at most this fraction of equity. */
  readonly positionPct: number;
  /** Market value of one theme at most this fraction of equity. */
  readonly themePct: number;
  /** Close a position down this much on its premium. */
  readonly stopLossPct: number;
  /** When the book is down this much on cost, close every position down more than drawdownExitLossPct. */
  readonly portfolioDrawdownPct: number;
  readonly drawdownExitLossPct: number;
  /** Σ delta × contracts over the book, at most. */
  readonly maxPortfolioDelta: number;
  /** Close when fewer than rollDte days are left and spot < rollMoneyness × strike. */
  readonly rollDte: number;
  readonly rollMoneyness: number;
  /** Gains (fractions of the premium paid) that trigger each scale-out, ascending. */
  readonly scaleOutGains: readonly number[];
  /** Fraction of the opening contracts sold at each level. */
  readonly scaleOutFractions: readonly number[];
  /** The original's 1-year target: spot at targetStrikeMult × strike; gives the trade's reward/risk. */
  readonly targetStrikeMult: number;
  /** Ours: close whatever is left this many days before expiry (the engine has no expiry processing). */
  readonly exitBeforeExpiryDays: number;
  /** Ours: after an entry that did not fill, wait this many days before trying the name again. */
  readonly retryCooldownDays: number;
}

export const LEAPS_TRACKER_DEFAULTS = {
  minComposite: 70, minMomentum: 50, minFinancial: 45, minEntryTiming: 50, maxExitTiming: 70, maxRiskFlags: 2,
  maxPremiumPct: 0.2, strikeMult: 1.1, minDte: 365, maxPerTheme: 3, maxPositions: 15,
  positionPct: 0.1, themePct: 0.25, stopLossPct: 0.35, portfolioDrawdownPct: 0.25, drawdownExitLossPct: 0.2,
  maxPortfolioDelta: 100, rollDte: 75, rollMoneyness: 1.05,
  scaleOutGains: [0.5, 1, 2], scaleOutFractions: [0.15, 0.25, 0.5], targetStrikeMult: 1.3,
  exitBeforeExpiryDays: 5, retryCooldownDays: 5,
} as const satisfies LeapsTrackerParams;

const D = LEAPS_TRACKER_DEFAULTS;
const score = (def: number) => z.number().min(0).max(100).default(def);
const fraction = (def: number) => z.number().gt(0).lt(1).default(def);

/** Parameters with SPEC §1.8's values as defaults; unknown keys are refused. */
export const leapsTrackerParamsSchema = z
  .object({
    minComposite: score(D.minComposite),
    minMomentum: score(D.minMomentum),
    minFinancial: score(D.minFinancial),
    minEntryTiming: score(D.minEntryTiming),
    maxExitTiming: score(D.maxExitTiming),
    maxRiskFlags: z.number().int().min(0).max(7).default(D.maxRiskFlags),
    maxPremiumPct: z.number().gt(0).max(1).default(D.maxPremiumPct),
    strikeMult: z.number().min(0.5).max(3).default(D.strikeMult),
    minDte: z.number().int().min(1).max(700).default(D.minDte),
    maxPerTheme: z.number().int().min(1).max(8).default(D.maxPerTheme),
    maxPositions: z.number().int().min(1).max(LEAPS_TRACKER_UNIVERSE.length).default(D.maxPositions),
    positionPct: z.number().gt(0).max(1).default(D.positionPct),
    themePct: z.number().gt(0).max(1).default(D.themePct),
    stopLossPct: fraction(D.stopLossPct),
    portfolioDrawdownPct: fraction(D.portfolioDrawdownPct),
    drawdownExitLossPct: fraction(D.drawdownExitLossPct),
    maxPortfolioDelta: z.number().gt(0).max(1e6).default(D.maxPortfolioDelta),
    rollDte: z.number().int().min(0).max(700).default(D.rollDte),
    rollMoneyness: z.number().gt(0).max(3).default(D.rollMoneyness),
    scaleOutGains: z.array(z.number().gt(0).max(100)).min(1).max(5).default([...D.scaleOutGains]),
    scaleOutFractions: z.array(z.number().gt(0).max(1)).min(1).max(5).default([...D.scaleOutFractions]),
    targetStrikeMult: z.number().gt(1).max(10).default(D.targetStrikeMult),
    exitBeforeExpiryDays: z.number().int().min(0).max(60).default(D.exitBeforeExpiryDays),
    retryCooldownDays: z.number().int().min(0).max(60).default(D.retryCooldownDays),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.scaleOutFractions.length !== p.scaleOutGains.length) {
      ctx.addIssue({ code: 'custom', path: ['scaleOutFractions'], message: `needs one fraction per scale-out gain (${p.scaleOutGains.length})` });
    }
    if (p.scaleOutGains.some((g, i) => i > 0 && !(g > p.scaleOutGains[i - 1]!))) {
      ctx.addIssue({ code: 'custom', path: ['scaleOutGains'], message: 'must be strictly ascending' });
    }
    if (p.scaleOutFractions.reduce((a, b) => a + b, 0) > 1 + EPS) {
      ctx.addIssue({ code: 'custom', path: ['scaleOutFractions'], message: 'must add up to at most 1' });
    }
    if (p.exitBeforeExpiryDays >= p.minDte) ctx.addIssue({ code: 'custom', path: ['exitBeforeExpiryDays'], message: 'must be below minDte' });
  });

/** Validate parameters; throws InputError naming the first bad one. */
export function parseLeapsTrackerParams(input: unknown = {}): LeapsTrackerParams {
  const r = leapsTrackerParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', `unknown parameter (expected one of ${Object.keys(leapsTrackerParamsSchema.shape).join(', ')})`);
  const field = issue.path.length > 0 ? String(issue.path[0]) : 'params';
  throw new InputError(field, issue.message);
}

// ── pure scoring (SPEC §1.8; the original's leaps_tracker.py) ───────────────

/** 50 + Σ weight × return in % over 1 m / 3 m / 6 m / 1 y, clamped to [0, 100]. Returns are fractions. */
export function momentumScore(r1m: number, r3m: number, r6m: number, r1y: number): number {
  const raw = 100 * (MOMENTUM_WEIGHTS[0] * r1m + MOMENTUM_WEIGHTS[1] * r3m + MOMENTUM_WEIGHTS[2] * r6m + MOMENTUM_WEIGHTS[3] * r1y);
  return Math.max(0, Math.min(100, 50 + raw));
}

/** Moving-average alignment: close > SMA20 > SMA50 > SMA200 → 100, close > SMA20 > SMA50 → 75, close > SMA20 → 50, else 25. */
export function trendScore(close: number, sma20: number, sma50: number, sma200: number): number {
  if (close > sma20 && sma20 > sma50 && sma50 > sma200) return 100;
  if (close > sma20 && sma20 > sma50) return 75;
  return close > sma20 ? 50 : 25;
}

/** min(100, 1000 × |SMA50 − SMA200| / SMA200) on the bar of the cross. */
export function crossStrength(sma50: number, sma200: number): number {
  return Math.min(100, (1000 * Math.abs(sma50 - sma200)) / sma200);
}

export type CrossType = 'golden' | 'death' | 'none';

export interface TimingScores {
  entry: number;
  exit: number;
}

/**
 * Entry and exit timing from the latest cross (SPEC §1.8 table), else from
 * where the close sits against SMA50/200; then +5/−5 in a bullish trend
 * (SMA50 > SMA200, close above both) or −10/+10 in a bearish one.
 */
export function timingScores(out: TimingScores, cross: CrossType, daysSince: number, strength: number, close: number, sma50: number, sma200: number): TimingScores {
  // Plain assignments, no tuples: this runs on every daily bar of every name.
  let entry = 35;
  let exit = 65;
  if (cross === 'golden') {
    entry = daysSince <= 30 ? 85 + 0.15 * strength : daysSince <= 60 ? 75 + 0.1 * strength : 60;
    exit = daysSince <= 30 ? 20 : daysSince <= 60 ? 25 : 40;
  } else if (cross === 'death') {
    entry = daysSince <= 15 ? 15 : daysSince <= 45 ? 25 : 40;
    exit = daysSince <= 15 ? 90 : daysSince <= 45 ? 75 : 60;
  } else if (close > sma50 && close > sma200) {
    entry = sma50 > sma200 ? 65 : 55;
    exit = sma50 > sma200 ? 35 : 45;
  }
  if (sma50 > sma200 && close > sma50 && close > sma200) {
    entry = Math.min(95, entry + 5);
    exit = Math.max(5, exit - 5);
  } else if (sma50 < sma200 && close <= sma50 && close <= sma200) {
    entry = Math.max(5, entry - 10);
    exit = Math.min(95, exit + 10);
  }
  out.entry = entry;
  out.exit = exit;
  return out;
}

/** Score the original gives when a company's fundamentals are unknown (its yfinance fallback). */
export const NEUTRAL_FUNDAMENTAL_SCORE = 50;

/** P/E score: < 15 → 90, < 25 → 70, < 40 → 50, < 60 → 30, else 10; no positive P/E → neutral 50. */
export function valuationScore(pe: number | null): number {
  if (pe === null || !(pe > 0)) return NEUTRAL_FUNDAMENTAL_SCORE;
  return pe < 15 ? 90 : pe < 25 ? 70 : pe < 40 ? 50 : pe < 60 ? 30 : 10;
}

export function compositeScore(trend: number, momentum: number, financial: number, valuation: number, entry: number): number {
  const w = COMPOSITE_WEIGHTS;
  return w.trend * trend + w.momentum * momentum + w.financial * financial + w.valuation * valuation + w.entry * entry;
}

export interface RiskFlagInputs {
  readonly valuation: number;
  readonly momentum: number;
  readonly financial: number;
  readonly premiumPct: number;
  readonly cross: CrossType;
  readonly daysSince: number;
  readonly entry: number;
  readonly exit: number;
}

/** The original's risk flags, counted: high valuation, weak momentum, weak financials, premium > 25 % of spot, a death cross < 30 days old, poor entry timing, an active exit signal. */
export function riskFlagCount(f: RiskFlagInputs): number {
  return (
    Number(f.valuation < 30) + Number(f.momentum < 40) + Number(f.financial < 40) + Number(f.premiumPct > 0.25) +
    Number(f.cross === 'death' && f.daysSince < 30) + Number(f.entry < 40) + Number(f.exit > 70)
  );
}

/**
 * The original's LEAPS confidence calculator, 0–1: the mean of the share of
 * SMA5/10/15/20 the close is above and max(0, 1 − 5 × CV20), CV20 the
 * population deviation of the last 20 closes over their mean. `closes` oldest first, ≥ 20.
 */
export function leapsConfidence(closes: readonly number[]): number {
  const n = closes.length;
  if (n < 20) return 0;
  const last = closes[n - 1]!;
  let above = 0;
  let sum = 0;
  for (let k = 1; k <= 20; k++) {
    sum += closes[n - k]!;
    if (k % 5 === 0 && last > sum / k) above++;
  }
  const mean = sum / 20;
  let ss = 0;
  for (let k = 1; k <= 20; k++) ss += (closes[n - k]! - mean) ** 2;
  const cv = Math.sqrt(ss / 20) / mean;
  return (above / 4 + Math.max(0, 1 - 5 * cv)) / 2;
}

/** Reward/risk of a call bought at `premium`: payoff at spot = targetStrikeMult × strike, less the premium, over the stop's loss. */
export function leapsRiskReward(strike: number, premium: number, p: Pick<LeapsTrackerParams, 'targetStrikeMult' | 'stopLossPct'>): number {
  if (!(premium > 0)) return 0;
  return Math.max(0, ((p.targetStrikeMult - 1) * strike - premium) / (p.stopLossPct * premium));
}

/**
 * Contracts still held after scale-out level `level` (1-based) of a position
 * opened with `initial`: the opening size less the rounded cumulative fraction sold.
 */
export function remainingAfterLevel(initial: number, level: number, fractions: readonly number[]): number {
  let cum = 0;
  for (let i = 0; i < level && i < fractions.length; i++) cum += fractions[i]!;
  return Math.max(0, initial - Math.round(cum * initial + EPS));
}

// ── the rules ────────────────────────────────────────────────────────────────

type LeapsActor = Actor<typeof leapsTrackerMachine>;

interface SymbolState {
  readonly symbol: string;
  readonly theme: number;
  readonly closes: Float64Array;
  head: number;
  /** Daily closes seen; also the index of the next bar. */
  count: number;
  lastDailyTs: number;
  readonly sma20: SMA;
  readonly sma50: SMA;
  readonly sma200: SMA;
  prev50: number;
  prev200: number;
  cross: CrossType;
  crossBar: number;
  crossStrength: number;
  actor: LeapsActor | null;
  // What the actor believes, mirrored after each event so the per-bar checks read no snapshot.
  phase: LeapsPhase;
  quantity: number;
  initialQuantity: number;
  scaleLevel: number;
  cooldownUntil: number;
  // Facts about the held contract, cached so the per-bar exit check does not allocate.
  heldSymbol: string;
  expiryCloseTs: number;
  strike: number;
  entryRef: Decimal | null;
  entryNum: number;
  // This name's share of the book: open (held or being bought), market value, cost, Σ delta × contracts.
  open: boolean;
  value: number;
  cost: number;
  delta: number;
}

function themeIndexOf(symbol: string): number {
  return LEAPS_THEME_NAMES.findIndex((t) => LEAPS_THEMES[t].includes(symbol));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The numbers behind an exit, for its reason (built only when one fires). */
function facts(mark: number, entry: number, gain: number, days: number, spot: number, strike: number): string {
  return `mark ${mark.toFixed(2)} vs entry ${entry.toFixed(2)} (${pct(gain)}), ${days} days left, spot ${spot.toFixed(2)} vs strike ${strike}`;
}

export function createLeapsTracker(args: { params?: Partial<LeapsTrackerParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseLeapsTrackerParams(args.params ?? {});
  const marks = args.marks;
  const states = new Map<string, SymbolState>();
  for (const symbol of LEAPS_TRACKER_UNIVERSE) {
    states.set(symbol, {
      symbol, theme: themeIndexOf(symbol), closes: new Float64Array(RING), head: 0, count: 0, lastDailyTs: Number.NEGATIVE_INFINITY,
      sma20: new SMA(20), sma50: new SMA(50), sma200: new SMA(200), prev50: Number.NaN, prev200: Number.NaN,
      cross: 'none', crossBar: -1, crossStrength: 0,
      actor: null, phase: 'watching', quantity: 0, initialQuantity: 0, scaleLevel: 0, cooldownUntil: Number.NEGATIVE_INFINITY,
      heldSymbol: '', expiryCloseTs: 0, strike: 0, entryRef: null, entryNum: 0,
      open: false, value: 0, cost: 0, delta: 0,
    });
  }
  const themeValue = new Float64Array(LEAPS_THEME_NAMES.length);
  const themeOpen = new Int32Array(LEAPS_THEME_NAMES.length);
  let openCount = 0;
  let bookValue = 0;
  let bookCost = 0;
  let bookDelta = 0;
  const scratch: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  const timing: TimingScores = { entry: 0, exit: 0 };
  let emitted: LeapsSignalEmitted | null = null;
  const takeEmitted = (): LeapsSignalEmitted | null => {
    const e = emitted;
    emitted = null;
    return e;
  };

  function closeAgo(st: SymbolState, k: number): number {
    return st.closes[(st.head - 1 - k + 2 * RING) % RING]!;
  }

  function trailing(st: SymbolState, n: number): number[] {
    const m = Math.min(n, st.count, RING);
    const out = new Array<number>(m);
    for (let i = 0; i < m; i++) out[i] = closeAgo(st, m - 1 - i);
    return out;
  }

  function pushClose(st: SymbolState, close: number): void {
    st.closes[st.head] = close;
    st.head = (st.head + 1) % RING;
    st.sma20.update(close);
    st.sma50.update(close);
    st.sma200.update(close);
    const s50 = st.sma50.value;
    const s200 = st.sma200.value;
    if (s50 !== null && s200 !== null) {
      if (!Number.isNaN(st.prev200)) {
        const golden = st.prev50 <= st.prev200 && s50 > s200;
        if (golden || (st.prev50 >= st.prev200 && s50 < s200)) {
          st.cross = golden ? 'golden' : 'death';
          st.crossBar = st.count;
          st.crossStrength = crossStrength(s50, s200);
        }
      }
      st.prev50 = s50;
      st.prev200 = s200;
    }
    st.count++;
  }

  /** Move this name's share of the book to the new figures, keeping the totals in step. */
  function contribute(st: SymbolState, open: boolean, value: number, cost: number, delta: number): void {
    if (open !== st.open) {
      const d = open ? 1 : -1;
      themeOpen[st.theme]! += d;
      openCount += d;
      st.open = open;
    }
    themeValue[st.theme]! += value - st.value;
    bookValue += value - st.value;
    bookCost += cost - st.cost;
    bookDelta += delta - st.delta;
    st.value = value;
    st.cost = cost;
    st.delta = delta;
    // Sums of differences drift by rounding; an empty book is exactly zero.
    if (openCount === 0) {
      themeValue.fill(0);
      bookValue = bookCost = bookDelta = 0;
    }
  }

  function send(st: SymbolState, event: Parameters<LeapsActor['send']>[0]): void {
    let actor = st.actor;
    if (actor === null) {
      actor = createActor(leapsTrackerMachine, { input: { symbol: st.symbol } });
      actor.on('signal', (e) => {
        emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    actor.send(event);
    const snap = actor.getSnapshot();
    st.phase = snap.value;
    st.quantity = snap.context.quantity;
    st.initialQuantity = snap.context.initialQuantity;
    st.scaleLevel = snap.context.scaleLevel;
    st.cooldownUntil = snap.context.cooldownUntil;
    if (st.phase === 'watching' || st.phase === 'coolingOff') contribute(st, false, 0, 0, 0);
  }

  /** Tell the actor what changed in the booked position since it last looked. */
  function reconcile(st: SymbolState, ts: number, contract: string, q: number, working: boolean): void {
    switch (st.phase) {
      case 'watching':
      case 'coolingOff':
        if (q > 0) send(st, { type: 'FILLED', contract, quantity: q });
        else if (st.phase === 'coolingOff' && ts >= st.cooldownUntil) send(st, { type: 'TICK', ts });
        return;
      case 'entering':
        if (q > 0) send(st, { type: 'FILLED', contract, quantity: q });
        else if (!working) send(st, { type: 'ENTRY_FAILED', until: ts + p.retryCooldownDays * DAY_MS });
        return;
      default:
        if (q === 0) send(st, { type: 'FLAT' });
        else if (q < st.quantity) send(st, { type: 'REDUCED', quantity: q });
        else if (!working && st.phase !== 'holding') send(st, { type: 'ORDER_FAILED' });
    }
  }

  function toSignal(e: LeapsSignalEmitted, contract: OptionContract, strength: number, features: Record<string, number>): Signal {
    const kind = e.action === 'open' ? 'entry' : 'exit';
    const id = `${LEAPS_TRACKER_ID}:${e.symbol}:${e.ts}:${kind}`;
    return {
      id, strategyId: LEAPS_TRACKER_ID, symbol: e.symbol, kind, ts: e.ts, strength, reason: e.reason,
      intent: { strategyId: LEAPS_TRACKER_ID, instrument: contract, side: kind === 'entry' ? 'buy' : 'sell', quantity: e.quantity, type: 'market', limitPrice: null, reason: e.reason, signalId: id },
      features,
    };
  }

  function manage(st: SymbolState, bar: Bar, contract: OptionContract, q: number, entryPrice: Decimal): Signal | null {
    if (st.heldSymbol !== contract.symbol) {
      st.heldSymbol = contract.symbol;
      st.expiryCloseTs = expiryCloseUtc(contract.expiry);
      st.strike = contract.strike.toNumber();
    }
    if (st.entryRef !== entryPrice) {
      st.entryRef = entryPrice;
      st.entryNum = entryPrice.toNumber();
    }
    marks.greeksInto(scratch, contract, bar.ts, bar.close);
    const mark = scratch.price;
    const entry = st.entryNum;
    contribute(st, true, mark * q * CONTRACT_MULTIPLIER, entry * q * CONTRACT_MULTIPLIER, scratch.delta * q);
    const gain = entry > 0 ? mark / entry - 1 : 0;
    // Daily bars stamp 16:00 New York, as does the expiry's close: whole days, up to a DST hour.
    const days = Math.round((st.expiryCloseTs - bar.ts) / DAY_MS);
    const bookLoss = bookCost > 0 ? (bookValue - bookCost) / bookCost : 0;
    let why: LeapsExitReason | null = null;
    if (entry > 0 && gain <= -p.stopLossPct + EPS) why = 'stop';
    else if (days < p.rollDte && bar.close < p.rollMoneyness * st.strike) why = 'roll';
    else if (days <= p.exitBeforeExpiryDays) why = 'expiry';
    else if (bookLoss <= -p.portfolioDrawdownPct + EPS && gain < -p.drawdownExitLossPct) why = 'portfolio_drawdown';
    if (why !== null) {
      send(st, { type: 'EXIT_SETUP', ts: bar.ts, reason: why, detail: `${why}: ${facts(mark, entry, gain, days, bar.close, st.strike)}` });
    } else {
      let reached = 0;
      for (let i = 0; i < p.scaleOutGains.length; i++) if (gain >= p.scaleOutGains[i]! - EPS) reached = i + 1;
      if (reached <= st.scaleLevel) return null;
      const sell = q - remainingAfterLevel(st.initialQuantity, reached, p.scaleOutFractions);
      if (sell < 1) return null;
      send(st, { type: 'SCALE_SETUP', ts: bar.ts, level: reached, quantity: sell, reason: `scale-out ${reached}: sell ${sell} of ${q}; ${facts(mark, entry, gain, days, bar.close, st.strike)}` });
    }
    const e = takeEmitted();
    if (e === null) return null;
    // Exits reduce risk, so they carry full strength.
    return toSignal(e, contract, 100, { mark, entry, gain, dte: days, delta: scratch.delta, level: e.level, contracts: e.quantity, bookLoss });
  }

  function consider(st: SymbolState, bar: Bar, view: StrategyView): Signal | null {
    const s20 = st.sma20.value;
    const s50 = st.sma50.value;
    const s200 = st.sma200.value;
    if (st.count < MIN_HISTORY || s20 === null || s50 === null || s200 === null) return null;
    const close = bar.close;
    const mom = momentumScore(close / closeAgo(st, MOMENTUM_LAGS[0]) - 1, close / closeAgo(st, MOMENTUM_LAGS[1]) - 1, close / closeAgo(st, MOMENTUM_LAGS[2]) - 1, close / closeAgo(st, MOMENTUM_LAGS[3]) - 1);
    const trend = trendScore(close, s20, s50, s200);
    const daysSince = st.count - 1 - st.crossBar;
    const cross: CrossType = st.crossBar >= 0 && daysSince <= CROSS_WINDOW - 2 ? st.cross : 'none';
    timingScores(timing, cross, daysSince, st.crossStrength, close, s50, s200);
    const financial = NEUTRAL_FUNDAMENTAL_SCORE;
    const valuation = valuationScore(null);
    const composite = compositeScore(trend, mom, financial, valuation, timing.entry);
    if (composite < p.minComposite - EPS || mom < p.minMomentum || financial < p.minFinancial) return null;
    if (timing.entry < p.minEntryTiming || timing.exit >= p.maxExitTiming || cross === 'death') return null;
    if (openCount >= p.maxPositions || themeOpen[st.theme]! >= p.maxPerTheme) return null;

    // Only now the chain: a few milliseconds, paid on the days a name passes every other gate.
    const chain = generateOptionChain({ underlying: st.symbol, asOf: bar.ts, spot: close, closes: trailing(st, DEFAULT_CHAIN_OPTIONS.volWindow + 1), seed: LEAPS_TRACKER_ID });
    const leap = chain.expiries.find((x) => x.dte >= p.minDte);
    if (leap === undefined) return null;
    const target = Math.round(p.strikeMult * close);
    const quote = findContract(chain, { right: 'C', expiry: leap.expiry, targetStrike: target > 0 ? target : p.strikeMult * close });
    if (quote === undefined || !(quote.mid > 0)) return null;
    const premiumPct = quote.mid / close;
    if (premiumPct > p.maxPremiumPct + EPS) return null;
    const flags = riskFlagCount({ valuation, momentum: mom, financial, premiumPct, cross, daysSince, entry: timing.entry, exit: timing.exit });
    if (flags > p.maxRiskFlags) return null;

    const contract = parseOccSymbol(quote.symbol);
    // The paper venue fills and marks at the model's price, so size on that.
    marks.greeksInto(scratch, contract, bar.ts, close);
    const mark = scratch.price;
    const delta = scratch.delta;
    if (!(mark > 0) || !Number.isFinite(mark)) return null;
    const unit = new Decimal(mark).times(CONTRACT_MULTIPLIER);
    const equity = view.equity();
    const byPosition = equity.times(p.positionPct).div(unit).floor().toNumber();
    const byTheme = equity.times(p.themePct).minus(themeValue[st.theme]!).div(unit).floor().toNumber();
    const byDelta = delta > 0 ? Math.floor((p.maxPortfolioDelta - bookDelta) / delta + EPS) : byPosition;
    const contracts = Math.min(byPosition, byTheme, byDelta);
    if (!(contracts >= 1)) return null;

    const confidence = leapsConfidence(trailing(st, 20));
    const riskReward = leapsRiskReward(quote.strikePrice, mark, p);
    const reason =
      `composite ${composite.toFixed(1)} (trend ${trend}, momentum ${mom.toFixed(1)}, entry ${timing.entry.toFixed(1)}, ` +
      `${cross === 'none' ? 'no cross' : `${cross} cross ${daysSince} d ago`}): buy ${contracts} ${contract.symbol} at ~${mark.toFixed(2)} (chain mid ${quote.mid.toFixed(2)}, ${quote.dte} DTE)`;
    send(st, { type: 'ENTRY_SETUP', ts: bar.ts, contract: contract.symbol, quantity: contracts, reason });
    const e = takeEmitted();
    if (e === null) return null;
    const planned = mark * contracts * CONTRACT_MULTIPLIER;
    contribute(st, true, planned, planned, delta * contracts);
    return toSignal(e, contract, Math.min(100, composite), {
      composite, trend, momentum: mom, financial, valuation, entryTiming: timing.entry, exitTiming: timing.exit,
      crossDays: cross === 'none' ? -1 : daysSince, crossStrength: cross === 'none' ? 0 : st.crossStrength,
      premium: quote.mid, premiumPct, mark, strike: quote.strikePrice, dte: quote.dte, delta, contracts, riskFlags: flags,
      confidence, riskReward, vol: marks.volatility(st.symbol),
    });
  }

  return {
    id: LEAPS_TRACKER_ID,
    universe: LEAPS_TRACKER_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p, scaleOutGains: [...p.scaleOutGains], scaleOutFractions: [...p.scaleOutFractions] }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseLeapsTrackerParams({ ...p, ...patch });
      return { ...p, scaleOutGains: [...p.scaleOutGains], scaleOutFractions: [...p.scaleOutFractions] };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      // A repeated or out-of-order daily bar would corrupt the averages and re-raise a signal id.
      if (st === undefined || bar.timeframe !== '1d' || bar.ts <= st.lastDailyTs) return null;
      st.lastDailyTs = bar.ts;
      pushClose(st, bar.close);
      const held = view.holding(bar.symbol);
      // Only long option positions are this strategy's to manage; anything else just blocks an entry.
      if (held !== undefined && (held.instrument.kind !== 'option' || held.quantity <= 0)) return null;
      const working = view.hasWorkingOrder(bar.symbol);
      if (held !== undefined || st.phase !== 'watching') reconcile(st, bar.ts, held?.instrument.symbol ?? '', held?.quantity ?? 0, working);
      if (working) return null;
      if (held !== undefined) return st.phase === 'holding' ? manage(st, bar, held.instrument as OptionContract, held.quantity, held.entryPrice) : null;
      return st.phase === 'watching' ? consider(st, bar, view) : null;
    },
  };
}
