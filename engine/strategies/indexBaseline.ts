import { z } from 'zod';
import { createActor, type Actor } from 'xstate';
import { InputError } from '../domain/errors.js';
import { equity as equityInstrument, type Equity } from '../domain/instrument.js';
import type { Bar } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { STRATEGY_UNIVERSES } from '../market/universes.js';
import { indexBaselineMachine, type IndexBaselineEmitted, type IndexBaselineEvent } from '../../machines/strategies/indexBaseline.js';
import type { StrategyRules, StrategyView } from './types.js';

/**
 * Index baseline (SPEC §1.10), the benchmark done honestly: a buy-and-hold
 * allocation of SPY, VTI and QQQ at the production preset's target (80 % of
 * equity, split by `weights`), rebalanced when the allocation drifts more than
 * 5 points from it, with the production preset's tax-loss harvest at −10 %.
 * Its returns are whatever the bars give; nothing is assumed.
 *
 * Judged on daily closes. Each ETF is judged on its own bar: the allocation
 * counts the other two at their latest closes.
 */

export const INDEX_BASELINE_ID = 'index-baseline';
export const INDEX_BASELINE_UNIVERSE: readonly string[] = STRATEGY_UNIVERSES['index-baseline'];

export interface IndexBaselineParams {
  /** Fraction of equity held in the benchmarks. */
  readonly targetAllocation: number;
  /** Rebalance when the total allocation, or one ETF's weight, is more than this far from its target (fraction of equity). */
  readonly rebalanceThreshold: number;
  /** Sell an ETF whose close is this far below its average cost (negative). */
  readonly taxLossThreshold: number;
  /** Trades smaller than this fraction of equity are not made (the original's 1 %). */
  readonly minTradePct: number;
  /** Share of the target in each ETF; they add up to 1. */
  readonly weights: Readonly<Record<string, number>>;
  /** Calendar days an ETF sold at a loss is not bought back (past the 30-day wash-sale window). */
  readonly washSaleDays: number;
  /** Calendar days an ETF is left alone after an order was refused or cut; doubled for each such order in a row… */
  readonly retryAfterDays: number;
  /** …up to this many. */
  readonly maxRetryAfterDays: number;
}

const EQUAL_WEIGHT = 1 / INDEX_BASELINE_UNIVERSE.length;

export const INDEX_BASELINE_DEFAULTS: IndexBaselineParams = Object.freeze({
  targetAllocation: 0.8,
  rebalanceThreshold: 0.05,
  taxLossThreshold: -0.1,
  minTradePct: 0.01,
  weights: Object.freeze(Object.fromEntries(INDEX_BASELINE_UNIVERSE.map((s) => [s, EQUAL_WEIGHT]))),
  washSaleDays: 31,
  retryAfterDays: 7,
  maxRetryAfterDays: 91,
});

const D = INDEX_BASELINE_DEFAULTS;
const weightsSchema = z
  .object(Object.fromEntries(INDEX_BASELINE_UNIVERSE.map((s) => [s, z.number().min(0).max(1)])) as Record<string, z.ZodNumber>)
  .strict()
  .refine((w) => Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-9, { message: 'must add up to 1' });

/** Parameters with the production preset as defaults; unknown keys are refused. */
export const indexBaselineParamsSchema = z
  .object({
    targetAllocation: z.number().gt(0).max(1).default(D.targetAllocation),
    rebalanceThreshold: z.number().gt(0).max(1).default(D.rebalanceThreshold),
    taxLossThreshold: z.number().gt(-1).lt(0).default(D.taxLossThreshold),
    minTradePct: z.number().min(0).max(1).default(D.minTradePct),
    weights: weightsSchema.default({ ...D.weights }),
    washSaleDays: z.number().int().min(0).max(365).default(D.washSaleDays),
    retryAfterDays: z.number().int().min(0).max(365).default(D.retryAfterDays),
    maxRetryAfterDays: z.number().int().min(0).max(3650).default(D.maxRetryAfterDays),
  })
  .strict()
  .refine((v) => v.maxRetryAfterDays >= v.retryAfterDays, { path: ['maxRetryAfterDays'], message: 'must be ≥ retryAfterDays' });

/** Validate parameters; throws InputError naming the first bad one. */
export function parseIndexBaselineParams(input: unknown = {}): IndexBaselineParams {
  const r = indexBaselineParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = [...path, issue.keys[0] ?? ''].join('.');
    throw new InputError(key, path.length > 0 ? `not a benchmark (expected ${INDEX_BASELINE_UNIVERSE.join(', ')})` : `unknown parameter (expected one of ${Object.keys(D).join(', ')})`);
  }
  throw new InputError(path.length > 0 ? path.join('.') : 'params', issue.message);
}

