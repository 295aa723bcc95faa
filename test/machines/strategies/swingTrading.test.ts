import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import {
  parseSwingGuardInput,
  parseSwingTradeInput,
  swingEntryBlock,
  swingGuardMachine,
  swingTradeMachine,
  type SwingGuardLimits,
  type SwingPlan,
  type SwingTradeEmitted,
  type SwingTradeEvent,
} from '../../../machines/strategies/swingTrading.js';

const plan: SwingPlan = {
  contractSymbol: 'NVDA  261113C00190000', expiry: '2026-11-13', strike: 190, setup: 'momentum', strength: 80, riskLevel: 'medium',
  premium: 2, contracts: 3, maxHoldMs: 3 * 3_600_000,
};

function trade(...events: SwingTradeEvent[]) {
  const actor = createActor(swingTradeMachine, { input: { symbol: 'NVDA' } });
  const emitted: SwingTradeEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return { actor, take: () => emitted.splice(0), value: () => String(actor.getSnapshot().value), ctx: () => actor.getSnapshot().context };
}

const SETUP = { type: 'ENTRY_SETUP', ts: 100, plan, block: null } as const;
const FILLED = { type: 'FILLED', ts: 200, entryPremium: 2.1, contracts: 3 } as const;

describe('swingTrade transitions', () => {
  it('starts watching; a setup emits the entry signal and waits for the fill', () => {
    const t = trade();
    expect(t.value()).toBe('watching');
    t.actor.send(SETUP);
    expect(t.value()).toBe('entering');
    expect(t.take()).toEqual([{ type: 'signal', kind: 'entry', symbol: 'NVDA', ts: 100, plan }]);
    expect(t.ctx()).toMatchObject({ plan, pendingSince: 100 });
  });

  it('a blocked setup emits setupBlocked and stays watching', () => {
    const t = trade();
    t.actor.send({ ...SETUP, block: 'cooling_off' });
    expect(t.value()).toBe('watching');
    expect(t.take()).toEqual([{ type: 'setupBlocked', symbol: 'NVDA', ts: 100, block: 'cooling_off' }]);
    t.actor.send({ ...SETUP, block: 'daily_loss' });
    expect(t.take()).toEqual([{ type: 'setupBlocked', symbol: 'NVDA', ts: 100, block: 'daily_loss' }]);
  });

  it('refuses a plan without a premium or a whole contract', () => {
    for (const bad of [{ premium: 0 }, { premium: Number.NaN }, { contracts: 0 }, { contracts: 1.5 }, { maxHoldMs: 0 }]) {
      const t = trade();
      t.actor.send({ ...SETUP, plan: { ...plan, ...bad } });
      expect(t.value()).toBe('watching');
      expect(t.take()).toEqual([]);
    }
  });

  it('entering: FILLED → holding with the fill; ENTRY_ABANDONED → watching; a second setup is ignored', () => {
    const t = trade(SETUP);
    t.actor.send({ ...SETUP, ts: 150 });
    expect(t.take()).toEqual([]);
    t.actor.send(FILLED);
    expect(t.value()).toBe('holding');
    expect(t.ctx()).toMatchObject({ entryPremium: 2.1, contracts: 3, pendingSince: null });
    const a = trade(SETUP);
    a.actor.send({ type: 'ENTRY_ABANDONED', ts: 200 });
    expect(a.value()).toBe('watching');
    expect(a.ctx().plan).toBeNull();
  });

  it('holding: the profit flag is raised once; an exit emits the exit signal', () => {
    const t = trade(SETUP, FILLED);
    t.actor.send({ type: 'PROFIT_FLAG', ts: 300, pnlPct: 0.16 });
    t.actor.send({ type: 'PROFIT_FLAG', ts: 305, pnlPct: 0.18 });
    expect(t.take()).toEqual([{ type: 'partialFlagged', symbol: 'NVDA', ts: 300, pnlPct: 0.16 }]);
    expect(t.ctx().partialFlagged).toBe(true);
    t.actor.send({ type: 'EXIT_SETUP', ts: 400, reason: 'target', mark: 2.7 });
    expect(t.value()).toBe('exiting');
    expect(t.take()).toEqual([{ type: 'signal', kind: 'exit', symbol: 'NVDA', ts: 400, reason: 'target', plan }]);
  });

  it('exiting: FLAT closes the trade with its estimated P&L; EXIT_ABANDONED → holding', () => {
    const t = trade(SETUP, FILLED, { type: 'EXIT_SETUP', ts: 400, reason: 'stop', mark: 1.9 });
    t.actor.send({ type: 'FLAT', ts: 500 });
    expect(t.value()).toBe('watching');
    const [closed] = t.take();
    expect(closed).toMatchObject({ type: 'tradeClosed', symbol: 'NVDA', ts: 500, reason: 'stop' });
    if (closed?.type !== 'tradeClosed') throw new Error('expected tradeClosed');
    expect(closed.pnl).toBeCloseTo((1.9 - 2.1) * 3 * 100, 9);
    expect(closed.pnlPct).toBeCloseTo(1.9 / 2.1 - 1, 12);
    expect(t.ctx()).toMatchObject({ trades: 1, plan: null, lastExitReason: 'stop' });
    const a = trade(SETUP, FILLED, { type: 'EXIT_SETUP', ts: 400, reason: 'time', mark: 2 });
    a.actor.send({ type: 'EXIT_ABANDONED', ts: 500 });
    expect(a.value()).toBe('holding');
  });

  it('holding: FLAT without an exit of its own is an external close (no result reported)', () => {
    const t = trade(SETUP, FILLED);
    t.actor.send({ type: 'FLAT', ts: 500 });
    expect(t.value()).toBe('watching');
    expect(t.take()).toEqual([]);
    expect(t.ctx().lastExitReason).toBe('external');
  });

  it('watching: POSITION_FOUND adopts a position with its plan', () => {
    const t = trade();
    t.actor.send({ type: 'POSITION_FOUND', ts: 100, plan: { ...plan, setup: 'adopted' }, entryPremium: 1.5, contracts: 2 });
    expect(t.value()).toBe('holding');
    expect(t.ctx()).toMatchObject({ entryPremium: 1.5, contracts: 2, pendingSince: null });
  });

  it('signals only from the right phase, for any event sequence (property)', () => {
    const events: fc.Arbitrary<SwingTradeEvent> = fc.oneof(
      fc.constant(SETUP), fc.constant({ ...SETUP, block: 'daily_loss' as const }), fc.constant(FILLED),
      fc.constant({ type: 'ENTRY_ABANDONED', ts: 1 } as const), fc.constant({ type: 'EXIT_SETUP', ts: 1, reason: 'endOfDay', mark: 1 } as const),
      fc.constant({ type: 'EXIT_ABANDONED', ts: 1 } as const), fc.constant({ type: 'FLAT', ts: 1 } as const),
      fc.constant({ type: 'PROFIT_FLAG', ts: 1, pnlPct: 0.2 } as const),
    );
    fc.assert(
      fc.property(fc.array(events, { maxLength: 40 }), (seq) => {
        const t = trade();
        for (const e of seq) {
          const before = t.value();
          t.actor.send(e);
          for (const out of t.take()) {
            if (out.type !== 'signal') continue;
            // An entry only from watching, an exit only from holding.
            expect(before).toBe(out.kind === 'entry' ? 'watching' : 'holding');
          }
        }
      }),
    );
  });

  it('rejects an input without a symbol', () => {
    expect(() => parseSwingTradeInput({ symbol: ' ' })).toThrow(InputError);
  });
});

