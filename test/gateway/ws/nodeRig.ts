import { pino } from 'pino';
import { MessageBus } from '../../../engine/bus.js';
import { SimulatedClock } from '../../../engine/domain/clock.js';
import { InputError, NotFoundError } from '../../../engine/domain/errors.js';
import { multiplierOf, instrumentFromSymbol } from '../../../engine/domain/instrument.js';
import type { Bar } from '../../../engine/domain/market.js';
import { Decimal, ZERO } from '../../../engine/domain/money.js';
import type { Position } from '../../../engine/domain/orders.js';
import type { TradingStore } from '../../../engine/domain/ports.js';
import type { BreakerStatus, CommandResult, EngineCommand, EngineControl, PnlSnapshot, Principal, StrategyStatus } from '../../../engine/gateway/control.js';
import { OptionMarkModel } from '../../../engine/market/optionMarks.js';
import { createPaperVenue } from '../../../engine/paperVenue.js';
import { Portfolio } from '../../../engine/portfolio.js';
import { createStrategy } from '../../../engine/strategies/registry.js';
import type { StrategyRules } from '../../../engine/strategies/types.js';
import { TradingNode } from '../../../engine/tradingNode.js';
import { PersistenceWriter } from '../../../actors/persistenceWriter.js';
import { createReplayFeed } from '../../../actors/feeds/replayFeed.js';
import { InMemoryStore } from '../../../persistence/memoryStore.js';

/** The node's view of one replay: what a control over it reads. */
interface Run {
  readonly node: TradingNode;
  readonly portfolio: Portfolio;
  readonly clock: SimulatedClock;
  readonly rules: StrategyRules;
  readonly store: TradingStore;
}

/**
 * An EngineControl over a real TradingNode, for the replay test and the
 * WebSocket benchmark (the daemon's own control is the lead's). The bus
 * outlives the node, so one TopicHub can follow several replays in turn.
 */
export class NodeControl implements EngineControl {
  readonly bus = new MessageBus();
  private run: Run | undefined;
  private readonly haltReasons = new Map<string, string | null>();
  private readonly multipliers = new Map<string, number>();

  constructor() {
    this.bus.subscribe('strategy.state', (m) => this.haltReasons.set(m.strategyId, m.reason));
  }

  attach(run: Run): void {
    this.run = run;
  }

  private get current(): Run {
    if (!this.run) throw new InputError('node', 'no replay attached');
    return this.run;
  }

  get store(): TradingStore {
    return this.current.store;
  }

  strategies(): StrategyStatus[] {
    const { node, rules } = this.current;
    return node.strategyIds().map((id) => ({
      id,
      state: node.strategyState(id) ?? 'unknown',
      haltReason: this.haltReasons.get(id) ?? null,
      haltSource: null,
      breaker: node.breakerScopes().includes(id) ? node.breakerState(id) : 'closed',
      universe: rules.universe,
      timeframe: rules.timeframe,
      params: {},
      signals: (({ threshold, degraded, accuracy, correlation, window }) => ({ threshold, degraded, accuracy, correlation, window }))(node.signals.status(id)),
    }));
  }

  breakers(): BreakerStatus[] {
    const { node } = this.current;
    return node.breakerScopes().map((scope) => ({ scope, state: node.breakerState(scope), reason: null, detail: null, manual: false }));
  }

  positions(): Position[] {
    return this.current.portfolio.allPositions();
  }

  pnl(): PnlSnapshot {
    const { node, portfolio, clock } = this.current;
    const equity = node.equity();
    let cost = ZERO;
    for (const p of portfolio.allPositions()) {
      if (p.quantity === 0) continue;
      let mult = this.multipliers.get(p.symbol);
      if (mult === undefined) {
        mult = multiplierOf(instrumentFromSymbol(p.symbol));
        this.multipliers.set(p.symbol, mult);
      }
      cost = cost.plus(p.avgCost.times(p.quantity * mult));
    }
    return { ts: clock.now(), equity, cash: portfolio.cash, realized: portfolio.realizedPnl, unrealized: equity.minus(portfolio.cash).minus(cost) };
  }

  latestVar(): null {
    return null;
  }

  async command(command: EngineCommand, by: Principal): Promise<CommandResult> {
    const { node, store, clock } = this.current;
    let result: Record<string, unknown>;
    switch (command.type) {
      case 'halt_strategy':
        if (!node.haltStrategy(command.strategyId, command.reason ?? `operator:${by.subject}`)) throw new NotFoundError('strategy', command.strategyId);
        result = { id: command.strategyId, state: node.strategyState(command.strategyId) };
        break;
      case 'resume_strategy':
        if (!node.resumeStrategy(command.strategyId)) throw new NotFoundError('strategy', command.strategyId);
        result = { id: command.strategyId, state: node.strategyState(command.strategyId) };
        break;
      default:
        throw new InputError('command.type', `${command.type} is not supported by this control`);
    }
    await store.appendEvent({ ts: clock.now(), category: 'command', scope: command.strategyId, action: command.type, actor: by.subject, detail: { ok: true, result } });
    return { ok: true, result };
  }
}

/** A fresh dip-bot node on the shared bus, attached to `control`, with a function that replays bars through it (and the hub's bar hook). */
export function startReplay(control: NodeControl, opts: { seed?: number; onBar?: (bar: Bar) => void } = {}) {
  const logger = pino({ level: 'silent' });
  const marks = new OptionMarkModel();
  const rules = createStrategy('wsb-dip-bot', { marks });
  const clock = new SimulatedClock(0);
  const store = new InMemoryStore();
  const initialCash = new Decimal('100000');
  const portfolio = new Portfolio(initialCash);
  const node = new TradingNode({
    clock,
    logger,
    venue: createPaperVenue({ clock, marks, initialCash, seed: opts.seed ?? 42, logger }),
    writer: new PersistenceWriter(store, logger),
    marks,
    strategies: [rules],
    portfolio,
    bus: control.bus,
    idNamespace: 'ws-test',
  });
  control.attach({ node, portfolio, clock, rules, store });
  const onBar = opts.onBar;
  const replay = async (bars: readonly Bar[]): Promise<void> => {
    if (bars.length === 0) return;
    if (clock.now() < bars[0]!.ts - 1) clock.set(bars[0]!.ts - 1);
    await createReplayFeed({ bars, clock }).run(onBar ? (bar) => (onBar(bar), node.onBar(bar)) : (bar) => node.onBar(bar));
    await node.idle();
  };
  return { node, rules, replay };
}
