import { underlyingOf } from '../../domain/instrument.js';
import { daysBetween, nyParts } from '../../domain/session.js';
import { warn, type ComplianceRule } from './types.js';

/**
 * Wash sale (IRC §1091): buying a security, or an option on it, within 30
 * calendar days after selling it at a loss disallows the loss for tax. This
 * is a warning, never a block: the loss is deferred into the new position's
 * basis, not lost, and the trade may still be right.
 *
 * Days are New York calendar dates: a sale on the 1st and a buy on the 31st
 * are 30 days apart and warn; on the 32nd they do not. Only opening buys
 * warn (stock or any option of the underlying); buying back a short is not
 * an acquisition of the security sold.
 */
export const washSaleRule: ComplianceRule = (ctx) => {
  const { intent } = ctx;
  if (!ctx.opening || intent.side !== 'buy') return null;
  const underlying = underlyingOf(intent.instrument).toUpperCase();
  const sale = ctx.lossSales.latestLossSale(underlying);
  if (sale === undefined) return null;
  const saleDate = nyParts(sale.ts).date;
  const days = daysBetween(saleDate, nyParts(ctx.now).date);
  if (days < 0 || days > ctx.limits.washSaleDays) return null;
  return warn(
    'WASH_SALE_WARNING',
    `buying ${intent.instrument.symbol.trim()} ${days} day(s) after selling ${sale.symbol.trim()} at a loss of ${sale.loss.toFixed(2)} on ${saleDate} ` +
      `(window ${ctx.limits.washSaleDays} days): the loss may be disallowed as a wash sale`,
  );
};
