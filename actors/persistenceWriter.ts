import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { TradingStore } from '../engine/domain/ports.js';
import { ConflictError, errorMessage } from '../engine/domain/errors.js';

/**
 * The persistence writer: every write goes through one serial queue, so rows
 * land in the order the engine produced them, and `flush()` at shutdown waits
 * for the last one. Reads go straight to the store.
 */
export class PersistenceWriter {
  private readonly queue = new PQueue({ concurrency: 1 });
  private failures = 0;

  constructor(
    readonly store: TradingStore,
    private readonly logger: Logger,
    private readonly onFailure: (what: string, error: unknown) => void = () => undefined,
  ) {}

  /** Run a write in order and wait for it (write-ahead uses this). */
  run<T>(what: string, write: (store: TradingStore) => Promise<T>): Promise<T> {
    return this.queue.add<T>(async () => {
      try {
        return await write(this.store);
      } catch (e) {
        // A uniqueness conflict is an answer the caller handles (an order or signal already recorded).
        if (e instanceof ConflictError) throw e;
        this.failures++;
        this.logger.error({ what, err: errorMessage(e) }, 'persistence write failed');
        this.onFailure(what, e);
        throw e;
      }
    });
  }

  /** Queue a write without waiting; a failure is logged and reported, never lost silently. */
  enqueue(what: string, write: (store: TradingStore) => Promise<unknown>): void {
    this.run(what, write).catch(() => {
      // already logged and reported in run()
    });
  }

  get failureCount(): number {
    return this.failures;
  }

  get pending(): number {
    return this.queue.size + this.queue.pending;
  }

  async flush(): Promise<void> {
    await this.queue.onIdle();
  }
}
