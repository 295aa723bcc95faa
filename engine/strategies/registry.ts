import { InputError } from '../domain/errors.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { StrategyRules } from './types.js';
import { createWsbDipBot } from './wsbDipBot.js';

export interface StrategyDeps {
  readonly marks: OptionMarkModel;
}

type Factory = (deps: StrategyDeps) => StrategyRules;

const FACTORIES: Readonly<Record<string, Factory>> = {
  'wsb-dip-bot': ({ marks }) => createWsbDipBot({ marks }),
};

/** Strategies of the original that this build does not run yet (issue 6). */
export const PLANNED_STRATEGIES = [
  'wheel',
  'swing-trading',
  'momentum-weeklies',
  'earnings-protection',
  'debit-spreads',
  'spx-credit-spreads',
  'leaps-tracker',
  'lotto-scanner',
  'index-baseline',
] as const;

export function availableStrategies(): string[] {
  return Object.keys(FACTORIES);
}

export function createStrategy(id: string, deps: StrategyDeps, field = 'strategy'): StrategyRules {
  const factory = FACTORIES[id];
  if (!factory) {
    const planned = (PLANNED_STRATEGIES as readonly string[]).includes(id);
    throw new InputError(
      field,
      planned
        ? `strategy ${JSON.stringify(id)} is not available in this build yet; available: ${availableStrategies().join(', ')}`
        : `unknown strategy ${JSON.stringify(id)}; available: ${availableStrategies().join(', ')}`,
    );
  }
  return factory(deps);
}
