/**
 * Server messages are serialised once, whoever receives them: a delta going
 * to 500 connections is one string and, encoded on first use, one Buffer that
 * every socket writes. That is what keeps a large fan-out cheap.
 */
export class Frame {
  private encoded: Buffer | undefined;

  constructor(readonly text: string) {}

  get bytes(): Buffer {
    return (this.encoded ??= Buffer.from(this.text));
  }
}

/** Frames per WebSocket message in batch mode; bounds one message to a few hundred KiB. */
export const MAX_FRAMES_PER_MESSAGE = 256;

/**
 * The frames one flush delivers to a group of connections with the same
 * subscriptions, in publish order. In batch mode a connection receives them
 * as newline-separated JSON in as few messages as possible; the joined
 * buffers are built once per group, not per connection.
 */
export class Batch {
  private joined: Buffer[] | undefined;

  constructor(readonly frames: readonly Frame[]) {}

  messages(): readonly Buffer[] {
    if (this.joined) return this.joined;
    const out: Buffer[] = [];
    for (let i = 0; i < this.frames.length; i += MAX_FRAMES_PER_MESSAGE) {
      const part = this.frames.slice(i, i + MAX_FRAMES_PER_MESSAGE);
      out.push(part.length === 1 ? part[0]!.bytes : Buffer.from(part.map((f) => f.text).join('\n')));
    }
    this.joined = out;
    return out;
  }
}
