import { z } from 'zod';
import { InputError } from '../domain/errors.js';
import type { OptionContract } from '../domain/instrument.js';
import { optionContract } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import { CONTRACT_MULTIPLIER, Decimal } from '../domain/money.js';
import type { Signal } from '../domain/signal.js';
import type { BsmResult } from '../market/blackScholes.js';
import { expiryDayStartUtc, nearestExpiry, nyDate } from '../market/expiries.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { HeldPosition, StrategyRules, StrategyView } from './types.js';

/**
 * WSB dip bot (SPEC §1.1): after a run-up, buy a short-dated OTM call on the
 * first daily close that dips; sell it on a profit target, a delta target, a
 * loss stop, a time limit or at expiry.
 *
 * Entry is judged on daily closes only. Exits are judged on every bar of a
 * held underlying that reaches the rules; the engine routes a strategy only
 * bars of its own timeframe ('1d'), so today that is daily closes. With daily bars, the 360-minute
 * time limit makes every position close on the next daily bar, as the
 * original's parameters imply for an end-of-day run.
 */

export const WSB_DIP_BOT_ID = 'wsb-dip-bot';
export const WSB_DIP_BOT_UNIVERSE: readonly string[] = [
  'AAPL', 'MSFT', 'GOOGL', 'META', 'NVDA', 'AMD', 'AVGO', 'TSLA', 'AMZN', 'NFLX', 'CRM', 'COST', 'ADBE', 'V', 'MA', 'LIN',
];

export interface WsbDipBotParams {
  /** Days in the run: the run is measured over the lookback + 1 closes ending yesterday. */
  readonly lookback: number;
  /** Minimum run, close[yesterday] / close[yesterday − lookback] − 1. */
  readonly runPct: number;
  /** Maximum (negative) one-day return that counts as the dip. */
  readonly dipPct: number;
  readonly targetDte: number;
  /** Strike = spot × (1 + otmPct), rounded to $1. */
  readonly otmPct: number;
  /** Fraction of equity spent on premium. */
  readonly riskPct: number;
  /** Exit when mark ≥ targetMult × entry. */
  readonly targetMult: number;
  /** Exit when |Δ| ≥ deltaTarget. */
  readonly deltaTarget: number;
  /** Exit when mark ≤ lossStopMult × entry. */
  readonly lossStopMult: number;
  /** Exit once this many minutes have passed since entry. */
  readonly maxMinutes: number;
}

export const WSB_DIP_BOT_PRESETS = {
  production: {
    lookback: 7, runPct: 0.08, dipPct: -0.02, targetDte: 21, otmPct: 0.03,
    riskPct: 0.1, targetMult: 2.5, deltaTarget: 0.5, lossStopMult: 0.5, maxMinutes: 360,
  },
  implementation: {
    lookback: 10, runPct: 0.1, dipPct: -0.03, targetDte: 30, otmPct: 0.05,
    riskPct: 0.1, targetMult: 3.0, deltaTarget: 0.6, lossStopMult: 0.5, maxMinutes: 360,
  },
} as const satisfies Record<string, WsbDipBotParams>;

const DEF = WSB_DIP_BOT_PRESETS.production;
const MAX_LOOKBACK = 250;

/** Parameters with the production preset as defaults; unknown keys are refused (a typo must not silently fall back). */
export const wsbDipBotParamsSchema = z
  .object({
    lookback: z.number().int().min(1).max(MAX_LOOKBACK).default(DEF.lookback),
    runPct: z.number().gt(0).max(10).default(DEF.runPct),
    dipPct: z.number().min(-0.99).lt(0).default(DEF.dipPct),
    targetDte: z.number().int().min(1).max(730).default(DEF.targetDte),
    otmPct: z.number().min(0).max(1).default(DEF.otmPct),
    riskPct: z.number().gt(0).max(1).default(DEF.riskPct),
    targetMult: z.number().gt(1).max(100).default(DEF.targetMult),
    deltaTarget: z.number().gt(0).max(1).default(DEF.deltaTarget),
    lossStopMult: z.number().min(0).lt(1).default(DEF.lossStopMult),
    maxMinutes: z.number().int().min(1).default(DEF.maxMinutes),
  })
  .strict();

