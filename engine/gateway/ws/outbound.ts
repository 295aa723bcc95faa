import { WebSocket } from 'ws';
import { CLOSE } from './protocol.js';

/**
 * The one way data leaves for a client: fire-and-forget sends, and a bound
 * on what may wait unsent. Past `maxBufferedBytes` the client is closed with
 * 1013 "slow consumer" instead of anyone waiting for it.
 */
export class Outbound {
  private closing = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly onClosing: (code: number, reason: string) => void,
  ) {}

  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /** Queue one text message; false when the client is gone or has just been closed as too slow. */
  send(data: Buffer | string): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(CLOSE.slowConsumer, `slow consumer: over ${this.maxBufferedBytes} bytes unsent`);
      return false;
    }
    this.socket.send(data, { binary: false });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.onClosing(code, reason);
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }
}