/** The allocation as one ETF sees it (statistics: plain numbers). */
export interface AllocationReading {
  /** Σ benchmark value / equity. */
  total: number;
  /** This ETF's value / equity. */
  weight: number;
  /** targetAllocation × its weight. */
  target: number;
  /** Currency to add (> 0) or remove (< 0) to bring this ETF to its target. */
  gap: number;
  /** The larger of the total's and this ETF's distance from target. */
  drift: number;
}

export function newAllocationReading(): AllocationReading {
  return { total: 0, weight: 0, target: 0, gap: 0, drift: 0 };
}

/** Fills `out` with the allocation as one ETF sees it; `value` and `totalValue` in currency. */
export function readAllocation(
  out: AllocationReading, value: number, totalValue: number, equity: number, weight: number, p: Pick<IndexBaselineParams, 'targetAllocation'>,
): AllocationReading {
  out.target = p.targetAllocation * weight;
  out.total = totalValue / equity;
  out.weight = value / equity;
  out.gap = out.target * equity - value;
  out.drift = Math.max(Math.abs(out.total - p.targetAllocation), Math.abs(out.weight - out.target));
  return out;
}

// A drift or a trade that meets a threshold exactly in decimal must not be tipped over (or under) it by a rounding ulp.
const EPS = 1e-9;

/** Rebalance when either drift is beyond the threshold, and only by a trade of at least minTradePct of equity. */
export function needsRebalance(a: AllocationReading, equity: number, p: Pick<IndexBaselineParams, 'rebalanceThreshold' | 'minTradePct'>): boolean {
  return a.drift > p.rebalanceThreshold + EPS && Math.abs(a.gap) >= p.minTradePct * equity - EPS * equity;
}

/** The original's confidence: ten times the drift, capped at 1 (a 10-point drift or more is certain). */
export function driftConfidence(drift: number): number {
  return Math.min(1, 10 * drift);
}

/** True when the close is at or below average cost × (1 + taxLossThreshold). */
export function harvestDue(close: number, cost: number, p: Pick<IndexBaselineParams, 'taxLossThreshold'>): boolean {
  return cost > 0 && close <= cost * (1 + p.taxLossThreshold) + EPS;
}

const DAY_MS = 86_400_000;

type EtfActor = Actor<typeof indexBaselineMachine>;

interface EtfState {
  readonly instrument: Equity;
  close: number;
  lastTs: number;
  actor: EtfActor | null;
  emitted: IndexBaselineEmitted | null;
}

