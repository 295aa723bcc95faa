import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TradingNode } from '../../engine/tradingNode.js';
import { Portfolio } from '../../engine/portfolio.js';
import { NodeEngineControl } from '../../engine/engineControl.js';
import { OptionMarkModel } from '../../engine/market/optionMarks.js';
import { SimulatedClock } from '../../engine/domain/clock.js';
import { Decimal } from '../../engine/domain/money.js';
import { ConflictError, InputError, NotFoundError } from '../../engine/domain/errors.js';
import { createWsbDipBot } from '../../engine/strategies/wsbDipBot.js';
import type { Principal } from '../../engine/gateway/control.js';
import { PaperBroker } from '../../actors/brokers/paperBroker.js';
import { PersistenceWriter } from '../../actors/persistenceWriter.js';
import { InMemoryStore } from '../../persistence/memoryStore.js';

const T0 = Date.UTC(2025, 0, 6, 21, 0);
const silent = pino({ enabled: false });
const ops: Principal = { subject: 'ops@example', method: 'token' };

function setup() {
  const clock = new SimulatedClock(T0);
  const store = new InMemoryStore();
  const writer = new PersistenceWriter(store, silent);
  const marks = new OptionMarkModel();
  const venue = new PaperBroker({ clock, config: { initialCash: '100000', slippageBps: 0 }, optionPrice: () => 1 });
  const portfolio = new Portfolio(new Decimal(100_000));
  const node = new TradingNode({ clock, logger: silent, venue, writer, marks, strategies: [createWsbDipBot({ marks })], portfolio, idNamespace: 't' });
  const control = new NodeEngineControl({ node, portfolio, store, clock, audit: (e) => writer.run('appendEvent', (s) => s.appendEvent(e)) });
  return { store, node, control };
}

describe('NodeEngineControl', () => {
  it('lists strategies with their state, breaker and parameters, and the breakers per scope', () => {
    const t = setup();
    const [dip] = t.control.strategies();
    expect(dip).toMatchObject({ id: 'wsb-dip-bot', state: 'running', breaker: 'closed', timeframe: '1d', params: { lookback: 7, runPct: 0.08 } });
    expect(t.control.breakers().map((b) => [b.scope, b.state])).toEqual([
      ['global', 'closed'],
      ['wsb-dip-bot', 'closed'],
    ]);
    expect(t.control.pnl()).toMatchObject({ cash: new Decimal(100_000), equity: new Decimal(100_000) });
  });

  it('halts and resumes a strategy, and audits every command with who, what and the result', async () => {
    const t = setup();
    await expect(t.control.command({ type: 'halt_strategy', strategyId: 'wsb-dip-bot', reason: 'maintenance' }, ops)).resolves.toMatchObject({ ok: true, result: { state: 'halted' } });
    expect(t.node.strategyState('wsb-dip-bot')).toBe('halted');
    await t.control.command({ type: 'resume_strategy', strategyId: 'wsb-dip-bot' }, ops);
    expect(t.node.strategyState('wsb-dip-bot')).toBe('running');
    const audit = await t.store.listEvents({ category: 'command' });
    expect(audit.map((e) => [e.action, e.actor, e.scope, e.detail.ok])).toEqual([
      ['halt_strategy', 'ops@example', 'wsb-dip-bot', true],
      ['resume_strategy', 'ops@example', 'wsb-dip-bot', true],
    ]);
  });

  it('a failed command is typed and audited too: unknown strategy, scope or order; breaker-held resume', async () => {
    const t = setup();
    await expect(t.control.command({ type: 'halt_strategy', strategyId: 'nope' }, ops)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.control.command({ type: 'reset_breaker', scope: 'nope' }, ops)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.control.command({ type: 'cancel_order', clientOrderId: 'missing' }, ops)).rejects.toBeInstanceOf(NotFoundError);
    await t.control.command({ type: 'halt_all' }, ops);
    expect(t.node.breakerState()).toBe('open');
    await expect(t.control.command({ type: 'resume_strategy', strategyId: 'wsb-dip-bot' }, ops)).rejects.toBeInstanceOf(ConflictError);
    await t.control.command({ type: 'reset_breaker', scope: 'global' }, ops);
    expect(t.node.strategyState('wsb-dip-bot')).toBe('running');
    await expect(t.control.command({ type: 'run_var' }, ops)).rejects.toBeInstanceOf(ConflictError);
    const audit = await t.store.listEvents({ category: 'command' });
    expect(audit.map((e) => [e.action, e.detail.ok])).toEqual([
      ['halt_strategy', false],
      ['reset_breaker', false],
      ['cancel_order', false],
      ['halt_all', true],
      ['resume_strategy', false],
      ['reset_breaker', true],
      ['run_var', false],
    ]);
    expect(audit[0]!.detail.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sets parameters live, validated as a whole: a bad value changes nothing', async () => {
    const t = setup();
    const r = await t.control.command({ type: 'set_parameters', strategyId: 'wsb-dip-bot', params: { runPct: 0.1, lookback: 12 } }, ops);
    expect(r.result).toMatchObject({ before: { runPct: 0.08, lookback: 7 }, after: { runPct: 0.1, lookback: 12 } });
    await expect(t.control.command({ type: 'set_parameters', strategyId: 'wsb-dip-bot', params: { runPct: -1, lookback: 3 } }, ops)).rejects.toBeInstanceOf(InputError);
    await expect(t.control.command({ type: 'set_parameters', strategyId: 'wsb-dip-bot', params: { typo: 1 } }, ops)).rejects.toThrow(/typo/);
    expect(t.control.strategies()[0]!.params).toMatchObject({ runPct: 0.1, lookback: 12 });
  });
});
