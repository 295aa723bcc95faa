import type { Bar } from '../../../engine/domain/market.js';
import { sessionCloseUtc, sessionOpenUtc } from '../../../engine/domain/session.js';
import { isTradingDay, nyDate } from '../../../engine/market/expiries.js';

/**
 * Turns a stream of one-minute bars (stamped at their start, as Alpaca's are)
 * into the engine's five-minute bars (stamped at their end). A window is
 * emitted when its last minute arrives, when a minute of a later window
 * arrives (a minute without trades has no bar), or when `flushDue` finds it
 * past its end plus a grace period. A minute at or before the last one seen
 * for its symbol is a duplicate (a replay after a reconnect) and is dropped;
 * a minute of a window already emitted is late and dropped too.
 */

export interface MinuteBar {
  readonly symbol: string;
  /** Start of the minute, epoch ms. */
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type MinuteOutcome = 'accepted' | 'duplicate' | 'late' | 'outside-session';

const WINDOW_MS = 300_000;
const MINUTE_MS = 60_000;

interface Window {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

interface SymbolState {
  lastMinute: number;
  lastEmittedEnd: number;
  window: Window | undefined;
}

export class FiveMinuteAggregator {
  readonly #states = new Map<string, SymbolState>();
  readonly #sessions = new Map<string, { open: number; close: number } | null>();

  constructor(
    private readonly emit: (bar: Bar) => void,
    private readonly regularSessionOnly = true,
  ) {}

  add(m: MinuteBar): MinuteOutcome {
    let st = this.#states.get(m.symbol);
    if (st === undefined) {
      st = { lastMinute: Number.NEGATIVE_INFINITY, lastEmittedEnd: Number.NEGATIVE_INFINITY, window: undefined };
      this.#states.set(m.symbol, st);
    }
    if (m.start <= st.lastMinute) return 'duplicate';
    if (this.regularSessionOnly && !this.#inSession(m.start)) return 'outside-session';
    const windowStart = Math.floor(m.start / WINDOW_MS) * WINDOW_MS;
    if (windowStart + WINDOW_MS <= st.lastEmittedEnd) return 'late';
    st.lastMinute = m.start;
    if (st.window !== undefined && st.window.start !== windowStart) this.#close(m.symbol, st);
    const w = st.window;
    if (w === undefined) {
      st.window = { start: windowStart, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume };
    } else {
      w.high = Math.max(w.high, m.high);
      w.low = Math.min(w.low, m.low);
      w.close = m.close;
      w.volume += m.volume;
    }
    if (m.start === windowStart + WINDOW_MS - MINUTE_MS) this.#close(m.symbol, st);
    return 'accepted';
  }

  /** Emits every open window that ended at least `graceMs` before `now`. */
  flushDue(now: number, graceMs: number): void {
    for (const [symbol, st] of this.#states) {
      if (st.window !== undefined && st.window.start + WINDOW_MS + graceMs <= now) this.#close(symbol, st);
    }
  }

  /** The start of the earliest open window, to schedule the next flush; undefined when none is open. */
  earliestOpenWindow(): number | undefined {
    let min: number | undefined;
    for (const st of this.#states.values()) if (st.window !== undefined && (min === undefined || st.window.start < min)) min = st.window.start;
    return min;
  }

  #close(symbol: string, st: SymbolState): void {
    const w = st.window;
    if (w === undefined) return;
    st.window = undefined;
    st.lastEmittedEnd = w.start + WINDOW_MS;
    this.emit({ symbol, timeframe: '5m', ts: w.start + WINDOW_MS, open: w.open, high: w.high, low: w.low, close: w.close, volume: w.volume });
  }

  #inSession(minuteStart: number): boolean {
    const date = nyDate(minuteStart);
    let s = this.#sessions.get(date);
    if (s === undefined) {
      s = isTradingDay(date) ? { open: sessionOpenUtc(date), close: sessionCloseUtc(date) } : null;
      if (this.#sessions.size > 64) this.#sessions.clear();
      this.#sessions.set(date, s);
    }
    return s !== null && minuteStart >= s.open && minuteStart < s.close;
  }
}
