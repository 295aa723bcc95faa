import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { equity, optionContract, type OptionContract } from '../../engine/domain/instrument.js';
import { Decimal, ZERO } from '../../engine/domain/money.js';
import type { TradeTransaction } from '../../engine/domain/orders.js';
import { expiryCloseUtc } from '../../engine/market/expiries.js';
import type { HeldQuantity } from '../../engine/strategies/types.js';
import { factsMatchPositions, wheelFactsFromPositions, wheelFactsFromTrades } from '../../engine/strategies/wheel/ledger.js';
import { reconcileEvents, type ReconcileInput } from '../../engine/strategies/wheel/reconcile.js';
import { parseWheelInput, wheelMachine, type WheelContext, type WheelEvent, type WheelOption } from '../../machines/strategies/wheel.js';

const d = (v: Decimal.Value) => new Decimal(v);
const SYM = 'KO';
const PUT = optionContract({ underlying: SYM, expiry: '2024-03-15', right: 'P', strike: 55 });
const CALL = optionContract({ underlying: SYM, expiry: '2024-04-19', right: 'C', strike: 58 });
const T = Date.UTC(2024, 1, 1, 21);
const PUT_CLOSE = expiryCloseUtc('2024-03-15');
const CALL_CLOSE = expiryCloseUtc('2024-04-19');

let n = 0;
function row(symbol: string, side: 'BUY' | 'SELL', quantity: number, price: Decimal.Value, fees: Decimal.Value, ts: number, clientOrderId = `o${++n}`, strategyId = 'wheel'): TradeTransaction {
  const source = clientOrderId.startsWith('expiry:') ? { source: 'expiry' as const } : {};
  return { fillId: `${clientOrderId}-${n}`, clientOrderId, strategyId, symbol, side, quantity, price: d(price), fees: d(fees), grossAmount: d(price).times(quantity), executedAt: ts, ...source };
}
const expiryRows = (date: string, ...rows: Array<[string, 'BUY' | 'SELL', number, Decimal.Value]>) =>
  rows.map(([symbol, side, q, price]) => row(symbol, side, q, price, 0, expiryCloseUtc(date), `expiry:${date}:${SYM}`));

