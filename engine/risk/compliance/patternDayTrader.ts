import { block, warn, type ComplianceRule } from './types.js';

/**
 * Pattern-day-trader rule (FINRA 4210). Below $25,000 of equity an account
 * may make at most 3 day trades in 5 trading days; the 4th flags it as a
 * pattern day trader, and brokers refuse that closing order.
 *
 * Exits are never refused here: being stuck in a position because closing it
 * would count as a day trade is worse than the flag. So the rule keeps the
 * account from ever needing a 4th day trade, at entry: every position opened
 * today and still open is a day trade that may yet happen (a stop, a target),
 * and an opening order is refused when
 *
 *   day trades in the window + positions opened today (this one included) > 3.
 *
 * Adding to a position already opened today adds nothing. An exit that does
 * become one day trade too many (a history the engine did not make, e.g.
 * manual trades) passes with PDT_DAY_TRADE_WARNING.
 * At exactly $25,000 the rule does not apply (FINRA's minimum is inclusive).
 */
export const patternDayTraderRule: ComplianceRule = (ctx) => {
  const { limits } = ctx;
  if (ctx.equity.gte(limits.pdtMinEquity)) return null;
  const symbol = ctx.intent.instrument.symbol;
  const window = limits.pdtWindowTradingDays;
  const made = ctx.dayTrades.dayTradesInWindow(ctx.now, window);
  const openToday = ctx.dayTrades.openRoundsToday(ctx.now);
  const under = `equity ${ctx.equity.toFixed(2)} < ${limits.pdtMinEquity.toFixed(2)}`;

  if (ctx.opening) {
    const potential = new Set(openToday);
    potential.add(symbol);
    const worst = made + potential.size;
    if (worst <= limits.pdtMaxDayTrades) return null;
    const others = openToday.filter((s) => s !== symbol).map((s) => s.trim());
    return block(
      'PDT_LIMIT',
      `${under}: ${made} day trade(s) in the last ${window} trading days and ${others.length} other position(s) opened today` +
        `${others.length > 0 ? ` (${others.join(', ')})` : ''}; opening ${symbol.trim()} could make ${worst} day trades (limit ${limits.pdtMaxDayTrades})`,
    );
  }

  if (openToday.includes(symbol) && made + 1 > limits.pdtMaxDayTrades) {
    return warn(
      'PDT_DAY_TRADE_WARNING',
      `${under}: closing ${symbol.trim()} today is day trade ${made + 1} in ${window} trading days (limit ${limits.pdtMaxDayTrades}); ` +
        'exits are not blocked, but the broker may refuse it or flag the account',
    );
  }
  return null;
};
