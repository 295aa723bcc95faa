import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import { optionContract, type OptionContract, type OptionRight } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import { addDays, daysBetween, nyWallTimeToUtc } from '../domain/session.js';
import type { Signal } from '../domain/signal.js';
import type { EarningsEvent } from '../market/barLoader.js';
import { dte, expiryCloseUtc, nyDate } from '../market/expiries.js';
import { findContract, generateOptionChain, resolveChainOptions, type ChainOptions, type OptionChain } from '../market/optionChains.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import { LOTTO_EARNINGS, LOTTO_ZERO_DTE, STRATEGY_UNIVERSES } from '../market/universes.js';
import {
  lottoScannerMachine,
  type LottoExitReason,
  type LottoPlan,
  type LottoPlayType,
  type LottoScannerEmitted,
} from '../../machines/strategies/lottoScanner.js';
import type { HeldPosition, StrategyRules, StrategyView } from './types.js';

/**
 * Lotto scanner (SPEC §1.9) on 5-minute bars: small long calls or puts for a
 * 3× (0DTE) or 5× (earnings) payoff, 1 % of the account each, 50 % stop.
 *
 * - 0DTE, on SPEC's eight tickers: the expiry of today when it is a Monday,
 *   Wednesday or Friday, else of the next such day, if listed for the ticker.
 *   Strikes nearest spot × (1 ± ½ expected move) and × (1 ± 1 expected move).
 * - Earnings, on the lotto's earnings names, from the bundled earnings
 *   calendar (never a mock): a report within `earningsWindowDays`, the first
 *   expiry on or after the session that reacts to it, strikes nearest
 *   spot × (1 ± expected move) and spot × (1 ± 2 %).
 *
 * At each scan time of a session (from `scanStart` every `scanIntervalMinutes`
 * until `entryCutoff`, New York) an underlying without a play ranks its
 * candidates by P(win) × potential return, as the original, and raises the
 * best. A play is closed at the target, at the stop, or at `expiryExitAt` on
 * its expiry date (the engine does not settle expiring options, so none is
 * held into the close). Accounts under `minAccount` open nothing.
 */

export const LOTTO_SCANNER_ID = 'lotto-scanner';
export const LOTTO_SCANNER_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['lotto-scanner'];

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const clockTime = (fallback: string) => z.string().regex(CLOCK, 'must be a New York time HH:MM').default(fallback);

export const lottoScannerParamsSchema = z
  .object({
    /** Premium per play as a fraction of equity. */
    riskPct: z.number().gt(0).max(1).default(0.01),
    /** Accounts below this equity open no play. */
    minAccount: z.number().min(0).default(10_000),
    /** Expected move = ATM straddle / spot, clamped to [min, max]. */
    expectedMoveMin: z.number().gt(0).max(1).default(0.02),
    expectedMoveMax: z.number().gt(0).max(1).default(0.3),
    zeroDteMinBid: z.number().min(0).default(0.05),
    zeroDteMinVolume: z.number().int().min(0).default(100),
    zeroDteMaxContracts: z.number().int().min(1).default(10),
    zeroDteTargetMult: z.number().gt(1).max(100).default(3),
    earningsWindowDays: z.number().int().min(0).max(60).default(14),
    earningsOtm: z.number().gt(0).max(1).default(0.02),
    earningsMinBid: z.number().min(0).default(0.1),
    earningsMaxContracts: z.number().int().min(1).default(5),
    earningsTargetMult: z.number().gt(1).max(100).default(5),
    /** Close when the mark falls to stopMult × entry. */
    stopMult: z.number().min(0).lt(1).default(0.5),
    /** Plays open at once across the universe (the original's "MAX 3 positions at once"). */
    maxConcurrent: z.number().int().min(1).max(100).default(3),
    scanStart: clockTime('10:00'),
    scanIntervalMinutes: z.number().int().min(5).max(390).default(30),
    entryCutoff: clockTime('14:30'),
    expiryExitAt: clockTime('15:00'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.expectedMoveMin > p.expectedMoveMax) bad('expectedMoveMin', 'must be ≤ expectedMoveMax');
    if (p.entryCutoff < p.scanStart) bad('entryCutoff', 'must not be before scanStart');
    if (p.expiryExitAt <= p.entryCutoff) bad('expiryExitAt', 'must be after entryCutoff');
  });

export type LottoScannerParams = z.output<typeof lottoScannerParamsSchema>;

