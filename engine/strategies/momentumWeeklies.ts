import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { optionContract, type OptionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import { addDays } from '../domain/session.js';
import type { Signal } from '../domain/signal.js';
import { dte, expiriesFrom, expiryDayStartUtc, nyDate } from '../market/expiries.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import {
  momentumWeekliesMachine,
  type MomentumExitReason,
  type MomentumPattern,
  type MomentumPlan,
  type MomentumWeekliesEmitted,
} from '../../machines/strategies/momentumWeeklies.js';
import type { HeldPosition, StrategyRules, StrategyView } from './types.js';

/**
 * Momentum weeklies (SPEC §1.4) on 5-minute bars: on a volume spike together
 * with an intraday bullish reversal or a 15-minute breakout, buy a weekly call
 * 2–5 % out of the money; close it when the underlying reaches the exit target
 * (spot × (1 + otm + 2 %)) or the stop (spot × 0.985), or on its expiry day.
 *
 * Per bar the rules only push the bar into ring buffers and rolling sums
 * (O(1), no allocation). The reversal scan (24 closes) and the breakout scan
 * (≤ 100 fifteen-minute closes) run only on bars that already show the volume
 * spike, which is rare. The phases of each underlying live in
 * machines/strategies/momentumWeeklies.ts, one actor per underlying, created
 * when the underlying first has a setup.
 */

export const MOMENTUM_WEEKLIES_ID = 'momentum-weeklies';
export const MOMENTUM_WEEKLIES_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['momentum-weeklies'];

const MAX_VOLUME_WINDOW = 2000;
const MAX_REVERSAL_BARS = 240;
const MAX_BREAKOUT_WINDOW = 520;
const FIFTEEN_MIN = 900_000;

export const momentumWeekliesParamsSchema = z
  .object({
    /** Volume spike: mean of the last `volumeRecentBars` 5-minute volumes ≥ this × their mean over `volumeWindowBars`. */
    volumeSpikeMult: z.number().gt(0).max(100).default(3),
    volumeRecentBars: z.number().int().min(1).max(100).default(5),
    /** Five sessions of 78 five-minute bars: the original's `period="5d"`. */
    volumeWindowBars: z.number().int().min(2).max(MAX_VOLUME_WINDOW).default(390),
    /** Reversal over the last `reversalBars` closes (2 hours): bounce from the low ≥ `reversalMinBounce`… */
    reversalBars: z.number().int().min(2).max(MAX_REVERSAL_BARS).default(24),
    reversalMinBounce: z.number().gt(0).max(1).default(0.015),
    /** …with the low in the first `reversalLowFraction` of the window… */
    reversalLowFraction: z.number().gt(0).max(1).default(0.6),
    /** …and the close above the mean of the last `reversalMeanBars` closes. */
    reversalMeanBars: z.number().int().min(1).max(MAX_REVERSAL_BARS).default(12),
    /** Breakout on 15-minute bars: close > (1 + margin) × max of closes from `breakoutLookbackBars` to `breakoutExcludeBars` bars ago. */
    breakoutLookbackBars: z.number().int().min(2).max(MAX_BREAKOUT_WINDOW).default(100),
    breakoutExcludeBars: z.number().int().min(1).max(MAX_BREAKOUT_WINDOW).default(10),
    breakoutMargin: z.number().min(0).max(1).default(0.002),
    /** …on at least `breakoutMinBars` bars of the last `breakoutWindowBars` (5 sessions of 26)… */
    breakoutMinBars: z.number().int().min(2).max(MAX_BREAKOUT_WINDOW).default(50),
    breakoutWindowBars: z.number().int().min(2).max(MAX_BREAKOUT_WINDOW).default(130),
    /** …with the mean of the last `breakoutRecentBars` volumes > `breakoutVolumeMult` × the mean of the earlier ones. */
    breakoutRecentBars: z.number().int().min(1).max(MAX_BREAKOUT_WINDOW).default(5),
    breakoutVolumeMult: z.number().gt(0).max(100).default(1.5),
    /** Strike OTM by momentum: > strongMomentum → otmStrong; > mediumMomentum → otmMedium; else otmWeak. */
    strongMomentum: z.number().gt(0).max(1).default(0.03),
    mediumMomentum: z.number().gt(0).max(1).default(0.02),
    otmStrong: z.number().min(0).max(1).default(0.02),
    otmMedium: z.number().min(0).max(1).default(0.03),
    otmWeak: z.number().min(0).max(1).default(0.05),
    /** Exit target on the underlying: spot × (1 + otm + exitBuffer). */
    exitBuffer: z.number().min(0).max(1).default(0.02),
    /** Stop on the underlying: spot × (1 − stopPct). */
    stopPct: z.number().gt(0).lt(1).default(0.015),
    /** Premium spent per trade as a fraction of equity (SPEC §1.11 caps momentum at 0.05). */
    riskPct: z.number().gt(0).max(1).default(0.05),
    /** At most this many contracts (the original's production wrapper). */
    maxContracts: z.number().int().min(1).max(10_000).default(10),
    /** After a position is closed, no new entry on that underlying for this long (ours; the original re-scanned at once). */
    cooldownMinutes: z.number().int().min(0).max(100_000).default(60),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.volumeRecentBars > p.volumeWindowBars) bad('volumeRecentBars', 'must be ≤ volumeWindowBars');
    if (p.reversalMeanBars > p.reversalBars) bad('reversalMeanBars', 'must be ≤ reversalBars');
    if (p.breakoutExcludeBars >= p.breakoutLookbackBars) bad('breakoutExcludeBars', 'must be < breakoutLookbackBars');
    if (p.breakoutMinBars > p.breakoutWindowBars) bad('breakoutMinBars', 'must be ≤ breakoutWindowBars');
    if (p.breakoutRecentBars >= p.breakoutMinBars) bad('breakoutRecentBars', 'must be < breakoutMinBars');
    if (p.breakoutExcludeBars >= p.breakoutMinBars) bad('breakoutExcludeBars', 'must be < breakoutMinBars');
    if (p.mediumMomentum > p.strongMomentum) bad('mediumMomentum', 'must be ≤ strongMomentum');
  });

