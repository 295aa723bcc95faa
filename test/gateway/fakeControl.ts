import { MessageBus } from '../../engine/bus.js';
import { ConflictError, InputError, NotFoundError } from '../../engine/domain/errors.js';
import { Decimal } from '../../engine/domain/money.js';
import { isTerminal, type Position } from '../../engine/domain/orders.js';
import type { TradingStore } from '../../engine/domain/ports.js';
import type {
  BreakerStatus,
  CommandResult,
  EngineCommand,
  EngineControl,
  PnlSnapshot,
  Principal,
  StrategyStatus,
  VarReport,
} from '../../engine/gateway/control.js';

/**
 * A test-only EngineControl: in-memory strategies and breakers that follow the
 * real rules closely enough for the gateway (unknown id → NotFoundError, a state
 * that does not allow the command → ConflictError), auditing every command in
 * the store like the daemon's control does.
 */
export class FakeControl implements EngineControl {
  readonly bus = new MessageBus();
  readonly commands: Array<{ command: EngineCommand; by: Principal }> = [];
  strategyList: StrategyStatus[] = [
    { id: 'wsb-dip-bot', state: 'running', haltReason: null, haltSource: null, breaker: 'closed', universe: ['AAPL', 'LIN'], timeframe: '1d', params: { runLookbackDays: 10, dipThreshold: -0.03 }, signals: { threshold: 55, degraded: false, accuracy: null, correlation: null, window: 0 } },
  ];
  breakerList: BreakerStatus[] = [
    { scope: 'global', state: 'closed', reason: null, detail: null, manual: false },
    { scope: 'wsb-dip-bot', state: 'closed', reason: null, detail: null, manual: false },
  ];
  positionList: Position[] = [];
  varReport: VarReport | null = null;
  pnlSnapshot: PnlSnapshot = { ts: 0, equity: new Decimal('100000'), cash: new Decimal('100000'), realized: new Decimal(0), unrealized: new Decimal(0) };
  /** Engine-clock time stamped on audit events and VaR reports. */
  now = Date.UTC(2025, 0, 2, 21, 0, 0);

  constructor(readonly store: TradingStore) {}

  strategies(): StrategyStatus[] {
    return this.strategyList.map((s) => ({ ...s }));
  }

  breakers(): BreakerStatus[] {
    return this.breakerList.map((b) => ({ ...b }));
  }

  positions(): Position[] {
    return this.positionList.map((p) => ({ ...p }));
  }

  pnl(): PnlSnapshot {
    return this.pnlSnapshot;
  }

  latestVar(): VarReport | null {
    return this.varReport;
  }

  async command(command: EngineCommand, by: Principal): Promise<CommandResult> {
    this.commands.push({ command, by });
    const scope = 'strategyId' in command ? command.strategyId : 'scope' in command ? command.scope : 'clientOrderId' in command ? command.clientOrderId : 'global';
    try {
      const result = await this.apply(command);
      await this.store.appendEvent({ ts: this.now, category: 'command', scope, action: command.type, actor: by.subject, detail: { ok: true, result } });
      return { ok: true, result };
    } catch (e) {
      await this.store.appendEvent({ ts: this.now, category: 'command', scope, action: command.type, actor: by.subject, detail: { ok: false, error: e instanceof Error ? e.message : String(e) } });
      throw e;
    }
  }

  private strategy(id: string): StrategyStatus {
    const s = this.strategyList.find((x) => x.id === id);
    if (!s) throw new NotFoundError('strategy', id);
    return s;
  }

  private replace(next: StrategyStatus): Record<string, unknown> {
    this.strategyList = this.strategyList.map((s) => (s.id === next.id ? next : s));
    return { id: next.id, state: next.state };
  }

  private async apply(c: EngineCommand): Promise<Record<string, unknown>> {
    switch (c.type) {
      case 'halt_strategy': {
        const s = this.strategy(c.strategyId);
        if (s.state !== 'running') throw new ConflictError(`strategy ${s.id} is ${s.state}, not running`);
        return this.replace({ ...s, state: 'halted', haltReason: c.reason ?? 'operator', haltSource: 'operator' });
      }
      case 'resume_strategy': {
        const s = this.strategy(c.strategyId);
        if (s.state !== 'halted') throw new ConflictError(`strategy ${s.id} is ${s.state}, not halted`);
        return this.replace({ ...s, state: 'running', haltReason: null, haltSource: null });
      }
      case 'start_strategy': {
        const s = this.strategy(c.strategyId);
        if (s.state !== 'stopped') throw new ConflictError(`strategy ${s.id} is ${s.state}, not stopped`);
        return this.replace({ ...s, state: 'running' });
      }
      case 'stop_strategy': {
        const s = this.strategy(c.strategyId);
        if (s.state === 'stopped') throw new ConflictError(`strategy ${s.id} is already stopped`);
        return this.replace({ ...s, state: 'stopped' });
      }
      case 'halt_all': {
        const halted = this.strategyList.filter((s) => s.state === 'running').map((s) => s.id);
        this.strategyList = this.strategyList.map((s) => (s.state === 'running' ? { ...s, state: 'halted', haltReason: c.reason ?? 'operator', haltSource: 'operator' } : s));
        return { halted };
      }
      case 'reset_breaker': {
        const b = this.breakerList.find((x) => x.scope === c.scope);
        if (!b) throw new NotFoundError('breaker', c.scope);
        if (b.state === 'closed') throw new ConflictError(`breaker ${c.scope} is already closed`);
        this.breakerList = this.breakerList.map((x) => (x.scope === c.scope ? { ...x, state: 'closed', reason: null, detail: null, manual: true } : x));
        return { scope: c.scope, state: 'closed' };
      }
      case 'cancel_order': {
        const order = await this.store.getOrder(c.clientOrderId);
        if (!order) throw new NotFoundError('order', c.clientOrderId);
        if (isTerminal(order.status)) throw new ConflictError(`order ${order.clientOrderId} is already ${order.status}`);
        const cancelled = { ...order, status: 'cancelled' as const, rejectReason: 'operator_cancel', updatedAt: this.now };
        await this.store.updateOrder(cancelled);
        this.bus.publish('order.updated', cancelled);
        return { clientOrderId: order.clientOrderId, status: 'cancelled' };
      }
      case 'set_parameters': {
        const s = this.strategy(c.strategyId);
        for (const key of Object.keys(c.params)) {
          if (!(key in s.params)) throw new InputError(`params.${key}`, `unknown parameter of ${s.id}`);
        }
        const params = { ...s.params, ...c.params };
        this.replace({ ...s, params });
        return { id: s.id, params };
      }
      case 'set_signal_threshold': {
        const s = this.strategy(c.strategyId);
        const after = c.threshold === 'restore' ? 55 : c.threshold;
        this.replace({ ...s, signals: { ...s.signals, threshold: after } });
        return { strategyId: s.id, before: s.signals.threshold, after };
      }
      case 'run_var': {
        this.varReport = {
          ts: this.now,
          horizonDays: 1,
          portfolioValue: new Decimal('100000'),
          results: [{ method: 'historical', confidence: 0.99, var: new Decimal('2345.67'), cvar: new Decimal('3000.1') }],
        };
        return { ts: new Date(this.now).toISOString() };
      }
    }
  }
}
