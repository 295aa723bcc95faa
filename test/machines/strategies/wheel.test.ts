import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { InputError } from '../../../engine/domain/errors.js';
import { Decimal, ZERO } from '../../../engine/domain/money.js';
import {
  assignmentCash,
  costBasisPerShare,
  factsOf,
  factsProblem,
  parseWheelInput,
  wheelMachine,
  wheelPhaseOf,
  type WheelContext,
  type WheelEmitted,
  type WheelEvent,
  type WheelFacts,
  type WheelOption,
  type WheelPlan,
} from '../../../machines/strategies/wheel.js';

const d = (v: Decimal.Value) => new Decimal(v);
const PUT: WheelPlan = { contractSymbol: 'KO    240315P00055000', right: 'P', expiry: '2024-03-15', strike: d(55), contracts: 1 };
const CALL: WheelPlan = { contractSymbol: 'KO    240419C00058000', right: 'C', expiry: '2024-04-19', strike: d(58), contracts: 1 };
const LOW_CALL: WheelPlan = { ...CALL, contractSymbol: 'KO    240419C00053000', strike: d(53) };

function phase(a: { getSnapshot(): unknown }): string {
  const v = (a.getSnapshot() as { value: unknown }).value;
  return typeof v === 'string' ? v : Object.entries(v as Record<string, string>).map(([k, s]) => `${k}.${s}`)[0]!;
}

function machine(...events: WheelEvent[]) {
  const actor = createActor(wheelMachine, { input: { symbol: 'KO' } });
  const emitted: WheelEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  for (const e of events) actor.send(e);
  emitted.length = 0;
  return {
    actor,
    send: (e: WheelEvent) => actor.send(e),
    take: () => emitted.splice(0),
    phase: () => phase(actor),
    ctx: () => actor.getSnapshot().context,
  };
}

const putSetup = (ts = 1): WheelEvent => ({ type: 'PUT_SETUP', ts, plan: PUT });
const opened = (price: Decimal.Value, contracts = 1, ts = 2): WheelEvent => ({ type: 'OPENED', ts, contracts, price: d(price), fees: d('0.65') });
const assigned: WheelEvent = { type: 'ASSIGNED', ts: 3, shares: 100, price: d(55) };
const callSetup = (plan = CALL): WheelEvent => ({ type: 'CALL_SETUP', ts: 4, plan });
/** Put sold at 1.20, assigned at 55: basis = (5500 − 120 + 0.65) / 100 = 53.8065. */
const IN_ASSIGNED = [putSetup(), opened('1.20'), assigned];
const IN_CALL = [...IN_ASSIGNED, callSetup(), opened('0.80', 1, 5)];

