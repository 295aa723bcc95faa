import type { Logger } from 'pino';
import { AlpacaError, isDuplicateClientOrderId, isNotFound } from './errors.js';
import { isTransient } from './http.js';
import type { AlpacaHttp, AlpacaRequest } from './http.js';
import { alpacaAccountSchema, alpacaOrderListSchema, alpacaOrderSchema, alpacaPositionListSchema, parseWith } from './schemas.js';
import type { AlpacaAccount, AlpacaOrder, AlpacaPosition } from './schemas.js';

/** How deep a chain of replacements is followed before giving up. */
const MAX_REPLACEMENTS = 20;
/** Alpaca's largest page of orders. */
const PAGE = 500;

/**
 * Trading API v2 calls, each validated: reads and cancels retried on
 * transient failures; creations (submit, replace) retried only as `create`
 * allows. `seen` is told of every order read, so the broker learns the
 * legs of bracket orders wherever they come from.
 */
export class AlpacaTradingApi {
  constructor(
    private readonly http: AlpacaHttp,
    private readonly log: Logger,
    private readonly seen: (order: AlpacaOrder) => void = () => undefined,
  ) {}

  /**
   * A request that creates an order named `clientOrderId` (a submit, a
   * replace). Retried on 429 and on ambiguous failures (timeout, dropped
   * connection, 5xx, unreadable success), each time after looking the order
   * up by client_order_id: if Alpaca has it, that is the answer. Alpaca
   * refuses a second order with a known client_order_id (422), so even a
   * resend whose lookup failed cannot create a second order; that 422 is
   * answered with the existing order.
   */
  create(label: string, clientOrderId: string, req: AlpacaRequest): Promise<AlpacaOrder> {
    const once = async (): Promise<AlpacaOrder> => {
      try {
        return this.note(parseWith(alpacaOrderSchema, await this.http.send(req), label));
      } catch (e) {
        if (isDuplicateClientOrderId(e)) {
          this.log.info({ clientOrderId }, 'alpaca: client_order_id already known; returning the existing order');
          const existing = await this.orderByClientId(clientOrderId);
          if (existing) return existing;
          throw e;
        }
        if (e instanceof AlpacaError && e.ambiguous) {
          const existing = await this.orderByClientId(clientOrderId);
          if (existing) {
            this.log.info({ clientOrderId, kind: e.kind }, 'alpaca: the request failed but Alpaca has the order; not sending it again');
            return existing;
          }
        }
        throw e;
      }
    };
    return this.http.withRetries(label, once, (e) => e.kind === 'rate_limited' || e.ambiguous);
  }

  /** DELETE is idempotent: retried on transient failures, and ahead of other requests in the queue. */
  async cancelOrder(alpacaOrderId: string): Promise<void> {
    const req: AlpacaRequest = { method: 'DELETE', path: `/v2/orders/${encodeURIComponent(alpacaOrderId)}`, priority: 1 };
    await this.http.withRetries(`cancel ${alpacaOrderId}`, () => this.http.send(req), isTransient);
  }

  async account(): Promise<AlpacaAccount> {
    return parseWith(alpacaAccountSchema, await this.read({ method: 'GET', path: '/v2/account' }), 'account');
  }

  async positions(): Promise<AlpacaPosition[]> {
    return parseWith(alpacaPositionListSchema, await this.read({ method: 'GET', path: '/v2/positions' }), 'positions');
  }

  /** The Alpaca order behind a client_order_id (any generation), or null. */
  async orderByClientId(clientOrderId: string): Promise<AlpacaOrder | null> {
    try {
      const raw = await this.read({ method: 'GET', path: '/v2/orders:by_client_order_id', query: { client_order_id: clientOrderId } });
      return this.note(parseWith(alpacaOrderSchema, raw, `order ${clientOrderId}`));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** An engine order's Alpaca orders, oldest first, following `replaced_by`; null when Alpaca has none. */
  async orderChain(clientOrderId: string): Promise<AlpacaOrder[] | null> {
    const first = await this.orderByClientId(clientOrderId);
    if (!first) return null;
    const chain = [first];
    let current = first;
    while (current.status === 'replaced' && current.replaced_by !== null) {
      if (chain.length > MAX_REPLACEMENTS) throw new AlpacaError('schema', `order ${clientOrderId}: more than ${MAX_REPLACEMENTS} replacements`, { field: 'replaced_by' });
      const id = current.replaced_by;
      const raw = await this.read({ method: 'GET', path: `/v2/orders/${encodeURIComponent(id)}`, query: { nested: 'true' } });
      current = this.note(parseWith(alpacaOrderSchema, raw, `order ${id}`));
      chain.push(current);
    }
    return chain;
  }

  /** Orders (legs nested), oldest first, every page. `after`: submitted after this time. */
  async listOrders(q: { status: 'open' | 'closed' | 'all'; after?: number }): Promise<AlpacaOrder[]> {
    const out: AlpacaOrder[] = [];
    let after = q.after !== undefined ? new Date(q.after).toISOString() : undefined;
    for (;;) {
      const query = { status: q.status, nested: 'true', direction: 'asc', limit: String(PAGE), after };
      const page = parseWith(alpacaOrderListSchema, await this.read({ method: 'GET', path: '/v2/orders', query }), 'orders');
      out.push(...page.map((o) => this.note(o)));
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) return out;
      after = new Date(last.submitted_at ?? last.created_at).toISOString();
    }
  }

  private read(req: AlpacaRequest): Promise<unknown> {
    return this.http.withRetries(`${req.method} ${req.path}`, () => this.http.send(req), isTransient);
  }

  private note(order: AlpacaOrder): AlpacaOrder {
    this.seen(order);
    return order;
  }
}
