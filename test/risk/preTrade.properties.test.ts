import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from '../../engine/domain/money.js';
import type { Instrument } from '../../engine/domain/instrument.js';
import type { Side } from '../../engine/domain/orders.js';
import { OrderActivityTracker } from '../../engine/risk/orderActivity.js';
import { PRE_TRADE_REASONS, assessPreTrade, type PreTradeContext, type PreTradeDecision } from '../../engine/risk/preTrade.js';
import { parsePreTradeLimits, type PreTradeLimits } from '../../engine/risk/preTradeLimits.js';
import { kellyFraction, sizeByStrength } from '../../engine/risk/sizing.js';
import { AAPL, AAPL_CALL, AAPL_PUT, IN_SESSION, intentFor } from './compliance/fixtures.js';
import { exposure, preTradeContext } from './preTradeFixtures.js';

const D = (v: Decimal.Value) => new Decimal(v);
const STRATEGY = 'prop-test';

type Kind = 'stock' | 'call' | 'csp' | 'coveredCall';
const ORDERS: Record<Kind, { instrument: Instrument; side: Side }> = {
  stock: { instrument: AAPL, side: 'buy' },
  call: { instrument: AAPL_CALL, side: 'buy' },
  csp: { instrument: AAPL_PUT, side: 'sell' },
  coveredCall: { instrument: AAPL_CALL, side: 'sell' },
};

const fractionOf = (max: number) => fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000);
/** Mostly small, sometimes anything up to `max`: most scenarios should get through some caps and be cut by others. */
const mostlyBelow = (small: fc.Arbitrary<number>, any: fc.Arbitrary<number>) => fc.oneof({ arbitrary: small, weight: 12 }, { arbitrary: any, weight: 1 });

/** A limit in (0, max]: usually generous (≥ 0.1), sometimes tiny. */
const limitFraction = (max: number) =>
  mostlyBelow(fc.integer({ min: 100, max: max * 1000 }), fc.integer({ min: 1, max: max * 1000 })).map((n) => n / 1000);