describe('wheel machine: transitions', () => {
  it('starts idle with empty Decimal bookkeeping and refuses a blank symbol', () => {
    const m = machine();
    expect(m.phase()).toBe('idle');
    expect(m.ctx()).toMatchObject({ symbol: 'KO', put: null, call: null, plan: null, shares: 0, cycles: 0 });
    for (const k of ['premium', 'fees', 'stockCost', 'reserved', 'realized'] as const) expect(m.ctx()[k].eq(0)).toBe(true);
    expect(() => parseWheelInput({ symbol: ' ' })).toThrow(InputError);
  });

  it('idle: PUT_SETUP → cashSecuredPut.opening, emitting the sale and reserving strike × 100 × contracts', () => {
    const m = machine();
    m.send({ type: 'PUT_SETUP', ts: 1, plan: { ...PUT, contracts: 2 } });
    expect(m.phase()).toBe('cashSecuredPut.opening');
    expect(m.take()).toEqual([{ type: 'signal', action: 'sellPut', symbol: 'KO', ts: 1, plan: { ...PUT, contracts: 2 } }]);
    expect(m.ctx().reserved.toFixed(2)).toBe('11000.00');
    expect(m.ctx().pendingSince).toBe(1);
  });

  it('refuses a put plan that is not a put, not whole contracts or not a positive strike', () => {
    for (const plan of [{ ...PUT, right: 'C' as const }, { ...PUT, contracts: 0 }, { ...PUT, contracts: 1.5 }, { ...PUT, strike: d(0) }]) {
      const m = machine();
      m.send({ type: 'PUT_SETUP', ts: 1, plan });
      expect(m.phase()).toBe('idle');
      expect(m.take()).toEqual([]);
    }
  });

  it('opening: OPENED → open, booking premium × 100 × contracts; ABANDONED → idle with nothing reserved', () => {
    const m = machine(putSetup());
    m.send(opened('1.20'));
    expect(m.phase()).toBe('cashSecuredPut.open');
    expect(m.ctx().premium.toFixed(2)).toBe('120.00');
    expect(m.ctx().fees.toFixed(2)).toBe('0.65');
    expect(m.ctx().put).toMatchObject({ contractSymbol: PUT.contractSymbol, contracts: 1, openedTs: 2 });
    expect(m.ctx().put!.premium.toFixed(2)).toBe('1.20');
    expect(m.ctx().reserved.toFixed(2)).toBe('5500.00');

    const a = machine(putSetup());
    a.send({ type: 'ABANDONED', ts: 2 });
    expect(a.phase()).toBe('idle');
    expect(a.ctx().reserved.eq(0)).toBe(true);
    expect(a.ctx().plan).toBeNull();
  });

  it('open: CLOSE_SETUP → closing (emits the buy-back); ABANDONED → open; BOUGHT_BACK → idle, the cycle closed', () => {
    const m = machine(putSetup(), opened('1.20'));
    m.send({ type: 'CLOSE_SETUP', ts: 3, reason: 'profit_target' });
    expect(m.phase()).toBe('cashSecuredPut.closing');
    const [e] = m.take();
    expect(e).toMatchObject({ type: 'signal', action: 'buyToClose', reason: 'profit_target', option: { contractSymbol: PUT.contractSymbol } });
    m.send({ type: 'ABANDONED', ts: 4 });
    expect(m.phase()).toBe('cashSecuredPut.open');
    m.send({ type: 'CLOSE_SETUP', ts: 5, reason: 'profit_target' });
    m.take();
    m.send({ type: 'BOUGHT_BACK', ts: 6, price: d('0.90'), fees: d('0.65') });
    expect(m.phase()).toBe('idle');
    // 120 − 90 − 1.30 fees
    expect(m.ctx().realized.toFixed(2)).toBe('28.70');
    expect(m.ctx()).toMatchObject({ cycles: 1, lastOutcome: 'put_bought_back', put: null });
    expect(m.ctx().reserved.eq(0)).toBe(true);
    expect(m.take()).toEqual([{ type: 'cycleCompleted', symbol: 'KO', ts: 6, pnl: d('28.70'), outcome: 'put_bought_back' }]);
  });

  it('an out-of-the-money put expiry returns the wheel to idle (the original lost it, SPEC §13)', () => {
    const m = machine(putSetup(), opened('1.20'));
    m.send({ type: 'EXPIRED', ts: 9 });
    expect(m.phase()).toBe('idle');
    expect(m.ctx()).toMatchObject({ cycles: 1, lastOutcome: 'put_expired' });
    expect(m.ctx().realized.toFixed(2)).toBe('119.35');
    expect(m.ctx().reserved.eq(0)).toBe(true);
    // Back to puts at once: the closed cycle does not block the name (a production defect).
    m.send(putSetup(10));
    expect(m.phase()).toBe('cashSecuredPut.opening');
  });

  it('ASSIGNED → assigned: shares at the strike, the reserve released, basis = strike − premium per share + fees', () => {
    const m = machine(putSetup(), opened('1.20'));
    m.send(assigned);
    expect(m.phase()).toBe('assigned');
    expect(m.ctx()).toMatchObject({ shares: 100, put: null, lastOutcome: 'assigned' });
    expect(m.ctx().stockCost.toFixed(2)).toBe('5500.00');
    expect(m.ctx().reserved.eq(0)).toBe(true);
    expect(costBasisPerShare(m.ctx())!.toFixed(4)).toBe('53.8065');
  });

  it('assigned: CALL_SETUP only at or above the basis and for at most shares / 100 contracts', () => {
    const low = machine(...IN_ASSIGNED);
    low.send(callSetup(LOW_CALL));
    expect(low.phase()).toBe('assigned');
    const many = machine(...IN_ASSIGNED);
    many.send(callSetup({ ...CALL, contracts: 2 }));
    expect(many.phase()).toBe('assigned');
    const m = machine(...IN_ASSIGNED);
    m.send(callSetup());
    expect(m.phase()).toBe('coveredCall.opening');
    const [e] = m.take();
    expect(e).toMatchObject({ type: 'signal', action: 'sellCall', plan: CALL });
    expect((e as { basis: Decimal }).basis.toFixed(4)).toBe('53.8065');
  });

  it('coveredCall.opening: OPENED → open; a fill for more contracts than the shares cover is refused', () => {
    const bad = machine(...IN_ASSIGNED, callSetup());
    bad.send(opened('0.80', 2, 5));
    expect(bad.phase()).toBe('coveredCall.opening');
    const m = machine(...IN_ASSIGNED, callSetup());
    m.send(opened('0.80', 1, 5));
    expect(m.phase()).toBe('coveredCall.open');
    expect(m.ctx().premium.toFixed(2)).toBe('200.00');
    expect(costBasisPerShare(m.ctx())!.toFixed(4)).toBe('53.0130');
    m.send({ type: 'ABANDONED', ts: 6 });
    expect(m.phase()).toBe('coveredCall.open');
  });

  it('coveredCall: EXPIRED or BOUGHT_BACK → assigned with the shares kept, and a new call may be sold', () => {
    const x = machine(...IN_CALL);
    x.send({ type: 'EXPIRED', ts: 7 });
    expect(x.phase()).toBe('assigned');
    expect(x.ctx()).toMatchObject({ shares: 100, call: null, lastOutcome: 'call_expired', cycles: 0 });
    x.send({ type: 'CALL_SETUP', ts: 8, plan: CALL });
    expect(x.phase()).toBe('coveredCall.opening');

    const b = machine(...IN_CALL);
    b.send({ type: 'CLOSE_SETUP', ts: 6, reason: 'profit_target' });
    b.send({ type: 'BOUGHT_BACK', ts: 7, price: d('0.20'), fees: d('0.65') });
    expect(b.phase()).toBe('assigned');
    expect(b.ctx().premium.toFixed(2)).toBe('180.00');
    expect(b.ctx().fees.toFixed(2)).toBe('1.95');
  });

  it('coveredCall: CALLED_AWAY of every share → idle, the cycle result = premiums − fees + stock P&L', () => {
    const m = machine(...IN_CALL);
    m.send({ type: 'CALLED_AWAY', ts: 9, shares: 100, price: d(58) });
    expect(m.phase()).toBe('idle');
    // 120 + 80 − 1.30 + (58 − 55) × 100
    expect(m.ctx().realized.toFixed(2)).toBe('498.70');
    expect(m.ctx()).toMatchObject({ shares: 0, cycles: 1, lastOutcome: 'called_away' });
    expect(m.ctx().stockCost.eq(0)).toBe(true);
    expect(m.take()).toEqual([{ type: 'cycleCompleted', symbol: 'KO', ts: 9, pnl: d('498.70'), outcome: 'called_away' }]);
  });

  it('coveredCall: CALLED_AWAY of part of the shares → assigned with the rest at their share of the cost', () => {
    const m = machine(putSetup(), opened('1.20', 2), { type: 'ASSIGNED', ts: 3, shares: 200, price: d(55) }, callSetup(), opened('0.80', 1, 5));
    m.send({ type: 'CALLED_AWAY', ts: 9, shares: 100, price: d(58) });
    expect(m.phase()).toBe('assigned');
    expect(m.ctx().shares).toBe(100);
    expect(m.ctx().stockCost.toFixed(2)).toBe('5500.00');
    expect(m.ctx().stockRealized.toFixed(2)).toBe('300.00');
  });

  it('a put is sold only from idle and a call only from assigned', () => {
    const puts = [IN_ASSIGNED, IN_CALL, [putSetup()], [putSetup(), opened('1')]];
    for (const events of puts) {
      const m = machine(...events);
      const before = m.phase();
      m.send(putSetup(50));
      expect(m.phase()).toBe(before);
      expect(m.take()).toEqual([]);
    }
    for (const events of [[], [putSetup()], [putSetup(), opened('1')], IN_CALL]) {
      const m = machine(...events);
      const before = m.phase();
      m.send(callSetup());
      expect(m.phase()).toBe(before);
      expect(m.take()).toEqual([]);
    }
  });

  it('DESYNC → unmanaged, which raises nothing until a RESTORE with a consistent book', () => {
    const m = machine(...IN_CALL);
    m.send({ type: 'DESYNC', ts: 9, reason: 'shares sold by hand' });
    expect(m.phase()).toBe('unmanaged');
    expect(m.ctx()).toMatchObject({ unmanagedReason: 'shares sold by hand', call: null, plan: null });
    m.send(putSetup(10));
    m.send(callSetup());
    expect(m.take()).toEqual([]);
    const option: WheelOption = { ...CALL, premium: d('0.8'), openedTs: 5 };
    const both: WheelFacts = { ...factsOf(m.ctx()), put: { ...PUT, premium: d(1), openedTs: 1 }, call: option, shares: 100 };
    m.send({ type: 'RESTORE', ts: 11, facts: both });
    expect(m.phase()).toBe('unmanaged');
    expect(m.ctx().unmanagedReason).toBe('a short put and a short call are open together');
    m.send({ type: 'RESTORE', ts: 12, facts: { ...both, put: null } });
    expect(m.phase()).toBe('coveredCall.open');
    expect(m.ctx().unmanagedReason).toBeNull();
  });

  it('RESTORE puts a fresh machine in the phase the book implies', () => {
    const base: WheelFacts = {
      put: null, call: null, shares: 0, stockCost: ZERO, premium: ZERO, fees: ZERO, stockRealized: ZERO, cycles: 3, realized: d(12), unexpected: null,
    };
    const put: WheelOption = { ...PUT, premium: d('1.1'), openedTs: 1 };
    const call: WheelOption = { ...CALL, premium: d('0.7'), openedTs: 2 };
    const cases: Array<[WheelFacts, string]> = [
      [base, 'idle'],
      [{ ...base, put, premium: d(110) }, 'cashSecuredPut.open'],
      [{ ...base, shares: 100, stockCost: d(5500) }, 'assigned'],
      [{ ...base, shares: 100, stockCost: d(5500), call }, 'coveredCall.open'],
      [{ ...base, shares: 50, stockCost: d(2750), call }, 'unmanaged'],
      [{ ...base, put, shares: 100 }, 'unmanaged'],
      [{ ...base, unexpected: 'a long option' }, 'unmanaged'],
      [{ ...base, shares: -100 }, 'unmanaged'],
    ];
    for (const [facts, want] of cases) {
      const m = machine();
      m.send({ type: 'RESTORE', ts: 1, facts });
      expect([want, m.phase()]).toEqual([want, m.phase() === want ? want : `${m.phase()} (${String(factsProblem(facts))})`]);
      if (want !== 'unmanaged') {
        expect(m.ctx().cycles).toBe(3);
        expect(m.ctx().reserved.toFixed(2)).toBe(facts.put ? '5500.00' : '0.00');
      }
    }
  });
});