describe('wheel bookkeeping rebuilt from trade rows', () => {
  it('a put sold and bought back closes one cycle: premium − cost − fees', () => {
    const f = wheelFactsFromTrades([row(PUT.symbol, 'SELL', 1, '1.20', '0.65', T), row(PUT.symbol, 'BUY', 1, '0.85', '0.65', T + 1)], 'wheel').get(SYM)!;
    expect([f.put, f.call, f.shares, f.cycles, f.realized.toFixed(2), f.premium.toFixed(2)]).toEqual([null, null, 0, 1, '33.70', '0.00']);
  });

  it('an assignment (the put closed at 0 and the shares at the strike, one event) is one step, not a flat book in between', () => {
    const trades = [row(PUT.symbol, 'SELL', 1, '1.20', '0.65', T), ...expiryRows('2024-03-15', [PUT.symbol, 'BUY', 1, 0], [SYM, 'BUY', 100, 55])];
    const f = wheelFactsFromTrades(trades, 'wheel').get(SYM)!;
    expect([f.put, f.shares, f.cycles, f.stockCost.toFixed(2), f.premium.toFixed(2), f.fees.toFixed(2)]).toEqual([null, 100, 0, '5500.00', '120.00', '0.65']);
  });

  it('a covered call keeps its average premium; a partial buy-back keeps the average of what is left', () => {
    const base = [row(PUT.symbol, 'SELL', 2, '1.20', '1.30', T), ...expiryRows('2024-03-15', [PUT.symbol, 'BUY', 2, 0], [SYM, 'BUY', 200, 55])];
    const calls = [row(CALL.symbol, 'SELL', 1, '0.80', '0.65', PUT_CLOSE + 1), row(CALL.symbol, 'SELL', 1, '1.00', '0.65', PUT_CLOSE + 2)];
    const f = wheelFactsFromTrades([...base, ...calls], 'wheel').get(SYM)!;
    expect(f.call).toMatchObject({ contractSymbol: CALL.symbol, contracts: 2, right: 'C' });
    expect(f.call!.premium.toFixed(2)).toBe('0.90');
    const g = wheelFactsFromTrades([...base, ...calls, row(CALL.symbol, 'BUY', 1, '0.30', '0.65', PUT_CLOSE + 3)], 'wheel').get(SYM)!;
    expect([g.call!.contracts, g.call!.premium.toFixed(2), g.premium.toFixed(2)]).toEqual([1, '0.90', '390.00']);
  });

  it('called away closes the cycle with the stock P&L; rows of other strategies are ignored', () => {
    const trades = [
      row(PUT.symbol, 'SELL', 1, '1.20', '0.65', T),
      row(PUT.symbol, 'SELL', 5, '9', '0', T, 'x', 'lotto-scanner'),
      ...expiryRows('2024-03-15', [PUT.symbol, 'BUY', 1, 0], [SYM, 'BUY', 100, 55]),
      row(CALL.symbol, 'SELL', 1, '0.80', '0.65', PUT_CLOSE + 1),
      ...expiryRows('2024-04-19', [CALL.symbol, 'BUY', 1, 0], [SYM, 'SELL', 100, 58]),
    ];
    const f = wheelFactsFromTrades(trades, 'wheel').get(SYM)!;
    // 120 + 80 − 1.30 + 300
    expect([f.shares, f.cycles, f.realized.toFixed(2), f.stockCost.toFixed(2)]).toEqual([0, 1, '498.70', '0.00']);
  });

  it('flags what a wheel never holds: a long option, two short puts, short stock', () => {
    const long = wheelFactsFromTrades([row(PUT.symbol, 'BUY', 1, '1', '0', T)], 'wheel').get(SYM)!;
    expect(long.unexpected).toMatch(/long option/);
    const other = optionContract({ underlying: SYM, expiry: '2024-03-15', right: 'P', strike: 50 });
    const two = wheelFactsFromTrades([row(PUT.symbol, 'SELL', 1, '1', '0', T), row(other.symbol, 'SELL', 1, '1', '0', T)], 'wheel').get(SYM)!;
    expect(two.unexpected).toBe('more than one short put');
    const short = wheelFactsFromTrades([row(SYM, 'SELL', 100, '50', '0', T)], 'wheel').get(SYM)!;
    expect(short.unexpected).toBe('short 100 shares');
  });

  it('matches the facts against positions; falls back to positions with the holding price and estimates', () => {
    const trades = [row(PUT.symbol, 'SELL', 1, '1.20', '0.65', T), ...expiryRows('2024-03-15', [PUT.symbol, 'BUY', 1, 0], [SYM, 'BUY', 100, 55]), row(CALL.symbol, 'SELL', 1, '0.80', '0.65', PUT_CLOSE + 1)];
    const f = wheelFactsFromTrades(trades, 'wheel').get(SYM)!;
    const book: HeldQuantity[] = [{ instrument: equity(SYM), quantity: 100 }, { instrument: CALL, quantity: -1 }];
    expect(factsMatchPositions(f, book, SYM)).toBe(true);
    expect(factsMatchPositions(f, book.slice(0, 1), SYM)).toBe(false);
    expect(factsMatchPositions(f, [...book, { instrument: PUT, quantity: -1 }], SYM)).toBe(false);
    const held = { instrument: equity(SYM), quantity: 100, entryPrice: d(55), entryTs: PUT_CLOSE };
    const p = wheelFactsFromPositions(SYM, book, held, () => d('0.75'), d(54), PUT_CLOSE + 5);
    expect([p.shares, p.stockCost.toFixed(2), p.call!.premium.toFixed(2), p.premium.toFixed(2), p.unexpected]).toEqual([100, '5500.00', '0.75', '75.00', null]);
    const noCost = wheelFactsFromPositions(SYM, book, undefined, () => d('0.75'), d(54), PUT_CLOSE + 5);
    expect(noCost.stockCost.toFixed(2)).toBe('5400.00');
  });
});

