import type { Alert, AlertSeverity } from '../../engine/bus.js';

/**
 * What a channel sends in one message. An entry is either one alert
 * (`count` 1) or a summary of many of one type (a deduplicated repeat, or a
 * storm folded while the channel was rate limited).
 */
export interface AlertEntry {
  readonly type: string;
  readonly severity: AlertSeverity;
  /** The alert's scope; for a folded storm over several scopes, the first few joined. */
  readonly scope: string;
  /** Alerts this entry stands for (1 = a single alert, sent as it is). */
  readonly count: number;
  readonly first: Alert;
  readonly last: Alert;
  /** Wall-clock time the first of them was counted (so a summary can say "in the last 60 s"). */
  readonly since: number;
  /** A summary of repeats of an alert already sent (deduplication): "37 more …". */
  readonly repeat?: boolean;
}

export interface AlertBatch {
  readonly entries: readonly AlertEntry[];
  /** Alerts dropped by this channel's full queue since its previous message. */
  readonly dropped: number;
  /** Wall-clock time the batch was built. */
  readonly ts: number;
}

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, critical: 2 };
export const SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

export function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

export function singleEntry(alert: Alert, since: number): AlertEntry {
  return { type: alert.type, severity: alert.severity, scope: alert.scope, count: 1, first: alert, last: alert, since };
}

function iso(ts: number): string {
  return Number.isFinite(ts) ? new Date(ts).toISOString().replace('.000Z', 'Z') : String(ts);
}

/** "[CRITICAL] CIRCUIT_BREAKER_TRIPPED (global)" or "[WARNING] 37 ORDER_REJECTED alerts (wsb-dip-bot)". */
export function entryTitle(entry: AlertEntry): string {
  const what = entry.count === 1 && entry.repeat !== true ? entry.type : `${entry.count}${entry.repeat === true ? ' more' : ''} ${entry.type} alert${entry.count === 1 ? '' : 's'}`;
  return `[${entry.severity.toUpperCase()}] ${what} (${entry.scope})`;
}

/** The body of an entry: the message of a single alert, or "in the last 60 s, first …, last …" for a summary. */
export function entryBody(entry: AlertEntry, batchTs: number): string {
  if (entry.count === 1 && entry.repeat !== true) return entry.first.message;
  const seconds = Math.max(1, Math.round((batchTs - entry.since) / 1000));
  const what = `${entry.count}${entry.repeat === true ? ' more' : ''} ${entry.type} alert${entry.count === 1 ? '' : 's'} in the last ${seconds} s`;
  if (entry.count === 1) return `${what}: ${entry.first.message}`;
  return `${what}, first ${iso(entry.first.ts)}: ${entry.first.message}; last ${iso(entry.last.ts)}: ${entry.last.message}`;
}

export function batchSeverity(batch: AlertBatch): AlertSeverity {
  return batch.entries.reduce<AlertSeverity>((s, e) => maxSeverity(s, e.severity), 'info');
}

/** One line naming the batch: an email subject, a message heading. */
export function batchHeadline(batch: AlertBatch): string {
  const only = batch.entries.length === 1 ? batch.entries[0] : undefined;
  if (only) return entryTitle(only);
  const total = batch.entries.reduce((n, e) => n + e.count, 0);
  const types = [...new Set(batch.entries.map((e) => e.type))];
  const named = types.length <= 3 ? types.join(', ') : `${types.slice(0, 3).join(', ')} and ${types.length - 3} more types`;
  return `[${batchSeverity(batch).toUpperCase()}] ${total} alerts: ${named}`;
}

export function droppedNote(dropped: number): string {
  return `${dropped} alert${dropped === 1 ? ' was' : 's were'} dropped because this channel's queue was full`;
}

/** Plain-text rendering shared by channels without rich formatting (email, logs). */
export function batchText(batch: AlertBatch): string {
  const lines: string[] = [];
  for (const e of batch.entries) lines.push(`${entryTitle(e)}\n${entryBody(e, batch.ts)}`);
  if (batch.dropped > 0) lines.push(droppedNote(batch.dropped));
  return lines.join('\n\n');
}

/** Cuts a text to a provider's limit, saying so. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = '… (truncated)';
  return text.slice(0, Math.max(0, max - marker.length)) + marker;
}