// ---- properties over random event sequences ----------------------------------------------------

const decimalArb = fc.integer({ min: 0, max: 500 }).map((c) => new Decimal(c).div(100));
const strikeArb = fc.integer({ min: 1, max: 120 }).map((k) => new Decimal(k));
const planArb = (right: 'P' | 'C'): fc.Arbitrary<WheelPlan> =>
  fc.record({ strike: strikeArb, contracts: fc.integer({ min: 0, max: 3 }) }).map(({ strike, contracts }) => ({
    contractSymbol: `KO    240315${right}${strike.times(1000).toFixed(0).padStart(8, '0')}`, right, expiry: '2024-03-15', strike, contracts,
  }));
const optionArb: fc.Arbitrary<WheelOption | null> = fc.option(
  fc.tuple(fc.constantFrom<'P' | 'C'>('P', 'C'), decimalArb).chain(([right, premium]) => planArb(right).map((p) => ({ ...p, premium, openedTs: 0 }))),
);
const factsArb: fc.Arbitrary<WheelFacts> = fc.record({
  put: optionArb, call: optionArb, shares: fc.constantFrom(0, 50, 100, 200, 300), stockCost: decimalArb.map((x) => x.times(1000)),
  premium: decimalArb.map((x) => x.times(100)), fees: decimalArb, stockRealized: fc.constant(ZERO), cycles: fc.nat(5), realized: fc.constant(ZERO),
  unexpected: fc.constant(null),
});

