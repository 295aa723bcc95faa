import { OrderEntity } from './order.js';
import { FillEntity } from './fill.js';
import { PositionEntity } from './position.js';
import { TradeTransactionEntity } from './tradeTransaction.js';
import { CompanyEntity } from './company.js';
import { SignalDecisionEntity } from './signalDecision.js';
import { EngineStateEntity } from './engineState.js';
import { AuditEventEntity } from './auditEvent.js';
import { OptionExpiryEntity } from './optionExpiry.js';

export { OrderEntity, FillEntity, PositionEntity, TradeTransactionEntity, CompanyEntity, SignalDecisionEntity, EngineStateEntity, AuditEventEntity, OptionExpiryEntity };

/** Every table the migrations own, in foreign-key order (parents first). */
export const ENTITIES = [
  OrderEntity,
  FillEntity,
  PositionEntity,
  OptionExpiryEntity,
  TradeTransactionEntity,
  CompanyEntity,
  SignalDecisionEntity,
  EngineStateEntity,
  AuditEventEntity,
] as const;
