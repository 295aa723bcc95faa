import { underlyingOf } from '../../domain/instrument.js';
import { block, warn, type ComplianceRule } from './types.js';

/**
 * The restricted list, compared case-insensitively (the original compared
 * case-sensitively, so "aapl" on the list did not stop AAPL). An option is
 * restricted when its underlying is.
 *
 * Opening orders are refused. Exits go through with a warning: a name put on
 * the list while held must still be sellable, or the list would trap the very
 * risk it exists to avoid. An operator who wants the position gone halts the
 * strategy and flattens it.
 */
export const restrictedSymbolsRule: ComplianceRule = (ctx) => {
  const restricted = ctx.limits.restrictedSymbols;
  if (restricted.size === 0) return null;
  const underlying = underlyingOf(ctx.intent.instrument).toUpperCase();
  if (!restricted.has(underlying)) return null;
  const what = ctx.intent.instrument.kind === 'option' ? `${ctx.intent.instrument.symbol.trim()} (underlying ${underlying})` : underlying;
  if (ctx.opening) return block('RESTRICTED_SYMBOL', `${what} is on the restricted list: opening orders are refused`);
  return warn('RESTRICTED_SYMBOL_EXIT', `${what} is on the restricted list; this exit is allowed because it only reduces the position`);
};