const eventArb: fc.Arbitrary<WheelEvent> = fc.oneof(
  { weight: 3, arbitrary: planArb('P').map((plan) => ({ type: 'PUT_SETUP', ts: 1, plan }) as const) },
  { weight: 3, arbitrary: planArb('C').map((plan) => ({ type: 'CALL_SETUP', ts: 1, plan }) as const) },
  { weight: 2, arbitrary: fc.constantFrom('profit_target', 'dte_buffer').map((reason) => ({ type: 'CLOSE_SETUP', ts: 1, reason }) as const) },
  { weight: 1, arbitrary: fc.constant({ type: 'ABANDONED', ts: 1 } as const) },
  { weight: 4, arbitrary: fc.record({ contracts: fc.integer({ min: 0, max: 4 }), price: decimalArb, fees: decimalArb }).map((r) => ({ type: 'OPENED', ts: 1, ...r }) as const) },
  { weight: 1, arbitrary: fc.record({ price: decimalArb, fees: decimalArb }).map((r) => ({ type: 'BOUGHT_BACK', ts: 1, ...r }) as const) },
  { weight: 1, arbitrary: fc.constant({ type: 'EXPIRED', ts: 1 } as const) },
  { weight: 2, arbitrary: fc.record({ shares: fc.constantFrom(0, 50, 100, 200, 300), price: strikeArb }).map((r) => ({ type: 'ASSIGNED', ts: 1, ...r }) as const) },
  { weight: 2, arbitrary: fc.record({ shares: fc.constantFrom(0, 50, 100, 200, 300), price: strikeArb }).map((r) => ({ type: 'CALLED_AWAY', ts: 1, ...r }) as const) },
  { weight: 1, arbitrary: fc.constant({ type: 'DESYNC', ts: 1, reason: 'test' } as const) },
  { weight: 1, arbitrary: factsArb.map((facts) => ({ type: 'RESTORE', ts: 1, facts }) as const) },
);

