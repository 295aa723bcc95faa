import { isOccSymbol } from '../../../engine/domain/instrument.js';

/**
 * Alpaca writes an option contract as the OCC symbol without the padding
 * spaces (`AAPL250321P00200000`); the engine keeps the padded 21-character
 * form (`AAPL  250321P00200000`). Equities are the same on both sides.
 */
export function toAlpacaSymbol(symbol: string): string {
  return isOccSymbol(symbol) ? symbol.replace(/ /g, '') : symbol;
}

const ALPACA_OCC = /^([A-Z][A-Z0-9.]{0,5})(\d{6}[CP]\d{8})$/;

export function fromAlpacaSymbol(symbol: string, assetClass = ''): string {
  const m = ALPACA_OCC.exec(symbol);
  if (!m || (assetClass !== '' && assetClass !== 'us_option')) return symbol;
  const [, root, rest] = m as unknown as [string, string, string];
  return `${root.padEnd(6, ' ')}${rest}`;
}

/** Alpaca's limit on client_order_id. */
export const MAX_CLIENT_ORDER_ID_LENGTH = 128;

const REPLACEMENT = /^(.+)\.rpl(\d+)$/;

/**
 * A replaced order continues at Alpaca as a new order with its own
 * client_order_id. We name it `<engine id>.rpl<n>`, so every event and lookup
 * of the replacement maps back to the engine's order, also after a restart.
 */
export function replacementClientOrderId(engineClientOrderId: string, generation: number): string {
  return `${engineClientOrderId}.rpl${generation}`;
}

/** The engine's client_order_id behind an Alpaca one, and which replacement it is (0 for the original). */
export function engineClientOrderId(alpacaClientOrderId: string): { id: string; generation: number } {
  const m = REPLACEMENT.exec(alpacaClientOrderId);
  return m ? { id: m[1] as string, generation: Number(m[2]) } : { id: alpacaClientOrderId, generation: 0 };
}

export function isReplacementId(clientOrderId: string): boolean {
  return REPLACEMENT.test(clientOrderId);
}
