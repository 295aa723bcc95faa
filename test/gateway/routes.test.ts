import { beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import { T0, execution, makeOptionOrder, makeOrder, makeSignal } from '../persistence/fixtures.js';
import { json, startApi, type Api } from './harness.js';

let api: Api;
beforeEach(async () => {
  api = await startApi();
});

describe('companies', () => {
  it('creates, lists, gets and renames; a duplicate ticker is 409, an unknown one 404', async () => {
    const created = await api.send('POST', '/api/v1/companies', { ticker: 'BRK.B', name: 'Berkshire Hathaway' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/api/v1/companies/BRK.B');
    expect(json(created)).toEqual({ ticker: 'BRK.B', name: 'Berkshire Hathaway' });
    await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple' });

    const dup = await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple again' });
    expect(dup.statusCode).toBe(409);
    expect(json(dup)).toMatchObject({ code: 'CONFLICT', details: { ticker: 'AAPL' } });

    expect(json(await api.get('/api/v1/companies'))).toEqual({
      companies: [
        { ticker: 'AAPL', name: 'Apple' },
        { ticker: 'BRK.B', name: 'Berkshire Hathaway' },
      ],
      count: 2,
    });
    const renamed = await api.send('PATCH', '/api/v1/companies/AAPL', { name: 'Apple Inc.' });
    expect(renamed.statusCode).toBe(200);
    expect(json(await api.get('/api/v1/companies/AAPL'))).toEqual({ ticker: 'AAPL', name: 'Apple Inc.' });

    const unknown = await api.send('PATCH', '/api/v1/companies/MSFT', { name: 'Microsoft' });
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown)).toMatchObject({ code: 'NOT_FOUND', details: { what: 'company', id: 'MSFT' } });
    expect((await api.get('/api/v1/companies/MSFT')).statusCode).toBe(404);
  });

  it.each([
    [{ ticker: 'aapl', name: 'Apple' }, 'ticker', /must match/],
    [{ ticker: 'AAPL', name: '   ' }, 'name', /blank/],
    [{ ticker: 'AAPL' }, 'name', /expected string/],
    [{ ticker: 'AAPL', name: 'Apple', sector: 'tech' }, 'sector', /unknown body field/],
    [{ ticker: 'A'.repeat(21), name: 'Long' }, 'ticker', /must match/],
  ])('refuses the body %o naming the field', async (body, field, message) => {
    const res = await api.send('POST', '/api/v1/companies', body);
    expect(res.statusCode).toBe(400);
    const err = json<{ code: string; message: string; details: { field: string } }>(res);
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.details.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(await api.store.listCompanies()).toEqual([]);
  });

  it('answers a body that is not JSON with INPUT_INVALID naming the body', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/companies', headers: { authorization: 'Bearer test-token-0123456789abcdef', 'content-type': 'application/json' }, payload: '{"ticker":' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'body' } });
  });
});

describe('bodies the server cannot read', () => {
  it('answers 415 for a body that is not JSON and 413 for one over 64 KiB, with stable codes', async () => {
    const headers = { authorization: 'Bearer test-token-0123456789abcdef' };
    const text = await api.app.inject({ method: 'POST', url: '/api/v1/companies', headers: { ...headers, 'content-type': 'application/xml' }, payload: '<ticker>AAPL</ticker>' });
    expect(text.statusCode).toBe(415);
    expect(json(text)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const big = await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'x'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    expect(json(big)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('orders', () => {
  it('lists with filters, gets one, and refuses bad queries naming the parameter', async () => {
    await api.store.insertOrder(makeOrder({ clientOrderId: 'o-1', createdAt: T0 }));
    await api.store.insertOrder(makeOrder({ clientOrderId: 'o-2', createdAt: T0 + 1, status: 'filled', strategyId: 'wheel', symbol: 'MSFT', instrument: { kind: 'equity', symbol: 'MSFT' } }));
    await api.store.insertOrder(makeOptionOrder('o-3'));

    const all = json<{ orders: Array<{ clientOrderId: string }>; count: number; nextCursor: string | null }>(await api.get('/api/v1/orders'));
    expect(all.orders.map((o) => o.clientOrderId)).toEqual(['o-1', 'o-3', 'o-2']);
    expect(all.count).toBe(3);
    expect(all.nextCursor).toBeNull();
    const filled = json<{ orders: Array<{ clientOrderId: string }> }>(await api.get('/api/v1/orders?status=filled,cancelled&strategy=wheel&symbol=MSFT'));
    expect(filled.orders.map((o) => o.clientOrderId)).toEqual(['o-2']);

    const one = json(await api.get('/api/v1/orders/o-1'));
    expect(one).toEqual({
      clientOrderId: 'o-1',
      strategyId: 'wsb_dip_bot',
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'limit',
      limitPrice: '150.25',
      status: 'pending_submit',
      filledQuantity: 0,
      avgFillPrice: null,
      brokerOrderId: null,
      reason: 'dip after run',
      rejectReason: null,
      signalId: null,
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    });
    expect(json(await api.get('/api/v1/orders/nope'))).toMatchObject({ code: 'NOT_FOUND', details: { what: 'order', id: 'nope' } });

    for (const [query, field] of [
      ['status=bogus', 'status.0'],
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['limit=abc', 'limit'],
      ['foo=1', 'foo'],
      ['cursor=not-a-cursor', 'cursor'],
      ['strategy=has%20space', 'strategy'],
    ]) {
      const res = await api.get(`/api/v1/orders?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(json(res), query).toMatchObject({ code: 'INPUT_INVALID', details: { field } });
    }
  });

  it('cancels a working order through the audited command, and refuses a finished one', async () => {
    await api.store.insertOrder(makeOrder({ clientOrderId: 'w-1', status: 'submitted' }));
    const res = await api.send('POST', '/api/v1/orders/w-1/cancel');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ ok: true, result: { clientOrderId: 'w-1', status: 'cancelled' } });
    expect((await api.store.getOrder('w-1'))?.status).toBe('cancelled');
    expect(api.control.commands).toEqual([{ command: { type: 'cancel_order', clientOrderId: 'w-1' }, by: { subject: 'api-token', method: 'token' } }]);

    expect((await api.send('POST', '/api/v1/orders/w-1/cancel')).statusCode).toBe(409);
    expect((await api.send('POST', '/api/v1/orders/ghost/cancel')).statusCode).toBe(404);
    const audit = json<{ events: Array<{ action: string; scope: string; actor: string }> }>(await api.get('/api/v1/audit?category=command'));
    expect(audit.events.map((e) => [e.action, e.scope, e.actor])).toEqual([
      ['cancel_order', 'w-1', 'api-token'],
      ['cancel_order', 'w-1', 'api-token'],
      ['cancel_order', 'ghost', 'api-token'],
    ]);
  });
});

describe('positions, P&L, trades and signals', () => {
  it('lists live positions with money as decimal strings, filtered', async () => {
    api.control.positionList = [
      { symbol: 'MSFT', quantity: 0, avgCost: new Decimal(0), realizedPnl: new Decimal('12.5'), updatedAt: T0 },
      { symbol: 'AAPL', quantity: 10, avgCost: new Decimal('150.12345678'), realizedPnl: new Decimal('-1.3'), updatedAt: T0 + 1 },
    ];
    const all = json<{ positions: Array<Record<string, unknown>> }>(await api.get('/api/v1/positions'));
    expect(all.positions).toEqual([
      { symbol: 'AAPL', quantity: 10, avgCost: '150.12345678', realizedPnl: '-1.3', updatedAt: new Date(T0 + 1).toISOString() },
      { symbol: 'MSFT', quantity: 0, avgCost: '0', realizedPnl: '12.5', updatedAt: new Date(T0).toISOString() },
    ]);
    expect(json<{ count: number }>(await api.get('/api/v1/positions?open=true')).count).toBe(1);
    expect(json<{ positions: Array<{ symbol: string }> }>(await api.get('/api/v1/positions?open=false')).positions.map((p) => p.symbol)).toEqual(['MSFT']);
    expect(json<{ count: number }>(await api.get('/api/v1/positions?symbol=AAPL')).count).toBe(1);
    expect(json(await api.get('/api/v1/positions?open=yes'))).toMatchObject({ details: { field: 'open' } });
    expect(json(await api.get('/api/v1/pnl'))).toEqual({ ts: new Date(0).toISOString(), equity: '100000', cash: '100000', realized: '0', unrealized: '0' });
  });

  it('lists booked trades, most recent `limit`, filtered by symbol, strategy and side', async () => {
    const buy = makeOrder({ clientOrderId: 'b', quantity: 5 });
    const sell = makeOrder({ clientOrderId: 's', quantity: 5, side: 'sell', strategyId: 'wheel', createdAt: T0 + 1 });
    await api.store.insertOrder(buy);
    await api.store.insertOrder(sell);
    const x1 = execution({ order: buy, fillId: 'f1', quantity: 5, price: '10.5', ts: T0 + 10 });
    await api.store.recordFill(x1.fill, x1.order, x1.position, x1.trade);
    const x2 = execution({ order: sell, fillId: 'f2', quantity: 5, price: '12', ts: T0 + 20, before: x1.position });
    await api.store.recordFill(x2.fill, x2.order, x2.position, x2.trade);

    const all = json<{ trades: Array<Record<string, unknown>>; count: number }>(await api.get('/api/v1/trades'));
    expect(all.count).toBe(2);
    expect(all.trades[0]).toEqual({
      fillId: 'f1',
      clientOrderId: 'b',
      strategyId: 'wsb_dip_bot',
      symbol: 'AAPL',
      side: 'BUY',
      quantity: 5,
      price: '10.5',
      fees: '0.65',
      grossAmount: '52.5',
      executedAt: new Date(T0 + 10).toISOString(),
    });
    const ids = async (q: string) => json<{ trades: Array<{ fillId: string }> }>(await api.get(`/api/v1/trades?${q}`)).trades.map((t) => t.fillId);
    expect(await ids('limit=1')).toEqual(['f2']);
    expect(await ids('side=BUY')).toEqual(['f1']);
    expect(await ids('strategy=wheel')).toEqual(['f2']);
    expect(await ids('symbol=MSFT')).toEqual([]);
  });

  it('lists the signal history, filtered by strategy, symbol, decision and kind', async () => {
    await api.store.recordSignal(makeSignal({ signalId: 's1', ts: T0 + 1 }));
    await api.store.recordSignal(makeSignal({ signalId: 's2', ts: T0 + 2, decision: 'rejected', reason: 'below_threshold', symbol: 'AAPL' }));
    await api.store.recordSignal(makeSignal({ signalId: 's3', ts: T0 + 3, strategyId: 'wheel', kind: 'exit' }));
    const body = json<{ signals: Array<Record<string, unknown>> }>(await api.get('/api/v1/signals?decision=rejected'));
    expect(body.signals).toEqual([
      {
        signalId: 's2',
        strategyId: 'swing_trading',
        symbol: 'AAPL',
        kind: 'entry',
        ts: new Date(T0 + 2).toISOString(),
        strength: 72.5,
        score: 64.25,
        threshold: 50,
        decision: 'rejected',
        reason: 'below_threshold',
        features: { rsi: 28.125, volumeRatio: 2.5, drop: -0.0712 },
        clientOrderId: null,
        grade: 'poor',
        components: { strength: 0.725, confidence: 0.6, consistency: 0.75, volume: 0.5, confluence: 0.6666666666666666, riskReward: 2, regime: 0.4 },
        dataQuality: { ok: true, reason: null, checks: [{ code: 'stale', passed: true, detail: 'bar is 0 ms old' }] },
        outcome: null,
      },
    ]);
    await api.store.recordSignalOutcome('s1', { pnl: new Decimal('-12.5'), returnPct: -0.025, holdingMs: 86_400_000, closedAt: T0 + 86_400_000 });
    const withOutcome = json<{ signals: Array<{ signalId: string; outcome: unknown }> }>(await api.get('/api/v1/signals?strategy=swing_trading')).signals[0];
    expect(withOutcome).toMatchObject({ signalId: 's1', outcome: { pnl: '-12.5', returnPct: -0.025, holdingMs: 86_400_000, closedAt: new Date(T0 + 86_400_000).toISOString() } });
    const ids = async (q: string) => json<{ signals: Array<{ signalId: string }> }>(await api.get(`/api/v1/signals?${q}`)).signals.map((s) => s.signalId);
    expect(await ids('strategy=swing_trading')).toEqual(['s1', 's2']);
    expect(await ids('symbol=MSFT')).toEqual(['s1', 's3']);
    expect(await ids('kind=exit')).toEqual(['s3']);
    expect(await ids('limit=2')).toEqual(['s2', 's3']);
    expect(json(await api.get('/api/v1/signals?decision=maybe'))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'decision' } });
  });
});

describe('strategies', () => {
  it('lists, halts with a reason, resumes, stops and starts through audited commands', async () => {
    expect(json<{ strategies: Array<{ id: string; state: string }> }>(await api.get('/api/v1/strategies')).strategies.map((s) => [s.id, s.state])).toEqual([['wsb-dip-bot', 'running']]);
    const halt = await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', { reason: 'earnings week' });
    expect(json(halt)).toEqual({ ok: true, result: { id: 'wsb-dip-bot', state: 'halted' } });
    expect(json(await api.get('/api/v1/strategies/wsb-dip-bot'))).toMatchObject({ state: 'halted', haltReason: 'earnings week', haltSource: 'operator' });
    expect((await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt')).statusCode).toBe(409);
    expect((await api.send('POST', '/api/v1/strategies/wsb-dip-bot/resume')).statusCode).toBe(200);
    expect((await api.send('POST', '/api/v1/strategies/wsb-dip-bot/stop')).statusCode).toBe(200);
    expect((await api.send('POST', '/api/v1/strategies/wsb-dip-bot/start')).statusCode).toBe(200);
    expect((await api.send('POST', '/api/v1/strategies/halt-all', { reason: 'fomc' })).statusCode).toBe(200);
    expect(api.control.commands.map((c) => c.command)).toEqual([
      { type: 'halt_strategy', strategyId: 'wsb-dip-bot', reason: 'earnings week' },
      { type: 'halt_strategy', strategyId: 'wsb-dip-bot' },
      { type: 'resume_strategy', strategyId: 'wsb-dip-bot' },
      { type: 'stop_strategy', strategyId: 'wsb-dip-bot' },
      { type: 'start_strategy', strategyId: 'wsb-dip-bot' },
      { type: 'halt_all', reason: 'fomc' },
    ]);
    expect((await api.send('POST', '/api/v1/strategies/moonshot/halt')).statusCode).toBe(404);
    expect(json(await api.get('/api/v1/strategies/moonshot'))).toMatchObject({ code: 'NOT_FOUND', details: { what: 'strategy' } });
    expect(json(await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', { reason: '' }))).toMatchObject({ details: { field: 'reason' } });
  });

  it('reads and changes parameters; the body is validated before the command', async () => {
    expect(json(await api.get('/api/v1/strategies/wsb-dip-bot/parameters'))).toEqual({ id: 'wsb-dip-bot', params: { runLookbackDays: 10, dipThreshold: -0.03 } });
    const res = await api.send('PATCH', '/api/v1/strategies/wsb-dip-bot/parameters', { dipThreshold: -0.05 });
    expect(json(res)).toEqual({ ok: true, result: { id: 'wsb-dip-bot', params: { runLookbackDays: 10, dipThreshold: -0.05 } } });
    expect(json(await api.send('PATCH', '/api/v1/strategies/wsb-dip-bot/parameters', { nope: 1 }))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'params.nope' } });
    expect(json(await api.send('PATCH', '/api/v1/strategies/wsb-dip-bot/parameters', {}))).toMatchObject({ code: 'INPUT_INVALID' });
    expect(json(await api.send('PATCH', '/api/v1/strategies/wsb-dip-bot/parameters', { '1bad': 1 }))).toMatchObject({ details: { field: '1bad' } });
    expect(api.control.commands).toHaveLength(2);
  });

  it('sets and restores the signal threshold; out-of-range or malformed values are refused naming the field', async () => {
    expect(json(await api.get('/api/v1/strategies/wsb-dip-bot'))).toMatchObject({ signals: { threshold: 55, degraded: false } });
    expect(json(await api.send('PUT', '/api/v1/strategies/wsb-dip-bot/signal-threshold', { threshold: 70, reason: 'too many losers' }))).toEqual({
      ok: true, result: { strategyId: 'wsb-dip-bot', before: 55, after: 70 },
    });
    expect(json(await api.get('/api/v1/strategies/wsb-dip-bot'))).toMatchObject({ signals: { threshold: 70 } });
    expect(json(await api.send('PUT', '/api/v1/strategies/wsb-dip-bot/signal-threshold', { threshold: 'restore' }))).toMatchObject({ result: { after: 55 } });
    expect(json(await api.send('PUT', '/api/v1/strategies/wsb-dip-bot/signal-threshold', { threshold: 101 }))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'threshold' } });
    expect(json(await api.send('PUT', '/api/v1/strategies/wsb-dip-bot/signal-threshold', { threshold: 'up' }))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'threshold' } });
    expect(api.control.commands.map((c) => c.command.type)).toEqual(['set_signal_threshold', 'set_signal_threshold']);
  });
});

describe('breakers and VaR', () => {
  it('shows every breaker, one by scope, and resets an open one', async () => {
    api.control.breakerList = api.control.breakerList.map((b) => (b.scope === 'global' ? { ...b, state: 'open', reason: 'daily_loss_limit', detail: 'loss 6.2%' } : b));
    expect(json<{ count: number }>(await api.get('/api/v1/breakers')).count).toBe(2);
    expect(json(await api.get('/api/v1/breakers/global'))).toEqual({ scope: 'global', state: 'open', reason: 'daily_loss_limit', detail: 'loss 6.2%', manual: false });
    expect(json(await api.send('POST', '/api/v1/breakers/global/reset'))).toEqual({ ok: true, result: { scope: 'global', state: 'closed' } });
    expect((await api.send('POST', '/api/v1/breakers/global/reset')).statusCode).toBe(409);
    expect((await api.send('POST', '/api/v1/breakers/nope/reset')).statusCode).toBe(404);
    expect((await api.get('/api/v1/breakers/nope')).statusCode).toBe(404);
  });

  it('has no VaR report until one is run, then shows it', async () => {
    expect(json(await api.get('/api/v1/var'))).toMatchObject({ code: 'NOT_FOUND', details: { what: 'var report' } });
    expect((await api.send('POST', '/api/v1/var/run')).statusCode).toBe(200);
    expect(json(await api.get('/api/v1/var'))).toEqual({
      ts: new Date(api.control.now).toISOString(),
      horizonDays: 1,
      portfolioValue: '100000',
      results: [{ method: 'historical', confidence: 0.99, var: '2345.67', cvar: '3000.1' }],
    });
  });
});

describe('health, unknown routes, audit', () => {
  it('serves health and readiness without credentials, and 404 JSON for unknown routes and methods', async () => {
    expect(json(await api.get('/healthz', {}))).toEqual({ status: 'ok' });
    expect(json(await api.get('/readyz', {}))).toEqual({ ready: true, checks: { databaseMigrated: true, feedRunning: true, stopping: false } });
    const unknown = await api.get('/api/v1/nothing-here', {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/json/);
    expect(json(unknown)).toEqual({ code: 'NOT_FOUND', message: 'no route GET /api/v1/nothing-here' });
    expect(json(await api.send('DELETE', '/api/v1/orders', undefined, {}))).toEqual({ code: 'NOT_FOUND', message: 'no route DELETE /api/v1/orders' });
  });

  it('answers an unexpected failure with 500 INTERNAL, its message kept out of the body but logged', async () => {
    api.control.command = () => Promise.reject(new Error('socket hang up at 10.0.0.7'));
    const res = await api.send('POST', '/api/v1/var/run');
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(api.logs.some((l) => l.includes('socket hang up') && l.includes('request failed'))).toBe(true);
  });

  it('refuses a bad audit query naming the field', async () => {
    expect(json(await api.get('/api/v1/audit?category=gossip'))).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'category' } });
  });
});