export function createIndexBaseline(args: { params?: Partial<IndexBaselineParams> } = {}): StrategyRules {
  let p = parseIndexBaselineParams(args.params ?? {});
  const etfs: readonly EtfState[] = INDEX_BASELINE_UNIVERSE.map((s) => ({ instrument: equityInstrument(s), close: Number.NaN, lastTs: Number.NEGATIVE_INFINITY, actor: null, emitted: null }));
  const states = new Map<string, EtfState>(etfs.map((e) => [e.instrument.symbol, e]));
  const a = newAllocationReading();

  function actorOf(st: EtfState): EtfActor {
    if (st.actor === null) {
      const actor = createActor(indexBaselineMachine, { input: { symbol: st.instrument.symbol } });
      actor.on('signal', (e) => {
        st.emitted = e;
      });
      actor.start();
      st.actor = actor;
    }
    return st.actor;
  }

  function send(st: EtfState, event: IndexBaselineEvent): IndexBaselineEmitted | null {
    st.emitted = null;
    actorOf(st).send(event);
    const e = st.emitted;
    st.emitted = null;
    return e;
  }

  function signalFrom(bar: Bar, e: IndexBaselineEmitted, strength: number, reason: string, features: Record<string, number>): Signal {
    const id = `${INDEX_BASELINE_ID}:${bar.symbol}:${bar.ts}:${e.kind}`;
    return {
      id, strategyId: INDEX_BASELINE_ID, symbol: bar.symbol, kind: e.kind, ts: bar.ts, strength, reason,
      intent: { strategyId: INDEX_BASELINE_ID, instrument: states.get(bar.symbol)!.instrument, side: e.side, quantity: e.order.quantity, type: 'market', limitPrice: null, reason, signalId: id },
      features,
    };
  }

  return {
    id: INDEX_BASELINE_ID,
    universe: INDEX_BASELINE_UNIVERSE,
    timeframe: '1d',
    params: () => ({ ...p, weights: { ...p.weights } }),
    updateParams(patch: Readonly<Record<string, unknown>>) {
      // Validated as a whole, so a bad patch changes nothing.
      p = parseIndexBaselineParams({ ...p, ...patch });
      return { ...p, weights: { ...p.weights } };
    },
    onBar(bar: Bar, view: StrategyView): Signal | null {
      const st = states.get(bar.symbol);
      if (st === undefined || bar.timeframe !== '1d' || bar.ts <= st.lastTs) return null;
      st.lastTs = bar.ts;
      st.close = bar.close;
      const held = view.holding(bar.symbol);
      if (held !== undefined && (held.instrument.kind !== 'equity' || held.quantity <= 0)) return null; // not this strategy's kind of position
      const shares = held?.quantity ?? 0;
      if (view.hasWorkingOrder(bar.symbol)) return null;

      // Tell the machine what is held once no order is working: it decides what that means.
      if (st.actor !== null || shares > 0) {
        const snap = actorOf(st).getSnapshot();
        const pending = snap.context.pendingSince !== null;
        if ((pending && bar.ts > snap.context.pendingSince!) || (!pending && shares !== snap.context.quantity)) {
          send(st, { type: 'POSITION', ts: bar.ts, quantity: shares });
        }
        const now = st.actor!.getSnapshot();
        if (now.value === 'washSale' && bar.ts >= now.context.washUntil) send(st, { type: 'TICK', ts: bar.ts });
      }
      const phase = st.actor === null ? 'flat' : String(st.actor.getSnapshot().value);
      if (phase !== 'flat' && phase !== 'holding') return null;

      const eq = view.equity().toNumber();
      if (!(eq > 0)) return null;
      const retry = { retryAfterMs: p.retryAfterDays * DAY_MS, maxRetryAfterMs: p.maxRetryAfterDays * DAY_MS };
      if (shares > 0) {
        const cost = held!.entryPrice.toNumber();
        if (harvestDue(bar.close, cost, p)) {
          const e = send(st, { type: 'HARVEST', ts: bar.ts, quantity: shares, ...retry, washMs: p.washSaleDays * DAY_MS });
          if (e === null) return null;
          const loss = bar.close / cost - 1;
          const reason = `tax-loss harvest: ${bar.symbol} ${bar.close.toFixed(2)} is ${(loss * 100).toFixed(2)}% below cost ${cost.toFixed(2)}; sell ${shares}, not bought back for ${p.washSaleDays} days`;
          // Exits reduce risk, so they always carry full strength.
          return signalFrom(bar, e, 100, reason, { close: bar.close, cost, lossPct: loss, shares });
        }
      }

      if (st.actor !== null && bar.ts < st.actor.getSnapshot().context.retryAt) return null;
      let totalValue = 0;
      for (let i = 0; i < etfs.length; i++) {
        const other = etfs[i]!;
        if (other === st) {
          totalValue += shares * bar.close;
          continue;
        }
        const h = view.holding(other.instrument.symbol);
        if (h === undefined || h.instrument.kind !== 'equity' || h.quantity <= 0) continue;
        // Before its first bar an ETF counts at cost.
        totalValue += h.quantity * (Number.isFinite(other.close) ? other.close : h.entryPrice.toNumber());
      }
      readAllocation(a, shares * bar.close, totalValue, eq, p.weights[bar.symbol] ?? 0, p);
      if (!needsRebalance(a, eq, p)) return null;
      const side = a.gap > 0 ? 'buy' : 'sell';
      const quantity = Math.min(Math.floor(Math.abs(a.gap) / bar.close), side === 'sell' ? shares : Number.MAX_SAFE_INTEGER);
      if (quantity < 1) return null;
      const e = send(st, { type: 'REBALANCE', ts: bar.ts, side, quantity, ...retry });
      if (e === null) return null;
      const confidence = driftConfidence(a.drift);
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      const reason = `${side === 'buy' ? 'buy' : 'trim'} ${quantity} ${bar.symbol}: allocation ${pct(a.total)} vs target ${pct(p.targetAllocation)}, ${bar.symbol} ${pct(a.weight)} vs ${pct(a.target)}`;
      const features = { allocation: a.total, weight: a.weight, target: a.target, drift: a.drift, gap: a.gap };
      return side === 'buy'
        ? signalFrom(bar, e, 100 * confidence, reason, { ...features, confidence })
        : signalFrom(bar, e, 100, reason, features);
    },
  };
}
