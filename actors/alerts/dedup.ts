import type { Alert, AlertSeverity } from '../../engine/bus.js';
import type { Clock } from '../../engine/domain/clock.js';
import { SEVERITY_RANK, maxSeverity, type AlertEntry } from './batch.js';

interface Window {
  readonly start: number;
  readonly timer: unknown;
  /** Most severe alert of this key already let through in the window. */
  sentSeverity: AlertSeverity;
  suppressed: number;
  severity: AlertSeverity;
  first: Alert | undefined;
  last: Alert | undefined;
}

/**
 * Deduplication by type and scope: the first alert of a key in a window goes
 * out at once; repeats within `windowMs` are only counted, and when the window
 * closes one summary entry ("37 ORDER_REJECTED alerts in the last 60 s, first
 * …, last …") is emitted for them. A repeat MORE severe than what was let
 * through is not a duplicate: it goes out too.
 */
export class Deduplicator {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly emitSummary: (entry: AlertEntry) => void,
  ) {}

  /** True when the alert should be sent now; false when it was counted into its window. */
  offer(alert: Alert): boolean {
    if (this.windowMs <= 0) return true;
    const key = `${alert.type}\u0000${alert.scope}`;
    const w = this.windows.get(key);
    if (!w) {
      const start = this.clock.now();
      const timer = this.clock.setTimeout(() => this.close(key), this.windowMs);
      this.windows.set(key, { start, timer, sentSeverity: alert.severity, suppressed: 0, severity: alert.severity, first: undefined, last: undefined });
      return true;
    }
    if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[w.sentSeverity]) {
      w.sentSeverity = alert.severity;
      return true;
    }
    w.suppressed++;
    w.severity = w.first === undefined ? alert.severity : maxSeverity(w.severity, alert.severity);
    w.first ??= alert;
    w.last = alert;
    return false;
  }

  private close(key: string): void {
    const w = this.windows.get(key);
    this.windows.delete(key);
    if (!w || w.suppressed === 0 || !w.first || !w.last) return;
    this.emitSummary({ type: w.first.type, severity: w.severity, scope: w.first.scope, count: w.suppressed, first: w.first, last: w.last, since: w.start, repeat: true });
  }

  /** Alerts counted but not yet summarised. */
  get suppressedPending(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.suppressed;
    return n;
  }

  /** Emits every open window's summary now (shutdown) and forgets the windows. */
  flush(): void {
    for (const [key, w] of [...this.windows]) {
      this.clock.clearTimeout(w.timer);
      this.close(key);
    }
  }
}
