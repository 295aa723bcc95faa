import type { AlertBatch } from '../batch.js';

/**
 * One place alerts are delivered to. `send` makes ONE attempt and throws an
 * AlertDeliveryError saying whether it may be retried; retries, rate limits
 * and queueing belong to the dispatcher, so every channel stays a small
 * translation of a batch into its provider's payload.
 */
export interface AlertChannel {
  /** 'discord', 'slack', 'telegram', 'email': the key routes and logs use. */
  readonly name: string;
  send(batch: AlertBatch, signal?: AbortSignal): Promise<void>;
}

/** Severity colours shared by the rich channels (Discord embed colours are 24-bit integers). */
export const SEVERITY_COLOUR = { info: 0x3498db, warning: 0xf1c40f, critical: 0xe74c3c } as const;
