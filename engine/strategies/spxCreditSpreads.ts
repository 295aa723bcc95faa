import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import {
  spxCreditSpreadsMachine,
  type CreditExitReason,
  type CreditSpreadPlan,
  type CreditSpreadSide,
  type SpxCreditSpreadsEmitted,
  type SpxCreditSpreadsEvent,
} from '../../machines/strategies/spxCreditSpreads.js';
import { InputError } from '../domain/errors.js';
import { optionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import { spreadIntent } from '../domain/optionLegs.js';
import { addDays, nyWallTimeToUtc } from '../domain/session.js';
import type { Signal } from '../domain/signal.js';
import { nyDate } from '../market/expiries.js';
import { generateOptionChain, listedExpiries, resolveChainOptions, type ChainExpiry, type ChainOptions, type ChainQuote } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import type { HeldQuantity, StrategyRules, StrategyView } from './types.js';
import { asVertical, closingIntent, contractOf, heldOn, openingLegs, verticalHeld } from './verticalSpreads.js';

/**
 * SPX / SPY / QQQ / IWM 0DTE credit spreads (SPEC §1.7) on 5-minute bars.
 *
 * On Mondays, Wednesdays and Fridays, when the underlying lists an expiry
 * that day, every `scanIntervalMinutes` from `scanStart` until `entryCutoff`
 * (New York) an underlying without a spread builds both verticals the
 * original builds: a put credit spread and a call credit spread whose short
 * leg is the liquid contract with |Δ| nearest 0.30 (the chain's delta) and
 * whose long leg is the listed strike nearest min(10, max(5, 2 % of spot))
 * further out, priced on its own strike. Kept when the credit is above 0.10;
 * ranked as the original by P(profit) × credit / max loss, with
 * P = 1 − |Δ|; the best is sold as one multi-leg order. It is bought back at
 * 25 % of the credit in profit, at a loss of 75 % of the credit, or at
 * `exitAt` (15:00), an hour before the expiry's close (the original's
 * production wrapper). What is still held at 16:00 is settled by the
 * engine's expiry processing.
 *
 * Why 5-minute bars: a 0DTE spread opens and closes within one session, which
 * daily bars cannot show (a daily close at 16:00 is already past that day's
 * expiry). The bundled data has 5-minute bars for its last 10 sessions only,
 * so a replay trades six Monday/Wednesday/Friday sessions.
 *
 * SPX is traded on its own bars and chain (the bundled SPX is SPY × 10 bar
 * for bar), where the original scaled SPY's chain by 10. Prices come from the
 * mark model, which the paper venue fills at; the chain, its volatility set to
 * the mark model's, decides what is listed and liquid and gives the deltas.
 */

export const SPX_CREDIT_SPREADS_ID = 'spx-credit-spreads';
export const SPX_CREDIT_SPREADS_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['spx-credit-spreads'];

const ZERO_DTE_WEEKDAYS: ReadonlySet<number> = new Set([1, 3, 5]);
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const clockTime = (fallback: string) => z.string().regex(CLOCK, 'must be a New York time HH:MM').default(fallback);
const EPS = 1e-12;
const CHAIN_VOL_FLOOR = 0.08;
const CHAIN_VOL_CAP = 2;
// Only today's expiry matters; index products list a daily expiry, the rest only weeklies and monthlies.
const LISTING: Partial<ChainOptions> = { weeklyHorizonDays: 0, monthlyHorizonDays: 0, indexDailyHorizonDays: 1 };

export const spxCreditSpreadsParamsSchema = z
  .object({
    /** |Δ| the short leg is chosen nearest to. */
    targetDelta: z.number().gt(0).lt(1).default(0.3),
    /** Width = min(maxWidth, max(minWidth, widthPct × spot)), in dollars. */
    widthPct: z.number().gt(0).max(1).default(0.02),
    minWidth: z.number().gt(0).default(5),
    maxWidth: z.number().gt(0).default(10),
    /** Keep a spread whose credit (per share) is above this. */
    minCredit: z.number().min(0).default(0.1),
    /** The short leg must be liquid: bid and ask above minBidAsk, and volume ≥ minVolume or OI ≥ minOpenInterest. */
    minBidAsk: z.number().min(0).default(0.05),
    minVolume: z.number().int().min(0).default(10),
    minOpenInterest: z.number().int().min(0).default(50),
    /** Which verticals to build. */
    sides: z.array(z.enum(['put', 'call'])).min(1).max(2).default(['put', 'call']),
    /** Buy back once this fraction of the credit is made… */
    profitTargetPct: z.number().gt(0).lt(1).default(0.25),
    /** …or once the loss reaches this fraction of the credit (production wrapper)… */
    stopLossPct: z.number().gt(0).max(100).default(0.75),
    /** …or at this New York time on the expiry date. */
    exitAt: clockTime('15:00'),
    scanStart: clockTime('09:35'),
    scanIntervalMinutes: z.number().int().min(5).max(390).default(15),
    /** No new spread from this time on. */
    entryCutoff: clockTime('14:30'),
    /** Max loss of one position at most this fraction of equity (SPEC §1.11 caps this strategy at 0.04). */
    riskPct: z.number().gt(0).max(1).default(0.04),
    maxContracts: z.number().int().min(1).max(10_000).default(5),
    /** Spreads open at once across the universe (production wrapper). */
    maxPositions: z.number().int().min(1).max(100).default(3),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.minWidth > p.maxWidth) bad('minWidth', 'must be ≤ maxWidth');
    if (new Set(p.sides).size !== p.sides.length) bad('sides', 'must not repeat a side');
    if (p.entryCutoff < p.scanStart) bad('entryCutoff', 'must not be before scanStart');
    if (p.exitAt <= p.entryCutoff) bad('exitAt', 'must be after entryCutoff');
    if (p.exitAt >= '16:00') bad('exitAt', 'must be before the 16:00 close');
  });

