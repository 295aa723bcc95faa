import { createActor, type Actor } from 'xstate';
import { optionContract, parseOccSymbol, type OptionContract, type OptionRight } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal, ZERO, moneyFromNumber } from '../domain/money.js';
import type { TradeTransaction } from '../domain/orders.js';
import { addDays } from '../domain/session.js';
import type { Signal } from '../domain/signal.js';
import { bsmInto } from '../market/blackScholes.js';
import { dte, expiryCloseUtc, expiryDayStartUtc, MS_PER_YEAR, nyDate } from '../market/expiries.js';
import { listedExpiries } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { RollingMoments } from '../market/rollingMoments.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import {
  assignmentCash, costBasisPerShare, wheelMachine, type WheelContext, type WheelEmitted, type WheelEvent, type WheelFacts, type WheelPlan,
} from '../../machines/strategies/wheel.js';
import type { HeldPosition, HeldQuantity, StrategyRules, StrategyView } from './types.js';
import { factsMatchPositions, wheelFactsFromPositions, wheelFactsFromTrades } from './wheel/ledger.js';
import { parseWheelParams, type WheelParams } from './wheel/params.js';
import { reconcileEvents } from './wheel/reconcile.js';
import {
  chooseExpiry, LIQUIDITY_VOLUME_DAYS, liquidityScore, pickCall, pickPut, pickScratch, RANK_HISTORY, RANK_VOL_WINDOW, saleStrength, volRank,
  wheelAnnualReturn, wheelCloseReason, type ExpiryPricing,
} from './wheel/selection.js';

export { parseWheelParams, WHEEL_PRESETS, type WheelParams } from './wheel/params.js';

/**
 * The wheel (SPEC §1.2, §2), judged on daily closes: sell a cash-secured put
 * on a name whose volatility rank is high enough; if it is assigned, sell
 * covered calls on the shares at or above their cost basis until they are
 * called away; then sell puts again. A short option is bought back at the
 * profit target, and an out-of-the-money put a week before expiry; an
 * in-the-money put is left to be assigned by the engine's expiry processing.
 *
 * One machine per underlying (machines/strategies/wheel.ts) holds the phase
 * and the Decimal bookkeeping; it is created when the name first has a put to
 * sell (or a position to adopt). Per bar the rules update the volatility and
 * volume windows in O(1); they read the book through `view.positions` only
 * when an order is awaited, an option has reached its expiry close, the
 * holding changed, or the name is unmanaged (wheel/reconcile.ts turns what
 * changed into machine events). `trades` rebuilds the Decimal bookkeeping
 * after a restart (wheel/ledger.ts); docs/strategies/wheel.md has the rules.
 */

export const WHEEL_ID = 'wheel';
export const WHEEL_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES.wheel;
const SQRT_252 = Math.sqrt(252);
const EPS = 1e-9;

interface SymbolState {
  lastTs: number;
  prevClose: number;
  closes: number;
  readonly returns: RollingMoments;
  /** Rolling volatility of each day once the window is full, the last RANK_HISTORY of them. */
  readonly vols: Float64Array;
  volHead: number;
  volCount: number;
  vol: number;
  readonly volumes: Float64Array;
  volumeHead: number;
  volumeCount: number;
  volumeSum: number;
  actor: Actor<typeof wheelMachine> | null;
  phase: string;
  emitted: WheelEmitted | null;
  lastHeld: HeldPosition | undefined;
  // The open option, cached for the per-bar exit check.
  optSymbol: string;
  optBufferDays: number;
  optRight: OptionRight;
  optStrike: number;
  optPremium: number;
  optCloseTs: number;
  optDayStart: number;
  optBufferTs: number;
}

/** What the rules expose beyond StrategyRules: the machine's view of a name, for operators and tests. */
export interface WheelRules extends StrategyRules {
  state(symbol: string): { readonly phase: string; readonly context: WheelContext } | undefined;
}

function phaseKey(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? ['idle', ''];
  return `${k}.${phaseKey(v)}`;
}

