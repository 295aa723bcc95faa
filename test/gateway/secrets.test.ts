import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { TOKEN, startApi } from './harness.js';

const WRONG = 'wrong-secret-QWERTY0123456789';

/** Everything a response shows an observer: status line, headers and body. */
function visible(res: LightMyRequestResponse): string {
  return `${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`;
}

describe('secrets', () => {
  it('never appear in a log line, an error body, a header or a metric', async () => {
    const api = await startApi({ defaultMetrics: true });
    const seen: string[] = [];
    const record = (res: LightMyRequestResponse) => {
      seen.push(visible(res));
      return res;
    };
    // Wrong credentials in every shape, on reads and writes.
    record(await api.get('/api/v1/orders', { authorization: `Bearer ${WRONG}` }));
    record(await api.get('/api/v1/orders', { authorization: `Basic ${WRONG}` }));
    record(await api.get('/api/v1/orders', { authorization: WRONG }));
    record(await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', { reason: 'x' }, { authorization: `Bearer ${WRONG}` }));
    record(await api.get('/metrics', { authorization: `Bearer ${WRONG}` }));
    // A secret pasted into a query or a path is not echoed back either.
    record(await api.get(`/api/v1/orders?token=${WRONG}`));
    record(await api.get(`/api/v1/orders?limit=${WRONG}`));
    // The right token, on a read, a write that succeeds, a write that fails, and a command.
    record(await api.get('/api/v1/orders'));
    record(await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple' }));
    record(await api.send('POST', '/api/v1/companies', { ticker: 'AAPL', name: 'Apple' }));
    record(await api.send('POST', '/api/v1/strategies/wsb-dip-bot/halt', { reason: 'test' }));
    record(await api.send('POST', '/api/v1/strategies/nope/halt'));
    const metrics = record(await api.get('/metrics')).body;
    const audit = record(await api.get('/api/v1/audit')).body;

    const logs = api.logs.join('');
    // The capture works: refusals are logged (with their reason) at warn.
    expect(logs).toContain('request refused: no valid credentials');
    expect(metrics).toContain('wsb_http_auth_refusals_total');
    expect(audit).toContain('api-token');
    for (const secret of [TOKEN, WRONG]) {
      expect(logs).not.toContain(secret);
      expect(metrics).not.toContain(secret);
      expect(seen.filter((s) => s.includes(secret))).toEqual([]);
    }
  });
});
