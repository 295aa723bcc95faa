import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { Decimal } from '../../../../engine/domain/money.js';

/**
 * A loopback Alpaca: the subset of Trading API v2 the adapter uses and the
 * trade_updates stream, with the payloads of docs.alpaca.markets (order
 * objects with string decimals, nested legs for bracket and mleg orders,
 * `{code,message}` errors, 422 "client_order_id must be unique", binary
 * frames on the stream). Tests script failures with `plan`.
 */

export type Json = Record<string, unknown>;
export type Behaviour =
  | { readonly kind: 'status'; readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: 'hang' | 'drop' | 'malformed' }
  | { readonly kind: 'shape'; readonly body: unknown }
  | { readonly kind: 'apply-then-drop' | 'apply-then-hang' | 'apply-then-malformed' };

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Json | null;
  readonly headers: IncomingMessage['headers'];
  readonly at: number;
}

const FINAL = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced']);
export const KEY_ID = 'PKTESTKEY0123456789';
export const SECRET = 'sEcReT-abcdefghijklmnopqrstuvwxyz-0123';

export class LoopbackAlpaca {
  readonly requests: SeenRequest[] = [];
  /** What clients sent on the stream (auth messages included). */
  readonly streamMessages: Json[] = [];
  readonly orders = new Map<string, Json>();
  readonly positions = new Map<string, { qty: Decimal; avg: Decimal; assetClass: string }>();
  private readonly plans: Array<{ method: string; path: RegExp; behaviour: Behaviour }> = [];
  private readonly clients = new Set<WebSocket>();
  private readonly listening = new Set<WebSocket>();
  private seq = 0;
  private time = Date.UTC(2025, 0, 21, 14, 30);
  baseUrl = '';
  streamUrl = '';

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer) {}

  static async start(): Promise<LoopbackAlpaca> {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/stream' });
    const fake = new LoopbackAlpaca(server, wss);
    server.on('request', (req, res) => void fake.onRequest(req, res));
    wss.on('connection', (ws) => fake.onSocket(ws));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake.baseUrl = `http://127.0.0.1:${port}`;
    fake.streamUrl = `ws://127.0.0.1:${port}/stream`;
    return fake;
  }

  async close(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request matching `method` and `path` behaves so (once). */
  plan(method: string, path: RegExp, behaviour: Behaviour): void {
    this.plans.push({ method, path, behaviour });
  }

  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  order(clientOrderId: string): Json {
    const all = [...this.orders.values()].flatMap((x) => [x, ...((x.legs as Json[] | null) ?? [])]);
    const o = all.find((x) => x.client_order_id === clientOrderId);
    if (!o) throw new Error(`no order ${clientOrderId}`);
    return o;
  }

  /** Terminate every stream connection (a dropped WebSocket mid-stream). */
  dropStreams(): void {
    for (const ws of this.clients) ws.terminate();
  }

  get streamClients(): number {
    return this.clients.size;
  }

  /** Send anything to the listening clients, as a binary frame like the paper endpoint. */
  broadcast(message: unknown): void {
    const frame = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message));
    for (const ws of this.listening) ws.send(frame);
  }

  /**
   * Execute `qty` of a simple order at `price` (or each leg of a multi-leg
   * order at `legPrices`). `notify: false` executes without telling the
   * stream, as if the client were disconnected.
   */
  fill(clientOrderId: string, qty: number, price: string | readonly string[], notify = true): void {
    const o = this.order(clientOrderId);
    const ts = this.tick();
    const executions: Json[] = [];
    const fillOne = (x: Json, q: number, p: string) => {
      const before = new Decimal(x.filled_qty as string);
      const avg = x.filled_avg_price === null ? new Decimal(0) : new Decimal(x.filled_avg_price as string);
      const after = before.plus(q);
      x.filled_avg_price = avg.times(before).plus(new Decimal(p).times(q)).div(after).toFixed();
      x.filled_qty = after.toFixed();
      x.status = after.gte(new Decimal(x.qty as string)) ? 'filled' : 'partially_filled';
      x.filled_at = ts;
      x.updated_at = ts;
      const symbol = x.symbol as string;
      const pos = this.positions.get(symbol) ?? { qty: new Decimal(0), avg: new Decimal(0), assetClass: x.asset_class as string };
      const signed = x.side === 'buy' ? q : -q;
      const qtyAfter = pos.qty.plus(signed);
      this.positions.set(symbol, { qty: qtyAfter, avg: qtyAfter.isZero() ? new Decimal(0) : new Decimal(p), assetClass: pos.assetClass });
      const execution = { execution_id: this.uuid(), order_id: x.id, symbol, qty: String(q), price: p, timestamp: ts };
      executions.push(execution);
      return execution;
    };
    let update: Json;
    if (o.order_class === 'mleg') {
      const legs = o.legs as Json[];
      legs.forEach((leg, i) => fillOne(leg, q(leg.ratio_qty) * qty, (price as readonly string[])[i] as string));
      const before = new Decimal(o.filled_qty as string);
      o.filled_qty = before.plus(qty).toFixed();
      o.filled_avg_price = legs.reduce((n, l) => n.plus(new Decimal(l.filled_avg_price as string).times(l.side === 'sell' ? -1 : 1)), new Decimal(0)).toFixed();
      o.status = new Decimal(o.filled_qty as string).gte(new Decimal(o.qty as string)) ? 'filled' : 'partially_filled';
      o.filled_at = ts;
      o.updated_at = ts;
      const positionQtys: Json = Object.fromEntries(legs.map((l) => [l.symbol as string, this.positions.get(l.symbol as string)?.qty.toFixed() ?? '0']));
      update = { at: ts, event_id: this.uuid(), event: o.status === 'filled' ? 'fill' : 'partial_fill', timestamp: ts, order: o, price: o.filled_avg_price, qty: String(qty), position_qtys: positionQtys, legs: executions };
    } else {
      const e = fillOne(o, qty, price as string);
      update = { event: o.status === 'filled' ? 'fill' : 'partial_fill', execution_id: e.execution_id, order: o, position_qty: this.positions.get(o.symbol as string)?.qty.toFixed() ?? '0', price, qty: String(qty), timestamp: ts };
    }
    if (notify) this.tradeUpdate(update);
  }

  /** Cancel at the venue (day end, or an operator on Alpaca's dashboard). */
  cancelAtVenue(clientOrderId: string, notify = true): void {
    const o = this.order(clientOrderId);
    const ts = this.tick();
    Object.assign(o, { status: 'canceled', canceled_at: ts, updated_at: ts });
    if (notify) this.tradeUpdate({ event: 'canceled', order: o, timestamp: ts });
  }

  tradeUpdate(data: Json): void {
    this.broadcast({ stream: 'trade_updates', data });
  }

  // ---- HTTP -----------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as Json) : null;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body, headers: req.headers, at: Date.now() });
    const i = this.plans.findIndex((p) => p.method === method && p.path.test(url.pathname));
    const behaviour = i >= 0 ? this.plans.splice(i, 1)[0]?.behaviour : undefined;
    if (behaviour?.kind === 'status') return this.send(res, behaviour.status, behaviour.body ?? { code: 50010000, message: 'internal server error' }, behaviour.headers);
    if (behaviour?.kind === 'hang') return;
    if (behaviour?.kind === 'drop') return void req.socket.destroy();
    if (behaviour?.kind === 'malformed') return this.sendText(res, 200, '{"id": "broken", ');
    if (behaviour?.kind === 'shape') return this.send(res, 200, behaviour.body);
    if (req.headers['apca-api-key-id'] !== KEY_ID || req.headers['apca-api-secret-key'] !== SECRET) {
      return this.send(res, 401, { code: 40110000, message: 'request is not authorized' });
    }
    const [status, out] = this.route(method, url, body);
    if (behaviour?.kind === 'apply-then-drop') return void req.socket.destroy();
    if (behaviour?.kind === 'apply-then-hang') return;
    if (behaviour?.kind === 'apply-then-malformed') return this.sendText(res, 200, '<html>502 Bad Gateway</html>');
    this.send(res, status, out);
  }

  private route(method: string, url: URL, body: Json | null): [number, unknown] {
    const p = url.pathname;
    if (method === 'GET' && p === '/v2/account') {
      return [200, { id: 'acc-1', account_number: 'PA1234', status: 'ACTIVE', currency: 'USD', cash: '100000', equity: '100000', buying_power: '200000', trading_blocked: false, pattern_day_trader: false, multiplier: '2' }];
    }
    if (method === 'GET' && p === '/v2/positions') {
      const rows = [...this.positions].filter(([, v]) => !v.qty.isZero()).map(([symbol, v]) => ({
        asset_id: this.uuid(), symbol, exchange: v.assetClass === 'us_option' ? '' : 'NASDAQ', asset_class: v.assetClass, avg_entry_price: v.avg.toFixed(),
        qty: v.qty.toFixed(), qty_available: v.qty.toFixed(), side: v.qty.isNegative() ? 'short' : 'long', market_value: v.qty.times(v.avg).toFixed(),
        cost_basis: v.qty.times(v.avg).toFixed(), unrealized_pl: '0', unrealized_plpc: '0', current_price: v.avg.toFixed(), lastday_price: v.avg.toFixed(), change_today: '0', asset_marginable: true,
      }));
      return [200, rows];
    }
    if (method === 'POST' && p === '/v2/orders') return this.create(body ?? {});
    if (method === 'GET' && p === '/v2/orders') {
      const status = url.searchParams.get('status') ?? 'open';
      const after = url.searchParams.get('after');
      const rows = [...this.orders.values()].filter((o) => {
        const final = FINAL.has(o.status as string);
        if ((status === 'open' && final) || (status === 'closed' && !final)) return false;
        return after === null || Date.parse(o.submitted_at as string) > Date.parse(after);
      });
      return [200, rows];
    }
    if (method === 'GET' && p === '/v2/orders:by_client_order_id') {
      const o = [...this.orders.values()].find((x) => x.client_order_id === url.searchParams.get('client_order_id'));
      return o ? [200, o] : [404, { code: 40410000, message: 'order not found' }];
    }
    const m = /^\/v2\/orders\/([^/]+)$/.exec(p);
    const o = m ? this.orders.get(decodeURIComponent(m[1] as string)) : undefined;
    if (m && !o) return [404, { code: 40410000, message: 'order not found' }];
    if (o && method === 'GET') return [200, o];
    if (o && method === 'DELETE') {
      if (FINAL.has(o.status as string)) return [422, { code: 42210000, message: `order is not cancelable (status ${String(o.status)})` }];
      this.cancelAtVenue(o.client_order_id as string);
      return [204, null];
    }
    if (o && method === 'PATCH') return this.replace(o, body ?? {});
    return [404, { code: 40400000, message: 'endpoint not found' }];
  }

  private create(b: Json): [number, unknown] {
    const cid = typeof b.client_order_id === 'string' ? b.client_order_id : this.uuid();
    if ([...this.orders.values()].some((o) => o.client_order_id === cid)) return [422, { code: 40010001, message: 'client_order_id must be unique' }];
    const ts = this.tick();
    const mleg = b.order_class === 'mleg';
    const order = this.orderJson({
      client_order_id: cid, symbol: mleg ? '' : b.symbol, asset_class: mleg ? '' : optionLike(b.symbol) ? 'us_option' : 'us_equity', qty: b.qty,
      order_class: b.order_class ?? '', type: b.type, side: mleg ? 'buy' : b.side, time_in_force: b.time_in_force, limit_price: b.limit_price ?? null, stop_price: b.stop_price ?? null,
    }, ts);
    if (mleg) {
      order.legs = (b.legs as Json[]).map((leg) => this.orderJson({
        client_order_id: this.uuid(), symbol: leg.symbol, asset_class: 'us_option', qty: String(q(leg.ratio_qty) * q(b.qty)), order_class: 'mleg', type: '', side: leg.side,
        time_in_force: b.time_in_force, limit_price: null, stop_price: null, ratio_qty: leg.ratio_qty,
      }, ts));
    }
    if (b.order_class === 'bracket') {
      const exit = b.side === 'buy' ? 'sell' : 'buy';
      const tp = b.take_profit as Json;
      const sl = b.stop_loss as Json;
      order.legs = [
        this.orderJson({ client_order_id: this.uuid(), symbol: b.symbol, asset_class: 'us_equity', qty: b.qty, order_class: 'bracket', type: 'limit', side: exit, time_in_force: b.time_in_force, limit_price: tp.limit_price, stop_price: null, status: 'held' }, ts),
        this.orderJson({ client_order_id: this.uuid(), symbol: b.symbol, asset_class: 'us_equity', qty: b.qty, order_class: 'bracket', type: sl.limit_price ? 'stop_limit' : 'stop', side: exit, time_in_force: b.time_in_force, limit_price: sl.limit_price ?? null, stop_price: sl.stop_price, status: 'held' }, ts),
      ];
    }
    this.orders.set(order.id as string, order);
    this.tradeUpdate({ event: 'new', order, timestamp: ts });
    return [200, order];
  }

  private replace(old: Json, b: Json): [number, unknown] {
    if (FINAL.has(old.status as string)) return [422, { code: 42210000, message: 'order is not replaceable' }];
    const cid = typeof b.client_order_id === 'string' ? b.client_order_id : this.uuid();
    if ([...this.orders.values()].some((o) => o.client_order_id === cid)) return [422, { code: 40010001, message: 'client_order_id must be unique' }];
    const ts = this.tick();
    const next = this.orderJson({
      ...old, client_order_id: cid, qty: b.qty ?? old.qty, limit_price: b.limit_price ?? old.limit_price, stop_price: b.stop_price ?? old.stop_price,
      time_in_force: b.time_in_force ?? old.time_in_force, status: 'new', legs: null,
    }, ts);
    next.replaces = old.id;
    Object.assign(old, { status: 'replaced', replaced_by: next.id, replaced_at: ts, updated_at: ts });
    this.orders.set(next.id as string, next);
    this.tradeUpdate({ event: 'replaced', order: old, timestamp: ts });
    this.tradeUpdate({ event: 'new', order: next, timestamp: ts });
    return [200, next];
  }

  private orderJson(f: Json, ts: string): Json {
    return {
      id: this.uuid(), client_order_id: f.client_order_id, created_at: ts, updated_at: ts, submitted_at: ts, filled_at: null, expired_at: null,
      canceled_at: null, failed_at: null, replaced_at: null, replaced_by: null, replaces: null, asset_id: this.uuid(), symbol: f.symbol,
      asset_class: f.asset_class, notional: null, qty: f.qty, filled_qty: '0', filled_avg_price: null, order_class: f.order_class, order_type: f.type,
      type: f.type, side: f.side, time_in_force: f.time_in_force, limit_price: f.limit_price, stop_price: f.stop_price, status: f.status ?? 'new',
      extended_hours: false, legs: null, trail_percent: null, trail_price: null, hwm: null, ...(f.ratio_qty !== undefined ? { ratio_qty: f.ratio_qty } : {}),
    };
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (status === 204) {
      res.writeHead(204, headers).end();
      return;
    }
    this.sendText(res, status, JSON.stringify(body), headers);
  }

  private sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
  }

  // ---- stream ---------------------------------------------------------------

  private onSocket(ws: WebSocket): void {
    this.clients.add(ws);
    let authed = false;
    const reply = (m: unknown) => ws.send(Buffer.from(JSON.stringify(m)));
    ws.on('close', () => {
      this.clients.delete(ws);
      this.listening.delete(ws);
    });
    ws.on('message', (raw) => {
      const msg = JSON.parse(Buffer.from(raw as Buffer).toString('utf8')) as Json;
      this.streamMessages.push(msg);
      if (msg.action === 'auth') {
        authed = msg.key === KEY_ID && msg.secret === SECRET;
        reply({ stream: 'authorization', data: { status: authed ? 'authorized' : 'unauthorized', action: 'authenticate' } });
        if (!authed) ws.close();
      } else if (msg.action === 'listen') {
        if (!authed) return reply({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
        const streams = ((msg.data as Json).streams as string[]).filter((s) => s === 'trade_updates');
        if (streams.length > 0) this.listening.add(ws);
        reply({ stream: 'listening', data: { streams } });
      }
    });
  }

  private tick(): string {
    this.time += 1000;
    return new Date(this.time).toISOString().replace('.000Z', '.123456789Z');
  }

  private uuid(): string {
    this.seq++;
    return `00000000-0000-4000-8000-${String(this.seq).padStart(12, '0')}`;
  }
}

function q(v: unknown): number {
  return Number(v);
}

function optionLike(symbol: unknown): boolean {
  return typeof symbol === 'string' && /^[A-Z]{1,6}\d{6}[CP]\d{8}$/.test(symbol);
}