function checkInvariants(c: WheelContext, ph: string): void {
  const putSide = c.put !== null || c.plan?.right === 'P';
  const callSide = c.call !== null || c.plan?.right === 'C';
  // Never a short put and a short call (open or asked for) on the underlying at once.
  expect(putSide && callSide).toBe(false);
  // Never a covered call without 100 shares per contract.
  if (c.call !== null) expect(c.shares).toBeGreaterThanOrEqual(100 * c.call.contracts);
  if (c.plan?.right === 'C') expect(c.shares).toBeGreaterThanOrEqual(100 * c.plan.contracts);
  // Cash for a put's assignment is reserved while it is asked for or open, and only then.
  const want = c.put !== null ? assignmentCash(c.put) : c.plan?.right === 'P' ? assignmentCash(c.plan) : ZERO;
  expect(c.reserved.eq(want)).toBe(true);
  // Money is Decimal.
  for (const k of ['premium', 'fees', 'stockCost', 'reserved', 'realized', 'stockRealized'] as const) expect(c[k]).toBeInstanceOf(Decimal);
  if (ph === 'idle') expect([c.put, c.call, c.shares]).toEqual([null, null, 0]);
  if (ph === 'assigned') expect([c.put, c.call, c.shares > 0]).toEqual([null, null, true]);
  if (ph.startsWith('coveredCall')) expect(c.put).toBeNull();
  if (ph.startsWith('cashSecuredPut')) expect([c.call, c.shares]).toEqual([null, 0]);
  if (ph === 'coveredCall.open' || ph === 'coveredCall.closing') expect(c.call?.right).toBe('C');
  if (ph === 'cashSecuredPut.open' || ph === 'cashSecuredPut.closing') expect(c.put?.right).toBe('P');
  for (const o of [c.put, c.call]) if (o !== null) expect(o.contracts).toBeGreaterThanOrEqual(1);
}

/** The phase a restart must come back in: an order not yet in the book is not a position. */
function restartedPhase(ph: string): string {
  return ({ 'cashSecuredPut.opening': 'idle', 'cashSecuredPut.closing': 'cashSecuredPut.open', 'coveredCall.opening': 'assigned', 'coveredCall.closing': 'coveredCall.open' } as Record<string, string>)[ph] ?? ph;
}