/**
 * `trades`: the strategy's stored trade rows (as the daemon loads them at
 * start); each name's Decimal bookkeeping is rebuilt from them exactly, and a
 * name whose book they do not match is adopted from its positions instead.
 */
export function createWheel(args: { marks: OptionMarkModel; params?: Partial<WheelParams>; trades?: readonly TradeTransaction[] }): WheelRules {
  let p = parseWheelParams(args.params ?? {});
  const marks = args.marks;
  const restored = wheelFactsFromTrades(args.trades ?? [], WHEEL_ID);
  const states = new Map<string, SymbolState>();
  for (const s of WHEEL_UNIVERSE) {
    states.set(s, {
      lastTs: Number.NEGATIVE_INFINITY, prevClose: Number.NaN, closes: 0, returns: new RollingMoments(RANK_VOL_WINDOW),
      vols: new Float64Array(RANK_HISTORY), volHead: 0, volCount: 0, vol: Number.NaN,
      volumes: new Float64Array(LIQUIDITY_VOLUME_DAYS), volumeHead: 0, volumeCount: 0, volumeSum: 0,
      actor: null, phase: 'idle', emitted: null, lastHeld: undefined,
      optSymbol: '', optBufferDays: -1, optRight: 'P', optStrike: 0, optPremium: 0, optCloseTs: 0, optDayStart: 0, optBufferTs: 0,
    });
  }
  const scratch = pickScratch();
  const m: ExpiryPricing = { spot: 0, years: 0, rate: 0, dividend: 0, vol: 0 };
  // Per bar time and New York date, shared by every name: the date, the expiry to sell and how many are listed.
  let dayTs = Number.NaN;
  let dayKey = '';
  let dayExpiry: string | null = null;
  let dayExpiryClose = 0;
  let dayListed = 0;
  // Open wheels and the cash they tie up, recomputed only after a machine moved.
  let committedActive = 0;
  let committedUsed = ZERO;
  let committedDirty = true;

  function update(st: SymbolState, bar: Bar): void {
    st.closes++;
    if (st.prevClose > 0) {
      st.returns.push(bar.close / st.prevClose - 1);
      if (st.returns.full) {
        st.vol = Math.sqrt(st.returns.m2 / (RANK_VOL_WINDOW - 1)) * SQRT_252;
        st.vols[st.volHead] = st.vol;
        st.volHead = (st.volHead + 1) % RANK_HISTORY;
        if (st.volCount < RANK_HISTORY) st.volCount++;
      }
    }
    st.prevClose = bar.close;
    if (st.volumeCount === LIQUIDITY_VOLUME_DAYS) st.volumeSum -= st.volumes[st.volumeHead]!;
    else st.volumeCount++;
    st.volumes[st.volumeHead] = bar.volume;
    st.volumeSum += bar.volume;
    st.volumeHead = (st.volumeHead + 1) % LIQUIDITY_VOLUME_DAYS;
  }

  function send(st: SymbolState, event: WheelEvent): WheelEmitted | null {
    committedDirty = true;
    st.emitted = null;
    st.actor!.send(event);
    st.phase = phaseKey(st.actor!.getSnapshot().value);
    const e = st.emitted as WheelEmitted | null;
    st.emitted = null;
    return e;
  }

  function actorFor(symbol: string, st: SymbolState): Actor<typeof wheelMachine> {
    if (st.actor === null) {
      const actor = createActor(wheelMachine, { input: { symbol } });
      actor.on('signal', (e) => {
        st.emitted = e;
      });
      actor.start();
      st.actor = actor;
      st.phase = 'idle';
    }
    return st.actor;
  }

  function estimate(bar: Bar): (c: OptionContract) => Decimal {
    // An order placed at one close fills at the next bar's open: value it there.
    return (c) => moneyFromNumber(bar.ts >= expiryCloseUtc(c.expiry) ? 0 : marks.price(c, bar.ts, bar.open), 'premium', 2);
  }

  function positionsOf(view: StrategyView, symbol: string, held: HeldPosition | undefined): readonly HeldQuantity[] {
    if (view.positions !== undefined) return view.positions(symbol);
    return held === undefined ? [] : [{ instrument: held.instrument, quantity: held.quantity }];
  }

  function adopt(bar: Bar, st: SymbolState, view: StrategyView, held: HeldPosition | undefined): void {
    const positions = positionsOf(view, bar.symbol, held);
    const fromTrades = restored.get(bar.symbol);
    restored.delete(bar.symbol);
    const facts: WheelFacts = fromTrades !== undefined && factsMatchPositions(fromTrades, positions, bar.symbol)
      ? fromTrades
      : wheelFactsFromPositions(bar.symbol, positions, held, estimate(bar), moneyFromNumber(bar.close, 'close'), bar.ts);
    actorFor(bar.symbol, st);
    send(st, { type: 'RESTORE', ts: bar.ts, facts });
  }

  /** The New York date of `ts` and what depends only on it (listings are the same for every name here: no index products). */
  function dayOf(ts: number, symbol: string): string {
    if (ts === dayTs) return dayKey;
    dayTs = ts;
    const date = nyDate(ts);
    if (date !== dayKey) {
      dayKey = date;
      dayExpiry = chooseExpiry(date, p);
      dayExpiryClose = dayExpiry === null ? 0 : expiryCloseUtc(dayExpiry);
      dayListed = listedExpiries(symbol, ts).length;
    }
    return date;
  }

  /** Model inputs for the day's expiry. */
  function pricing(bar: Bar): ExpiryPricing {
    m.spot = bar.close;
    m.years = Math.max(0, dayExpiryClose - bar.ts) / MS_PER_YEAR;
    m.rate = marks.rate;
    m.dividend = marks.dividendYield(bar.symbol);
    m.vol = marks.volatility(bar.symbol);
    return m;
  }

  function rankOf(st: SymbolState): number {
    return st.closes < RANK_HISTORY ? 50 : volRank(st.vols, st.volCount, st.vol);
  }

  /** Open wheels and the cash they tie up (reserved for puts, paid for shares). */
  function commitments(): void {
    if (!committedDirty) return;
    committedDirty = false;
    committedActive = 0;
    committedUsed = ZERO;
    for (const st of states.values()) {
      if (st.actor === null) continue;
      const c = st.actor.getSnapshot().context;
      if (st.phase !== 'idle') committedActive++;
      committedUsed = committedUsed.plus(c.reserved).plus(c.stockCost);
    }
  }

  function sellPut(bar: Bar, st: SymbolState, view: StrategyView): Signal | null {
    if (!marks.volatilityReady(bar.symbol) || Number.isNaN(st.vol)) return null;
    const rank = rankOf(st);
    if (rank < p.ivRankMin - EPS) return null;
    const date = dayOf(bar.ts, bar.symbol);
    const liquidity = liquidityScore(st.volumeSum / st.volumeCount, dayListed);
    if (liquidity < p.minLiquidity - EPS || dayExpiry === null) return null;
    commitments();
    if (committedActive >= p.maxPositions) return null;
    const expiry = dayExpiry;
    pricing(bar);
    const found = pickPut(p, m, scratch);
    if (found === null || found.price < p.minPremium - EPS) return null;
    // A copy: the scratch pick is overwritten by the call search below.
    const strikeMilli = found.strikeMilli;
    const put = { strikeMilli, price: found.price, delta: found.delta };
    const strike = new Decimal(strikeMilli).div(1000);
    const reserve = assignmentCash({ strike, contracts: p.contracts });
    // Cash-secured within the wheel's allocation: what open puts reserve and shares cost, plus this put's reserve.
    if (committedUsed.plus(reserve).gt(view.equity().times(p.allocationPct))) return null;
    const days = dte(date, expiry);
    const callPremium = p.minWheelReturnPct > 0 ? (pickCall(p, m, bar.close, scratch)?.price ?? 0) : 0;
    const ret = wheelAnnualReturn({
      putPremium: put.price, putStrike: strikeMilli / 1000, putDelta: put.delta, callPremium,
      spot: bar.close, dte: days, dividendPct: m.dividend * 100,
    });
    if (ret.wheelPct < p.minWheelReturnPct - EPS) return null;
    const contract = optionContract({ underlying: bar.symbol, expiry, right: 'P', strike });
    const plan: WheelPlan = { contractSymbol: contract.symbol, right: 'P', expiry, strike, contracts: p.contracts };
    actorFor(bar.symbol, st);
    const e = send(st, { type: 'PUT_SETUP', ts: bar.ts, plan });
    if (e?.type !== 'signal' || e.action !== 'sellPut') return null;
    const id = `${WHEEL_ID}:${bar.symbol}:${bar.ts}:entry`;
    const reason =
      `vol rank ${rank.toFixed(0)}: sell ${p.contracts} ${contract.symbol} (Δ ${put.delta.toFixed(2)}, ${days} DTE) at ~${put.price.toFixed(2)}, ` +
      `${ret.putPct.toFixed(1)}%/yr; ${reserve.toFixed(2)} reserved for assignment`;
    return {
      id, strategyId: WHEEL_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: saleStrength(rank, ret.putPct, p.ivRankMin), reason,
      intent: { strategyId: WHEEL_ID, instrument: contract, side: 'sell', quantity: p.contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: {
        // The original's probability of profit: the chance the put expires out of the money, ≈ 1 − |Δ|.
        confidence: 1 + put.delta, ivRank: rank, liquidity, premium: put.price, strike: put.strikeMilli / 1000, delta: -put.delta, dte: days,
        putReturnPct: ret.putPct, wheelReturnPct: ret.wheelPct, reserved: reserve.toNumber(), contracts: p.contracts,
      },
    };
  }

  function sellCall(bar: Bar, st: SymbolState, c: WheelContext): Signal | null {
    const basis = costBasisPerShare(c);
    const contracts = Math.floor(c.shares / CONTRACT_MULTIPLIER);
    if (basis === null || contracts < 1 || !marks.volatilityReady(bar.symbol)) return null;
    const date = dayOf(bar.ts, bar.symbol);
    if (dayExpiry === null) return null;
    const expiry = dayExpiry;
    const floor = Decimal.max(basis.times(p.callMinOverBasis), moneyFromNumber(bar.close * p.callMinOverSpot, 'callFloor'));
    pricing(bar);
    const found = pickCall(p, m, floor.toNumber(), scratch);
    if (found === null || found.price < p.minPremium - EPS) return null;
    const call = { strikeMilli: found.strikeMilli, price: found.price, delta: found.delta };
    const strike = new Decimal(call.strikeMilli).div(1000);
    const contract = optionContract({ underlying: bar.symbol, expiry, right: 'C', strike });
    const plan: WheelPlan = { contractSymbol: contract.symbol, right: 'C', expiry, strike, contracts };
    const e = send(st, { type: 'CALL_SETUP', ts: bar.ts, plan });
    if (e?.type !== 'signal' || e.action !== 'sellCall') return null;
    const days = dte(date, expiry);
    const rank = rankOf(st);
    const callPct = (call.price / bar.close) * (365 / Math.max(1, days)) * 100;
    const id = `${WHEEL_ID}:${bar.symbol}:${bar.ts}:entry`;
    const reason =
      `${c.shares} shares at basis ${basis.toFixed(2)}: sell ${contracts} covered ${contract.symbol} (Δ ${call.delta.toFixed(2)}, ${days} DTE) at ~${call.price.toFixed(2)}`;
    return {
      id, strategyId: WHEEL_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: saleStrength(rank, callPct, p.ivRankMin), reason,
      intent: { strategyId: WHEEL_ID, instrument: contract, side: 'sell', quantity: contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: {
        confidence: 1 - call.delta, ivRank: rank, premium: call.price, strike: call.strikeMilli / 1000, basis: basis.toNumber(),
        delta: call.delta, dte: days, callReturnPct: callPct, shares: c.shares, contracts,
      },
    };
  }

  function closeCheck(bar: Bar, st: SymbolState, c: WheelContext): Signal | null {
    const option = c.put ?? c.call;
    if (option === null) return null;
    if (st.optSymbol !== option.contractSymbol || st.optBufferDays !== p.closePutDte) {
      st.optSymbol = option.contractSymbol;
      st.optBufferDays = p.closePutDte;
      st.optRight = option.right;
      st.optStrike = option.strike.toNumber();
      st.optPremium = option.premium.toNumber();
      st.optCloseTs = expiryCloseUtc(option.expiry);
      st.optDayStart = expiryDayStartUtc(option.expiry);
      st.optBufferTs = p.closePutDte > 0 ? expiryDayStartUtc(addDays(option.expiry, -p.closePutDte)) : Number.POSITIVE_INFINITY;
    }
    // On its expiry day the option is left to the expiry processing at the close.
    if (bar.ts >= st.optDayStart) return null;
    bsmInto(scratch.bsm, st.optRight, bar.close, st.optStrike, (st.optCloseTs - bar.ts) / MS_PER_YEAR, marks.rate, marks.dividendYield(bar.symbol), marks.volatility(bar.symbol));
    const mark = scratch.bsm.price;
    const why = wheelCloseReason(st.optRight, mark, st.optPremium, bar.close, st.optStrike, bar.ts, st.optBufferTs, p.profitTarget);
    if (why === null) return null;
    const e = send(st, { type: 'CLOSE_SETUP', ts: bar.ts, reason: why });
    if (e?.type !== 'signal' || e.action !== 'buyToClose') return null;
    const id = `${WHEEL_ID}:${bar.symbol}:${bar.ts}:exit`;
    const earned = st.optPremium > 0 ? 1 - mark / st.optPremium : 0;
    const reason = `${why}: buy back ${option.contracts} ${option.contractSymbol} at ~${mark.toFixed(2)}, sold at ${option.premium.toFixed(2)} (${(earned * 100).toFixed(0)}% earned)`;
    return {
      // Exits reduce risk, so they always carry full strength.
      id, strategyId: WHEEL_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason,
      intent: { strategyId: WHEEL_ID, instrument: parseOccSymbol(option.contractSymbol), side: 'buy', quantity: option.contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: { mark, premium: st.optPremium, earned, spot: bar.close, strike: st.optStrike },
    };
  }

  function needsLook(st: SymbolState, bar: Bar, held: HeldPosition | undefined): boolean {
    if (held !== st.lastHeld) return true;
    const ph = st.phase;
    if (ph === 'unmanaged' || ph.endsWith('opening') || ph.endsWith('closing')) return true;
    return (ph.startsWith('cashSecuredPut') || ph.startsWith('coveredCall')) && bar.ts >= st.optCloseTs && st.optSymbol !== '';
  }

  return {
    id: WHEEL_ID,
    universe: WHEEL_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseWheelParams({ ...p, ...patch });
      dayKey = '';
      dayTs = Number.NaN;
      return { ...p };
    },
    state(symbol: string) {
      const st = states.get(symbol);
      if (st?.actor == null) return undefined;
      return { phase: st.phase, context: st.actor.getSnapshot().context };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      // A repeated or out-of-order daily bar would corrupt the windows and re-raise the same signal id.
      if (st === undefined || bar.timeframe !== '1d' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      update(st, bar);
      const held = view.holding(bar.symbol);
      const working = view.hasWorkingOrder(bar.symbol);
      if (st.actor === null) {
        if (held === undefined && !restored.has(bar.symbol)) return working ? null : sellPut(bar, st, view);
        adopt(bar, st, view, held);
      } else if (needsLook(st, bar, held)) {
        const events = reconcileEvents({
          phase: st.phase, context: st.actor.getSnapshot().context, underlying: bar.symbol, positions: positionsOf(view, bar.symbol, held),
          held, working, ts: bar.ts, spot: moneyFromNumber(bar.close, 'close'), estimate: estimate(bar),
        });
        for (const e of events) send(st, e);
      }
      st.lastHeld = held;
      if (working) return null;
      const c = st.actor!.getSnapshot().context;
      switch (st.phase) {
        case 'idle':
          return held === undefined ? sellPut(bar, st, view) : null;
        case 'assigned':
          return sellCall(bar, st, c);
        case 'cashSecuredPut.open':
        case 'coveredCall.open':
          return closeCheck(bar, st, c);
        default:
          return null;
      }
    },
  };
}