/** Validate parameters; throws InputError naming the first bad one. */
export function parseLottoScannerParams(input: unknown = {}): LottoScannerParams {
  const r = lottoScannerParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', 'unknown parameter');
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}

const ZERO_DTE_WEEKDAYS = new Set([1, 3, 5]);

/** SPEC §1.9: today when it is a Monday, Wednesday or Friday, otherwise the next such day. */
export function zeroDteExpiryFor(date: string): string {
  let d = date;
  while (!ZERO_DTE_WEEKDAYS.has(new Date(`${d}T12:00:00Z`).getUTCDay())) d = addDays(d, 1);
  return d;
}

/** True while the report is still ahead on `date`: a BMO report reacts at that day's open, an AMC one the session after. */
export function reportAhead(event: EarningsEvent, date: string): boolean {
  return event.timing === 'BMO' ? event.date > date : event.date >= date;
}

/** Expected move as the original estimates it: ATM straddle over spot, clamped. */
export function expectedMove(straddle: number, spot: number, p: Pick<LottoScannerParams, 'expectedMoveMin' | 'expectedMoveMax'>): number {
  const m = straddle / spot;
  return Number.isFinite(m) ? Math.min(p.expectedMoveMax, Math.max(p.expectedMoveMin, m)) : p.expectedMoveMin;
}

/** 0DTE P(win) (SPEC §1.9): max(0.05, 0.4 − 10 × distance from spot to the breakeven, as a fraction of spot). */
export function zeroDteWinProbability(right: OptionRight, strike: number, premium: number, spot: number): number {
  const distance = right === 'C' ? (strike + premium - spot) / spot : (spot - (strike - premium)) / spot;
  return Math.max(0.05, 0.4 - 10 * distance);
}

/** Earnings P(win) (SPEC §1.9): 0.3 for a strike inside the expected move, else 0.2. */
export function earningsWinProbability(right: OptionRight, strike: number, spot: number, move: number): number {
  return right === 'C' ? (strike < spot * (1 + move) ? 0.3 : 0.2) : strike > spot * (1 - move) ? 0.3 : 0.2;
}

/** Strength 0–100: P(win) against the best the 0DTE formula gives (0.4). */
export function lottoStrength(winProbability: number): number {
  return Math.min(100, Math.max(0, (100 * winProbability) / 0.4));
}

/** Which exit, if any, the option's mark or the time triggers (checked in this order). */
export function lottoExitReason(mark: number, entry: number, ts: number, plan: Pick<LottoPlan, 'targetMult' | 'stopMult'>, exitTs: number): LottoExitReason | null {
  if (entry > 0 && mark >= plan.targetMult * entry) return 'target';
  if (entry > 0 && mark <= plan.stopMult * entry) return 'stop';
  if (ts >= exitTs) return 'expiry';
  return null;
}

function wallTime(date: string, hhmm: string): number {
  return nyWallTimeToUtc(date, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));
}

interface Play {
  readonly plan: LottoPlan;
  readonly contract: OptionContract;
  readonly contracts: number;
  readonly premium: number;
  readonly winProbability: number;
  readonly potentialReturn: number;
  readonly move: number;
  readonly label: string;
}

const CHAIN_VOL_FLOOR = 0.08;
const CHAIN_VOL_CAP = 2;

interface SymbolState {
  lastTs: number;
  date: string;
  dayEndTs: number;
  scanStartTs: number;
  cutoffTs: number;
  nextScanTs: number;
  readonly events: readonly EarningsEvent[];
  eventIndex: number;
  actor: Actor<typeof lottoScannerMachine> | null;
  emitted: LottoScannerEmitted | null;
  heldSymbol: string;
  exitTs: number;
  entryRef: Decimal | null;
  entryNum: number;
}