describe('wheel machine: invariants over random event sequences', () => {
  it('never a put and a call together, never a call without 100 shares a contract, the put reserve always held, money in Decimal', () => {
    const visited = new Set<string>();
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        const m = machine();
        checkInvariants(m.ctx(), m.phase());
        for (const e of events) {
          const before = m.ctx();
          m.send(e);
          for (const out of m.take()) {
            if (out.type !== 'signal') continue;
            // A sale is emitted only from a state where it keeps the invariants.
            if (out.action === 'sellPut') expect([before.put, before.call, before.shares, before.plan]).toEqual([null, null, 0, null]);
            if (out.action === 'sellCall') {
              expect(before.put).toBeNull();
              expect(before.call).toBeNull();
              expect(out.plan.contracts * 100).toBeLessThanOrEqual(before.shares);
              expect(out.plan.strike.gte(costBasisPerShare(before)!)).toBe(true);
            }
          }
          checkInvariants(m.ctx(), m.phase());
          visited.add(m.phase());
        }
      }),
      { numRuns: 500 },
    );
    // The sequences reach every phase, so the invariants were checked where they matter.
    expect([...visited].sort()).toEqual([
      'assigned', 'cashSecuredPut.closing', 'cashSecuredPut.open', 'cashSecuredPut.opening',
      'coveredCall.closing', 'coveredCall.open', 'coveredCall.opening', 'idle', 'unmanaged',
    ]);
  });

  it('premium and cost basis follow the fills exactly (a Decimal reference model)', () => {
    fc.assert(
      fc.property(fc.array(eventArb.filter((e) => e.type !== 'RESTORE' && e.type !== 'DESYNC'), { maxLength: 60 }), (events) => {
        const m = machine();
        for (const e of events) {
          const b = m.ctx();
          m.send(e);
          const a = m.ctx();
          if (a === b) continue; // not taken
          const cycleClosed = a.cycles === b.cycles + 1;
          let premium = b.premium;
          let fees = b.fees;
          let stockRealized = b.stockRealized;
          if (e.type === 'OPENED') {
            premium = premium.plus(e.price.times(100).times(e.contracts));
            fees = fees.plus(e.fees);
          }
          if (e.type === 'BOUGHT_BACK') {
            premium = premium.minus(e.price.times(100).times((b.put ?? b.call)!.contracts));
            fees = fees.plus(e.fees);
          }
          if (e.type === 'CALLED_AWAY') stockRealized = stockRealized.plus(e.price.times(e.shares)).minus(b.stockCost.times(e.shares).div(b.shares));
          if (cycleClosed) {
            expect(a.realized.eq(b.realized.plus(premium).minus(fees).plus(stockRealized))).toBe(true);
            expect([a.premium.eq(0), a.fees.eq(0), a.stockCost.eq(0), a.shares]).toEqual([true, true, true, 0]);
          } else {
            expect(a.premium.eq(premium)).toBe(true);
            expect(a.fees.eq(fees)).toBe(true);
            if (e.type === 'ASSIGNED') expect(a.stockCost.eq(b.stockCost.plus(e.price.times(e.shares)))).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a restart from the facts resumes the same phase and the same Decimal bookkeeping', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        const m = machine(...events);
        const ph = m.phase();
        fc.pre(ph !== 'unmanaged');
        const again = machine();
        again.send({ type: 'RESTORE', ts: 99, facts: factsOf(m.ctx()) });
        expect(again.phase()).toBe(restartedPhase(ph));
        expect(wheelPhaseOf(again.actor.getSnapshot())).toBe(restartedPhase(ph).split('.')[0]);
        const a = again.ctx();
        const b = m.ctx();
        expect([a.shares, a.cycles, a.put?.contractSymbol ?? null, a.call?.contractSymbol ?? null]).toEqual([b.shares, b.cycles, b.put?.contractSymbol ?? null, b.call?.contractSymbol ?? null]);
        for (const k of ['premium', 'fees', 'stockCost', 'realized', 'stockRealized'] as const) expect(a[k].eq(b[k])).toBe(true);
        expect(a.reserved.eq(b.put !== null ? assignmentCash(b.put) : 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
