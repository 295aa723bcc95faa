import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { parseOccSymbol, type OptionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import type { OrderIntent, OrderLeg } from '../domain/orders.js';
import { spreadIntent } from '../domain/optionLegs.js';
import { addDays, nyWallTimeToUtc, sessionCloseUtc } from '../domain/session.js';
import type { Signal } from '../domain/signal.js';
import type { EarningsEvent } from '../market/barLoader.js';
import { dte, isTradingDay, nyDate } from '../market/expiries.js';
import { findContract, generateOptionChain, resolveChainOptions, type ChainExpiry, type ChainOptions, type OptionChain } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import {
  earningsProtectionMachine,
  type CrushRisk,
  type EarningsPlan,
  type EarningsProtectionEmitted,
  type EarningsStructure,
} from '../../machines/strategies/earningsProtection.js';
import type { HeldQuantity, StrategyRules, StrategyView } from './types.js';

/**
 * Earnings protection (SPEC §1.5) on daily bars. For a report of the bundled
 * earnings calendar (never the original's mock) within `windowDays`, measure
 * the expected move (ATM straddle / spot of the synthetic chain), an IV proxy
 * and the 60-day historical volatility; a crush risk above "low" buys the
 * least IV-sensitive structure allowed and affordable: a deep-ITM call, a call
 * calendar (one two-leg order) or a long strangle (one two-leg order). The
 * position is closed by a market order raised on the last close before the
 * report, so it fills at the first open after it; a calendar, whose short leg
 * expires at or before the report, is closed the session before that expiry.
 * docs/strategies/earnings-protection.md has the rules and what differs from the original.
 */

export const EARNINGS_PROTECTION_ID = 'earnings-protection';
export const EARNINGS_PROTECTION_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['earnings-protection'];
export const EARNINGS_STRUCTURES = ['deep-itm-call', 'calendar', 'long-strangle'] as const satisfies readonly EarningsStructure[];

/**
 * The original's IV proxy, (ATM call mid / spot) / √(DTE/365), is the ATM
 * approximation σ ≈ √(2π)·C/(S√T) without its √(2π): it reads about 0.4 σ,
 * so IV/HV never passes 1.2 (0 of 878 window days on the bundled data). The
 * default restores the factor; the `original` preset keeps the formula as written.
 */
export const BRENNER_SUBRAHMANYAM = Math.sqrt(2 * Math.PI);

export const earningsProtectionParamsSchema = z
  .object({
    /** A report this many calendar days ahead or fewer is in the window. */
    windowDays: z.number().int().min(1).max(60).default(14),
    ivProxyScale: z.number().gt(0).max(10).default(BRENNER_SUBRAHMANYAM),
    ivMin: z.number().gt(0).max(5).default(0.15),
    ivMax: z.number().gt(0).max(5).default(1.5),
    /** HV: sample deviation of daily returns over the closes of the last hvDays calendar days, × √252. */
    hvDays: z.number().int().min(10).max(120).default(60),
    /** Fewer closes than this and HV is hvFallback. */
    hvMinCloses: z.number().int().min(3).max(80).default(30),
    hvFallback: z.number().gt(0).max(5).default(0.25),
    hvMin: z.number().gt(0).max(5).default(0.1),
    hvMax: z.number().gt(0).max(5).default(1),
    /** Crush risk from IV/HV: above extreme → extreme, above high → high, above medium → medium, else low (skipped). */
    crushMedium: z.number().gt(0).default(1.2),
    crushHigh: z.number().gt(0).default(1.5),
    crushExtreme: z.number().gt(0).default(2),
    /** Deep-ITM call strike nearest this × spot. */
    deepItmMoneyness: z.number().gt(0).lt(1).default(0.85),
    strangleCallMoneyness: z.number().gt(1).max(2).default(1.05),
    stranglePutMoneyness: z.number().gt(0).lt(1).default(0.95),
    calendarSensitivity: z.number().min(0).max(1).default(0.2),
    strangleSensitivity: z.number().min(0).max(1).default(0.6),
    /** The original's CLI keeps structures with IV sensitivity ≤ this. */
    maxIvSensitivity: z.number().min(0).max(1).default(0.5),
    structures: z.array(z.enum(EARNINGS_STRUCTURES)).min(1).default([...EARNINGS_STRUCTURES]),
    /** Premium (net debit) of one position as a fraction of equity: SPEC §1.11's cap for this strategy. */
    positionPct: z.number().gt(0).max(1).default(0.06),
    /** The original's production sizing: calendars half, strangles a third of a full position. */
    calendarSizeFactor: z.number().gt(0).max(1).default(0.5),
    strangleSizeFactor: z.number().gt(0).max(1).default(1 / 3),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.ivMin > p.ivMax) bad('ivMin', 'must be ≤ ivMax');
    if (p.hvMin > p.hvMax) bad('hvMin', 'must be ≤ hvMax');
    if (!(p.crushMedium < p.crushHigh && p.crushHigh < p.crushExtreme)) bad('crushHigh', 'tiers must rise: crushMedium < crushHigh < crushExtreme');
    if (new Set(p.structures).size !== p.structures.length) bad('structures', 'must not repeat a structure');
  });