export type MomentumWeekliesParams = z.output<typeof momentumWeekliesParamsSchema>;

/** Validate parameters; throws InputError naming the first bad one. */
export function parseMomentumWeekliesParams(input: unknown = {}): MomentumWeekliesParams {
  const r = momentumWeekliesParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', 'unknown parameter');
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

// Inclusive thresholds; the epsilon keeps a value that meets one exactly from missing it by an ulp.
const EPS = 1e-12;

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

export interface ReversalSetup {
  readonly bounce: number;
  /** Position of the low in the window, 0 = oldest. */
  readonly lowIndex: number;
  readonly mean: number;
}

/**
 * Bullish reversal on `closes[0..n)` (oldest first): over the last
 * `reversalBars`, the close has bounced ≥ `reversalMinBounce` from the
 * window's low (its first occurrence), the low lies in the first
 * `reversalLowFraction` of the window, and the close is above the mean of the
 * last `reversalMeanBars`. null when not.
 */
export function detectReversal(
  closes: ArrayLike<number>,
  n: number,
  p: Pick<MomentumWeekliesParams, 'reversalBars' | 'reversalMinBounce' | 'reversalLowFraction' | 'reversalMeanBars'>,
): ReversalSetup | null {
  const w = p.reversalBars;
  if (n < w) return null;
  const start = n - w;
  let lowIndex = 0;
  let low = closes[start]!;
  for (let k = 1; k < w; k++) {
    const c = closes[start + k]!;
    if (c < low) {
      low = c;
      lowIndex = k;
    }
  }
  const close = closes[n - 1]!;
  let sum = 0;
  for (let k = n - p.reversalMeanBars; k < n; k++) sum += closes[k]!;
  const mean = sum / p.reversalMeanBars;
  const bounce = (close - low) / low;
  if (bounce >= p.reversalMinBounce - EPS && lowIndex < w * p.reversalLowFraction && close > mean) return { bounce, lowIndex, mean };
  return null;
}

export interface BreakoutSetup {
  /** (close − resistance) / resistance. */
  readonly strength: number;
  readonly resistance: number;
  readonly volumeRatio: number;
}

/**
 * Breakout on 15-minute `closes`/`volumes[0..n)` (oldest first, n at most the
 * window): the close is above (1 + margin) × the highest close from
 * `breakoutLookbackBars` to `breakoutExcludeBars` bars back (the original's
 * `prices[-100:-10]`), and the mean of the last `breakoutRecentBars` volumes is
 * above `breakoutVolumeMult` × the mean of the ones before. null when not.
 */
export function detectBreakout(
  closes: ArrayLike<number>,
  volumes: ArrayLike<number>,
  n: number,
  p: Pick<MomentumWeekliesParams, 'breakoutMinBars' | 'breakoutLookbackBars' | 'breakoutExcludeBars' | 'breakoutMargin' | 'breakoutRecentBars' | 'breakoutVolumeMult'>,
): BreakoutSetup | null {
  if (n < p.breakoutMinBars) return null;
  const from = Math.max(0, n - p.breakoutLookbackBars);
  const to = n - p.breakoutExcludeBars;
  let resistance = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) if (closes[i]! > resistance) resistance = closes[i]!;
  const close = closes[n - 1]!;
  if (!(close > resistance * (1 + p.breakoutMargin))) return null;
  const r = p.breakoutRecentBars;
  let recent = 0;
  let older = 0;
  for (let i = 0; i < n; i++) {
    if (i >= n - r) recent += volumes[i]!;
    else older += volumes[i]!;
  }
  const olderMean = older / (n - r);
  const recentMean = recent / r;
  if (!(recentMean > olderMean * p.breakoutVolumeMult)) return null;
  return { strength: (close - resistance) / resistance, resistance, volumeRatio: olderMean > 0 ? recentMean / olderMean : Number.POSITIVE_INFINITY };
}

