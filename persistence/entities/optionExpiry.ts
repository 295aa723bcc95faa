import { defineEntity, p } from '@mikro-orm/core';
import { accountColumn, moneyColumn } from './columns.js';

/** An expiry change as stored (money as strings, so jsonb keeps every digit). */
export interface StoredExpiryChange {
  readonly symbol: string;
  readonly quantity: number;
  readonly outcome: 'exercised' | 'assigned' | 'expired';
  readonly strike: string;
  readonly intrinsic: string;
  readonly shares: number;
}

/**
 * One option expiry the broker settled for an account (every contract of one
 * underlying expiring on one date). (account, event_id) is unique: booking the
 * same event again is a no-op. Its trade rows point here.
 */
export const OptionExpiryEntity = defineEntity({
  name: 'OptionExpiryEntity',
  tableName: 'option_expiries',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    account: accountColumn().index(),
    eventId: p.string().length(128),
    underlying: p.string().length(32),
    expiry: p.string().length(10),
    settlementPrice: moneyColumn(),
    ts: p.datetime().index(),
    changes: p.json<StoredExpiryChange[]>(),
  },
  uniques: [{ properties: ['account', 'eventId'] }],
});
