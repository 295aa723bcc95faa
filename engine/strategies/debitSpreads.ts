import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { debitSpreadsMachine, type DebitExitReason, type DebitSpreadPlan, type DebitSpreadsEmitted, type DebitSpreadsEvent } from '../../machines/strategies/debitSpreads.js';
import { InputError } from '../domain/errors.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import { spreadIntent } from '../domain/optionLegs.js';
import type { Signal } from '../domain/signal.js';
import { dte, nyDate } from '../market/expiries.js';
import { SMA } from '../market/indicators/movingAverages.js';
import { generateOptionChain, resolveChainOptions, type ChainOptions, type ChainQuote, type OptionChain } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { RealizedVolatility } from '../market/realizedVolatility.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import type { HeldQuantity, StrategyRules, StrategyView } from './types.js';
import { asVertical, closingIntent, contractOf, heldOn, openingLegs, verticalHeld } from './verticalSpreads.js';

/**
 * Bull call debit spreads (SPEC §1.6) on daily bars. When an underlying's
 * trend strength reaches `minTrendStrength`, its synthetic chain is scanned
 * as the original scans yfinance's: the first three expiries 20–60 DTE, calls
 * with (volume ≥ 10 or OI ≥ 50) and bid and ask > 0.05, long strikes within
 * 0.95–1.10 × spot with a relative bid–ask < 30 %, widths 5/10/15/20 with the
 * short strike from the same filtered set; kept when debit > 0.10, R:R ≥ 1.2
 * and max profit ≥ 20 %; ranked by R:R × P(profit) × volume score × trend.
 * The best is bought as one multi-leg order. It is closed at 30 % of its max
 * profit, at a loss of 50 % of the debit, or 7 days before expiry (the
 * original's production wrapper; SPEC §1.6 lists only the scanner).
 *
 * Per bar the rules update O(1) state (two SMAs, rings of closes, volumes and
 * realised volatility); the chain is built only on the days an underlying
 * without a spread passes the trend gate. Prices come from the mark model,
 * which is what the paper venue fills at; the chain decides what is listed
 * and liquid. One actor per underlying (machines/strategies/debitSpreads.ts).
 */

export const DEBIT_SPREADS_ID = 'debit-spreads';
export const DEBIT_SPREADS_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['debit-spreads'];

const CLOSES = 64;
const VOLUMES = 32;
const HV_DAYS = 252;
const TREND_BARS = 50;
const EPS = 1e-12;

export const debitSpreadsParamsSchema = z
  .object({
    minDte: z.number().int().min(1).max(365).default(20),
    maxDte: z.number().int().min(1).max(365).default(60),
    /** Scan at most this many expiries of the DTE window (the original's `[:3]`). */
    maxExpiries: z.number().int().min(1).max(20).default(3),
    /** A call is liquid with volume ≥ minVolume or open interest ≥ minOpenInterest… */
    minVolume: z.number().int().min(0).default(10),
    minOpenInterest: z.number().int().min(0).default(50),
    /** …and bid and ask both above this. */
    minBidAsk: z.number().min(0).default(0.05),
    /** Strikes of either leg within [minMoneyness, maxMoneyness] × spot. */
    minMoneyness: z.number().gt(0).default(0.95),
    maxMoneyness: z.number().gt(0).default(1.1),
    /** (ask − bid) / mid below this. */
    maxRelativeSpread: z.number().gt(0).max(10).default(0.3),
    /** Spread widths tried, in dollars. */
    widths: z.array(z.number().gt(0).max(1000)).min(1).max(10).default([5, 10, 15, 20]),
    /** Keep a spread whose debit is above this… */
    minDebit: z.number().min(0).default(0.1),
    /** …whose (width − debit) / debit is at least this… */
    minRiskReward: z.number().min(0).default(1.2),
    /** …and whose max profit is at least this % of the debit. */
    minMaxProfitPct: z.number().min(0).default(20),
    /** Production wrapper: only underlyings with at least this trend strength are scanned. */
    minTrendStrength: z.number().min(0).max(1).default(0.6),
    /** Production wrapper: the long call's IV rank (0–100) at most this… */
    maxIvRank: z.number().min(0).max(100).default(80),
    /** …and a volume score of at least this. */
    minVolumeScore: z.number().min(0).max(1).default(0.3),
    /** Take profit at this fraction of the max profit (width − debit). */
    profitTargetPct: z.number().gt(0).max(1).default(0.3),
    /** Stop at a loss of this fraction of the debit. */
    stopLossPct: z.number().gt(0).max(1).default(0.5),
    /** Close once the expiry is at most this many calendar days away. */
    timeExitDte: z.number().int().min(0).max(365).default(7),
    /** Debit of one position at most this fraction of equity (production: 10 %). */
    riskPct: z.number().gt(0).max(1).default(0.1),
    maxContracts: z.number().int().min(1).max(10_000).default(5),
    /** Spreads open at once across the universe. */
    maxPositions: z.number().int().min(1).max(100).default(8),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.minDte > p.maxDte) bad('minDte', 'must be ≤ maxDte');
    if (p.minMoneyness >= p.maxMoneyness) bad('minMoneyness', 'must be < maxMoneyness');
    if (p.timeExitDte >= p.minDte) bad('timeExitDte', 'must be < minDte, or a new spread would be closed at once');
  });