/** Validate parameters; throws InputError naming the first bad one. */
export function parseWsbDipBotParams(input: unknown = {}): WsbDipBotParams {
  const r = wsbDipBotParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', `unknown parameter (expected one of ${wsbDipBotParamsSchema.keyof().options.join(', ')})`);
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
  throw new InputError(field, issue.message);
}

// Thresholds are inclusive; the epsilon keeps a close that meets one exactly
// from missing it by a rounding ulp in the division.
const EPS = 1e-12;

interface SymbolState {
  readonly closes: Float64Array;
  /** Next write position in `closes`. */
  head: number;
  count: number;
  lastDailyTs: number;
  // Cached facts about the held contract, so the per-bar exit check does not allocate.
  heldSymbol: string;
  expiryStartTs: number;
  entryRef: Decimal | null;
  entryNum: number;
}

export type WsbExitReason = 'target' | 'delta' | 'stop' | 'time' | 'expiry';

/**
 * Strength of an entry, 0–100: 50 when the run and the dip just meet their
 * thresholds, plus up to 25 for each of them, growing linearly with how far
 * past its threshold it is and full at twice the threshold (a 16 % run or a
 * −4 % day on the production preset). So 50 ≤ strength ≤ 100 for any entry.
 */
export function entryStrength(run: number, ret: number, params: Pick<WsbDipBotParams, 'runPct' | 'dipPct'>): number {
  const runScore = Math.min(1, Math.max(0, (run - params.runPct) / params.runPct));
  const dipScore = Math.min(1, Math.max(0, (params.dipPct - ret) / -params.dipPct));
  return 50 + 25 * runScore + 25 * dipScore;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function createWsbDipBot(args: { params?: Partial<WsbDipBotParams>; marks: OptionMarkModel }): StrategyRules {
  let p = parseWsbDipBotParams(args.params ?? {});
  const marks = args.marks;
  // Sized for the longest allowed lookback, so an operator can change the lookback live.
  const size = MAX_LOOKBACK + 2;
  const states = new Map<string, SymbolState>();
  for (const s of WSB_DIP_BOT_UNIVERSE) {
    states.set(s, {
      closes: new Float64Array(size), head: 0, count: 0, lastDailyTs: Number.NEGATIVE_INFINITY,
      heldSymbol: '', expiryStartTs: 0, entryRef: null, entryNum: 0,
    });
  }
  const scratch: BsmResult = { price: 0, delta: 0, gamma: 0, theta: 0, vega: 0, rho: 0 };
  let maxMs = p.maxMinutes * 60_000;

  /** Close `k` daily bars ago (0 = today). */
  function closeAgo(st: SymbolState, k: number): number {
    return st.closes[(st.head - 1 - k + 2 * size) % size]!;
  }

  function entry(bar: Bar, view: StrategyView, ret: number, run: number): Signal | null {
    const spot = bar.close;
    const expiry = nearestExpiry(nyDate(bar.ts), p.targetDte);
    const strike = Math.max(1, Math.round(spot * (1 + p.otmPct)));
    const contract = optionContract({ underlying: bar.symbol, expiry, right: 'C', strike });
    const premium = marks.price(contract, bar.ts, spot);
    if (!(premium > 0) || !Number.isFinite(premium)) return null;
    const contracts = view.equity().times(p.riskPct).div(new Decimal(premium).times(CONTRACT_MULTIPLIER)).floor().toNumber();
    if (!(contracts >= 1)) return null;
    const id = `${WSB_DIP_BOT_ID}:${bar.symbol}:${bar.ts}:entry`;
    const reason = `dip ${pct(ret)} after a ${pct(run)} run over ${p.lookback} days: buy ${contracts} ${contract.symbol} at ~${premium.toFixed(2)}`;
    return {
      id, strategyId: WSB_DIP_BOT_ID, symbol: bar.symbol, kind: 'entry', ts: bar.ts,
      strength: entryStrength(run, ret, p), reason,
      intent: { strategyId: WSB_DIP_BOT_ID, instrument: contract, side: 'buy', quantity: contracts, type: 'market', limitPrice: null, reason, signalId: id },
      features: { ret, run, premium, vol: marks.volatility(bar.symbol), contracts },
    };
  }

  function exit(bar: Bar, st: SymbolState, held: HeldPosition, contract: OptionContract): Signal | null {
    if (st.heldSymbol !== contract.symbol) {
      st.heldSymbol = contract.symbol;
      st.expiryStartTs = expiryDayStartUtc(contract.expiry);
    }
    if (st.entryRef !== held.entryPrice) {
      st.entryRef = held.entryPrice;
      st.entryNum = held.entryPrice.toNumber();
    }
    marks.greeksInto(scratch, contract, bar.ts, bar.close);
    const mark = scratch.price;
    const delta = scratch.delta;
    const entryPx = st.entryNum;
    const elapsed = bar.ts - held.entryTs;
    let why: WsbExitReason | null = null;
    // Order only decides the label when several hold at once; SPEC §1.1 order.
    if (entryPx > 0 && mark >= p.targetMult * entryPx) why = 'target';
    else if (Math.abs(delta) >= p.deltaTarget) why = 'delta';
    else if (entryPx > 0 && mark <= p.lossStopMult * entryPx) why = 'stop';
    else if (elapsed >= maxMs) why = 'time';
    else if (bar.ts >= st.expiryStartTs) why = 'expiry';
    if (why === null) return null;

    const id = `${WSB_DIP_BOT_ID}:${bar.symbol}:${bar.ts}:exit`;
    const reason = `${why}: mark ${mark.toFixed(2)} vs entry ${entryPx.toFixed(2)}, delta ${delta.toFixed(2)}, ${Math.floor(elapsed / 60_000)} min held`;
    return {
      // Exits reduce risk, so they always carry full strength.
      id, strategyId: WSB_DIP_BOT_ID, symbol: bar.symbol, kind: 'exit', ts: bar.ts, strength: 100, reason,
      intent: { strategyId: WSB_DIP_BOT_ID, instrument: contract, side: 'sell', quantity: held.quantity, type: 'market', limitPrice: null, reason, signalId: id },
      features: { mark, entry: entryPx, delta, minutes: elapsed / 60_000 },
    };
  }

  return {
    id: WSB_DIP_BOT_ID,
    universe: WSB_DIP_BOT_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseWsbDipBotParams({ ...p, ...patch });
      maxMs = p.maxMinutes * 60_000;
      return { ...p };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      if (st === undefined) return null;
      const daily = bar.timeframe === '1d';
      if (daily) {
        // A repeated or out-of-order daily bar would corrupt the window and re-raise the same signal id.
        if (bar.ts <= st.lastDailyTs) return null;
        st.lastDailyTs = bar.ts;
        st.closes[st.head] = bar.close;
        st.head = (st.head + 1) % size;
        if (st.count < size) st.count++;
      }

      const held = view.holding(bar.symbol);
      if (held !== undefined) {
        // Only long option positions are this bot's to manage; anything else just blocks a new entry.
        if (held.instrument.kind !== 'option' || held.quantity <= 0 || view.hasWorkingOrder(bar.symbol)) return null;
        return exit(bar, st, held, held.instrument);
      }
      if (!daily || st.count < p.lookback + 2 || view.hasWorkingOrder(bar.symbol)) return null;
      const ret = bar.close / closeAgo(st, 1) - 1;
      if (!(ret <= p.dipPct + EPS)) return null;
      const run = closeAgo(st, 1) / closeAgo(st, p.lookback + 1) - 1;
      if (!(run >= p.runPct - EPS)) return null;
      return entry(bar, view, ret, run);
    },
  };
}
