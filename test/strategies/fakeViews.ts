import { Decimal } from '../../engine/domain/money.js';
import type { HeldPosition, HeldQuantity, StrategyView } from '../../engine/strategies/types.js';

/** A strategy view for rule tests: one held instrument per underlying, set by the test. */
export class FakeView implements StrategyView {
  eq = new Decimal(100_000);
  held = new Map<string, HeldPosition>();
  working = new Set<string>();
  now(): number {
    return 0;
  }
  equity(): Decimal {
    return this.eq;
  }
  holding(underlying: string): HeldPosition | undefined {
    return this.held.get(underlying);
  }
  hasWorkingOrder(underlying: string): boolean {
    return this.working.has(underlying);
  }
}

/** A strategy view for spread rule tests: every leg held per underlying (`positions`), the first as `holding`. */
export class FakeLegView implements StrategyView {
  eq = new Decimal(100_000);
  held = new Map<string, HeldQuantity[]>();
  working = new Set<string>();
  now(): number {
    return 0;
  }
  equity(): Decimal {
    return this.eq;
  }
  holding(underlying: string): HeldPosition | undefined {
    const first = this.held.get(underlying)?.[0];
    return first === undefined ? undefined : { instrument: first.instrument, quantity: first.quantity, entryPrice: new Decimal(1), entryTs: 0 };
  }
  hasWorkingOrder(underlying: string): boolean {
    return this.working.has(underlying);
  }
  positions(underlying: string): readonly HeldQuantity[] {
    return this.held.get(underlying) ?? [];
  }
}