export type DebitSpreadsParams = z.output<typeof debitSpreadsParamsSchema>;

/** Validate parameters; throws InputError naming the first bad one. */
export function parseDebitSpreadsParams(input: unknown = {}): DebitSpreadsParams {
  const r = debitSpreadsParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', 'unknown parameter');
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Direction changes among the last 11 closes (oldest first), as the original counts them over `prices[-11:]`. */
export function directionChanges(closes: ArrayLike<number>): number {
  const n = closes.length;
  let changes = 0;
  for (let i = n - 10; i < n - 1; i++) {
    if (i <= 0) continue;
    const curr = closes[i + 1]! > closes[i]!;
    const prev = closes[i]! > closes[i - 1]!;
    if (curr !== prev) changes++;
  }
  return changes;
}

/**
 * Trend strength, 0–1 (SPEC §1.6): the mean of the SMA stack (0.8 when
 * close > SMA20 > SMA50, 0.6 when only above SMA20, else 0.2), clamp(5 × the
 * 10-day return), 1 − direction changes / 10, and 0.5 × min(1, the last 10
 * days' mean volume over the 20 before); 0.5 for the last when that is 0.
 */
export function trendStrength(t: { close: number; sma20: number; sma50: number; return10: number; changes: number; volumeRatio: number | null }): number {
  const stack = t.close > t.sma20 && t.sma20 > t.sma50 ? 0.8 : t.close > t.sma20 ? 0.6 : 0.2;
  const momentum = clamp01(5 * t.return10);
  const consistency = Math.max(0, 1 - t.changes / 10);
  const volume = t.volumeRatio === null ? 0.5 : Math.min(1, t.volumeRatio) * 0.5;
  return (stack + momentum + consistency + volume) / 4;
}

/** P(profit) (SPEC §1.6): 0.7 when the breakeven is at or below spot, else max(0.1, 0.6 − 3 × its distance above spot / spot). */
export function probabilityOfProfit(breakeven: number, spot: number): number {
  return breakeven <= spot ? 0.7 : Math.max(0.1, 0.6 - 3 * ((breakeven - spot) / spot));
}

/** Volume score (SPEC §1.6): the smaller of the legs' volume + open interest, over 1000, clamped to [0, 1]. */
export function volumeScore(long: Pick<ChainQuote, 'volume' | 'openInterest'>, short: Pick<ChainQuote, 'volume' | 'openInterest'>): number {
  return clamp01(Math.min(long.volume + long.openInterest, short.volume + short.openInterest) / 1000);
}

/** IV rank 0–100 of `iv` within the range of the given realised volatilities; 50 when there is no range (as the original). */
export function ivRank(iv: number, vols: ArrayLike<number>, n = vols.length): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = vols[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return 50;
  return Math.max(0, Math.min(100, ((iv - lo) / (hi - lo)) * 100));
}

/** The production wrapper's confidence, 0–1: 0.3·RR/3 + 0.3·trend + 0.2·P + 0.1·volume + 0.1·(1 − IV rank/100). */
export function debitConfidence(riskReward: number, trend: number, probProfit: number, volScore: number, rank: number): number {
  return clamp01((riskReward / 3) * 0.3 + trend * 0.3 + probProfit * 0.2 + volScore * 0.1 + (1 - rank / 100) * 0.1);
}

export interface BullCallCandidate {
  readonly expiry: string;
  readonly dte: number;
  readonly long: ChainQuote;
  readonly short: ChainQuote;
  readonly width: number;
  /** Per share, from the pricer (the mark model in the rules). */
  readonly debit: number;
  readonly maxProfit: number;
  readonly maxProfitPct: number;
  readonly riskReward: number;
  readonly breakeven: number;
  readonly probProfit: number;
  readonly volumeScore: number;
  /** SPEC's rank: R:R × P × volume score × trend. */
  readonly rank: number;
}

type ScanParams = Pick<
  DebitSpreadsParams,
  'minDte' | 'maxDte' | 'maxExpiries' | 'minVolume' | 'minOpenInterest' | 'minBidAsk' | 'minMoneyness' | 'maxMoneyness' | 'maxRelativeSpread' | 'widths' | 'minDebit' | 'minRiskReward' | 'minMaxProfitPct'
>;

/** The calls of one expiry the original keeps: liquid, two-sided above the floor, near the money, not too wide. */
function suitableCalls(calls: readonly ChainQuote[], spot: number, p: ScanParams): ChainQuote[] {
  return calls.filter((c) => {
    if (!((c.volume >= p.minVolume || c.openInterest >= p.minOpenInterest) && c.bid > p.minBidAsk && c.ask > p.minBidAsk)) return false;
    const mid = (c.bid + c.ask) / 2;
    return mid > 0 && (c.ask - c.bid) / mid < p.maxRelativeSpread && c.strikePrice >= spot * p.minMoneyness - EPS && c.strikePrice <= spot * p.maxMoneyness + EPS;
  });
}

/**
 * Every bull call spread of `chain` the original would keep, best rank first
 * (ties keep scan order: expiry, width, then strike). `price` gives the
 * premium per share a contract is expected to trade at.
 */
export function findBullCallSpreads(chain: OptionChain, spot: number, trend: number, p: ScanParams, price: (q: ChainQuote) => number): BullCallCandidate[] {
  const out: BullCallCandidate[] = [];
  const expiries = chain.expiries.filter((e) => e.dte >= p.minDte && e.dte <= p.maxDte).slice(0, p.maxExpiries);
  for (const e of expiries) {
    const calls = suitableCalls(e.calls, spot, p);
    if (calls.length < 2) continue;
    for (const width of p.widths) {
      for (const long of calls) {
        const short = calls.find((c) => Math.abs(c.strikePrice - (long.strikePrice + width)) < 0.01);
        if (short === undefined) continue;
        const debit = price(long) - price(short);
        if (!(debit > p.minDebit) || !Number.isFinite(debit)) continue;
        const actualWidth = short.strikePrice - long.strikePrice;
        const maxProfit = actualWidth - debit;
        const riskReward = maxProfit / debit;
        const maxProfitPct = riskReward * 100;
        if (riskReward < p.minRiskReward - EPS || maxProfitPct < p.minMaxProfitPct - EPS) continue;
        const breakeven = long.strikePrice + debit;
        const probProfit = probabilityOfProfit(breakeven, spot);
        const vol = volumeScore(long, short);
        out.push({
          expiry: e.expiry, dte: e.dte, long, short, width: actualWidth, debit, maxProfit, maxProfitPct, riskReward, breakeven, probProfit,
          volumeScore: vol, rank: riskReward * probProfit * vol * trend,
        });
      }
    }
  }
  return out.sort((a, b) => b.rank - a.rank);
}

/** Which exit, if any, the spread's value (per share) and the days left trigger (checked in this order). */
export function debitExitReason(value: number, plan: Pick<DebitSpreadPlan, 'debit' | 'profitTarget' | 'stopLoss' | 'timeExitDte'>, daysLeft: number): DebitExitReason | null {
  const pnl = value - plan.debit;
  if (pnl >= plan.profitTarget - EPS) return 'target';
  if (pnl <= -plan.stopLoss + EPS) return 'stop';
  if (daysLeft <= plan.timeExitDte) return 'time';
  return null;
}

interface SymbolState {
  readonly symbol: string;
  lastTs: number;
  readonly closes: Float64Array;
  readonly volumes: Float64Array;
  /** Daily bars seen; the rings are indexed by it. */
  count: number;
  readonly sma20: SMA;
  readonly sma50: SMA;
  readonly rv: RealizedVolatility;
  readonly hvs: Float64Array;
  hvHead: number;
  hvCount: number;
  actor: Actor<typeof debitSpreadsMachine> | null;
}

export function createDebitSpreads(args: { params?: Partial<DebitSpreadsParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseDebitSpreadsParams(args.params ?? {});
  const marks = args.marks;
  const states = new Map<string, SymbolState>();
  for (const symbol of DEBIT_SPREADS_UNIVERSE) {
    states.set(symbol, {
      symbol, lastTs: Number.NEGATIVE_INFINITY, closes: new Float64Array(CLOSES), volumes: new Float64Array(VOLUMES), count: 0,
      sma20: new SMA(20), sma50: new SMA(TREND_BARS), rv: new RealizedVolatility(20), hvs: new Float64Array(HV_DAYS), hvHead: 0, hvCount: 0, actor: null,
    });
  }
  let emitted: DebitSpreadsEmitted | null = null;
  // Only the DTE window is listed: the chain is built for one scan, not for LEAPS.
  const chainOptionsFor = (params: DebitSpreadsParams): ChainOptions =>
    resolveChainOptions({ weeklyHorizonDays: params.maxDte, monthlyHorizonDays: params.maxDte, indexDailyHorizonDays: 0 });
  let chainOptions = chainOptionsFor(p);
  const scratch11 = new Float64Array(11);

  /** The value `k` daily bars back in a ring (0 = this bar); k < count and k < the ring's length. */
  const ago = (st: SymbolState, ring: Float64Array, k: number): number => ring[(st.count - 1 - k) % ring.length]!;

  function update(st: SymbolState, bar: Bar): void {
    st.closes[st.count % CLOSES] = bar.close;
    st.volumes[st.count % VOLUMES] = bar.volume;
    st.count++;
    st.sma20.update(bar.close);
    st.sma50.update(bar.close);
    st.rv.update(bar.close);
    const hv = st.rv.value;
    if (hv !== null) {
      st.hvs[st.hvHead] = hv;
      st.hvHead = (st.hvHead + 1) % HV_DAYS;
      if (st.hvCount < HV_DAYS) st.hvCount++;
    }
  }

  function trendOf(st: SymbolState, close: number): number | null {
    const s20 = st.sma20.value;
    const s50 = st.sma50.value;
    if (s20 === null || s50 === null || st.count < TREND_BARS) return null;
    for (let i = 0; i < 11; i++) scratch11[i] = ago(st, st.closes, 10 - i);
    let recent = 0;
    let past = 0;
    for (let k = 0; k < 30; k++) {
      const v = ago(st, st.volumes, k);
      if (k < 10) recent += v;
      else past += v;
    }
    const volumeRatio = past > 0 ? recent / 10 / (past / 20) : null;
    return trendStrength({ close, sma20: s20, sma50: s50, return10: close / ago(st, st.closes, 10) - 1, changes: directionChanges(scratch11), volumeRatio });
  }

  function send(st: SymbolState, event: DebitSpreadsEvent): DebitSpreadsEmitted | null {
    if (st.actor === null) {
      const actor = createActor(debitSpreadsMachine, { input: { symbol: st.symbol } });
      actor.on('signal', (e) => {
        emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    emitted = null;
    st.actor.send(event);
    const e = emitted as DebitSpreadsEmitted | null;
    emitted = null;
    return e;
  }

  const phaseOf = (st: SymbolState) => (st.actor === null ? 'watching' : st.actor.getSnapshot().value);

  function openSpreads(): number {
    let n = 0;
    for (const st of states.values()) if (phaseOf(st) !== 'watching') n++;
    return n;
  }

  /** A spread this run did not open (a restart): managed from its value now, as if bought at it. */
  function adopt(held: readonly HeldQuantity[], bar: Bar): { plan: DebitSpreadPlan | null; spreads: number } {
    const v = asVertical(held);
    if (v === null || v.long.right !== 'C' || !v.short.strike.gt(v.long.strike)) return { plan: null, spreads: 0 };
    const debit = marks.price(v.long, bar.ts, bar.close) - marks.price(v.short, bar.ts, bar.close);
    const width = v.short.strike.minus(v.long.strike).toNumber();
    const plan = planFor(v.long.symbol, v.short.symbol, v.long.expiry, v.long.strike.toNumber(), v.short.strike.toNumber(), debit);
    return { plan: debit > 0 && debit < width ? plan : null, spreads: v.spreads };
  }

  function planFor(longSymbol: string, shortSymbol: string, expiry: string, longStrike: number, shortStrike: number, debit: number): DebitSpreadPlan {
    const maxProfit = shortStrike - longStrike - debit;
    return { longSymbol, shortSymbol, expiry, longStrike, shortStrike, debit, profitTarget: p.profitTargetPct * maxProfit, stopLoss: p.stopLossPct * debit, timeExitDte: p.timeExitDte };
  }

  /** Tell the actor what changed in the booked legs since it last looked. */
  function reconcile(st: SymbolState, bar: Bar, held: readonly HeldQuantity[], working: boolean): void {
    const snap = st.actor?.getSnapshot();
    const phase = phaseOf(st);
    const plan = snap?.context.plan ?? null;
    const pendingSince = snap?.context.pendingSince ?? bar.ts;
    if (phase === 'watching') {
      if (held.length > 0) send(st, { type: 'POSITION_FOUND', ts: bar.ts, ...adopt(held, bar) });
    } else if (phase === 'entering') {
      const n = plan === null ? null : verticalHeld(held, plan);
      if (n !== null && n > 0) send(st, { type: 'FILLED', ts: bar.ts, spreads: n });
      else if (!working && bar.ts > pendingSince) {
        send(st, { type: 'ENTRY_ABANDONED', ts: bar.ts });
        if (held.length > 0) send(st, { type: 'POSITION_FOUND', ts: bar.ts, ...adopt(held, bar) });
      }
    } else if (held.length === 0) {
      send(st, { type: 'FLAT', ts: bar.ts });
    } else if (phase === 'exiting' && !working && bar.ts > pendingSince) {
      send(st, { type: 'EXIT_ABANDONED', ts: bar.ts });
    }
  }

  function manage(st: SymbolState, bar: Bar, held: readonly HeldQuantity[]): Signal | null {
    const plan = st.actor!.getSnapshot().context.plan;
    let why: DebitExitReason | null = 'unmanaged';
    const features: Record<string, number> = { close: bar.close, legs: held.length };
    if (plan !== null && verticalHeld(held, plan) !== null) {
      const value = marks.price(contractOf(plan.longSymbol), bar.ts, bar.close) - marks.price(contractOf(plan.shortSymbol), bar.ts, bar.close);
      const daysLeft = dte(nyDate(bar.ts), plan.expiry);
      why = debitExitReason(value, plan, daysLeft);
      Object.assign(features, { value, debit: plan.debit, pnl: value - plan.debit, profitTarget: plan.profitTarget, stopLoss: plan.stopLoss, dte: daysLeft });
    }
    if (why === null) return null;
    const e = send(st, { type: 'EXIT_SETUP', ts: bar.ts, reason: why });
    if (e === null || e.kind !== 'exit') return null;
    const id = `${DEBIT_SPREADS_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason =
      why === 'unmanaged'
        ? `unmanaged: close what is held on ${bar.symbol} (${held.map((h) => `${h.quantity} ${h.instrument.symbol.trim()}`).join(', ')})`
        : `${why}: spread worth ${features.value!.toFixed(2)} against a ${plan!.debit.toFixed(2)} debit (target +${plan!.profitTarget.toFixed(2)}, stop −${plan!.stopLoss.toFixed(2)}, ${features.dte} DTE)`;
    const intent = closingIntent({ strategyId: DEBIT_SPREADS_ID, held, reason, signalId: id, ...(plan ? { first: plan.longSymbol } : {}) });
    if (intent === null) return null;
    // Exits reduce risk, so they always carry full strength.
    return { id, strategyId: DEBIT_SPREADS_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason, intent, features };
  }

  function consider(st: SymbolState, bar: Bar, view: StrategyView): Signal | null {
    const close = bar.close;
    const trend = trendOf(st, close);
    if (trend === null || trend < p.minTrendStrength - EPS) return null;
    if (openSpreads() >= p.maxPositions) return null;
    const closes: number[] = [];
    for (let k = Math.min(st.count, chainOptions.volWindow + 1) - 1; k >= 0; k--) closes.push(ago(st, st.closes, k));
    const chain = generateOptionChain({ underlying: st.symbol, asOf: bar.ts, spot: close, closes, seed: DEBIT_SPREADS_ID }, chainOptions);
    const price = (q: ChainQuote): number => marks.price(contractOf(q.symbol), bar.ts, close);
    const hvs = st.hvs.subarray(0, st.hvCount);
    let best: BullCallCandidate | null = null;
    let bestIvRank = 50;
    for (const c of findBullCallSpreads(chain, close, trend, p, price)) {
      const rank = ivRank(c.long.iv, hvs);
      if (c.volumeScore < p.minVolumeScore - EPS || rank > p.maxIvRank + EPS) continue;
      best = c;
      bestIvRank = rank;
      break;
    }
    if (best === null) return null;
    const contracts = Math.min(p.maxContracts, view.equity().times(p.riskPct).div(new Decimal(best.debit).times(CONTRACT_MULTIPLIER)).floor().toNumber());
    if (!(contracts >= 1)) return null;
    const plan = planFor(best.long.symbol, best.short.symbol, best.expiry, best.long.strikePrice, best.short.strikePrice, best.debit);
    const e = send(st, { type: 'ENTRY_SETUP', ts: bar.ts, plan });
    if (e === null || e.kind !== 'entry') return null;
    const id = `${DEBIT_SPREADS_ID}:${bar.symbol}:${bar.ts}:entry`;
    const confidence = debitConfidence(best.riskReward, trend, best.probProfit, best.volumeScore, bestIvRank);
    const reason =
      `trend ${trend.toFixed(2)}: buy ${contracts} ${bar.symbol} ${best.long.strike}/${best.short.strike} call spread ${best.expiry} (${best.dte} DTE) ` +
      `for ~${best.debit.toFixed(2)}, max profit ${best.maxProfit.toFixed(2)} (R:R ${best.riskReward.toFixed(2)}, P ${best.probProfit.toFixed(2)})`;
    const intent = spreadIntent({
      strategyId: DEBIT_SPREADS_ID, legs: openingLegs(contractOf(best.long.symbol), contractOf(best.short.symbol), 'long-first'),
      quantity: contracts, netLimit: null, side: 'buy', reason, signalId: id,
    });
    return {
      id, strategyId: DEBIT_SPREADS_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: 100 * trend, reason, intent,
      features: {
        trend, confidence, riskReward: best.riskReward, direction: 1, probProfit: best.probProfit, volumeScore: best.volumeScore, ivRank: bestIvRank,
        longIv: best.long.iv, debit: best.debit, width: best.width, maxProfit: best.maxProfit, maxProfitPct: best.maxProfitPct, breakeven: best.breakeven,
        longStrike: best.long.strikePrice, shortStrike: best.short.strikePrice, dte: best.dte, contracts, rank: best.rank,
      },
    };
  }

  return {
    id: DEBIT_SPREADS_ID,
    universe: DEBIT_SPREADS_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p, widths: [...p.widths] }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      const next = parseDebitSpreadsParams({ ...p, ...patch });
      chainOptions = chainOptionsFor(next);
      p = next;
      return { ...p, widths: [...p.widths] };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      // A repeated or out-of-order daily bar would corrupt the windows and re-raise a signal id.
      if (st === undefined || bar.timeframe !== '1d' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      update(st, bar);
      const held = heldOn(view, bar.symbol);
      const working = view.hasWorkingOrder(bar.symbol);
      if (held.length > 0 || st.actor !== null) reconcile(st, bar, held, working);
      if (working) return null;
      const phase = phaseOf(st);
      if (phase === 'holding') return manage(st, bar, held);
      return phase === 'watching' && held.length === 0 ? consider(st, bar, view) : null;
    },
  };
}
