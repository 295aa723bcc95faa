import { z } from 'zod';
import { Decimal } from '../domain/money.js';
import { InputError } from '../domain/errors.js';

/**
 * Every limit the pre-trade stage applies, in one schema. docs/risk-limits.md
 * explains each default and where it comes from.
 */

/**
 * Per-strategy allocation: the most of equity one strategy may have at risk
 * across all its positions. SPEC §1.11's `max_position_size` per strategy
 * (research_2024 preset), which the original also used as the allocation.
 */
export const DEFAULT_STRATEGY_ALLOCATIONS: Readonly<Record<string, number>> = Object.freeze({
  'wsb-dip-bot': 0.25,
  'earnings-protection': 0.06,
  'index-baseline': 0.6,
  wheel: 0.2,
  'momentum-weeklies': 0.05,
  'debit-spreads': 0.15,
  'leaps-tracker': 0.03,
  'swing-trading': 0.05,
  'spx-credit-spreads': 0.04,
  'lotto-scanner': 0.01,
});

const fraction = (name: string) =>
  z
    .number({ message: `${name} must be a number` })
    .gt(0, `${name} must be > 0`)
    .lte(1, `${name} must be <= 1 (a fraction, not a percentage)`);

const count = (name: string) =>
  z.number({ message: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be > 0`);

const positiveMoney = (name: string) =>
  z.union([z.number(), z.string()], { message: `${name} must be a number or a decimal string` }).transform((v, ctx): Decimal => {
    let d: Decimal | undefined;
    try {
      d = new Decimal(v);
    } catch {
      d = undefined;
    }
    if (d === undefined || !d.isFinite() || d.lte(0)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a finite amount > 0, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return d;
  });

/** Tickers are compared upper case; an option's underlying is what is looked up. */
const restrictedSymbol = z
  .string({ message: 'restricted symbols must be strings' })
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9.-]{0,19}$/, 'restricted symbols must be tickers (a letter, then up to 19 letters, digits, dots or dashes)')
  .transform((s) => s.toUpperCase());

export const preTradeLimitsSchema = z
  .object({
    /** Per-strategy allocation as a fraction of equity; entries given here replace only those strategies' defaults. */
    allocationPct: z
      .record(z.string(), fraction('allocationPct'))
      .default({})
      .transform((given) => ({ ...DEFAULT_STRATEGY_ALLOCATIONS, ...given })),
    /** Allocation of a strategy missing from allocationPct. */
    defaultAllocationPct: fraction('defaultAllocationPct').default(0.05),
    /** One strategy's exposure to one underlying, as a fraction of equity. */
    maxPositionPct: fraction('maxPositionPct').default(0.2),
    /** The account's exposure to one underlying across all strategies (the original's name concentration). */
    maxNamePct: fraction('maxNamePct').default(0.2),
    /** Gross exposure of the account as a multiple of equity; 1 means no leverage. */
    maxGrossExposurePct: z
      .number({ message: 'maxGrossExposurePct must be a number' })
      .gt(0, 'maxGrossExposurePct must be > 0')
      .lte(4, 'maxGrossExposurePct must be <= 4 (Reg T intraday maximum)')
      .default(1),
    maxOpenPositions: count('maxOpenPositions').default(20),
    /** Portfolio VaR after the trade, as a fraction of equity. */
    maxVarPct: fraction('maxVarPct').default(0.05),
    maxOrderNotional: positiveMoney('maxOrderNotional').prefault(500_000),
    maxDailyNotional: positiveMoney('maxDailyNotional').prefault(5_000_000),
    maxOrdersPerMinute: count('maxOrdersPerMinute').default(60),
    maxOrdersPerSymbolPerMinute: count('maxOrdersPerSymbolPerMinute').default(10),
    /** Largest position in one instrument, in shares (an option contract counts as its 100 shares). */
    maxShares: count('maxShares').default(100_000),
    restrictedSymbols: z
      .array(restrictedSymbol, { message: 'restrictedSymbols must be a list of tickers' })
      .default([])
      .transform((list): ReadonlySet<string> => new Set(list)),
    /** The pattern-day-trader rule applies below this equity. */
    pdtMinEquity: positiveMoney('pdtMinEquity').prefault(25_000),
    /** Day trades allowed within the window while under pdtMinEquity. */
    pdtMaxDayTrades: z.number({ message: 'pdtMaxDayTrades must be a number' }).int('pdtMaxDayTrades must be a whole number').min(0, 'pdtMaxDayTrades must be >= 0').default(3),
    /** The PDT window in NYSE trading days, today included. */
    pdtWindowTradingDays: count('pdtWindowTradingDays').max(20, 'pdtWindowTradingDays must be <= 20').default(5),
    /** Calendar days after a loss sale during which a repurchase warns. */
    washSaleDays: count('washSaleDays').max(366, 'washSaleDays must be <= 366').default(30),
    /** Refuse orders outside the regular session; off only for data that does not keep market hours. */
    enforceMarketHours: z.boolean({ message: 'enforceMarketHours must be true or false' }).default(true),
  })
  .strict();

export type PreTradeLimits = z.output<typeof preTradeLimitsSchema>;

/** Parse limits from configuration; missing fields take the defaults. Throws InputError naming the field. */
export function parsePreTradeLimits(raw: unknown): PreTradeLimits {
  const result = preTradeLimitsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new InputError('preTradeLimits', 'invalid pre-trade limits');
  if (issue.code === 'unrecognized_keys') {
    throw new InputError(issue.keys[0] ?? 'preTradeLimits', `unknown limit (expected one of ${preTradeLimitsSchema.keyof().options.join(', ')})`);
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'preTradeLimits';
  throw new InputError(field, issue.message);
}

export const DEFAULT_PRE_TRADE_LIMITS: PreTradeLimits = Object.freeze(parsePreTradeLimits({}));

/** The allocation of a strategy, falling back to defaultAllocationPct. */
export function allocationOf(limits: PreTradeLimits, strategyId: string): number {
  return Object.hasOwn(limits.allocationPct, strategyId) ? limits.allocationPct[strategyId]! : limits.defaultAllocationPct;
}
