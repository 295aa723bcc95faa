import { MessageBus } from '../../../engine/bus.js';
import { ConflictError, NotFoundError } from '../../../engine/domain/errors.js';
import { Decimal } from '../../../engine/domain/money.js';
import type { Position } from '../../../engine/domain/orders.js';
import type { Authenticator, BreakerStatus, CommandResult, EngineCommand, EngineControl, PnlSnapshot, Principal, StrategyStatus } from '../../../engine/gateway/control.js';
import { InMemoryStore } from '../../../persistence/memoryStore.js';

/**
 * A test EngineControl for the WebSocket gateway: one strategy and two
 * breakers in memory. Commands follow the real contract (NotFoundError for an
 * unknown id, ConflictError for a state that forbids it), are audited in the
 * store, and state changes are published on the bus as the node does.
 */
export class FakeControl implements EngineControl {
  readonly bus = new MessageBus();
  readonly store = new InMemoryStore();
  readonly commands: Array<{ command: EngineCommand; by: Principal }> = [];
  /** When set, `command` throws it (an unexpected failure). */
  failWith: Error | undefined;
  strategyList: StrategyStatus[] = [
    { id: 'dip', state: 'running', haltReason: null, haltSource: null, breaker: 'closed', universe: ['SPY'], timeframe: '1d', params: { lookback: 10 }, signals: { threshold: 55, degraded: false, accuracy: null, correlation: null, window: 0 } },
  ];
  breakerList: BreakerStatus[] = [{ scope: 'global', state: 'closed', reason: null, detail: null, manual: false }];
  positionList: Position[] = [];
  pnlSnapshot: PnlSnapshot = { ts: 0, equity: new Decimal('100000'), cash: new Decimal('100000'), realized: new Decimal(0), unrealized: new Decimal(0) };

  strategies(): StrategyStatus[] {
    return this.strategyList.map((s) => ({ ...s }));
  }

  breakers(): BreakerStatus[] {
    return this.breakerList.map((b) => ({ ...b }));
  }

  positions(): Position[] {
    return [...this.positionList];
  }

  pnl(): PnlSnapshot {
    return this.pnlSnapshot;
  }

  latestVar(): null {
    return null;
  }

  async command(command: EngineCommand, by: Principal): Promise<CommandResult> {
    this.commands.push({ command, by });
    if (this.failWith) throw this.failWith;
    const audit = (detail: Record<string, unknown>) => this.store.appendEvent({ ts: 0, category: 'command', scope: 'strategyId' in command ? command.strategyId : 'global', action: command.type, actor: by.subject, detail });
    try {
      const result = this.apply(command);
      await audit({ ok: true, result });
      return { ok: true, result };
    } catch (e) {
      await audit({ ok: false, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  }

  private apply(c: EngineCommand): Record<string, unknown> {
    if (c.type !== 'halt_strategy' && c.type !== 'resume_strategy') return { accepted: c.type };
    const s = this.strategyList.find((x) => x.id === c.strategyId);
    if (!s) throw new NotFoundError('strategy', c.strategyId);
    const halting = c.type === 'halt_strategy';
    if (halting !== (s.state === 'running')) throw new ConflictError(`strategy ${s.id} is ${s.state}`);
    const next: StrategyStatus = halting ? { ...s, state: 'halted', haltReason: c.reason ?? 'operator', haltSource: 'operator' } : { ...s, state: 'running', haltReason: null, haltSource: null };
    this.strategyList = this.strategyList.map((x) => (x.id === s.id ? next : x));
    this.bus.publish('strategy.state', { strategyId: s.id, state: next.state, reason: next.haltReason });
    return { id: s.id, state: next.state };
  }
}

export const TOKEN = 'test-token-1234';

/** Accepts `Bearer test-token-1234` as alice. */
export function fakeAuthenticator(openReads: boolean): Authenticator {
  return {
    openReads,
    authenticate: (header) => Promise.resolve(header === `Bearer ${TOKEN}` ? { subject: 'alice', method: 'token' } : null),
  };
}
