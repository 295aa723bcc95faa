import { mkdir } from 'node:fs/promises';
import { createActor, fromPromise } from 'xstate';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { engineRootMachine } from '../machines/engineRoot.js';
import type { EngineConfig } from './config.js';
import { RealClock, SimulatedClock } from './domain/clock.js';
import { DataError, errorMessage } from './domain/errors.js';
import { money } from './domain/money.js';
import { OPEN_ORDER_STATUSES } from './domain/orders.js';
import type { Bar, Timeframe } from './domain/market.js';
import { loadBars, bundledDataRoot, loadEarningsCalendarFrom, type TimeBound } from './market/barLoader.js';
import { loadReplayBars } from './market/replayBars.js';
import { OptionMarkModel } from './market/optionMarks.js';
import { createStrategy } from './strategies/registry.js';
import { SIGNAL_STATE_KEY, TradingNode } from './tradingNode.js';
import { parseSignalDeskState } from './signals/signalDesk.js';
import { RISK_STATE_KEY, parseRiskState } from './risk/breakerBoard.js';
import { Portfolio } from './portfolio.js';
import { createPaperVenue } from './paperVenue.js';
import { startGateway } from './gateway/server.js';
import { createAuthenticator } from './gateway/auth.js';
import { EngineMetrics } from './gateway/metrics.js';
import { NodeEngineControl } from './engineControl.js';
import type { PortfolioVarService } from './risk/varService.js';
import { attachVarService, replayBar } from './risk/nodeVar.js';
import { createAlerting, type Alerting } from '../actors/alerts/alerting.js';
import { DailyPnlTracker } from '../actors/alerts/dailyPnl.js';
import { describeAlertSettings } from '../actors/alerts/config.js';
import { createVarPool, type VarPool } from '../actors/varPool.js';
import { TopicHub } from './gateway/ws/topics.js';
import { InspectionHub } from './gateway/ws/inspector.js';
import type { Readiness } from './gateway/health.js';
import { PersistenceWriter } from '../actors/persistenceWriter.js';
import { createReplayFeed } from '../actors/feeds/replayFeed.js';
import { openDatabase, type Database } from '../persistence/database.js';

/** Key of the replay cursor in engine_state: the last bar time fully processed. */
export const REPLAY_CURSOR_KEY = 'replay.cursor';

interface Running {
  db?: Database;
  node?: TradingNode;
  control?: NodeEngineControl;
  varPool?: VarPool;
  alerting?: Alerting;
  dailyPnl?: DailyPnlTracker;
  varService?: PortfolioVarService;
  hub?: TopicHub;
  writer?: PersistenceWriter;
  gateway?: FastifyInstance;
  feed?: ReturnType<typeof createReplayFeed>;
  feedDone?: Promise<unknown>;
  cursor: number;
}

/**
 * The daemon: one engine root actor runs migrate → reconcile → start trading,
 * and shutdown on STOP. Crash-only: start-up after a crash and after a clean
 * stop are the same path (reconcile open orders, rebuild the book from the
 * store's trades, warm indicators up to the persisted cursor, then continue).
 */