const scenario = fc.record({
  kind: fc.constantFrom<Kind>('stock', 'call', 'csp', 'coveredCall'),
  requested: fc.integer({ min: 1, max: 50_000 }),
  equity: mostlyBelow(fc.integer({ min: 200_000, max: 10_000_000 }), fc.integer({ min: 1_000, max: 10_000_000 })),
  cash: mostlyBelow(fc.integer({ min: 100_000, max: 10_000_000 }), fc.integer({ min: -10_000, max: 10_000_000 })),
  reserved: mostlyBelow(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 1_000_000 })),
  markCents: mostlyBelow(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 200_000 })),
  accountQuantity: fc.integer({ min: -3_000, max: 3_000 }),
  underlyingShares: fc.integer({ min: 0, max: 3_000 }),
  shortCallContracts: fc.integer({ min: 0, max: 10 }),
  exposureFractions: fc.tuple(...[1, 2, 3, 4].map(() => mostlyBelow(fractionOf(0.05), fractionOf(1.5))) as [fc.Arbitrary<number>, fc.Arbitrary<number>, fc.Arbitrary<number>, fc.Arbitrary<number>]),
  openPositions: mostlyBelow(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 25 })),
  score: mostlyBelow(fc.double({ min: 50, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true })),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  kelly: fc.option(
    fc.record({
      winRate: mostlyBelow(fc.integer({ min: 550, max: 900 }).map((n) => n / 1000), fractionOf(1)),
      avgWin: mostlyBelow(fc.integer({ min: 100, max: 500 }), fc.integer({ min: 1, max: 500 })),
      avgLoss: mostlyBelow(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 500 })),
    }),
    { nil: undefined },
  ),
  varModel: fc.option(fc.tuple(mostlyBelow(fractionOf(0.04), fractionOf(0.06)), mostlyBelow(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1000 }))), { nil: undefined }),
  todayNotional: mostlyBelow(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 6_000_000 })),
  limits: fc.record({
    maxPositionPct: limitFraction(1),
    maxNamePct: limitFraction(1),
    allocation: limitFraction(1),
    maxGrossExposurePct: limitFraction(2),
    maxOrderNotional: mostlyBelow(fc.integer({ min: 100_000, max: 1_000_000 }), fc.integer({ min: 1_000, max: 1_000_000 })),
    maxDailyNotional: mostlyBelow(fc.integer({ min: 1_000_000, max: 5_000_000 }), fc.integer({ min: 10_000, max: 5_000_000 })),
    maxShares: mostlyBelow(fc.integer({ min: 10_000, max: 200_000 }), fc.integer({ min: 100, max: 200_000 })),
    maxOpenPositions: fc.integer({ min: 1, max: 30 }),
  }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario): { limits: PreTradeLimits; ctx: PreTradeContext; varAt: ((k: number) => number) | null } {
  const limits = parsePreTradeLimits({
    maxPositionPct: s.limits.maxPositionPct, maxNamePct: s.limits.maxNamePct, allocationPct: { [STRATEGY]: s.limits.allocation },
    maxGrossExposurePct: s.limits.maxGrossExposurePct, maxOrderNotional: s.limits.maxOrderNotional, maxDailyNotional: s.limits.maxDailyNotional,
    maxShares: s.limits.maxShares, maxOpenPositions: s.limits.maxOpenPositions,
  });
  const eq = D(s.equity);
  const [p, st, n, g] = s.exposureFractions;
  const activity = new OrderActivityTracker();
  if (s.todayNotional > 0) activity.record({ underlying: 'ZZZ', notional: D(s.todayNotional), ts: IN_SESSION - 3_600_000 });
  // VaR grows linearly with the trade's exposure: base + slope × exposure / equity.
  const varAt = s.varModel === undefined ? null : (k: number) => s.varModel![0] + (s.varModel![1] / 1000) * k;
  const ctx = preTradeContext({
    equity: eq, cash: D(s.cash), reservedBuyingPower: D(s.reserved), mark: D(s.markCents).div(100), accountQuantity: s.accountQuantity,
    underlyingShares: s.underlyingShares, shortCallContracts: s.shortCallContracts,
    exposure: exposure({ position: eq.times(p), strategy: eq.times(st), name: eq.times(n), gross: eq.times(g) }),
    openPositions: s.openPositions, score: s.score, confidence: s.confidence, kelly: s.kelly, orderActivity: activity,
    varAfterTrade: varAt === null ? undefined : (t) => varAt(t.quantity),
  });
  return { limits, ctx, varAt };
}

function decide(s: Scenario, patch: Partial<PreTradeContext> = {}): PreTradeDecision {
  const { limits, ctx } = build(s);
  const { instrument, side } = ORDERS[s.kind];
  return assessPreTrade(intentFor(instrument, side, s.requested, { strategyId: STRATEGY }), { ...ctx, ...patch }, limits);
}

const quantityOf = (d: PreTradeDecision) => (d.approved ? d.intent.quantity : 0);

