import { InputError } from '../domain/errors.js';
import type { OptionMarkModel } from '../market/optionMarks.js';
import type { StrategyRules } from './types.js';
import { createWsbDipBot } from './wsbDipBot.js';
import { STRATEGY_IDS, type StrategyId } from '../market/universes.js';

export interface StrategyDeps {
  readonly marks: OptionMarkModel;
}

type Factory = (deps: StrategyDeps) => StrategyRules;

const FACTORIES: Readonly<Partial<Record<StrategyId, Factory>>> = {
  'wsb-dip-bot': ({ marks }) => createWsbDipBot({ marks }),
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
