import { MessageBus } from '../../../engine/bus.js';
import { ConflictError, NotFoundError } from '../../../engine/domain/errors.js';
import { Decimal } from '../../../engine/domain/money.js';
import type { Position } from '../../../engine/domain/orders.js';
import type { TradingStore } from '../../../engine/domain/ports.js';
import type { BreakerStatus, CommandResult, EngineCommand, EngineControl, PnlSnapshot, Principal, StrategyStatus, VarReport } from '../../../engine/gateway/control.js';

/**
 * An EngineControl for the bot tests: one strategy, halt/resume with the real
 * errors (unknown id → NotFoundError, wrong state → ConflictError), and an
 * audit list that records every command with its principal and outcome, as the
 * daemon's control writes to the audit log.
 */
export class FakeControl implements EngineControl {
  readonly bus = new MessageBus();
  // The bots never touch the store; a command goes through `command` only.
  readonly store = {} as TradingStore;
  readonly audit: Array<{ command: EngineCommand; by: Principal; ok: boolean }> = [];
  private state = 'running';

  strategies(): StrategyStatus[] {
    return [{ id: 'wsb-dip-bot', state: this.state, haltReason: this.state === 'halted' ? 'operator' : null, haltSource: null, breaker: 'closed', universe: ['AAPL'], timeframe: '1d', params: {}, signals: { threshold: 55, degraded: false, accuracy: null, correlation: null, window: 0 } }];
  }

  breakers(): BreakerStatus[] {
    return [{ scope: 'global', state: 'closed', reason: null, detail: null, manual: false }];
  }

  positions(): Position[] {
    return [{ symbol: 'AAPL', quantity: 10, avgCost: new Decimal('187.23'), realizedPnl: new Decimal('0'), updatedAt: 0 }];
  }

  pnl(): PnlSnapshot {
    return { ts: 0, equity: new Decimal('100250'), cash: new Decimal('98377.7'), realized: new Decimal('0'), unrealized: new Decimal('250') };
  }

  latestVar(): VarReport | null {
    return null;
  }

  async command(command: EngineCommand, by: Principal): Promise<CommandResult> {
    await Promise.resolve();
    try {
      const result = this.apply(command);
      this.audit.push({ command, by, ok: true });
      return { ok: true, result };
    } catch (e) {
      this.audit.push({ command, by, ok: false });
      throw e;
    }
  }

  private apply(c: EngineCommand): Record<string, unknown> {
    if (c.type !== 'halt_strategy' && c.type !== 'resume_strategy') throw new ConflictError(`${c.type} not supported by the fake`);
    if (c.strategyId !== 'wsb-dip-bot') throw new NotFoundError('strategy', c.strategyId);
    if (c.type === 'halt_strategy') {
      if (this.state !== 'running') throw new ConflictError(`strategy ${c.strategyId} is ${this.state}, not running`);
      this.state = 'halted';
    } else {
      if (this.state !== 'halted') throw new ConflictError(`strategy ${c.strategyId} is ${this.state}, not halted`);
      this.state = 'running';
    }
    return { strategyId: c.strategyId, state: this.state };
  }
}