const limits: SwingGuardLimits = { maxDailyLossPct: 0.02, lossStreak: 5, coolOffDays: 3, coolOffMinLosses: 3 };

function guard() {
  const actor = createActor(swingGuardMachine, { input: limits });
  actor.start();
  return { actor, value: () => String(actor.getSnapshot().value), ctx: () => actor.getSnapshot().context };
}

describe('swingGuard transitions', () => {
  it('is open until the day loss reaches 2 % of the day-start equity, and opens again the next day', () => {
    const g = guard();
    expect(g.value()).toBe('open');
    g.actor.send({ type: 'NEW_DAY', equity: 100_000 });
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -1_999 });
    expect(g.value()).toBe('open');
    g.actor.send({ type: 'TRADE_CLOSED', pnl: 500 });
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -501 });
    expect(g.value()).toBe('dailyLossLimit');
    expect(swingEntryBlock(g.value())).toBe('daily_loss');
    g.actor.send({ type: 'NEW_DAY', equity: 98_000 });
    expect(g.value()).toBe('open');
    expect(swingEntryBlock(g.value())).toBeNull();
    expect(g.ctx()).toMatchObject({ dayPnl: 0, dayStartEquity: 98_000 });
  });

  it('has no daily limit before the first day has started', () => {
    const g = guard();
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -1e9 });
    expect(g.value()).toBe('open');
  });

  it('cools off for 3 trading days after 5 straight losses (the day it starts counts)', () => {
    const g = guard();
    g.actor.send({ type: 'NEW_DAY', equity: 1e9 });
    for (let i = 0; i < 4; i++) g.actor.send({ type: 'TRADE_CLOSED', pnl: -1 });
    expect(g.value()).toBe('open');
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -1 });
    expect(g.value()).toBe('coolingOff');
    expect(swingEntryBlock(g.value())).toBe('cooling_off');
    g.actor.send({ type: 'NEW_DAY', equity: 1e9 });
    expect(g.value()).toBe('coolingOff');
    g.actor.send({ type: 'NEW_DAY', equity: 1e9 });
    expect(g.value()).toBe('coolingOff');
    g.actor.send({ type: 'NEW_DAY', equity: 1e9 });
    expect(g.value()).toBe('open');
    // The streak is unbroken: the next loss cools off again; a win resets it.
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -1 });
    expect(g.value()).toBe('coolingOff');
    g.actor.send({ type: 'TRADE_CLOSED', pnl: 1 });
    expect(g.value()).toBe('open');
    expect(g.ctx().consecutiveLosses).toBe(0);
  });

  it('a win of a trade opened before the cool-off ends it (it blocks only while ≥ 3 losses)', () => {
    const g = guard();
    g.actor.send({ type: 'NEW_DAY', equity: 1e9 });
    for (let i = 0; i < 5; i++) g.actor.send({ type: 'TRADE_CLOSED', pnl: -1 });
    expect(g.value()).toBe('coolingOff');
    g.actor.send({ type: 'TRADE_CLOSED', pnl: 0 });
    expect(g.value()).toBe('open');
  });

  it('CONFIGURE takes new limits at once', () => {
    const g = guard();
    g.actor.send({ type: 'NEW_DAY', equity: 100_000 });
    g.actor.send({ type: 'TRADE_CLOSED', pnl: -1_500 });
    expect(g.value()).toBe('open');
    g.actor.send({ type: 'CONFIGURE', limits: { ...limits, maxDailyLossPct: 0.01 } });
    expect(g.value()).toBe('dailyLossLimit');
  });

  it('validates its limits', () => {
    expect(() => parseSwingGuardInput({ ...limits, maxDailyLossPct: 0 })).toThrow(InputError);
    expect(() => parseSwingGuardInput({ ...limits, lossStreak: 0 })).toThrow(/lossStreak/);
    expect(() => parseSwingGuardInput({ ...limits, coolOffDays: 1.5 })).toThrow(/coolOffDays/);
  });
});