// ---- book → machine events ----------------------------------------------------------------------

function contextWith(over: Partial<WheelContext>): WheelContext {
  return { ...parseWheelInput({ symbol: SYM }), ...over };
}
const putOpt: WheelOption = { contractSymbol: PUT.symbol, right: 'P', expiry: PUT.expiry, strike: PUT.strike, contracts: 1, premium: d('1.2'), openedTs: T };
const callOpt: WheelOption = { contractSymbol: CALL.symbol, right: 'C', expiry: CALL.expiry, strike: CALL.strike, contracts: 1, premium: d('0.8'), openedTs: T };
const shares = (q = 100): HeldQuantity => ({ instrument: equity(SYM), quantity: q });
const short = (c: OptionContract): HeldQuantity => ({ instrument: c, quantity: -1 });

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return { phase: 'idle', context: contextWith({}), underlying: SYM, positions: [], held: undefined, working: false, ts: T + 10, spot: d(56), estimate: () => d('0.42'), ...over };
}
const types = (events: WheelEvent[]) => events.map((e) => e.type);

describe('wheel reconcile: what the book shows, as machine events', () => {
  const opening = contextWith({ plan: { contractSymbol: PUT.symbol, right: 'P', expiry: PUT.expiry, strike: PUT.strike, contracts: 1 }, pendingSince: T });

  it('an order asked for: OPENED at the holding price when the book shows it, else waits, else ABANDONED', () => {
    const held = { instrument: PUT, quantity: -1, entryPrice: d('1.17'), entryTs: T + 5 };
    const opened = reconcileEvents(input({ phase: 'cashSecuredPut.opening', context: opening, positions: [short(PUT)], held }));
    expect(opened).toEqual([{ type: 'OPENED', ts: T + 10, contracts: 1, price: d('1.17'), fees: ZERO }]);
    expect(reconcileEvents(input({ phase: 'cashSecuredPut.opening', context: opening, working: true }))).toEqual([]);
    expect(reconcileEvents(input({ phase: 'cashSecuredPut.opening', context: opening, ts: T }))).toEqual([]);
    expect(types(reconcileEvents(input({ phase: 'cashSecuredPut.opening', context: opening })))).toEqual(['ABANDONED']);
  });

  it('an open put gone: bought back before expiry (estimated), expired or assigned after its close', () => {
    const ctx = contextWith({ put: putOpt });
    expect(reconcileEvents(input({ phase: 'cashSecuredPut.open', context: ctx }))).toEqual([{ type: 'BOUGHT_BACK', ts: T + 10, price: d('0.42'), fees: ZERO }]);
    expect(types(reconcileEvents(input({ phase: 'cashSecuredPut.open', context: ctx, ts: PUT_CLOSE })))).toEqual(['EXPIRED']);
    expect(reconcileEvents(input({ phase: 'cashSecuredPut.open', context: ctx, ts: PUT_CLOSE, positions: [shares()] }))).toEqual([{ type: 'ASSIGNED', ts: PUT_CLOSE, shares: 100, price: PUT.strike }]);
    // Still held at its close: the settlement has not been booked yet.
    expect(reconcileEvents(input({ phase: 'cashSecuredPut.open', context: ctx, ts: PUT_CLOSE, positions: [short(PUT)] }))).toEqual([]);
  });

  it('an open call gone: called away with the shares, expired without them moving, bought back before expiry', () => {
    const ctx = contextWith({ call: callOpt, shares: 100, stockCost: d(5500) });
    expect(reconcileEvents(input({ phase: 'coveredCall.open', context: ctx, ts: CALL_CLOSE }))).toEqual([{ type: 'CALLED_AWAY', ts: CALL_CLOSE, shares: 100, price: CALL.strike }]);
    expect(types(reconcileEvents(input({ phase: 'coveredCall.open', context: ctx, ts: CALL_CLOSE, positions: [shares()] })))).toEqual(['EXPIRED']);
    expect(types(reconcileEvents(input({ phase: 'coveredCall.closing', context: ctx, positions: [shares()] })))).toEqual(['BOUGHT_BACK']);
    expect(types(reconcileEvents(input({ phase: 'coveredCall.closing', context: { ...ctx, pendingSince: T }, positions: [shares(), short(CALL)] })))).toEqual(['ABANDONED']);
  });

  it('anything else: DESYNC then RESTORE from the positions', () => {
    const ctx = contextWith({ call: callOpt, shares: 100, stockCost: d(5500) });
    const sold = reconcileEvents(input({ phase: 'coveredCall.open', context: ctx, positions: [short(CALL)] }));
    expect(types(sold)).toEqual(['DESYNC', 'RESTORE']);
    expect(reconcileEvents(input({ phase: 'assigned', context: contextWith({ shares: 100 }), positions: [shares(200)] })).map((e) => e.type)).toEqual(['DESYNC', 'RESTORE']);
    expect(types(reconcileEvents(input({ phase: 'idle', positions: [short(PUT)] })))).toEqual(['DESYNC', 'RESTORE']);
    expect(reconcileEvents(input({ phase: 'idle' }))).toEqual([]);
    // Unmanaged: adopted only once the book is one a wheel can be in.
    expect(reconcileEvents(input({ phase: 'unmanaged', positions: [short(PUT), short(CALL)] }))).toEqual([]);
    expect(types(reconcileEvents(input({ phase: 'unmanaged', positions: [short(PUT)] })))).toEqual(['RESTORE']);
  });
});

