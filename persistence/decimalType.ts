import { Type } from '@mikro-orm/core';
import type { EntityProperty, Platform } from '@mikro-orm/core';
import { Decimal } from '../engine/domain/money.js';
import { PersistenceError } from '../engine/domain/errors.js';

/**
 * numeric(p,s) ⇄ decimal.js. The pg driver hands numerics back as strings, so
 * the value never passes through a double. Writes use toFixed() because a
 * Decimal's toString() may switch to exponent notation, which a numeric column
 * would accept but round differently from what the caller meant.
 */
export class DecimalJsType extends Type<Decimal | null | undefined, string | null | undefined> {
  override convertToDatabaseValue(value: Decimal | string | number | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    const d = value instanceof Decimal ? value : new Decimal(value);
    if (!d.isFinite()) {
      const where = this.prop ? `${this.meta?.className ?? '?'}.${this.prop.name}` : 'decimal column';
      throw new PersistenceError(`${where}: cannot store non-finite value ${d.toString()}`);
    }
    return d.toFixed();
  }

  override convertToJSValue(value: string | number | null | undefined): Decimal | null | undefined {
    if (value === null || value === undefined) return value;
    return new Decimal(value);
  }

  override compareAsType(): string {
    return 'string';
  }

  override compareValues(a: string | null | undefined, b: string | null | undefined): boolean {
    if (a === null || a === undefined || b === null || b === undefined) return a === b;
    return new Decimal(a).eq(b);
  }

  override getColumnType(prop: EntityProperty, _platform: Platform): string {
    return `numeric(${prop.precision ?? 20},${prop.scale ?? 8})`;
  }
}
