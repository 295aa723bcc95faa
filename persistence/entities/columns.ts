import { p } from '@mikro-orm/core';
import type { Decimal } from '../../engine/domain/money.js';
import { DecimalJsType } from '../decimalType.js';
import { ACCOUNT_MAX_LENGTH, MAIN_ACCOUNT, MONEY_PRECISION, MONEY_SCALE } from '../storedValues.js';

/** Every money column: numeric(20,8) mapped to Decimal, never a double. */
export function moneyColumn() {
  return p.type(DecimalJsType).$type<Decimal>().precision(MONEY_PRECISION).scale(MONEY_SCALE);
}

/**
 * The account a row belongs to (the daemon's 'main', or one persisted backtest run).
 * The store always stamps it; the default only covers rows written before accounts existed.
 */
export function accountColumn() {
  return p.string().length(ACCOUNT_MAX_LENGTH).default(MAIN_ACCOUNT);
}
