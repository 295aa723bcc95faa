import { createHash } from 'node:crypto';

/**
 * Client order ids are derived from the signal that caused the order, so a
 * replay (or a restart that re-reads a bar) produces the same id and the
 * store's unique constraint turns a duplicate into a no-op, never a second order.
 * The namespace keeps runs that share a database apart (the daemon, each persisted backtest).
 */
export function clientOrderIdFor(namespace: string, signalId: string): string {
  return `wsb-${createHash('sha256').update(`${namespace}|${signalId}`).digest('hex').slice(0, 24)}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
