import { z } from 'zod';
import { Decimal } from '../../engine/domain/money.js';
import { ConfigError } from '../../engine/domain/errors.js';

/**
 * Money settings accept a string, number or Decimal and come out as Decimal, so a
 * config read from the environment ("0.005") and one written in code (0.005) agree.
 */
const nonNegativeDecimal = z
  .union([z.string(), z.number(), z.instanceof(Decimal)])
  .transform((value, ctx): Decimal => {
    let d: Decimal;
    try {
      d = new Decimal(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a decimal number: ${JSON.stringify(String(value))}` });
      return z.NEVER;
    }
    if (!d.isFinite() || d.isNegative()) {
      ctx.addIssue({ code: 'custom', message: `must be a finite, non-negative decimal, got ${d.toString()}` });
      return z.NEVER;
    }
    return d;
  });

const tickDecimals = z.number().int().min(0).max(8);

/** Settings of the simulated venue. Every field has a documented default. */
export const paperBrokerConfigSchema = z.strictObject({
  /** Starting cash of the paper account. Default 100000. */
  initialCash: nonNegativeDecimal.default(new Decimal(100_000)),
  /** Adverse slippage in basis points of the reference price: buys pay up, sells receive less. Default 5. */
  slippageBps: z.number().min(0).max(10_000).default(5),
  /** Extra adverse slippage drawn uniformly from [0, this) bps per fill with a seeded generator. Default 0 (off). */
  slippageJitterBps: z.number().min(0).max(1_000).default(0),
  /** Seed of the slippage jitter; same seed and data give the same fills. Default 0. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Equity commission per share. Default 0.005. */
  commissionPerShare: nonNegativeDecimal.default(new Decimal('0.005')),
  /** Minimum commission of one equity order (charged once per order, across its partial fills). Default 1.00. */
  minCommissionPerOrder: nonNegativeDecimal.default(new Decimal('1.00')),
  /** Option commission per contract; no minimum. Default 0.65. */
  commissionPerContract: nonNegativeDecimal.default(new Decimal('0.65')),
  /** Largest fraction of a bar's volume one equity order may take in that bar; the rest stays working. Default 0.10. */
  participation: z.number().gt(0).max(1).default(0.1),
  /** Option volume is not modelled, so one option order fills at most this many contracts per bar. Default 500. */
  maxContractsPerBar: z.number().int().min(1).default(500),
  /** Fill prices are rounded to this many decimals (the tick) with ROUND_HALF_EVEN after slippage. Default 2 and 2. */
  priceDecimals: z
    .strictObject({ equity: tickDecimals.default(2), option: tickDecimals.default(2) })
    .default({ equity: 2, option: 2 }),
  /** When false, a sell larger than the (uncommitted) long position is rejected 'short_not_allowed'. Default false. */
  allowShort: z.boolean().default(false),
  /**
   * At the close of expiry day an option at least this far in the money (intrinsic per share, by the
   * underlying's last price) is exercised if long and assigned if short; below it, it expires worthless.
   * Default 0.01, the OCC's exercise-by-exception threshold.
   */
  exerciseThreshold: nonNegativeDecimal.default(new Decimal('0.01')),
});

export type PaperBrokerConfig = z.output<typeof paperBrokerConfigSchema>;
/** What callers may pass: any subset, money as string/number/Decimal. */
export type PaperBrokerConfigInput = z.input<typeof paperBrokerConfigSchema>;

/** Validate and fill in defaults; a bad value throws ConfigError naming the field (e.g. `paperBroker.priceDecimals.option`). */
export function parsePaperBrokerConfig(input: PaperBrokerConfigInput = {}): PaperBrokerConfig {
  const result = paperBrokerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const keys = issue && issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
  const field = ['paperBroker', path, keys].filter((s) => s !== '').join('.');
  throw new ConfigError(field, issue?.message ?? 'invalid configuration');
}