describe('assessPreTrade properties', () => {
  it('an approved opening never exceeds the request, its graded size, or any cap', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const d = decide(s);
        if (!d.approved) return;
        const { limits, ctx, varAt } = build(s);
        const q = d.intent.quantity;
        const eq = ctx.equity;
        expect(Number.isSafeInteger(q) && q >= 1).toBe(true);
        expect(q).toBeLessThanOrEqual(s.requested);
        expect(q).toBeLessThanOrEqual(sizeByStrength(s.requested, s.score, s.confidence).quantity);
        // Unit economics written out independently of preTradeCaps.ts.
        const mark = ctx.mark!;
        const strikeValue = s.kind === 'csp' ? D(160).times(100) : D(180).times(100);
        const perUnit = {
          stock: { cost: mark, exposure: mark, notional: mark, shares: 1 },
          call: { cost: mark.times(100), exposure: mark.times(100), notional: mark.times(100), shares: 100 },
          csp: { cost: strikeValue, exposure: strikeValue, notional: strikeValue, shares: 100 },
          coveredCall: { cost: D(0), exposure: D(0), notional: strikeValue, shares: 100 },
        }[s.kind];
        const add = (x: Decimal) => x.times(q);
        if (perUnit.cost.gt(0)) expect(add(perUnit.cost).lte(ctx.cash.minus(ctx.reservedBuyingPower))).toBe(true);
        if (perUnit.exposure.gt(0)) {
          expect(ctx.exposure.position.plus(add(perUnit.exposure)).lte(eq.times(limits.maxPositionPct))).toBe(true);
          expect(ctx.exposure.strategy.plus(add(perUnit.exposure)).lte(eq.times(s.limits.allocation))).toBe(true);
          expect(ctx.exposure.gross.plus(add(perUnit.exposure)).lte(eq.times(limits.maxGrossExposurePct))).toBe(true);
          expect(ctx.exposure.name.plus(add(perUnit.exposure)).lte(eq.times(limits.maxNamePct))).toBe(true);
          if (s.kelly !== undefined) expect(ctx.exposure.position.plus(add(perUnit.exposure)).lte(eq.times(kellyFraction(s.kelly)))).toBe(true);
        }
        expect(add(perUnit.notional).lte(limits.maxOrderNotional)).toBe(true);
        expect(D(s.todayNotional).plus(add(perUnit.notional)).lte(limits.maxDailyNotional)).toBe(true);
        const maxUnits = Math.floor(limits.maxShares / perUnit.shares);
        const side = ORDERS[s.kind].side;
        if (side === 'buy') expect(s.accountQuantity + q).toBeLessThanOrEqual(maxUnits);
        else expect(s.accountQuantity - q).toBeGreaterThanOrEqual(-maxUnits);
        if (s.kind === 'coveredCall') expect(q).toBeLessThanOrEqual(Math.floor(s.underlyingShares / 100) - s.shortCallContracts);
        if (s.accountQuantity === 0) expect(s.openPositions).toBeLessThan(limits.maxOpenPositions);
        if (varAt !== null) {
          expect(varAt(q)).toBeLessThanOrEqual(limits.maxVarPct);
          // Maximal: when VaR is what cut the order, one more unit would breach it.
          if (d.bindingCap?.code === 'VAR_LIMIT') expect(varAt(q + 1)).toBeGreaterThan(limits.maxVarPct);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a rejection never carries a quantity, and its reason is a listed code with a detail', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const d = decide(s);
        if (d.approved) return;
        expect('intent' in d).toBe(false);
        expect(Object.keys(d).sort()).toEqual(['approved', 'detail', 'reason', 'skipped', 'warnings']);
        expect(PRE_TRADE_REASONS).toContain(d.reason);
        expect(d.detail.length).toBeGreaterThan(10);
      }),
    );
  });

  it('is monotone in the score: a stronger signal never gets a smaller order', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 100, noNaN: true }), (s, other) => {
        const [lo, hi] = s.score <= other ? [s.score, other] : [other, s.score];
        expect(quantityOf(decide({ ...s, score: lo }))).toBeLessThanOrEqual(quantityOf(decide({ ...s, score: hi })));
      }),
    );
  });

  it('an exit is never blocked by strength, price, caps, VaR or PDT: it is cut to what is held', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 1, max: 5_000 }),
        fc.boolean(),
        fc.constantFrom(null, D(0), D('3.25')),
        (s, held, long, mark) => {
          const { instrument } = ORDERS[s.kind];
          const side: Side = long ? 'sell' : 'buy';
          const heldQuantity = long ? held : -held;
          const { limits, ctx } = build(s);
          const d = assessPreTrade(
            intentFor(instrument, side, s.requested, { strategyId: STRATEGY }),
            { ...ctx, heldQuantity, mark, equity: D(1), cash: D(-1e6), varAfterTrade: () => Number.NaN, score: 0, confidence: 0 },
            limits,
          );
          expect(d.approved).toBe(true);
          if (!d.approved) return;
          expect(d.opening).toBe(false);
          expect(d.intent.quantity).toBe(Math.min(s.requested, held));
          expect(d.intent.side).toBe(side);
        },
      ),
    );
  });
});
