import type { MessageBus } from './bus.js';
import type { Clock } from './domain/clock.js';
import { ConflictError, InputError, NotFoundError, errorMessage, isWsbError } from './domain/errors.js';
import { ZERO } from './domain/money.js';
import { instrumentFromSymbol, multiplierOf } from './domain/instrument.js';
import { isTerminal, type Position } from './domain/orders.js';
import type { AuditEvent, TradingStore } from './domain/ports.js';
import type {
  BreakerStatus,
  CommandResult,
  EngineCommand,
  EngineControl,
  PnlSnapshot,
  Principal,
  StrategyStatus,
  VarReport,
} from './gateway/control.js';
import type { Portfolio } from './portfolio.js';
import type { TradingNode } from './tradingNode.js';

/** What runs a VaR report on demand (the risk engine's pool); absent until one is configured. */
export interface VarService {
  latest(): VarReport | null;
  runNow(): Promise<VarReport>;
}

/**
 * The daemon's EngineControl over its trading node: what operators see and the
 * one path their commands take. Every command is audited (category 'command':
 * who, what, when, and the result or the error) before its answer returns.
 */
export class NodeEngineControl implements EngineControl {
  constructor(
    private readonly deps: {
      readonly node: TradingNode;
      readonly portfolio: Portfolio;
      readonly store: TradingStore;
      readonly clock: Clock;
      /** Appends to the audit log through the persistence writer (ordered with the rest). */
      readonly audit: (event: AuditEvent) => Promise<void>;
      readonly varService?: VarService;
    },
  ) {}

  get bus(): MessageBus {
    return this.deps.node.bus;
  }

  get store(): TradingStore {
    return this.deps.store;
  }

  strategies(): StrategyStatus[] {
    const { node } = this.deps;
    return node.strategyIds().map((id) => {
      const info = node.strategyInfo(id)!;
      return {
        id,
        state: info.state,
        haltReason: info.haltReason,
        haltSource: info.haltSource,
        breaker: node.breakerState(id),
        universe: info.rules.universe,
        timeframe: info.rules.timeframe,
        params: info.rules.params?.() ?? {},
        signals: (({ threshold, degraded, accuracy, correlation, window }) => ({ threshold, degraded, accuracy, correlation, window }))(node.signals.status(id)),
      };
    });
  }

  breakers(): BreakerStatus[] {
    const saved = this.deps.node.riskState();
    const status = (scope: string, b: typeof saved.global): BreakerStatus => ({
      scope,
      state: b.state === 'open' || b.state === 'halfOpen' ? b.state : 'closed',
      reason: b.reason,
      detail: b.detail,
      manual: b.manual,
    });
    return [status('global', saved.global), ...Object.entries(saved.strategies).map(([id, b]) => status(id, b))];
  }

  positions(): Position[] {
    return this.deps.portfolio.allPositions().filter((p) => p.quantity !== 0);
  }

  pnl(): PnlSnapshot {
    const { portfolio, node, clock } = this.deps;
    const equity = node.equity();
    let cost = ZERO;
    for (const p of this.positions()) cost = cost.plus(p.avgCost.times(p.quantity).times(multiplierOf(instrumentFromSymbol(p.symbol))));
    return { ts: clock.now(), equity, cash: portfolio.cash, realized: portfolio.realizedPnl, unrealized: equity.minus(portfolio.cash).minus(cost) };
  }

  latestVar(): VarReport | null {
    return this.deps.varService?.latest() ?? null;
  }