export type SpxCreditSpreadsParams = z.output<typeof spxCreditSpreadsParamsSchema>;

/** Validate parameters; throws InputError naming the first bad one. */
export function parseSpxCreditSpreadsParams(input: unknown = {}): SpxCreditSpreadsParams {
  const r = spxCreditSpreadsParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', 'unknown parameter');
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

/** SPEC §1.7's width: min(10, max(5, 2 % of spot)). */
export function spreadWidth(spot: number, p: Pick<SpxCreditSpreadsParams, 'widthPct' | 'minWidth' | 'maxWidth'>): number {
  return Math.min(p.maxWidth, Math.max(p.minWidth, p.widthPct * spot));
}

/** True on the weekdays the original looks for a 0DTE expiry (Mon/Wed/Fri). */
export function isZeroDteWeekday(date: string): boolean {
  return ZERO_DTE_WEEKDAYS.has(new Date(`${date}T12:00:00Z`).getUTCDay());
}

export interface CreditCandidate {
  readonly side: CreditSpreadSide;
  readonly short: ChainQuote;
  /** Listed strike of the long leg. */
  readonly longStrike: string;
  readonly longStrikePrice: number;
  readonly width: number;
  readonly credit: number;
  readonly maxLoss: number;
  /** 1 − |Δ| of the short leg. */
  readonly probProfit: number;
  /** The original's rank: P × credit / max loss. */
  readonly rank: number;
}

type SelectParams = Pick<SpxCreditSpreadsParams, 'targetDelta' | 'widthPct' | 'minWidth' | 'maxWidth' | 'minCredit' | 'minBidAsk' | 'minVolume' | 'minOpenInterest'>;

/**
 * One vertical of `side` on `expiry`, as SPEC §1.7 builds it (with the long
 * leg priced on its own strike, which the original got wrong), or null when
 * no liquid short leg exists, no listed strike lies beyond it, or the credit
 * is not above the minimum. `price(right, strike)` is the premium per share a
 * contract trades at.
 */
export function buildCreditSpread(expiry: ChainExpiry, side: CreditSpreadSide, spot: number, p: SelectParams, price: (strike: string) => number): CreditCandidate | null {
  const quotes = side === 'put' ? expiry.puts : expiry.calls;
  let short: ChainQuote | null = null;
  let gap = Number.POSITIVE_INFINITY;
  for (const q of quotes) {
    if (!(q.bid > p.minBidAsk && q.ask > p.minBidAsk && (q.volume >= p.minVolume || q.openInterest >= p.minOpenInterest))) continue;
    const g = Math.abs(Math.abs(q.delta) - p.targetDelta);
    if (g < gap - EPS) {
      short = q;
      gap = g;
    }
  }
  if (short === null) return null;
  const target = side === 'put' ? short.strikePrice - spreadWidth(spot, p) : short.strikePrice + spreadWidth(spot, p);
  let longStrike: string | null = null;
  let longPrice = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < expiry.strikes.length; i++) {
    const k = Number(expiry.strikes[i]);
    if (side === 'put' ? !(k < short.strikePrice) : !(k > short.strikePrice)) continue;
    const g = Math.abs(k - target);
    // A tie goes further out of the money, so the width is never below the rule's.
    if (g < best - EPS || (Math.abs(g - best) <= EPS && (side === 'put' ? k < longPrice : k > longPrice))) {
      best = g;
      longStrike = expiry.strikes[i]!;
      longPrice = k;
    }
  }
  if (longStrike === null) return null;
  const credit = price(short.strike) - price(longStrike);
  if (!(credit > p.minCredit) || !Number.isFinite(credit)) return null;
  const width = Math.abs(short.strikePrice - longPrice);
  const maxLoss = width - credit;
  if (!(maxLoss > 0)) return null;
  const probProfit = 1 - Math.abs(short.delta);
  return { side, short, longStrike, longStrikePrice: longPrice, width, credit, maxLoss, probProfit, rank: (probProfit * credit) / maxLoss };
}

