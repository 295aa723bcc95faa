import { describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../../engine/domain/errors.js';
import { ClientMessageError, errorBody, parseClientMessage } from '../../../engine/gateway/ws/protocol.js';

/** The error a message gets, as `field: message`. */
function problem(text: string): { field: string; message: string; id: unknown; op: unknown } {
  try {
    parseClientMessage(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ClientMessageError);
    expect(e).toBeInstanceOf(InputError);
    const err = e as ClientMessageError;
    expect(err.code).toBe('INPUT_INVALID');
    return { field: err.field, message: err.message, id: err.requestId, op: err.op };
  }
  throw new Error(`accepted: ${text}`);
}

describe('client messages', () => {
  it('accepts each operation', () => {
    expect(parseClientMessage('{"op":"subscribe","topics":["orders","bars:SPY"],"since":{"orders":12},"epoch":"e1"}')).toEqual({ op: 'subscribe', topics: ['orders', 'bars:SPY'], since: { orders: 12 }, epoch: 'e1' });
    expect(parseClientMessage('{"op":"unsubscribe","topics":["orders"]}')).toEqual({ op: 'unsubscribe', topics: ['orders'] });
    expect(parseClientMessage('{"op":"auth","token":"abc"}')).toEqual({ op: 'auth', token: 'abc' });
    expect(parseClientMessage('{"op":"ping","id":7}')).toEqual({ op: 'ping', id: 7 });
    expect(parseClientMessage('{"op":"command","id":"r1","command":{"type":"halt_strategy","strategyId":"dip","reason":"news"}}')).toEqual({
      op: 'command',
      id: 'r1',
      command: { type: 'halt_strategy', strategyId: 'dip', reason: 'news' },
    });
    expect(parseClientMessage('{"op":"command","id":2,"command":{"type":"set_parameters","strategyId":"dip","params":{"lookback":5}}}')).toMatchObject({ command: { params: { lookback: 5 } } });
  });

  it('names invalid JSON', () => {
    const p = problem('{"op":"ping"');
    expect(p.field).toBe('message');
    expect(p.message).toMatch(/^message: not valid JSON/);
    expect(problem('[1,2]').message).toBe('message: must be a JSON object with an "op"');
  });

  it('names an unknown or missing op', () => {
    expect(problem('{"op":"dance","id":"x"}')).toMatchObject({ field: 'op', message: 'op: unknown op "dance"; expected one of subscribe, unsubscribe, command, auth, ping', id: 'x' });
    expect(problem('{"topics":["orders"]}').message).toMatch(/^op: missing/);
  });

  it('names an unknown topic by its position', () => {
    const p = problem('{"op":"subscribe","topics":["orders","trades"]}');
    expect(p.field).toBe('topics.1');
    expect(p.message).toMatch(/unknown topic "trades"; topics are orders, fills, positions, pnl, strategies, breaker, signals and bars:SYMBOL/);
    expect(problem('{"op":"subscribe","topics":["bars:spy"]}').message).toMatch(/^topics.0: bad symbol "spy"/);
  });

  it('names bad fields of subscribe', () => {
    expect(problem('{"op":"subscribe","topics":[]}').field).toBe('topics');
    expect(problem('{"op":"subscribe","topics":["orders"],"since":{"orders":-1}}').field).toBe('since.orders');
    expect(problem('{"op":"subscribe","topics":["orders"],"since":{"fills":3}}')).toMatchObject({ field: 'since.fills', message: 'since.fills: names a topic this message does not subscribe to' });
    expect(problem('{"op":"subscribe","topics":["orders"],"extra":1}').message).toMatch(/extra/);
  });

  it('names bad commands and keeps the request id so the command can be acknowledged', () => {
    expect(problem('{"op":"command","id":"r9","command":{"type":"launch_rocket"}}')).toMatchObject({ field: 'command.type', id: 'r9', op: 'command' });
    expect(problem('{"op":"command","id":"r9","command":{"type":"launch_rocket"}}').message).toMatch(/expected one of halt_strategy, resume_strategy/);
    expect(problem('{"op":"command","id":"r3","command":{"type":"halt_strategy"}}')).toMatchObject({ field: 'command.strategyId', id: 'r3' });
    expect(problem('{"op":"command","command":{"type":"run_var"}}').field).toBe('id');
    expect(problem('{"op":"auth","token":""}').field).toBe('token');
  });
});

describe('error bodies', () => {
  it('keep a WsbError’s code and say nothing about anything else', () => {
    expect(errorBody(new ConflictError('strategy dip is halted'))).toEqual({ code: 'CONFLICT', message: 'strategy dip is halted', details: {} });
    expect(errorBody(new Error('db password is hunter2'))).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });
});