export async function runDaemon(config: EngineConfig, logger: Logger): Promise<number> {
  const readiness: Readiness = { databaseMigrated: false, feedRunning: false, stopping: false };
  const r: Running = { cursor: Number.NEGATIVE_INFINITY };
  const clock = new SimulatedClock(0);
  const marks = new OptionMarkModel();
  let bars: Bar[] = [];
  const metrics = new EngineMetrics();
  const inspector = config.inspector ? new InspectionHub() : undefined;
  const authenticator = createAuthenticator(config, {
    onRejected: (reason) => logger.debug({ component: 'gateway', reason }, 'credential refused'),
  });

  const persistCursor = (ts: number) => {
    if (!r.writer || !(ts > r.cursor)) return;
    r.cursor = ts;
    const value = String(ts);
    r.writer.enqueue('replayCursor', (s) => s.setState(REPLAY_CURSOR_KEY, value));
  };

  /**
   * A corrupt or missing data file costs its symbol, not the daemon: it is
   * logged (file, line, field) and the other symbols trade on.
   */
  const loadUsableBars = async (symbols: readonly string[], timeframe: Timeframe, from: TimeBound | undefined, to: TimeBound | undefined): Promise<Bar[]> => {
    const roots = [config.dataDir, bundledDataRoot()];
    const all: Bar[] = [];
    for (const symbol of symbols) {
      try {
        all.push(...(await loadBars({ roots, symbols: [symbol], timeframe, from, to })));
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        logger.error({ symbol, timeframe, ...e.location, err: e.message }, 'market data rejected; this symbol is not replayed');
      }
    }
    return all.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  };

  /**
   * Start (or, under supervision, restart) the replay from the persisted cursor.
   * Bars of a timestamp that was not finished are read again; their signals map
   * to the same client order ids, so nothing is placed twice.
   */
  const startFeed = (): void => {
    const node = r.node!;
    const varService = r.varService!;
    const feed = createReplayFeed({ bars, clock, paceMs: config.replayPaceMs, startAfterTs: Number.isFinite(r.cursor) ? r.cursor : undefined });
    r.feed = feed;
    readiness.feedRunning = true;
    let lastTs = r.cursor;
    r.feedDone = feed
      .run((bar) => {
        const newTime = bar.ts !== lastTs;
        // The cursor moves only when a bar time is complete, so a restart never skips half a timestamp.
        if (newTime && lastTs > Number.NEGATIVE_INFINITY) {
          persistCursor(lastTs);
          r.dailyPnl?.observe(r.control!.pnl());
        }
        lastTs = bar.ts;
        return replayBar(varService, node, bar, newTime);
      })
      .then(async (result) => {
        await node.idle();
        if (!result.stopped) {
          persistCursor(lastTs);
          actor.send({ type: 'CHILD_HEALTHY', childId: 'feed' });
          logger.info({ delivered: result.delivered, orders: node.oms.placedCount, fills: node.counters.fills }, 'replay complete; daemon idle');
        }
        return result;
      })
      .catch((e: unknown) => {
        readiness.feedRunning = false;
        logger.error({ err: errorMessage(e), position: feed.position }, 'market data feed failed');
        actor.send({ type: 'CHILD_FAILED', childId: 'feed', error: e });
      });
  };

  /** Start-up work in flight, so a stop during start-up waits for it before closing what it opened. */
  let startup: Promise<unknown> = Promise.resolve();
  const tracked = <T>(work: () => Promise<T>): Promise<T> => {
    const p = work();
    startup = p.catch(() => undefined);
    return p;
  };

  const root = engineRootMachine.provide({
    actors: {
      migrate: fromPromise<unknown>(() => tracked(async () => {
        await mkdir(config.dataDir, { recursive: true });
        r.db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, migrate: true });
        readiness.databaseMigrated = true;
        logger.info({ database: r.db.kind, target: r.db.target }, 'database migrated');
      })),
      reconcile: fromPromise<unknown>(() => tracked(async () => {
        const db = r.db!;
        const store = db.store;
        // The calendar of WSB_DATA_DIR when it has one, else the bundled one (a corrupt one stops start-up, naming the line).
        const earnings = await loadEarningsCalendarFrom([config.dataDir, bundledDataRoot()]);
        const trades = await store.listTrades();
        const strategies = config.strategies.map((id) => createStrategy(id, { marks, earnings, trades }, 'WSB_STRATEGIES'));
        const portfolio = Portfolio.fromTrades(money(config.initialCash, 'WSB_INITIAL_CASH'), trades);
        const venue = createPaperVenue({ clock, marks, initialCash: portfolio.cash, seed: config.seed, initialPositions: portfolio.allPositions(), logger });
        r.writer = new PersistenceWriter(store, logger.child({ component: 'persistence' }), (what, e) =>
          logger.error({ what, err: errorMessage(e) }, 'persistence failure'),
        );
        const writer = r.writer;
        const savedSignals = await store.getState(SIGNAL_STATE_KEY);
        const node = new TradingNode({
          clock, logger, venue, writer, marks, strategies, portfolio, idNamespace: 'daemon', flattenOnTrip: config.flattenOnTrip,
          ...(savedSignals !== null ? { signalState: parseSignalDeskState(savedSignals) } : {}),
          observeStage: (stage, seconds) => metrics.observeStage(stage, seconds),
          ...(inspector ? { inspect: inspector.inspect } : {}),
        });
        r.node = node;
        r.varPool = createVarPool(config.varThreads !== undefined ? { threads: config.varThreads } : {});
        const varService = attachVarService({ node, clock, portfolio, marks, runner: r.varPool.run, logger, paths: config.varPaths, seed: config.seed });
        r.varService = varService;
        const control = new NodeEngineControl({ node, portfolio, store, clock, varService, audit: (e) => writer.run('appendEvent', (st) => st.appendEvent(e)) });
        r.control = control;
        metrics.attachBus(node.bus);
        // Alert channels run on wall time (providers' rate limits are real), stamped with engine time.
        const alerting = createAlerting(config.alerts, { bus: node.bus, logger, control, clock: new RealClock(), engineNow: () => clock.now() });
        alerting.start();
        r.alerting = alerting;
        r.dailyPnl = new DailyPnlTracker((d) => alerting.router.dailySummary(d));
        logger.info({ alerts: describeAlertSettings(config.alerts) }, 'alerting configured');
        r.hub = new TopicHub({ control });
        await r.hub.load();
        node.setBarTap(r.hub);
        metrics.setSource({ ticks: () => node.counters.bars, breakers: () => control.breakers(), latestVar: () => control.latestVar() });
        // Orders that were working when the last run ended: adopt, then ask the broker.
        const open = await store.listOrders({ status: OPEN_ORDER_STATUSES });
        for (const order of open) {
          node.oms.adopt(order);
          // The paper venue keeps its book in memory, so after a restart it knows none of them.
          await node.oms.reconcileWith(order.clientOrderId, await venue.getOrder(order.clientOrderId), { resubmitUnknown: true });
        }
        await node.idle();
        const risk = await store.getState(RISK_STATE_KEY);
        if (risk !== null) node.restoreRiskState(parseRiskState(risk));
        const cursorText = await store.getState(REPLAY_CURSOR_KEY);
        r.cursor = cursorText === null ? Number.NEGATIVE_INFINITY : Number(cursorText);
        bars = await loadReplayBars({ roots: [], strategies, from: config.replayFrom, to: config.replayTo, load: loadUsableBars });
        // Warm indicators on what was already traded, without trading it again.
        node.setWarmup(true);
        let warmed = 0;
        for (const bar of bars) {
          if (bar.ts > r.cursor) break;
          clock.set(Math.max(clock.now(), bar.ts));
          // Warm-up starts no asynchronous work (no venue, no signals acted on).
          varService.onBar(bar);
          void node.onBar(bar);
          warmed++;
        }
        node.setWarmup(false);
        logger.info(
          { openOrders: open.length, trades: trades.length, cash: portfolio.cash.toFixed(2), warmedBars: warmed, remainingBars: bars.length - warmed },
          'reconciled with the broker and the store',
        );
      })),
      startTrading: fromPromise<unknown>(async () => {
        const started = await startGateway({
          host: config.host, port: config.port, logger, control: r.control!, authenticator, metrics, readiness, hub: r.hub!,
          ...(inspector ? { inspector } : {}),
        });
        r.gateway = started.app;
        logger.info(
          { host: config.host, port: started.port, auth: { token: config.apiToken !== undefined, oidcIssuer: config.oidc?.issuer ?? null, openReads: config.openReads } },
          'gateway listening',
        );
        startFeed();
      }),
      shutdown: fromPromise<unknown>(async () => {
        readiness.stopping = true;
        await startup;
        r.feed?.stop();
        await r.feedDone;
        if (r.node) await r.node.stop();
        await r.varPool?.close();
        // Queued alerts get a moment to go out; they never hold the stop longer.
        await r.alerting?.stop(2000);
        await r.writer?.flush();
        r.hub?.close();
        await r.gateway?.close();
        await r.db?.close();
      }),
    },
    actions: {
      restartChild: (_args, params) => {
        logger.warn({ childId: params.childId, attempt: params.attempt }, 'restarting child');
        if (params.childId === 'feed' && r.node && !readiness.stopping) startFeed();
      },
    },
  });

  const actor = createActor(root, { input: {}, ...(inspector ? { inspect: inspector.inspect } : {}) });
  const done = new Promise<number>((resolve) => {
    actor.subscribe({
      next: (s) => {
        if (s.status === 'done') resolve(0);
      },
      error: (e) => {
        logger.error({ err: errorMessage(e) }, 'engine root failed');
        resolve(1);
      },
    });
    actor.on('childRestarting', (e) => {
      metrics.countActorRestart(e.childId);
      logger.warn({ childId: e.childId, attempt: e.attempt, delayMs: e.delayMs }, 'child failed; restart scheduled');
    });
    actor.on('childFailedPermanently', (e) => {
      logger.error({ childId: e.childId, err: e.error }, 'child failed past its restart budget; it stays down (the gateway keeps serving, /readyz reports it)');
      r.alerting?.router.actorFailed(e.childId, e.error, 0);
    });
    actor.on('failed', (e) => {
      logger.error({ err: e.error }, 'engine failed; stopping');
      failed = true;
      actor.send({ type: 'STOP' });
    });
  });
  let failed = false;
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal: sig }, 'second signal while stopping; still flushing');
      return;
    }
    signalled = true;
    logger.info({ signal: sig }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    actor.send({ type: 'STOP' });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  actor.start();
  actor.send({ type: 'START' });
  const code = await done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  logger.info({ exitCode: failed ? 1 : code }, 'stopped');
  return failed ? 1 : code;
}