/** Which exit, if any, the spread's value (the cost to buy it back, per share) and the time trigger (checked in this order). */
export function creditExitReason(value: number, ts: number, plan: Pick<CreditSpreadPlan, 'targetValue' | 'stopValue' | 'exitAt'>): CreditExitReason | null {
  if (value <= plan.targetValue + EPS) return 'target';
  if (value >= plan.stopValue - EPS) return 'stop';
  if (ts >= plan.exitAt) return 'time';
  return null;
}

function wallTime(date: string, hhmm: string): number {
  return nyWallTimeToUtc(date, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));
}

interface SymbolState {
  readonly symbol: string;
  lastTs: number;
  date: string;
  dayEndTs: number;
  /** A 0DTE expiry is listed today and today is a Mon/Wed/Fri. */
  zeroDte: boolean;
  scanStartTs: number;
  cutoffTs: number;
  nextScanTs: number;
  actor: Actor<typeof spxCreditSpreadsMachine> | null;
}

export function createSpxCreditSpreads(args: { params?: Partial<SpxCreditSpreadsParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseSpxCreditSpreadsParams(args.params ?? {});
  const marks = args.marks;
  const states = new Map<string, SymbolState>();
  for (const symbol of SPX_CREDIT_SPREADS_UNIVERSE) {
    states.set(symbol, {
      symbol, lastTs: Number.NEGATIVE_INFINITY, date: '', dayEndTs: Number.NEGATIVE_INFINITY, zeroDte: false, scanStartTs: 0, cutoffTs: 0, nextScanTs: 0, actor: null,
    });
  }
  let emitted: SpxCreditSpreadsEmitted | null = null;

  function send(st: SymbolState, event: SpxCreditSpreadsEvent): SpxCreditSpreadsEmitted | null {
    if (st.actor === null) {
      const actor = createActor(spxCreditSpreadsMachine, { input: { symbol: st.symbol } });
      actor.on('signal', (e) => {
        emitted = e;
      });
      actor.start();
      st.actor = actor;
      if (event.type !== 'SESSION') actor.send({ type: 'SESSION', ts: event.ts, date: st.date, entriesOpen: entriesOpen(st, event.ts) });
    }
    emitted = null;
    st.actor.send(event);
    const e = emitted as SpxCreditSpreadsEmitted | null;
    emitted = null;
    return e;
  }

  const phaseOf = (st: SymbolState) => (st.actor === null ? 'resting' : st.actor.getSnapshot().value);
  const entriesOpen = (st: SymbolState, ts: number): boolean => st.zeroDte && ts < st.cutoffTs;

  function newSession(st: SymbolState, bar: Bar): void {
    const date = nyDate(bar.ts);
    st.date = date;
    st.dayEndTs = nyWallTimeToUtc(addDays(date, 1), 0, 0);
    st.zeroDte = isZeroDteWeekday(date) && listedExpiries(st.symbol, bar.ts, LISTING).includes(date);
    st.scanStartTs = wallTime(date, p.scanStart);
    st.cutoffTs = wallTime(date, p.entryCutoff);
    st.nextScanTs = st.scanStartTs;
    if (st.actor !== null) send(st, { type: 'SESSION', ts: bar.ts, date, entriesOpen: entriesOpen(st, bar.ts) });
  }

  function openSpreads(): number {
    let n = 0;
    for (const st of states.values()) {
      const phase = phaseOf(st);
      if (phase === 'entering' || phase === 'open' || phase === 'closing') n++;
    }
    return n;
  }

  function planFor(side: CreditSpreadSide, expiry: string, shortSymbol: string, longSymbol: string, shortStrike: number, longStrike: number, credit: number): CreditSpreadPlan {
    return {
      side, expiry, shortSymbol, longSymbol, shortStrike, longStrike, credit,
      targetValue: credit * (1 - p.profitTargetPct), stopValue: credit * (1 + p.stopLossPct), exitAt: wallTime(expiry, p.exitAt),
    };
  }

  /** A credit spread this run did not open (a restart): managed from its value now, as if sold at it. */
  function adopt(held: readonly HeldQuantity[], bar: Bar): { plan: CreditSpreadPlan | null; spreads: number } {
    const v = asVertical(held);
    if (v === null) return { plan: null, spreads: 0 };
    const side: CreditSpreadSide = v.short.right === 'P' ? 'put' : 'call';
    // A credit vertical sells the strike nearer the money: the higher put, the lower call.
    if (side === 'put' ? !v.short.strike.gt(v.long.strike) : !v.short.strike.lt(v.long.strike)) return { plan: null, spreads: 0 };
    const credit = marks.price(v.short, bar.ts, bar.close) - marks.price(v.long, bar.ts, bar.close);
    const plan = planFor(side, v.short.expiry, v.short.symbol, v.long.symbol, v.short.strike.toNumber(), v.long.strike.toNumber(), credit);
    return { plan: credit > 0 && credit < v.short.strike.minus(v.long.strike).abs().toNumber() ? plan : null, spreads: v.spreads };
  }

  /** Tell the actor what changed in the booked legs since it last looked. */
  function reconcile(st: SymbolState, bar: Bar, held: readonly HeldQuantity[], working: boolean): void {
    const snap = st.actor?.getSnapshot();
    const phase = phaseOf(st);
    const plan = snap?.context.plan ?? null;
    const pendingSince = snap?.context.pendingSince ?? bar.ts;
    if (phase === 'resting' || phase === 'scanning') {
      if (held.length > 0) send(st, { type: 'POSITION_FOUND', ts: bar.ts, ...adopt(held, bar) });
      else if (phase === 'scanning' && bar.ts >= st.cutoffTs) send(st, { type: 'CUTOFF', ts: bar.ts });
    } else if (phase === 'entering') {
      const n = plan === null ? null : verticalHeld(held, { longSymbol: plan.longSymbol, shortSymbol: plan.shortSymbol });
      if (n !== null && n > 0) send(st, { type: 'FILLED', ts: bar.ts, spreads: n });
      else if (!working && bar.ts > pendingSince) {
        send(st, { type: 'ENTRY_ABANDONED', ts: bar.ts });
        if (held.length > 0) send(st, { type: 'POSITION_FOUND', ts: bar.ts, ...adopt(held, bar) });
      }
    } else if (held.length === 0) {
      send(st, { type: 'FLAT', ts: bar.ts, entriesOpen: entriesOpen(st, bar.ts) });
    } else if (phase === 'closing' && !working && bar.ts > pendingSince) {
      send(st, { type: 'EXIT_ABANDONED', ts: bar.ts });
    }
  }

  function manage(st: SymbolState, bar: Bar, held: readonly HeldQuantity[]): Signal | null {
    const plan = st.actor!.getSnapshot().context.plan;
    let why: CreditExitReason | null = 'unmanaged';
    let value = Number.NaN;
    if (plan !== null && verticalHeld(held, { longSymbol: plan.longSymbol, shortSymbol: plan.shortSymbol }) !== null) {
      value = marks.price(contractOf(plan.shortSymbol), bar.ts, bar.close) - marks.price(contractOf(plan.longSymbol), bar.ts, bar.close);
      why = creditExitReason(value, bar.ts, plan);
    }
    if (why === null) return null;
    const e = send(st, { type: 'EXIT_SETUP', ts: bar.ts, reason: why });
    if (e === null || e.kind !== 'exit') return null;
    const id = `${SPX_CREDIT_SPREADS_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason =
      why === 'unmanaged' || plan === null
        ? `unmanaged: close what is held on ${bar.symbol} (${held.map((h) => `${h.quantity} ${h.instrument.symbol.trim()}`).join(', ')})`
        : `${why}: ${plan.side} spread costs ${value.toFixed(2)} to buy back against a ${plan.credit.toFixed(2)} credit ` +
          `(target ${plan.targetValue.toFixed(2)}, stop ${plan.stopValue.toFixed(2)}, time exit ${new Date(plan.exitAt).toISOString()})`;
    const intent = closingIntent({ strategyId: SPX_CREDIT_SPREADS_ID, held, reason, signalId: id, ...(plan ? { first: plan.shortSymbol } : {}) });
    if (intent === null) return null;
    const features: Record<string, number> = { close: bar.close, legs: held.length };
    if (plan !== null && Number.isFinite(value)) Object.assign(features, { value, credit: plan.credit, pnl: plan.credit - value, targetValue: plan.targetValue, stopValue: plan.stopValue });
    // Exits reduce risk, so they always carry full strength.
    return { id, strategyId: SPX_CREDIT_SPREADS_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason, intent, features };
  }

  function consider(st: SymbolState, bar: Bar, view: StrategyView): Signal | null {
    if (openSpreads() >= p.maxPositions) return null;
    const spot = bar.close;
    const vol = Math.min(CHAIN_VOL_CAP, Math.max(CHAIN_VOL_FLOOR, marks.volatility(st.symbol)));
    // No closes: the chain's level is the mark model's volatility, so both agree on what a contract is worth.
    const chain = generateOptionChain({ underlying: st.symbol, asOf: bar.ts, spot, closes: [], seed: SPX_CREDIT_SPREADS_ID }, resolveChainOptions({ ...LISTING, fallbackVol: vol }));
    const expiry = chain.expiries.find((x) => x.expiry === st.date);
    if (expiry === undefined) return null;
    let best: CreditCandidate | null = null;
    for (const side of p.sides) {
      const right = side === 'put' ? 'P' : 'C';
      const price = (strike: string): number => marks.price(optionContract({ underlying: st.symbol, expiry: st.date, right, strike }), bar.ts, spot);
      const c = buildCreditSpread(expiry, side, spot, p, price);
      if (c !== null && (best === null || c.rank > best.rank)) best = c;
    }
    if (best === null) return null;
    const contracts = Math.min(p.maxContracts, view.equity().times(p.riskPct).div(new Decimal(best.maxLoss).times(CONTRACT_MULTIPLIER)).floor().toNumber());
    if (!(contracts >= 1)) return null;
    const right = best.side === 'put' ? 'P' : 'C';
    const short = contractOf(best.short.symbol);
    const long = optionContract({ underlying: st.symbol, expiry: st.date, right, strike: best.longStrike });
    const plan = planFor(best.side, st.date, short.symbol, long.symbol, best.short.strikePrice, best.longStrikePrice, best.credit);
    const e = send(st, { type: 'ENTRY_SETUP', ts: bar.ts, plan });
    if (e === null || e.kind !== 'entry') return null;
    const id = `${SPX_CREDIT_SPREADS_ID}:${bar.symbol}:${bar.ts}:entry`;
    const reason =
      `0DTE ${best.side} credit spread: sell ${contracts} ${st.symbol} ${best.short.strike}/${best.longStrike}${right} ${st.date} ` +
      `(short |Δ| ${Math.abs(best.short.delta).toFixed(2)}) for ~${best.credit.toFixed(2)}, max loss ${best.maxLoss.toFixed(2)}, P ${best.probProfit.toFixed(2)}; ` +
      `buy back at ${plan.targetValue.toFixed(2)}, stop ${plan.stopValue.toFixed(2)}`;
    const intent = spreadIntent({ strategyId: SPX_CREDIT_SPREADS_ID, legs: openingLegs(long, short, 'short-first'), quantity: contracts, netLimit: null, side: 'sell', reason, signalId: id });
    return {
      id, strategyId: SPX_CREDIT_SPREADS_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: 100 * best.probProfit, reason, intent,
      features: {
        // riskReward is not stated: see docs/strategies/spx-credit-spreads.md ("Validation").
        confidence: best.probProfit, direction: best.side === 'put' ? 1 : -1, probProfit: best.probProfit, shortDelta: best.short.delta,
        credit: best.credit, width: best.width, maxLoss: best.maxLoss, creditToMaxLoss: best.credit / best.maxLoss, rank: best.rank,
        shortStrike: best.short.strikePrice, longStrike: best.longStrikePrice, contracts, spot, volatility: vol,
      },
    };
  }

  return {
    id: SPX_CREDIT_SPREADS_ID,
    universe: SPX_CREDIT_SPREADS_UNIVERSE,
    timeframe: '5m',
    params: () => ({ ...p, sides: [...p.sides] }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing; new times apply from the next session.
      p = parseSpxCreditSpreadsParams({ ...p, ...patch });
      return { ...p, sides: [...p.sides] };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      // A repeated or out-of-order bar would re-raise the same signal id.
      if (st === undefined || bar.timeframe !== '5m' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      if (bar.ts >= st.dayEndTs) newSession(st, bar);
      const held = heldOn(view, bar.symbol);
      const working = view.hasWorkingOrder(bar.symbol);
      if (st.actor !== null || held.length > 0) reconcile(st, bar, held, working);
      if (working) return null;
      const phase = phaseOf(st);
      if (phase === 'open') return manage(st, bar, held);
      if ((phase !== 'scanning' && phase !== 'resting') || held.length > 0 || !entriesOpen(st, bar.ts)) return null;
      if (bar.ts < st.nextScanTs) return null;
      // The next scan is the first slot strictly after this bar.
      const interval = p.scanIntervalMinutes * 60_000;
      st.nextScanTs = st.scanStartTs + (Math.floor((bar.ts - st.scanStartTs) / interval) + 1) * interval;
      return consider(st, bar, view);
    },
  };
}