/** OTM fraction of the strike by momentum (strictly above each threshold, as the original). */
export function otmForMomentum(momentum: number, p: Pick<MomentumWeekliesParams, 'strongMomentum' | 'mediumMomentum' | 'otmStrong' | 'otmMedium' | 'otmWeak'>): number {
  if (momentum > p.strongMomentum) return p.otmStrong;
  if (momentum > p.mediumMomentum) return p.otmMedium;
  return p.otmWeak;
}

function weekdayOf(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay();
}

/**
 * The weekly expiry SPEC §1.4 describes (and the original's code does): on
 * Wednesday or Thursday this week's; on Monday or Tuesday the following
 * week's; on Friday (or a weekend) next week's. The original's comment said
 * the opposite of its code (SPEC §13); the code's rule is kept and said once,
 * here. The expiry is the listed one of that week, so a Friday holiday moves
 * it to the Thursday, and never today's.
 */
export function weeklyExpiryFor(date: string): string {
  const wd = weekdayOf(date);
  let days = (5 - wd + 7) % 7;
  if (days === 0) days = 7;
  else if (days > 2) days += 7;
  const monday = addDays(date, days - 4);
  const listed = expiriesFrom(addDays(date, 1), days + 7).find((e) => e >= monday);
  if (listed === undefined) throw new InputError('date', `no listed weekly expiry after ${date}`);
  return listed;
}

/**
 * Strength of an entry, 0–100: 50 at the volume threshold with no momentum,
 * plus up to 25 for the volume multiple (full at twice the threshold) and up
 * to 25 for the momentum (full at `strongMomentum`).
 */
export function momentumStrength(volumeMultiple: number, momentum: number, p: Pick<MomentumWeekliesParams, 'volumeSpikeMult' | 'strongMomentum'>): number {
  return 50 + 25 * clamp01((volumeMultiple - p.volumeSpikeMult) / p.volumeSpikeMult) + 25 * clamp01(momentum / p.strongMomentum);
}

/** Which exit, if any, the underlying's close triggers (checked in this order). */
export function momentumExitReason(close: number, ts: number, plan: MomentumPlan, expiryStartTs: number): MomentumExitReason | null {
  if (close >= plan.exitTarget) return 'target';
  if (close <= plan.stopPrice) return 'stop';
  if (ts >= expiryStartTs) return 'expiry';
  return null;
}

