import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Decimal } from '../../engine/domain/money.js';
import { EngineMetrics } from '../../engine/gateway/metrics.js';
import { makeOrder } from '../persistence/fixtures.js';
import { startApi, type Api } from './harness.js';

/** promtool from PROMTOOL or PATH; undefined when it is not installed. */
function findPromtool(): string | undefined {
  const candidate = process.env.PROMTOOL ?? 'promtool';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? undefined : candidate;
}
const promtool = findPromtool();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text exposition format: every sample belongs to a family with HELP and TYPE. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2]!, meta[3]!);
      else helps.add(meta[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([+-]?(?:[0-9.e+-]+|Inf|NaN))$/i.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    const name = m[1]!;
    const family = [name, name.replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => types.has(n));
    if (!family || !helps.has(family)) throw new Error(`sample ${name} has no HELP/TYPE`);
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(api: Api): Promise<string> {
  const res = await api.get('/metrics');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** Drives every feed of the metrics once, so every family has samples. */
async function exercise(api: Api): Promise<void> {
  const bus = api.control.bus;
  const o = makeOrder({ clientOrderId: 'm-1', status: 'submitted' });
  bus.publish('order.updated', o);
  bus.publish('order.updated', makeOrder({ clientOrderId: 'm-2', status: 'submitted' }));
  bus.publish('order.updated', { ...o, status: 'filled', filledQuantity: 10 });
  bus.publish('fill.booked', {
    fill: { fillId: 'f', clientOrderId: 'm-1', symbol: 'AAPL', side: 'buy', quantity: 10, price: new Decimal('150'), commission: new Decimal('1'), ts: 0 },
    order: o,
    position: { symbol: 'AAPL', quantity: 10, avgCost: new Decimal('150'), realizedPnl: new Decimal(0), updatedAt: 0 },
  });
  bus.publish('breaker.state', { scope: 'global', state: 'open', reason: 'daily_loss_limit' });
  bus.publish('engine.error', { source: 'oms.submit', message: 'broker timeout' });
  api.control.breakerList = api.control.breakerList.map((b) => (b.scope === 'global' ? { ...b, state: 'open' } : b));
  api.metrics.observeStage('strategy', 0.00042);
  api.metrics.observeStage('risk', 0.002);
  api.metrics.observeStage('risk', Number.NaN);
  api.metrics.countActorRestart('feed');
  await api.send('POST', '/api/v1/var/run');
}

describe('/metrics', () => {
  it('reports ticks, stage latency, orders, fills, breakers, errors, restarts, VaR and HTTP in valid exposition format', async () => {
    const api = await startApi({ defaultMetrics: true });
    let ticks = 40;
    api.metrics.setSource({ ticks: () => ticks, breakers: () => api.control.breakers(), latestVar: () => api.control.latestVar() });
    await exercise(api);
    await scrape(api);
    ticks = 42;
    const { samples, types } = parseExposition(await scrape(api));

    expect(value(samples, 'wsb_ticks_total')).toBe(42);
    expect(types.get('wsb_stage_duration_seconds')).toBe('histogram');
    expect(value(samples, 'wsb_stage_duration_seconds_count', { stage: 'risk' })).toBe(1);
    expect(value(samples, 'wsb_stage_duration_seconds_bucket', { stage: 'strategy', le: '0.0005' })).toBe(1);
    expect(value(samples, 'wsb_stage_duration_seconds_bucket', { stage: 'strategy', le: '0.0001' })).toBe(0);
    expect(value(samples, 'wsb_order_status_changes_total', { status: 'submitted' })).toBe(2);
    expect(value(samples, 'wsb_order_status_changes_total', { status: 'filled' })).toBe(1);
    expect(value(samples, 'wsb_open_orders', { status: 'submitted' })).toBe(1);
    expect(value(samples, 'wsb_fills_total', { side: 'buy' })).toBe(1);
    expect(value(samples, 'wsb_breaker_state', { scope: 'global' })).toBe(2);
    expect(value(samples, 'wsb_breaker_state', { scope: 'wsb-dip-bot' })).toBe(0);
    expect(value(samples, 'wsb_breaker_transitions_total', { scope: 'global', state: 'open' })).toBe(1);
    expect(value(samples, 'wsb_engine_errors_total', { source: 'oms.submit' })).toBe(1);
    expect(value(samples, 'wsb_actor_restarts_total', { actor: 'feed' })).toBe(1);
    expect(value(samples, 'wsb_var_loss', { method: 'historical', confidence: '0.99' })).toBe(2345.67);
    expect(value(samples, 'wsb_var_report_timestamp_seconds')).toBe(api.control.now / 1000);
    expect(value(samples, 'wsb_http_requests_total', { method: 'POST', route: '/api/v1/var/run', status: '200' })).toBe(1);
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    for (const [name, type] of types) {
      if (name.startsWith('wsb_')) expect(type === 'counter', name).toBe(name.endsWith('_total'));
    }
  });

  it.skipIf(!promtool)('passes `promtool check metrics` (skipped: promtool is not installed; set PROMTOOL or put it on PATH)', async () => {
    const api = await startApi({ defaultMetrics: true });
    await exercise(api);
    const text = await scrape(api);
    const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('keeps its own registry: two engines never share a counter', () => {
    const a = new EngineMetrics({ defaultMetrics: false });
    const b = new EngineMetrics({ defaultMetrics: false });
    a.countActorRestart('feed');
    expect(a.registry).not.toBe(b.registry);
    return Promise.all([a.render(), b.render()]).then(([ta, tb]) => {
      expect(ta).toContain('wsb_actor_restarts_total{actor="feed"} 1');
      expect(tb).not.toContain('actor="feed"');
    });
  });
});