export type EarningsProtectionParams = z.output<typeof earningsProtectionParamsSchema>;

export const EARNINGS_PROTECTION_PRESETS = {
  production: {},
  /** SPEC §1.5 to the letter, including the unscaled IV proxy: never trades on the bundled data. */
  original: { ivProxyScale: 1 },
} as const satisfies Record<string, Partial<EarningsProtectionParams>>;

/** Validate parameters; throws InputError naming the first bad one. */
export function parseEarningsProtectionParams(input: unknown = {}): EarningsProtectionParams {
  const r = earningsProtectionParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', 'unknown parameter');
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

export function nextTradingDay(date: string): string {
  let d = addDays(date, 1);
  while (!isTradingDay(d)) d = addDays(d, 1);
  return d;
}

export function previousTradingDay(date: string): string {
  let d = addDays(date, -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** The last session whose close comes before the report: its day for AMC (when a trading day), the day before for BMO. */
export function lastSessionBefore(event: Pick<EarningsEvent, 'date' | 'timing'>): string {
  return event.timing === 'AMC' && isTradingDay(event.date) ? event.date : previousTradingDay(event.date);
}

/** SPEC §1.5's IV proxy: (call mid / spot) / √(days/365) × scale, clamped; a time factor of 0.1 at 0 days, as the original. */
export function ivProxy(callMid: number, spot: number, days: number, p: Pick<EarningsProtectionParams, 'ivProxyScale' | 'ivMin' | 'ivMax'>): number {
  const timeFactor = days > 0 ? Math.sqrt(days / 365) : 0.1;
  const iv = ((callMid / spot) / timeFactor) * p.ivProxyScale;
  return Number.isFinite(iv) ? Math.min(p.ivMax, Math.max(p.ivMin, iv)) : p.ivMin;
}

/** Sample deviation (n − 1) of the simple daily returns of the first `n` closes, × √252, clamped; the fallback below hvMinCloses. */
export function historicalVolatility(closes: ArrayLike<number>, n: number, p: Pick<EarningsProtectionParams, 'hvMinCloses' | 'hvFallback' | 'hvMin' | 'hvMax'>): number {
  if (n < p.hvMinCloses || n < 3) return p.hvFallback;
  let mean = 0;
  for (let i = 1; i < n; i++) mean += closes[i]! / closes[i - 1]! - 1;
  mean /= n - 1;
  let ss = 0;
  for (let i = 1; i < n; i++) ss += (closes[i]! / closes[i - 1]! - 1 - mean) ** 2;
  const hv = Math.sqrt(ss / (n - 2)) * Math.sqrt(252);
  return Math.min(p.hvMax, Math.max(p.hvMin, hv));
}

export function crushRiskOf(iv: number, hv: number, p: Pick<EarningsProtectionParams, 'crushMedium' | 'crushHigh' | 'crushExtreme'>): CrushRisk {
  const ratio = hv > 0 ? iv / hv : 1;
  return ratio > p.crushExtreme ? 'extreme' : ratio > p.crushHigh ? 'high' : ratio > p.crushMedium ? 'medium' : 'low';
}

/** The original's deep-ITM sensitivity: time value / premium, here kept within [0, 1] (a mid under intrinsic has none). */
export function deepItmSensitivity(premium: number, spot: number, strike: number): number {
  if (!(premium > 0)) return 1;
  return Math.min(1, Math.max(0, (premium - Math.max(0, spot - strike)) / premium));
}

/** One structure priced off the chain, ready to size. */
export interface Candidate {
  readonly structure: EarningsStructure;
  readonly legs: readonly OrderLeg[];
  /** Net debit per share at chain mids (the original's figure). */
  readonly chainDebit: number;
  readonly ivSensitivity: number;
  /** NY date whose daily bar closes the position. */
  readonly exitDate: string;
  readonly exitReason: 'event-passed' | 'front-expiry';
}

const leg = (q: { symbol: string }, side: 'buy' | 'sell'): OrderLeg => ({ instrument: parseOccSymbol(q.symbol), side, ratio: 1 });

/** SPEC §1.5's structures for a report on `event` seen at `date`, in the original's order, sorted by sensitivity. */
export function candidateStructures(chain: OptionChain, event: Pick<EarningsEvent, 'date' | 'timing'>, date: string, p: EarningsProtectionParams): Candidate[] {
  const spot = chain.spot;
  const lastHold = lastSessionBefore(event);
  const after = chain.expiries.find((e) => e.expiry > event.date);
  const out: Candidate[] = [];
  if (after !== undefined) {
    const deep = findContract(chain, { expiry: after.expiry, right: 'C', targetStrike: p.deepItmMoneyness * spot });
    if (deep !== undefined && deep.mid > 0) {
      out.push({ structure: 'deep-itm-call', legs: [leg(deep, 'buy')], chainDebit: deep.mid, ivSensitivity: deepItmSensitivity(deep.mid, spot, deep.strikePrice), exitDate: lastHold, exitReason: 'event-passed' });
    }
  }
  const front = chain.expiries[0];
  if (front !== undefined && after !== undefined && front.expiry <= event.date) {
    const sell = findContract(chain, { expiry: front.expiry, right: 'C', targetStrike: spot });
    const buy = sell === undefined ? undefined : sameStrike(after, sell.strike);
    // The short leg must be bought back before it expires: the session before its expiry closes the calendar.
    const closeBy = previousTradingDay(front.expiry);
    const exitDate = closeBy < lastHold ? closeBy : lastHold;
    if (sell !== undefined && buy !== undefined && buy.mid - sell.mid > 0 && exitDate > date) {
      out.push({
        structure: 'calendar', legs: [leg(buy, 'buy'), leg(sell, 'sell')], chainDebit: buy.mid - sell.mid, ivSensitivity: p.calendarSensitivity,
        exitDate, exitReason: exitDate < lastHold ? 'front-expiry' : 'event-passed',
      });
    }
  }
  if (after !== undefined) {
    const call = findContract(chain, { expiry: after.expiry, right: 'C', targetStrike: p.strangleCallMoneyness * spot });
    const put = findContract(chain, { expiry: after.expiry, right: 'P', targetStrike: p.stranglePutMoneyness * spot });
    if (call !== undefined && put !== undefined && call.mid + put.mid > 0) {
      out.push({ structure: 'long-strangle', legs: [leg(call, 'buy'), leg(put, 'buy')], chainDebit: call.mid + put.mid, ivSensitivity: p.strangleSensitivity, exitDate: lastHold, exitReason: 'event-passed' });
    }
  }
  const allowed = out.filter((c) => p.structures.includes(c.structure) && c.ivSensitivity <= p.maxIvSensitivity && c.exitDate > date);
  // Stable: equal sensitivities keep the original's order.
  return allowed.sort((a, b) => a.ivSensitivity - b.ivSensitivity);
}

function sameStrike(expiry: ChainExpiry, strike: string): ChainExpiry['calls'][number] | undefined {
  const i = expiry.strikes.indexOf(strike);
  return i < 0 ? undefined : expiry.calls[i];
}

/** Signed (Σ bought − Σ sold) value per share of legs at the marks. */
export function legsValue(marks: OptionMarkModel, legs: readonly OrderLeg[], ts: number, spot: number): number {
  let v = 0;
  for (const l of legs) v += (l.side === 'buy' ? 1 : -1) * marks.price(l.instrument, ts, spot);
  return v;
}

/** The order that closes everything held: one multi-leg order when the legs allow it, else the first position alone. */
export function closingIntent(held: readonly HeldQuantity[], marks: OptionMarkModel, ts: number, spot: number, reason: string, signalId: string): OrderIntent {
  const options = held.filter((h): h is HeldQuantity & { instrument: OptionContract } => h.instrument.kind === 'option');
  const size = Math.abs(held[0]!.quantity);
  if (options.length === held.length && held.length >= 2 && held.length <= 4 && held.every((h) => Math.abs(h.quantity) === size)) {
    const legs: OrderLeg[] = options.map((h) => ({ instrument: h.instrument, side: h.quantity > 0 ? 'sell' : 'buy', ratio: 1 }));
    try {
      return spreadIntent({ strategyId: EARNINGS_PROTECTION_ID, legs, quantity: size, netLimit: null, side: legsValue(marks, legs, ts, spot) > 0 ? 'buy' : 'sell', reason, signalId });
    } catch (e) {
      // Not a shape one order can carry (e.g. two legs left of different rights and expiries): close them one at a time.
      if (!(e instanceof InputError)) throw e;
    }
  }
  const first = held[0]!;
  return { strategyId: EARNINGS_PROTECTION_ID, instrument: first.instrument, side: first.quantity > 0 ? 'sell' : 'buy', quantity: Math.abs(first.quantity), type: 'market', limitPrice: null, reason, signalId };
}

interface PendingEvent {
  readonly key: string;
  readonly event: EarningsEvent;
  readonly lastHold: string;
  /** Close of lastHold: from then on this report can no longer be entered. */
  readonly lastHoldTs: number;
  windowStartTs: number;
}

const RING = 128;
const MIN_CLOSES = 21;
const DAY_MS = 86_400_000;
const EMPTY: readonly HeldQuantity[] = [];

interface SymbolState {
  readonly symbol: string;
  readonly closes: Float64Array;
  readonly times: Float64Array;
  head: number;
  count: number;
  lastTs: number;
  readonly events: readonly PendingEvent[];
  eventIndex: number;
  actor: Actor<typeof earningsProtectionMachine> | null;
}

export function createEarningsProtection(args: {
  params?: Partial<EarningsProtectionParams>;
  marks: OptionMarkModel;
  /** The earnings calendar (loadEarningsCalendar); without it nothing is traded. */
  earnings?: readonly EarningsEvent[] | null;
}): StrategyRules {
  let p = parseEarningsProtectionParams(args.params ?? {});
  const marks = args.marks;
  let chainOptions: ChainOptions = resolveOptions(p);
  const scratch = new Float64Array(RING);
  let emitted: EarningsProtectionEmitted | null = null;
  const states = new Map<string, SymbolState>();
  for (const symbol of EARNINGS_PROTECTION_UNIVERSE) {
    const events = (args.earnings ?? [])
      .filter((e) => e.symbol === symbol)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
      .map((event): PendingEvent => {
        const lastHold = lastSessionBefore(event);
        return { key: `${symbol}:${event.date}`, event, lastHold, lastHoldTs: sessionCloseUtc(lastHold), windowStartTs: 0 };
      });
    states.set(symbol, { symbol, closes: new Float64Array(RING), times: new Float64Array(RING), head: 0, count: 0, lastTs: Number.NEGATIVE_INFINITY, events, eventIndex: 0, actor: null });
  }
  setWindows();

  function resolveOptions(q: EarningsProtectionParams): ChainOptions {
    // Only the expiries the structures can use: cheaper chains on the days a report is in the window.
    const horizon = q.windowDays + 35;
    return resolveChainOptions({ weeklyHorizonDays: horizon, monthlyHorizonDays: horizon, indexDailyHorizonDays: 0 });
  }

  function setWindows(): void {
    for (const st of states.values()) for (const e of st.events) e.windowStartTs = nyWallTimeToUtc(addDays(e.event.date, -p.windowDays), 0, 0);
  }

  function closeAt(st: SymbolState, back: number): number {
    return st.closes[(st.head - 1 - back + RING * 2) % RING]!;
  }

  function trailing(st: SymbolState, n: number): number[] {
    const k = Math.min(n, st.count);
    const out = new Array<number>(k);
    for (let i = 0; i < k; i++) out[i] = closeAt(st, k - 1 - i);
    return out;
  }

  /** HV over the closes of the last hvDays calendar days (yfinance's period="60d"), oldest first into the scratch buffer. */
  function hvNow(st: SymbolState, ts: number): number {
    // A DST change moves a 16:00 stamp by an hour; a few hours of slack keeps the boundary day in.
    const from = ts - p.hvDays * DAY_MS - 3 * 3_600_000;
    let n = 0;
    while (n < Math.min(st.count, RING) && st.times[(st.head - 1 - n + RING * 2) % RING]! >= from) n++;
    for (let i = 0; i < n; i++) scratch[i] = closeAt(st, n - 1 - i);
    return historicalVolatility(scratch, n, p);
  }

  function actorFor(st: SymbolState): Actor<typeof earningsProtectionMachine> {
    if (st.actor === null) {
      const actor = createActor(earningsProtectionMachine, { input: { symbol: st.symbol } });
      actor.on('signal', (e) => {
        emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    return st.actor;
  }

  function send(st: SymbolState, event: Parameters<Actor<typeof earningsProtectionMachine>['send']>[0]): EarningsProtectionEmitted | null {
    emitted = null;
    actorFor(st).send(event);
    const e = emitted as EarningsProtectionEmitted | null;
    emitted = null;
    return e;
  }

  function heldOn(view: StrategyView, symbol: string): readonly HeldQuantity[] {
    if (view.positions) return view.positions(symbol);
    const h = view.holding(symbol);
    return h === undefined ? EMPTY : [{ instrument: h.instrument, quantity: h.quantity }];
  }

  /** Spreads (or contracts) of the plan held with the planned signs on every leg; 0 when not all are there. */
  function heldQuantity(plan: EarningsPlan, held: readonly HeldQuantity[]): number {
    let q = Number.POSITIVE_INFINITY;
    for (const l of plan.legs) {
      const h = held.find((x) => x.instrument.symbol === l.symbol);
      const signed = h === undefined ? 0 : l.side === 'buy' ? h.quantity : -h.quantity;
      if (!(signed > 0)) return 0;
      q = Math.min(q, signed);
    }
    return q;
  }

  /** A position found while watching (a restart): closed before the report ahead, or at once when there is none. */
  function adopt(st: SymbolState, bar: Bar, held: readonly HeldQuantity[]): void {
    const upcoming = st.events[st.eventIndex];
    const inWindow = upcoming !== undefined && bar.ts >= upcoming.windowStartTs;
    let exitTs = inWindow ? upcoming.lastHoldTs : bar.ts;
    let reason: EarningsPlan['exitReason'] = inWindow ? 'event-passed' : 'unplanned';
    for (const h of held) {
      if (h.instrument.kind !== 'option') continue;
      const before = sessionCloseUtc(previousTradingDay(h.instrument.expiry));
      if (before < exitTs) {
        exitTs = Math.max(bar.ts, before);
        reason = 'front-expiry';
      }
    }
    const legs = held.map((h) => ({ symbol: h.instrument.symbol, side: h.quantity > 0 ? ('buy' as const) : ('sell' as const) }));
    const quantity = Math.max(1, Math.min(...held.map((h) => Math.abs(h.quantity))));
    const plan: EarningsPlan = {
      eventKey: inWindow ? upcoming.key : `${st.symbol}:adopted`, structure: 'adopted', legs, quantity, exitTs, exitReason: reason, ivSensitivity: 1,
    };
    send(st, { type: 'POSITION_FOUND', ts: bar.ts, plan, quantity });
  }

  function exitSignal(st: SymbolState, bar: Bar, held: readonly HeldQuantity[]): Signal | null {
    const e = send(st, { type: 'EXIT_DUE', ts: bar.ts });
    if (e === null || e.kind !== 'exit') return null;
    const id = `${EARNINGS_PROTECTION_ID}:${bar.symbol}:${bar.ts}:exit`;
    const why = e.reason === 'front-expiry' ? 'the short front leg expires next session' : e.reason === 'event-passed' ? 'the report comes before the next open' : 'adopted position, no report ahead';
    const reason = `${e.reason}: close the ${e.plan.structure} (${held.map((h) => `${h.quantity > 0 ? '+' : ''}${h.quantity} ${h.instrument.symbol.trim()}`).join(', ')}): ${why}`;
    const intent = closingIntent(held, marks, bar.ts, bar.close, reason, id);
    const optionLegs = held.filter((h) => h.instrument.kind === 'option').map((h) => ({ instrument: h.instrument as OptionContract, side: h.quantity > 0 ? ('buy' as const) : ('sell' as const), ratio: 1 }));
    // Exits reduce risk, so they always carry full strength.
    return {
      id, strategyId: EARNINGS_PROTECTION_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason, intent,
      features: { legs: held.length, mark: legsValue(marks, optionLegs, bar.ts, bar.close), spot: bar.close },
    };
  }

  function consider(st: SymbolState, bar: Bar, view: StrategyView): Signal | null {
    const pending = st.events[st.eventIndex];
    if (pending === undefined || bar.ts < pending.windowStartTs || st.count < MIN_CLOSES) return null;
    if (st.actor?.getSnapshot().context.playedEvent === pending.key) return null;
    const date = nyDate(bar.ts);
    const spot = bar.close;
    const chain = generateOptionChain({ underlying: st.symbol, asOf: bar.ts, spot, closes: trailing(st, MIN_CLOSES), seed: EARNINGS_PROTECTION_ID }, chainOptions);
    // Expected move and IV from the first expiry on or after the report, as the original.
    const moveExpiry = chain.expiries.find((e) => e.expiry >= pending.event.date);
    let move = 0.06;
    let iv = 0.3;
    if (moveExpiry !== undefined) {
      const call = findContract(chain, { expiry: moveExpiry.expiry, right: 'C', targetStrike: spot });
      const put = findContract(chain, { expiry: moveExpiry.expiry, right: 'P', targetStrike: spot });
      if (call !== undefined && put !== undefined) {
        move = (call.mid + put.mid) / spot;
        iv = ivProxy(call.mid, spot, dte(date, moveExpiry.expiry), p);
      }
    }
    const hv = hvNow(st, bar.ts);
    const crush = crushRiskOf(iv, hv, p);
    if (crush === 'low') return null;

    const equity = view.equity();
    for (const c of candidateStructures(chain, pending.event, date, p)) {
      const debit = legsValue(marks, c.legs, bar.ts, spot);
      if (!(debit > 0) || !Number.isFinite(debit)) continue;
      const factor = c.structure === 'calendar' ? p.calendarSizeFactor : c.structure === 'long-strangle' ? p.strangleSizeFactor : 1;
      const quantity = equity.times(p.positionPct * factor).div(new Decimal(debit).times(CONTRACT_MULTIPLIER)).floor().toNumber();
      if (!(quantity >= 1)) continue;
      const plan: EarningsPlan = {
        eventKey: pending.key, structure: c.structure, legs: c.legs.map((l) => ({ symbol: l.instrument.symbol, side: l.side })), quantity,
        exitTs: sessionCloseUtc(c.exitDate), exitReason: c.exitReason, ivSensitivity: c.ivSensitivity,
      };
      const e = send(st, { type: 'SETUP', ts: bar.ts, plan, crushRisk: crush });
      if (e === null || e.kind !== 'entry') return null;
      return entrySignal(bar, c, plan, { crush, move, iv, hv, debit, date, pending });
    }
    return null;
  }

  function entrySignal(
    bar: Bar, c: Candidate, plan: EarningsPlan,
    m: { crush: CrushRisk; move: number; iv: number; hv: number; debit: number; date: string; pending: PendingEvent },
  ): Signal {
    const id = `${EARNINGS_PROTECTION_ID}:${bar.symbol}:${bar.ts}:entry`;
    const spot = bar.close;
    // The scenarios the original prints, at the instant the exit fills (the open after the report), on ± the expected move.
    const exitFillTs = sessionCloseUtc(nextTradingDay(c.exitDate));
    const scenario = (s: number) => legsValue(marks, c.legs, exitFillTs, s) - m.debit;
    const desc = c.legs.map((l) => `${l.side === 'buy' ? '+' : '-'}${l.instrument.symbol.trim()}`).join(' ');
    const reason =
      `${m.crush} crush risk before ${m.pending.event.timing} report ${m.pending.event.date} (IV proxy ${m.iv.toFixed(3)} / HV ${m.hv.toFixed(3)}, ` +
      `move ±${(m.move * 100).toFixed(1)}%): ${c.structure} ${desc} ×${plan.quantity} at ~${m.debit.toFixed(2)} (chain mid ${c.chainDebit.toFixed(2)}), ` +
      `IV sensitivity ${c.ivSensitivity.toFixed(3)}, close on ${c.exitDate}`;
    const intent: OrderIntent =
      c.legs.length === 1
        ? { strategyId: EARNINGS_PROTECTION_ID, instrument: c.legs[0]!.instrument, side: 'buy', quantity: plan.quantity, type: 'market', limitPrice: null, reason, signalId: id }
        : spreadIntent({ strategyId: EARNINGS_PROTECTION_ID, legs: c.legs, quantity: plan.quantity, netLimit: null, side: 'buy', reason, signalId: id });
    const first = c.legs[0]!.instrument;
    return {
      // Strength is the original's ranking: the less IV-sensitive, the stronger.
      id, strategyId: EARNINGS_PROTECTION_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: 100 * (1 - c.ivSensitivity), reason, intent,
      features: {
        expectedMove: m.move, ivProxy: m.iv, hv: m.hv, ivHvRatio: m.iv / m.hv, crushTier: m.crush === 'extreme' ? 3 : m.crush === 'high' ? 2 : 1,
        ivSensitivity: c.ivSensitivity, premium: m.debit, chainPremium: c.chainDebit, strike: first.strike.toNumber(), dte: dte(m.date, first.expiry),
        daysToEvent: dte(m.date, m.pending.event.date), contracts: plan.quantity, maxLoss: m.debit,
        scenarioUp: scenario(spot * (1 + m.move)), scenarioDown: scenario(spot * (1 - m.move)), scenarioFlat: scenario(spot),
      },
    };
  }

  return {
    id: EARNINGS_PROTECTION_ID,
    universe: EARNINGS_PROTECTION_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p, structures: [...p.structures] }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing; a held position keeps the plan it was opened with.
      const next = parseEarningsProtectionParams({ ...p, ...patch });
      chainOptions = resolveOptions(next);
      p = next;
      setWindows();
      return { ...p, structures: [...p.structures] };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      // A repeated or out-of-order daily bar would re-raise a signal id and corrupt the closes.
      if (st === undefined || bar.timeframe !== '1d' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      st.closes[st.head] = bar.close;
      st.times[st.head] = bar.ts;
      st.head = (st.head + 1) % RING;
      st.count++;
      while (st.eventIndex < st.events.length && bar.ts >= st.events[st.eventIndex]!.lastHoldTs) st.eventIndex++;

      const working = view.hasWorkingOrder(bar.symbol);
      const actor = st.actor;
      const phase = actor === null ? 'watching' : actor.getSnapshot().value;
      // Tell the machine what changed since the last bar, and only that.
      if (phase !== 'watching') {
        const ctx = actor!.getSnapshot().context;
        const held = heldOn(view, bar.symbol);
        if (phase === 'entering') {
          const q = ctx.plan === null ? 0 : heldQuantity(ctx.plan, held);
          if (q > 0) send(st, { type: 'FILLED', ts: bar.ts, quantity: q });
          else if (!working && bar.ts > (ctx.pendingSince ?? bar.ts)) send(st, { type: 'ENTRY_ABANDONED', ts: bar.ts });
        } else if (held.length === 0) {
          send(st, { type: 'FLAT', ts: bar.ts });
        } else if (phase === 'exiting' && !working && bar.ts > (ctx.pendingSince ?? bar.ts)) {
          send(st, { type: 'EXIT_ABANDONED', ts: bar.ts });
        }
      }
      if (working) return null;
      let now = st.actor === null ? 'watching' : st.actor.getSnapshot().value;
      if (now === 'watching' && view.holding(bar.symbol) !== undefined) {
        adopt(st, bar, heldOn(view, bar.symbol));
        now = st.actor!.getSnapshot().value;
      }
      if (now === 'holding') {
        const plan = st.actor!.getSnapshot().context.plan;
        if (plan === null || bar.ts < plan.exitTs) return null;
        const held = heldOn(view, bar.symbol);
        return held.length === 0 ? null : exitSignal(st, bar, held);
      }
      return now === 'watching' ? consider(st, bar, view) : null;
    },
  };
}