  async command(command: EngineCommand, by: Principal): Promise<CommandResult> {
    const scope = scopeOf(command);
    try {
      const result = await this.run(command, by);
      await this.deps.audit({ ts: this.deps.clock.now(), category: 'command', scope, action: command.type, actor: by.subject, detail: { method: by.method, command: { ...command }, ok: true, result } });
      return { ok: true, result };
    } catch (e) {
      const error = isWsbError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: errorMessage(e) };
      await this.deps.audit({ ts: this.deps.clock.now(), category: 'command', scope, action: command.type, actor: by.subject, detail: { method: by.method, command: { ...command }, ok: false, error } });
      throw e;
    }
  }

  private strategyOrThrow(id: string) {
    const info = this.deps.node.strategyInfo(id);
    if (!info) throw new NotFoundError('strategy', id);
    return info;
  }

  private async run(command: EngineCommand, by: Principal): Promise<Record<string, unknown>> {
    const { node } = this.deps;
    switch (command.type) {
      case 'halt_strategy':
        this.strategyOrThrow(command.strategyId);
        node.haltStrategy(command.strategyId, command.reason ?? `operator:${by.subject}`);
        return { strategyId: command.strategyId, state: node.strategyState(command.strategyId) };
      case 'resume_strategy': {
        const info = this.strategyOrThrow(command.strategyId);
        if (info.haltSource === 'global_breaker' || info.haltSource === 'strategy_breaker') {
          throw new ConflictError(`strategy ${command.strategyId} is halted by a circuit breaker (${info.haltReason ?? ''}); reset the breaker instead`, { strategyId: command.strategyId });
        }
        node.resumeStrategy(command.strategyId);
        return { strategyId: command.strategyId, state: node.strategyState(command.strategyId) };
      }
      case 'start_strategy':
      case 'stop_strategy':
        this.strategyOrThrow(command.strategyId);
        node.setStrategyRunning(command.strategyId, command.type === 'start_strategy');
        return { strategyId: command.strategyId, state: node.strategyState(command.strategyId) };
      case 'halt_all':
        node.manualHalt(by.subject);
        return { scope: 'global', state: node.breakerState() };
      case 'reset_breaker':
        if (!node.breakerScopes().includes(command.scope)) throw new NotFoundError('breaker scope', command.scope);
        node.resetBreaker(by.subject, command.scope);
        return { scope: command.scope, state: node.breakerState(command.scope) };
      case 'cancel_order': {
        const working = node.oms.get(command.clientOrderId);
        if (!working) {
          const stored = await this.deps.store.getOrder(command.clientOrderId);
          if (!stored) throw new NotFoundError('order', command.clientOrderId);
          throw new ConflictError(`order ${command.clientOrderId} is ${stored.status}: only a working order can be cancelled`, { clientOrderId: command.clientOrderId });
        }
        await node.oms.cancel(command.clientOrderId, `operator:${by.subject}`);
        const after = node.oms.get(command.clientOrderId);
        return { clientOrderId: command.clientOrderId, status: after?.status ?? 'cancelled', final: after === undefined || isTerminal(after.status) };
      }
      case 'set_parameters': {
        const info = this.strategyOrThrow(command.strategyId);
        if (info.rules.updateParams === undefined) throw new ConflictError(`strategy ${command.strategyId} does not take live parameter changes`, { strategyId: command.strategyId });
        if (typeof command.params !== 'object' || command.params === null || Array.isArray(command.params)) throw new InputError('params', 'must be an object of parameter names to values');
        const before = info.rules.params?.() ?? {};
        const after = info.rules.updateParams(command.params);
        return { strategyId: command.strategyId, before, after };
      }
      case 'set_signal_threshold': {
        this.strategyOrThrow(command.strategyId);
        const change = node.setSignalThreshold(command.strategyId, command.threshold, command.reason ?? `operator:${by.subject}`);
        return { strategyId: command.strategyId, before: change.before, after: change.after };
      }
      case 'run_var': {
        if (!this.deps.varService) throw new ConflictError('no VaR engine is configured in this daemon', {});
        const report = await this.deps.varService.runNow();
        return { ts: report.ts, results: report.results.length };
      }
    }
  }
}

function scopeOf(command: EngineCommand): string {
  switch (command.type) {
    case 'halt_strategy':
    case 'resume_strategy':
    case 'start_strategy':
    case 'stop_strategy':
    case 'set_parameters':
    case 'set_signal_threshold':
      return command.strategyId;
    case 'reset_breaker':
      return command.scope;
    case 'cancel_order':
      return command.clientOrderId;
    case 'halt_all':
    case 'run_var':
      return 'global';
  }
}