/** The latest values in a fixed buffer: no allocation after construction. */
class Ring {
  private readonly buf: Float64Array;
  private head = 0;
  count = 0;
  constructor(size: number) {
    this.buf = new Float64Array(size);
  }
  push(v: number): void {
    this.buf[this.head] = v;
    this.head = (this.head + 1) % this.buf.length;
    if (this.count < this.buf.length) this.count++;
  }
  /** The value `k` pushes back; 0 is the latest. */
  ago(k: number): number {
    return this.buf[(this.head - 1 - k + 2 * this.buf.length) % this.buf.length]!;
  }
  /** The latest `n` values, oldest first, into `out`. */
  copyLast(n: number, out: Float64Array): void {
    for (let i = 0; i < n; i++) out[i] = this.ago(n - 1 - i);
  }
  sumLast(n: number): number {
    let sum = 0;
    for (let k = 0; k < Math.min(n, this.count); k++) sum += this.ago(k);
    return sum;
  }
}

interface SymbolState {
  lastTs: number;
  readonly closes: Ring;
  readonly volumes: Ring;
  /** Sum of the last `volumeWindowBars` volumes, kept rolling. */
  volWindowSum: number;
  // The 15-minute bar being built from 5-minute bars, and the finished ones.
  bucket: number;
  bucketOpen: boolean;
  bucketClose: number;
  bucketVolume: number;
  readonly closes15: Ring;
  readonly volumes15: Ring;
  actor: Actor<typeof momentumWeekliesMachine> | null;
  emitted: MomentumWeekliesEmitted | null;
  expiryStartTs: number;
  expiryOf: string;
}