export function createLottoScanner(args: {
  params?: Partial<LottoScannerParams>;
  marks: OptionMarkModel;
  /** The earnings calendar (loadEarningsCalendar); without it only 0DTE plays are made. */
  earnings?: readonly EarningsEvent[] | null;
}): StrategyRules {
  let p = parseLottoScannerParams(args.params ?? {});
  const marks = args.marks;
  const zeroDte = new Set(LOTTO_ZERO_DTE);
  const earningsNames = new Set(LOTTO_EARNINGS);
  const states = new Map<string, SymbolState>();
  for (const s of LOTTO_SCANNER_UNIVERSE) {
    const events = earningsNames.has(s) && args.earnings ? args.earnings.filter((e) => e.symbol === s).sort((a, b) => (a.date < b.date ? -1 : 1)) : [];
    states.set(s, {
      lastTs: Number.NEGATIVE_INFINITY, date: '', dayEndTs: Number.NEGATIVE_INFINITY, scanStartTs: 0, cutoffTs: 0, nextScanTs: 0,
      events, eventIndex: 0,
      actor: null, emitted: null, heldSymbol: '', exitTs: 0, entryRef: null, entryNum: 0,
    });
  }
  // The chain decides which contracts are listed and liquid; the mark model prices them (and fills them).
  // The chain's volatility level is the mark model's, so both agree on what a contract is worth.
  function chainOptions(symbol: string, horizonDays: number): ChainOptions {
    const vol = Math.min(CHAIN_VOL_CAP, Math.max(CHAIN_VOL_FLOOR, marks.volatility(symbol)));
    return resolveChainOptions({ weeklyHorizonDays: horizonDays, monthlyHorizonDays: horizonDays, indexDailyHorizonDays: 7, fallbackVol: vol });
  }

  function newSession(st: SymbolState, bar: Bar): void {
    const date = nyDate(bar.ts);
    st.date = date;
    st.dayEndTs = nyWallTimeToUtc(addDays(date, 1), 0, 0);
    st.scanStartTs = wallTime(date, p.scanStart);
    st.cutoffTs = wallTime(date, p.entryCutoff);
    st.nextScanTs = st.scanStartTs;
    while (st.eventIndex < st.events.length && !reportAhead(st.events[st.eventIndex]!, date)) st.eventIndex++;
    const actor = st.actor;
    if (actor !== null && actor.getSnapshot().value === 'doneForDay') actor.send({ type: 'NEW_SESSION', date });
  }

  function actorFor(symbol: string, st: SymbolState): Actor<typeof lottoScannerMachine> {
    if (st.actor === null) {
      const actor = createActor(lottoScannerMachine, { input: { symbol } });
      actor.on('signal', (e) => {
        st.emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    return st.actor;
  }

  function openPlays(): number {
    let n = 0;
    for (const st of states.values()) {
      const v = st.actor?.getSnapshot().value;
      if (v === 'entering' || v === 'holding' || v === 'exiting') n++;
    }
    return n;
  }

  function chainAt(bar: Bar, horizonDays: number): OptionChain {
    // No closes: the level is the fallback, set to the mark model's volatility.
    return generateOptionChain({ underlying: bar.symbol, asOf: bar.ts, spot: bar.close, closes: [], seed: LOTTO_SCANNER_ID }, chainOptions(bar.symbol, horizonDays));
  }

  function straddleMove(chain: OptionChain, expiry: string, bar: Bar): number {
    const spot = bar.close;
    const atm = findContract(chain, { expiry, right: 'C', targetStrike: spot });
    if (atm === undefined) return p.expectedMoveMin;
    const call = marks.price(optionContract({ underlying: bar.symbol, expiry, right: 'C', strike: atm.strike }), bar.ts, spot);
    const put = marks.price(optionContract({ underlying: bar.symbol, expiry, right: 'P', strike: atm.strike }), bar.ts, spot);
    return expectedMove(call + put, spot, p);
  }

  /** Best of the candidates of one play type; `best` is what to beat. */
  function rank(bar: Bar, view: StrategyView, chain: OptionChain, expiry: string, type: LottoPlayType, eventKey: string | null, best: Play | null): Play | null {
    const spot = bar.close;
    const move = straddleMove(chain, expiry, bar);
    const targets: ReadonlyArray<readonly [OptionRight, number, string]> =
      type === '0dte'
        ? [['C', spot * (1 + move / 2), '+½ move'], ['C', spot * (1 + move), '+1 move'], ['P', spot * (1 - move / 2), '−½ move'], ['P', spot * (1 - move), '−1 move']]
        : [['C', spot * (1 + move), '+move'], ['P', spot * (1 - move), '−move'], ['C', spot * (1 + p.earningsOtm), `+${p.earningsOtm * 100}%`], ['P', spot * (1 - p.earningsOtm), `−${p.earningsOtm * 100}%`]];
    const minBid = type === '0dte' ? p.zeroDteMinBid : p.earningsMinBid;
    const maxContracts = type === '0dte' ? p.zeroDteMaxContracts : p.earningsMaxContracts;
    const targetMult = type === '0dte' ? p.zeroDteTargetMult : p.earningsTargetMult;
    const potentialReturn = targetMult - 1;
    const budget = view.equity().times(p.riskPct);
    let out = best;
    for (const [right, target, label] of targets) {
      const q = findContract(chain, { expiry, right, targetStrike: target });
      if (q === undefined || !(q.bid > minBid && q.ask > minBid)) continue;
      if (type === '0dte' && q.volume < p.zeroDteMinVolume) continue;
      const contract = optionContract({ underlying: bar.symbol, expiry, right, strike: q.strike });
      // What the paper venue fills at must clear the same floor as the quote.
      const premium = marks.price(contract, bar.ts, spot);
      if (!(premium > minBid) || !Number.isFinite(premium)) continue;
      const contracts = Math.min(maxContracts, budget.div(new Decimal(premium).times(CONTRACT_MULTIPLIER)).floor().toNumber());
      if (!(contracts >= 1)) continue;
      const winProbability = type === '0dte' ? zeroDteWinProbability(right, q.strikePrice, premium, spot) : earningsWinProbability(right, q.strikePrice, spot, move);
      if (out !== null && !(winProbability * potentialReturn > out.winProbability * out.potentialReturn)) continue;
      out = {
        plan: { playType: type, contractSymbol: contract.symbol, expiry, targetMult, stopMult: p.stopMult, eventKey },
        contract, contracts, premium, winProbability, potentialReturn, move, label,
      };
    }
    return out;
  }

  function findPlay(bar: Bar, st: SymbolState, view: StrategyView): Play | null {
    let best: Play | null = null;
    const event = st.events[st.eventIndex];
    const played = st.actor?.getSnapshot().context.playedEvent ?? null;
    if (event !== undefined && daysBetween(st.date, event.date) <= p.earningsWindowDays && `${event.symbol}:${event.date}` !== played) {
      // The session that reacts to the report: its day for BMO, the trading day after for AMC.
      const chain = chainAt(bar, p.earningsWindowDays + 10);
      const reaction = event.timing === 'BMO' ? event.date : addDays(event.date, 1);
      const expiry = chain.expiries.find((e) => e.expiry >= reaction)?.expiry;
      if (expiry !== undefined) best = rank(bar, view, chain, expiry, 'earnings', `${event.symbol}:${event.date}`, best);
    }
    if (zeroDte.has(bar.symbol)) {
      const expiry = zeroDteExpiryFor(st.date);
      const chain = chainAt(bar, 7);
      if (chain.expiries.some((e) => e.expiry === expiry)) best = rank(bar, view, chain, expiry, '0dte', null, best);
    }
    return best;
  }

  function entry(bar: Bar, st: SymbolState, view: StrategyView): Signal | null {
    if (view.equity().lt(p.minAccount)) return null;
    if (openPlays() >= p.maxConcurrent) return null;
    const play = findPlay(bar, st, view);
    if (play === null) return null;
    st.emitted = null;
    actorFor(bar.symbol, st).send({ type: 'PLAY_FOUND', ts: bar.ts, plan: play.plan });
    const e = st.emitted as LottoScannerEmitted | null;
    st.emitted = null;
    if (e === null || e.kind !== 'entry') return null;
    const id = `${LOTTO_SCANNER_ID}:${bar.symbol}:${bar.ts}:entry`;
    const riskReward = play.potentialReturn / (1 - p.stopMult);
    const reason =
      `${play.plan.playType} lotto (${play.label}, move ${(play.move * 100).toFixed(1)}%): buy ${play.contracts} ${play.contract.symbol} at ~${play.premium.toFixed(2)}, ` +
      `P(win) ${play.winProbability.toFixed(2)}, target ${play.plan.targetMult}x, stop ${p.stopMult}x`;
    return {
      id, strategyId: LOTTO_SCANNER_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts, strength: lottoStrength(play.winProbability), reason,
      intent: { strategyId: LOTTO_SCANNER_ID, instrument: play.contract, side: 'buy', quantity: play.contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: {
        earnings: play.plan.playType === 'earnings' ? 1 : 0, premium: play.premium, strike: play.contract.strike.toNumber(), expectedMove: play.move,
        winProbability: play.winProbability, potentialReturn: play.potentialReturn, riskReward, contracts: play.contracts, dte: dte(st.date, play.plan.expiry),
      },
    };
  }

  function exit(bar: Bar, st: SymbolState, held: HeldPosition, contract: OptionContract, plan: LottoPlan): Signal | null {
    if (st.heldSymbol !== contract.symbol) {
      st.heldSymbol = contract.symbol;
      st.exitTs = Math.min(wallTime(contract.expiry, p.expiryExitAt), expiryCloseUtc(contract.expiry));
    }
    if (st.entryRef !== held.entryPrice) {
      st.entryRef = held.entryPrice;
      st.entryNum = held.entryPrice.toNumber();
    }
    const mark = marks.price(contract, bar.ts, bar.close);
    const why = lottoExitReason(mark, st.entryNum, bar.ts, plan, st.exitTs);
    if (why === null) return null;
    st.emitted = null;
    st.actor!.send({ type: 'EXIT_SETUP', ts: bar.ts, reason: why });
    const e = st.emitted as LottoScannerEmitted | null;
    st.emitted = null;
    if (e === null || e.kind !== 'exit') return null;
    const id = `${LOTTO_SCANNER_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason = `${why}: mark ${mark.toFixed(2)} vs entry ${st.entryNum.toFixed(2)} (target ${plan.targetMult}x, stop ${plan.stopMult}x, expiry ${contract.expiry})`;
    return {
      // Exits reduce risk, so they always carry full strength.
      id, strategyId: LOTTO_SCANNER_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason,
      intent: { strategyId: LOTTO_SCANNER_ID, instrument: contract, side: 'sell', quantity: held.quantity, type: 'market', limitPrice: null, reason, signalId: id },
      features: { mark, entry: st.entryNum, multiple: st.entryNum > 0 ? mark / st.entryNum : 0 },
    };
  }

  function adoptedPlan(contract: OptionContract, date: string): LottoPlan {
    const type: LottoPlayType = dte(date, contract.expiry) <= 1 ? '0dte' : 'earnings';
    return {
      playType: type, contractSymbol: contract.symbol, expiry: contract.expiry,
      targetMult: type === '0dte' ? p.zeroDteTargetMult : p.earningsTargetMult, stopMult: p.stopMult, eventKey: null,
    };
  }

  return {
    id: LOTTO_SCANNER_ID,
    universe: LOTTO_SCANNER_UNIVERSE,
    timeframe: '5m',
    params: () => ({ ...p }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing; new times apply from the next session.
      p = parseLottoScannerParams({ ...p, ...patch });
      for (const st of states.values()) st.heldSymbol = '';
      return { ...p };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      if (st === undefined || bar.timeframe !== '5m') return null;
      if (bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      if (bar.ts >= st.dayEndTs) newSession(st, bar);

      const held = view.holding(bar.symbol);
      const longOption = held !== undefined && held.instrument.kind === 'option' && held.quantity > 0;
      const working = view.hasWorkingOrder(bar.symbol);
      let actor = st.actor;
      const phase = actor === null ? 'scanning' : actor.getSnapshot().value;
      // Tell the machine what changed since the last bar, and only that.
      if (phase === 'entering') {
        if (longOption) actor!.send({ type: 'FILLED', ts: bar.ts });
        else if (!working && bar.ts > (actor!.getSnapshot().context.pendingSince ?? bar.ts)) actor!.send({ type: 'ENTRY_ABANDONED', ts: bar.ts });
      } else if (phase === 'exiting') {
        if (held === undefined) actor!.send({ type: 'FLAT', ts: bar.ts, date: st.date });
        else if (!working && bar.ts > (actor!.getSnapshot().context.pendingSince ?? bar.ts)) actor!.send({ type: 'EXIT_ABANDONED', ts: bar.ts });
      } else if (phase === 'holding') {
        if (held === undefined) actor!.send({ type: 'FLAT', ts: bar.ts, date: st.date });
      } else if (longOption) {
        actor = actorFor(bar.symbol, st);
        actor.send({ type: 'POSITION_FOUND', ts: bar.ts, plan: adoptedPlan(held.instrument, st.date) });
      }
      const snap = actor?.getSnapshot();
      const now = snap === undefined ? 'scanning' : snap.value;

      if (now === 'holding') {
        const plan = snap!.context.plan;
        if (!longOption || working || plan === null) return null;
        return exit(bar, st, held, held.instrument, plan);
      }
      if (now !== 'scanning' || held !== undefined || working) return null;
      if (bar.ts < st.nextScanTs || bar.ts > st.cutoffTs) return null;
      // The next scan is the first slot strictly after this bar.
      const interval = p.scanIntervalMinutes * 60_000;
      st.nextScanTs = st.scanStartTs + (Math.floor((bar.ts - st.scanStartTs) / interval) + 1) * interval;
      return entry(bar, st, view);
    },
  };
}
