import { p } from '@mikro-orm/core';
import type { Decimal } from '../../engine/domain/money.js';
import { DecimalJsType } from '../decimalType.js';
import { MONEY_PRECISION, MONEY_SCALE } from '../storedValues.js';

/** Every money column: numeric(20,8) mapped to Decimal, never a double. */
export function moneyColumn() {
  return p.type(DecimalJsType).$type<Decimal>().precision(MONEY_PRECISION).scale(MONEY_SCALE);
}