export function createMomentumWeeklies(args: { params?: Partial<MomentumWeekliesParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseMomentumWeekliesParams(args.params ?? {});
  const marks = args.marks;
  const states = new Map<string, SymbolState>();
  for (const s of MOMENTUM_WEEKLIES_UNIVERSE) {
    states.set(s, {
      lastTs: Number.NEGATIVE_INFINITY, closes: new Ring(MAX_REVERSAL_BARS), volumes: new Ring(MAX_VOLUME_WINDOW), volWindowSum: 0,
      bucket: 0, bucketOpen: false, bucketClose: 0, bucketVolume: 0, closes15: new Ring(MAX_BREAKOUT_WINDOW), volumes15: new Ring(MAX_BREAKOUT_WINDOW),
      actor: null, emitted: null, expiryStartTs: 0, expiryOf: '',
    });
  }
  // Oldest-first copies for the pattern scans; filled only on spike bars.
  const scratchCloses = new Float64Array(MAX_BREAKOUT_WINDOW);
  const scratchVolumes = new Float64Array(MAX_BREAKOUT_WINDOW);

  function finishBucket(st: SymbolState): void {
    st.closes15.push(st.bucketClose);
    st.volumes15.push(st.bucketVolume);
    st.bucketOpen = false;
  }

  /** Updates the indicator state; true when this bar completed a 15-minute bar. */
  function update(st: SymbolState, bar: Bar): boolean {
    st.closes.push(bar.close);
    if (st.volumes.count >= p.volumeWindowBars) st.volWindowSum -= st.volumes.ago(p.volumeWindowBars - 1);
    st.volumes.push(bar.volume);
    st.volWindowSum += bar.volume;
    const bucket = Math.ceil(bar.ts / FIFTEEN_MIN);
    // A missing boundary bar: the previous 15 minutes end with what they had.
    if (st.bucketOpen && bucket !== st.bucket) finishBucket(st);
    if (!st.bucketOpen) {
      st.bucket = bucket;
      st.bucketOpen = true;
      st.bucketVolume = 0;
    }
    st.bucketVolume += bar.volume;
    st.bucketClose = bar.close;
    if (bar.ts % FIFTEEN_MIN !== 0) return false;
    finishBucket(st);
    return true;
  }

  function actorFor(symbol: string, st: SymbolState): Actor<typeof momentumWeekliesMachine> {
    if (st.actor === null) {
      const actor = createActor(momentumWeekliesMachine, { input: { symbol } });
      actor.on('signal', (e) => {
        st.emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    return st.actor;
  }

  function adoptedPlan(contract: OptionContract, spot: number): MomentumPlan {
    // Not opened by this actor (a restart): the levels are measured from the first price seen while holding.
    const otm = Math.max(0, contract.strike.toNumber() / spot - 1);
    return {
      contractSymbol: contract.symbol, expiry: contract.expiry, pattern: 'reversal', entrySpot: spot, otmPct: otm,
      exitTarget: spot * (1 + otm + p.exitBuffer), stopPrice: spot * (1 - p.stopPct),
    };
  }

  function entry(bar: Bar, st: SymbolState, view: StrategyView, completed15: boolean): Signal | null {
    const recentMean = st.volumes.sumLast(p.volumeRecentBars) / p.volumeRecentBars;
    const windowMean = st.volWindowSum / p.volumeWindowBars;
    if (!(windowMean > 0)) return null;
    const volumeMultiple = recentMean / windowMean;
    if (!(volumeMultiple >= p.volumeSpikeMult - EPS)) return null;

    let pattern: MomentumPattern | null = null;
    let momentum = 0;
    if (completed15) {
      const n = Math.min(st.closes15.count, p.breakoutWindowBars);
      st.closes15.copyLast(n, scratchCloses);
      st.volumes15.copyLast(n, scratchVolumes);
      const b = detectBreakout(scratchCloses, scratchVolumes, n, p);
      if (b !== null) {
        pattern = 'breakout';
        momentum = b.strength;
      }
    }
    if (pattern === null) {
      const n = Math.min(st.closes.count, p.reversalBars);
      st.closes.copyLast(n, scratchCloses);
      const r = detectReversal(scratchCloses, n, p);
      if (r === null) return null;
      pattern = 'reversal';
      momentum = r.bounce;
    }

    const spot = bar.close;
    const otmPct = otmForMomentum(momentum, p);
    const date = nyDate(bar.ts);
    const expiry = weeklyExpiryFor(date);
    const contract = optionContract({ underlying: bar.symbol, expiry, right: 'C', strike: Math.max(1, Math.round(spot * (1 + otmPct))) });
    const premium = marks.price(contract, bar.ts, spot);
    if (!(premium > 0) || !Number.isFinite(premium)) return null;
    const affordable = view.equity().times(p.riskPct).div(new Decimal(premium).times(CONTRACT_MULTIPLIER)).floor().toNumber();
    const contracts = Math.min(p.maxContracts, affordable);
    if (!(contracts >= 1)) return null;
    const plan: MomentumPlan = {
      contractSymbol: contract.symbol, expiry, pattern, entrySpot: spot, otmPct,
      exitTarget: spot * (1 + otmPct + p.exitBuffer), stopPrice: spot * (1 - p.stopPct),
    };
    st.emitted = null;
    actorFor(bar.symbol, st).send({ type: 'ENTRY_SETUP', ts: bar.ts, plan });
    const e = st.emitted as MomentumWeekliesEmitted | null;
    st.emitted = null;
    if (e === null || e.kind !== 'entry') return null;

    const id = `${MOMENTUM_WEEKLIES_ID}:${bar.symbol}:${bar.ts}:entry`;
    const riskReward = (otmPct + p.exitBuffer) / p.stopPct;
    const reason =
      `${pattern} ${(momentum * 100).toFixed(2)}% on ${volumeMultiple.toFixed(1)}x volume: buy ${contracts} ${contract.symbol} at ~${premium.toFixed(2)}; ` +
      `exit at ${plan.exitTarget.toFixed(2)}, stop at ${plan.stopPrice.toFixed(2)}`;
    return {
      id, strategyId: MOMENTUM_WEEKLIES_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts,
      strength: momentumStrength(volumeMultiple, momentum, p), reason,
      intent: { strategyId: MOMENTUM_WEEKLIES_ID, instrument: contract, side: 'buy', quantity: contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: {
        volumeMultiple, momentum, breakout: pattern === 'breakout' ? 1 : 0, otmPct, premium, contracts,
        exitTarget: plan.exitTarget, stopPrice: plan.stopPrice, riskReward, dte: dte(date, expiry),
      },
    };
  }

  function exit(bar: Bar, st: SymbolState, held: HeldPosition, plan: MomentumPlan): Signal | null {
    if (st.expiryOf !== plan.expiry) {
      st.expiryOf = plan.expiry;
      st.expiryStartTs = expiryDayStartUtc(plan.expiry);
    }
    const why = momentumExitReason(bar.close, bar.ts, plan, st.expiryStartTs);
    if (why === null) return null;
    const actor = st.actor!;
    st.emitted = null;
    actor.send({ type: 'EXIT_SETUP', ts: bar.ts, reason: why });
    const e = st.emitted as MomentumWeekliesEmitted | null;
    st.emitted = null;
    if (e === null || e.kind !== 'exit') return null;
    const id = `${MOMENTUM_WEEKLIES_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason = `${why}: ${bar.symbol} at ${bar.close.toFixed(2)} (target ${plan.exitTarget.toFixed(2)}, stop ${plan.stopPrice.toFixed(2)}, expiry ${plan.expiry})`;
    return {
      // Exits reduce risk, so they always carry full strength.
      id, strategyId: MOMENTUM_WEEKLIES_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason,
      intent: { strategyId: MOMENTUM_WEEKLIES_ID, instrument: held.instrument, side: 'sell', quantity: held.quantity, type: 'market', limitPrice: null, reason, signalId: id },
      features: { close: bar.close, exitTarget: plan.exitTarget, stopPrice: plan.stopPrice, entrySpot: plan.entrySpot },
    };
  }

  return {
    id: MOMENTUM_WEEKLIES_ID,
    universe: MOMENTUM_WEEKLIES_UNIVERSE,
    timeframe: '5m',
    params: () => ({ ...p }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseMomentumWeekliesParams({ ...p, ...patch });
      for (const st of states.values()) st.volWindowSum = st.volumes.sumLast(p.volumeWindowBars);
      return { ...p };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      if (st === undefined || bar.timeframe !== '5m') return null;
      // A repeated or out-of-order bar would corrupt the windows and re-raise the same signal id.
      if (bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      const completed15 = update(st, bar);

      const held = view.holding(bar.symbol);
      const longOption = held !== undefined && held.instrument.kind === 'option' && held.quantity > 0;
      const working = view.hasWorkingOrder(bar.symbol);
      let actor = st.actor;
      let phase = actor === null ? 'watching' : actor.getSnapshot().value;
      // Tell the machine what changed since the last bar, and only that.
      if (phase === 'entering') {
        if (longOption) actor!.send({ type: 'FILLED', ts: bar.ts });
        else if (!working && bar.ts > (actor!.getSnapshot().context.pendingSince ?? bar.ts)) actor!.send({ type: 'ENTRY_ABANDONED', ts: bar.ts });
      } else if (phase === 'exiting') {
        if (held === undefined) actor!.send({ type: 'FLAT', ts: bar.ts, cooldownMs: p.cooldownMinutes * 60_000 });
        else if (!working && bar.ts > (actor!.getSnapshot().context.pendingSince ?? bar.ts)) actor!.send({ type: 'EXIT_ABANDONED', ts: bar.ts });
      } else if (phase === 'holding') {
        if (held === undefined) actor!.send({ type: 'FLAT', ts: bar.ts, cooldownMs: p.cooldownMinutes * 60_000 });
      } else if (longOption) {
        actor = actorFor(bar.symbol, st);
        actor.send({ type: 'POSITION_FOUND', ts: bar.ts, plan: adoptedPlan(held.instrument, bar.close) });
      } else if (phase === 'coolingOff' && bar.ts >= actor!.getSnapshot().context.cooldownUntil) {
        actor!.send({ type: 'TICK', ts: bar.ts });
      }
      phase = actor === null ? 'watching' : actor.getSnapshot().value;

      if (phase === 'holding') {
        const plan = actor!.getSnapshot().context.plan;
        if (!longOption || working || plan === null) return null;
        return exit(bar, st, held, plan);
      }
      if (phase !== 'watching' || held !== undefined || working) return null;
      if (st.volumes.count < p.volumeWindowBars) return null;
      return entry(bar, st, view, completed15);
    },
  };
}