// ---- a restart from the trade rows resumes what the live machine had ---------------------------

type Step = { events: WheelEvent[]; trades: TradeTransaction[] };

/** A random valid wheel history: each choice picks one of the moves allowed in the current phase. */
function history(choices: ReadonlyArray<{ pick: number; cents: number; k: number }>): Step[] {
  const steps: Step[] = [];
  let phase: 'idle' | 'put' | 'assigned' | 'call' = 'idle';
  let put: OptionContract = PUT;
  let call: OptionContract = CALL;
  let ts = T;
  let shares = 0;
  // The cycle's amounts, as the machine keeps them, so a call is offered at or above its basis.
  let premium = ZERO;
  let fees = ZERO;
  for (const { pick, cents, k } of choices) {
    ts += 86_400_000;
    const price = d(cents).div(100);
    const fee = d('0.65');
    if (phase === 'idle') {
      put = optionContract({ underlying: SYM, expiry: '2024-03-15', right: 'P', strike: 40 + k });
      steps.push({ events: [{ type: 'PUT_SETUP', ts, plan: { contractSymbol: put.symbol, right: 'P', expiry: put.expiry, strike: put.strike, contracts: 1 } }, { type: 'OPENED', ts, contracts: 1, price, fees: fee }], trades: [row(put.symbol, 'SELL', 1, price, fee, ts)] });
      premium = premium.plus(price.times(100));
      fees = fees.plus(fee);
      phase = 'put';
    } else if (phase === 'put') {
      const move = pick % 3;
      if (move === 0) {
        steps.push({ events: [{ type: 'CLOSE_SETUP', ts, reason: 'profit_target' }, { type: 'BOUGHT_BACK', ts, price, fees: fee }], trades: [row(put.symbol, 'BUY', 1, price, fee, ts)] });
        phase = 'idle';
        premium = ZERO;
        fees = ZERO;
      } else if (move === 1) {
        steps.push({ events: [{ type: 'EXPIRED', ts }], trades: [row(put.symbol, 'BUY', 1, 0, 0, ts, `expiry:${ts}`)] });
        phase = 'idle';
        premium = ZERO;
        fees = ZERO;
      } else {
        const id = `expiry:${ts}`;
        steps.push({ events: [{ type: 'ASSIGNED', ts, shares: 100, price: put.strike }], trades: [row(put.symbol, 'BUY', 1, 0, 0, ts, id), row(SYM, 'BUY', 100, put.strike, 0, ts, id)] });
        shares = 100;
        phase = 'assigned';
      }
    } else if (phase === 'assigned') {
      const basis = put.strike.times(shares).minus(premium).plus(fees).div(shares);
      const strike = basis.ceil().plus(k % 5);
      call = optionContract({ underlying: SYM, expiry: '2024-04-19', right: 'C', strike });
      steps.push({ events: [{ type: 'CALL_SETUP', ts, plan: { contractSymbol: call.symbol, right: 'C', expiry: call.expiry, strike, contracts: 1 } }, { type: 'OPENED', ts, contracts: 1, price, fees: fee }], trades: [row(call.symbol, 'SELL', 1, price, fee, ts)] });
      premium = premium.plus(price.times(100));
      fees = fees.plus(fee);
      phase = 'call';
    } else {
      const move = pick % 3;
      if (move === 0) {
        steps.push({ events: [{ type: 'CLOSE_SETUP', ts, reason: 'profit_target' }, { type: 'BOUGHT_BACK', ts, price, fees: fee }], trades: [row(call.symbol, 'BUY', 1, price, fee, ts)] });
        premium = premium.minus(price.times(100));
        fees = fees.plus(fee);
        phase = 'assigned';
      } else if (move === 1) {
        steps.push({ events: [{ type: 'EXPIRED', ts }], trades: [row(call.symbol, 'BUY', 1, 0, 0, ts, `expiry:${ts}`)] });
        phase = 'assigned';
      } else {
        const id = `expiry:${ts}`;
        steps.push({ events: [{ type: 'CALLED_AWAY', ts, shares, price: call.strike }], trades: [row(call.symbol, 'BUY', 1, 0, 0, ts, id), row(SYM, 'SELL', 100, call.strike, 0, ts, id)] });
        shares = 0;
        premium = ZERO;
        fees = ZERO;
        phase = 'idle';
      }
    }
  }
  return steps;
}

