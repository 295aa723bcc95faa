import { ZERO } from './money.js';
import type { ExpiryChange, Fill, OptionExpiryEvent } from './orders.js';

/**
 * The movements an expiry change makes to `quantity` contracts of it (signed,
 * the holder's share of the account's position), as fills with no commission:
 * the option closed at 0, and, when exercised or assigned, 100 shares per
 * contract at the strike. Both the broker (the whole account) and the book
 * (each strategy's share) book an expiry through these, so they agree.
 * `idBase` names the movements: `${idBase}` and `${idBase}:shares`.
 */
export function expiryFills(event: OptionExpiryEvent, change: ExpiryChange, quantity: number, idBase: string): Fill[] {
  const out: Fill[] = [
    {
      fillId: idBase,
      clientOrderId: event.eventId,
      symbol: change.symbol,
      side: quantity > 0 ? 'sell' : 'buy',
      quantity: Math.abs(quantity),
      price: ZERO,
      commission: ZERO,
      ts: event.ts,
    },
  ];
  if (change.shares !== 0) {
    const perContract = change.shares / change.quantity;
    const shares = quantity * perContract;
    out.push({
      fillId: `${idBase}:shares`,
      clientOrderId: event.eventId,
      symbol: event.underlying,
      side: shares > 0 ? 'buy' : 'sell',
      quantity: Math.abs(shares),
      price: change.strike,
      commission: ZERO,
      ts: event.ts,
    });
  }
  return out;
}
