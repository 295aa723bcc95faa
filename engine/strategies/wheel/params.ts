import { z } from 'zod';
import { InputError } from '../../domain/errors.js';

/**
 * Parameters of the wheel (SPEC §1.2). Two sets: the production wrapper's
 * (`production`, the default) and the CLI scanner's (`implementation`). Both
 * are expressed with the same knobs; `docs/strategies/wheel.md` maps each to
 * the original.
 */

export interface WheelParams {
  /** Entry filter: realised-vol rank (SPEC's "IV rank"), 0–100, at least this. */
  readonly ivRankMin: number;
  /** Entry filter: liquidity score 0.6 × volume tier + 0.4 × options tier, at least this. */
  readonly minLiquidity: number;
  /** The expiry: a listed one within [minDte, maxDte], the monthly if there is one (production), or the next monthly at least minDte out (the scanner). */
  readonly expiryRule: 'dteRange' | 'nextMonthly';
  readonly minDte: number;
  readonly maxDte: number;
  /** The strikes: by |delta| within [deltaMin, deltaMax] (production) or nearest spot × putMoneyness / callMoneyness (the scanner). */
  readonly strikeRule: 'delta' | 'moneyness';
  readonly deltaMin: number;
  readonly deltaMax: number;
  readonly putMoneyness: number;
  readonly callMoneyness: number;
  /** Smallest premium per share worth selling (production $50 a contract = 0.50; the scanner's put mid ≥ 0.20). */
  readonly minPremium: number;
  /** Entry filter: estimated wheel return, %/yr, at least this (the scanner's 8; 0 = not checked). */
  readonly minWheelReturnPct: number;
  /** Buy back a short option once this fraction of its premium is earned (0 = hold to expiry). */
  readonly profitTarget: number;
  /** Buy back an out-of-the-money put this many days before expiry or fewer (0 = never); an in-the-money put is left to be assigned. */
  readonly closePutDte: number;
  /** A covered call's strike is at least callMinOverSpot × spot … */
  readonly callMinOverSpot: number;
  /** … and at least callMinOverBasis × the cost basis per share (so never below the basis). */
  readonly callMinOverBasis: number;
  /** Contracts per put (the original sold one). */
  readonly contracts: number;
  /** Underlyings with a wheel in progress, at most. */
  readonly maxPositions: number;
  /** Budget: cash reserved for open puts plus the cost of stock held stays within this fraction of equity (SPEC §1.11: wheel 0.20). */
  readonly allocationPct: number;
}

export const WHEEL_PRESETS = {
  production: {
    ivRankMin: 50, minLiquidity: 50, expiryRule: 'dteRange', minDte: 30, maxDte: 45,
    strikeRule: 'delta', deltaMin: 0.15, deltaMax: 0.3, putMoneyness: 0.92, callMoneyness: 1.08,
    minPremium: 0.5, minWheelReturnPct: 0, profitTarget: 0.25, closePutDte: 7,
    callMinOverSpot: 1.01, callMinOverBasis: 1, contracts: 1, maxPositions: 10, allocationPct: 0.2,
  },
  implementation: {
    ivRankMin: 30, minLiquidity: 50, expiryRule: 'nextMonthly', minDte: 1, maxDte: 60,
    strikeRule: 'moneyness', deltaMin: 0.15, deltaMax: 0.3, putMoneyness: 0.92, callMoneyness: 1.08,
    minPremium: 0.2, minWheelReturnPct: 8, profitTarget: 0, closePutDte: 0,
    callMinOverSpot: 1.03, callMinOverBasis: 1.05, contracts: 1, maxPositions: 10, allocationPct: 0.2,
  },
} as const satisfies Record<string, WheelParams>;

const DEF = WHEEL_PRESETS.production;

/** Parameters with the production preset as defaults; unknown keys are refused (a typo must not silently fall back). */
export const wheelParamsSchema = z
  .object({
    ivRankMin: z.number().min(0).max(100).default(DEF.ivRankMin),
    minLiquidity: z.number().min(0).max(100).default(DEF.minLiquidity),
    expiryRule: z.enum(['dteRange', 'nextMonthly']).default(DEF.expiryRule),
    minDte: z.number().int().min(1).max(365).default(DEF.minDte),
    maxDte: z.number().int().min(1).max(365).default(DEF.maxDte),
    strikeRule: z.enum(['delta', 'moneyness']).default(DEF.strikeRule),
    deltaMin: z.number().gt(0).lt(1).default(DEF.deltaMin),
    deltaMax: z.number().gt(0).lt(1).default(DEF.deltaMax),
    putMoneyness: z.number().gt(0).lt(1).default(DEF.putMoneyness),
    callMoneyness: z.number().gt(1).max(3).default(DEF.callMoneyness),
    minPremium: z.number().min(0).max(1000).default(DEF.minPremium),
    minWheelReturnPct: z.number().min(0).max(1000).default(DEF.minWheelReturnPct),
    profitTarget: z.number().min(0).lt(1).default(DEF.profitTarget),
    closePutDte: z.number().int().min(0).max(60).default(DEF.closePutDte),
    callMinOverSpot: z.number().min(1).max(3).default(DEF.callMinOverSpot),
    callMinOverBasis: z.number().min(1).max(3).default(DEF.callMinOverBasis),
    contracts: z.number().int().min(1).max(100).default(DEF.contracts),
    maxPositions: z.number().int().min(1).max(100).default(DEF.maxPositions),
    allocationPct: z.number().gt(0).max(1).default(DEF.allocationPct),
  })
  .strict()
  .superRefine((v, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (v.minDte > v.maxDte) bad('minDte', 'must be ≤ maxDte');
    if (v.deltaMin > v.deltaMax) bad('deltaMin', 'must be ≤ deltaMax');
  });

/** Validate parameters (production preset for what is missing); throws InputError naming the first bad one. */
export function parseWheelParams(input: unknown = {}): WheelParams {
  const r = wheelParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new InputError('params', 'invalid parameters');
  if (issue.code === 'unrecognized_keys') throw new InputError(issue.keys[0] ?? 'params', `unknown parameter (expected one of ${wheelParamsSchema.keyof().options.join(', ')})`);
  throw new InputError(issue.path.length > 0 ? issue.path.map(String).join('.') : 'params', issue.message);
}