function phaseOf(snapshot: { value: unknown }): string {
  const v = snapshot.value;
  return typeof v === 'string' ? v : Object.entries(v as Record<string, string>).map(([a, b]) => `${a}.${b}`)[0]!;
}

describe('wheel restart from the stored trades', () => {
  it('resumes the phase and the exact Decimal bookkeeping the live machine had, after any history', () => {
    const ended = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.record({ pick: fc.nat(), cents: fc.integer({ min: 1, max: 400 }), k: fc.integer({ min: 0, max: 30 }) }), { maxLength: 40 }), (choices) => {
        const steps = history(choices);
        const live = createActor(wheelMachine, { input: { symbol: SYM } }).start();
        for (const s of steps) for (const e of s.events) live.send(e);
        const facts = wheelFactsFromTrades(steps.flatMap((s) => s.trades), 'wheel').get(SYM);
        const restarted = createActor(wheelMachine, { input: { symbol: SYM } }).start();
        if (facts !== undefined) restarted.send({ type: 'RESTORE', ts: 0, facts });
        expect(phaseOf(restarted.getSnapshot())).toBe(phaseOf(live.getSnapshot()));
        const a = restarted.getSnapshot().context;
        const b = live.getSnapshot().context;
        expect([a.shares, a.cycles, a.put?.contractSymbol ?? null, a.call?.contractSymbol ?? null]).toEqual([b.shares, b.cycles, b.put?.contractSymbol ?? null, b.call?.contractSymbol ?? null]);
        for (const k of ['premium', 'fees', 'stockCost', 'realized', 'reserved', 'stockRealized'] as const) expect([k, a[k].toFixed()]).toEqual([k, b[k].toFixed()]);
        if (b.put !== null) expect(a.put!.premium.eq(b.put.premium)).toBe(true);
        if (b.call !== null) expect(a.call!.premium.eq(b.call.premium)).toBe(true);
        ended.add(phaseOf(live.getSnapshot()));
      }),
      { numRuns: 200 },
    );
    // Histories end in every phase a restart can find.
    expect([...ended].sort()).toEqual(['assigned', 'cashSecuredPut.open', 'coveredCall.open', 'idle']);
  });
});
