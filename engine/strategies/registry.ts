import { InputError } from '../domain/errors.js';
import type { EarningsEvent } from '../market/barLoader.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { TradeTransaction } from '../domain/orders.js';
import type { StrategyRules } from './types.js';
import { createWsbDipBot } from './wsbDipBot.js';
import { createMomentumWeeklies } from './momentumWeeklies.js';
import { createLottoScanner } from './lottoScanner.js';
import { createLeapsTracker } from './leapsTracker.js';
import { createSwingTrading } from './swingTrading.js';
import { createIndexBaseline } from './indexBaseline.js';
import { createEarningsProtection } from './earningsProtection.js';
import { createDebitSpreads } from './debitSpreads.js';
import { createSpxCreditSpreads } from './spxCreditSpreads.js';
import { createWheel } from './wheel.js';
import { STRATEGY_IDS, type StrategyId } from '../market/universes.js';

export interface StrategyDeps {
  readonly marks: OptionMarkModel;
  /** The earnings calendar (`loadEarningsCalendar(root)`); strategies that trade reports make none without it. */
  readonly earnings?: readonly EarningsEvent[];
  /** The stored trade rows (the daemon's, at start): strategies that keep Decimal bookkeeping rebuild it from them. */
  readonly trades?: readonly TradeTransaction[];
}

type Factory = (deps: StrategyDeps) => StrategyRules;

const FACTORIES: Readonly<Partial<Record<StrategyId, Factory>>> = {
  'wsb-dip-bot': ({ marks }) => createWsbDipBot({ marks }),
  'momentum-weeklies': ({ marks }) => createMomentumWeeklies({ marks }),
  'lotto-scanner': ({ marks, earnings }) => createLottoScanner({ marks, earnings: earnings ?? null }),
  'leaps-tracker': ({ marks }) => createLeapsTracker({ marks }),
  'swing-trading': ({ marks }) => createSwingTrading({ marks }),
  'index-baseline': () => createIndexBaseline(),
  'earnings-protection': ({ marks, earnings }) => createEarningsProtection({ marks, earnings: earnings ?? null }),
  'debit-spreads': ({ marks }) => createDebitSpreads({ marks }),
  'spx-credit-spreads': ({ marks }) => createSpxCreditSpreads({ marks }),
  wheel: ({ marks, trades }) => createWheel({ marks, ...(trades ? { trades } : {}) }),
};

/** Strategies of the original (their ids and universes live in market/universes.ts) this build does not run yet (issue 6). */
export const PLANNED_STRATEGIES: readonly string[] = STRATEGY_IDS.filter((id) => !Object.hasOwn(FACTORIES, id));

export function availableStrategies(): string[] {
  return Object.keys(FACTORIES);
}

export function createStrategy(id: string, deps: StrategyDeps, field = 'strategy'): StrategyRules {
  // Own keys only: `constructor` or `__proto__` must not resolve to something on Object.prototype.
  const factory = Object.hasOwn(FACTORIES, id) ? (FACTORIES as Readonly<Record<string, Factory>>)[id] : undefined;
  if (!factory) {
    const planned = PLANNED_STRATEGIES.includes(id);
    throw new InputError(
      field,
      planned
        ? `strategy ${JSON.stringify(id)} is not available in this build yet; available: ${availableStrategies().join(', ')}`
        : `unknown strategy ${JSON.stringify(id)}; available: ${availableStrategies().join(', ')}`,
    );
  }
  return factory(deps);
}
