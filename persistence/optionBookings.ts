import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../engine/domain/errors.js';
import type { OptionExpiryEvent, Order, Position, TradeTransaction } from '../engine/domain/orders.js';
import type { ExpiryBooking, LegExecution } from '../engine/domain/ports.js';
import { FillEntity, OptionExpiryEntity, OrderEntity, PositionEntity, TradeTransactionEntity } from './entities/index.js';
import { expiryColumns, expiryFromRow, mutableOrderColumns } from './rowMapping.js';
import { normalizeExpiryBooking, normalizeFillGroup } from './storedBookings.js';

/*
 * The multi-leg and expiry bookings of MikroOrmStore, each one transaction.
 * A unique violation inside means a concurrent writer booked the same thing
 * first: it rolls back and the caller answers "already booked".
 */

class AlreadyBooked extends Error {}

async function upsertPosition(tx: EntityManager, account: string, p: Position): Promise<void> {
  await tx.upsert(PositionEntity, {
    account,
    symbol: p.symbol,
    quantity: p.quantity,
    avgCost: p.avgCost,
    realizedPnl: p.realizedPnl,
    updatedAt: new Date(p.updatedAt),
  });
}

function tradeColumns(account: string, t: TradeTransaction) {
  return {
    account,
    strategyId: t.strategyId,
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    price: t.price,
    fees: t.fees,
    grossAmount: t.grossAmount,
    executedAt: new Date(t.executedAt),
  };
}

/** Whether this account already booked the group; ConflictError when another account holds its fill ids. */
async function groupBooked(em: EntityManager, account: string, fillIds: readonly string[]): Promise<boolean> {
  const rows = await em.find(FillEntity, { fillId: { $in: [...fillIds] } }, { fields: ['account', 'fillId'] });
  if (rows.some((r) => r.account !== account)) throw new ConflictError(`fills ${fillIds.join(', ')} are booked under another account`, { fillIds: [...fillIds] });
  if (rows.length === 0) return false;
  if (rows.length !== fillIds.length) throw new ConflictError(`fill group of ${fillIds[0] ?? ''} is partly booked`, { fillIds: [...fillIds] });
  return true;
}

export async function bookFillGroup(em: EntityManager, account: string, order: Order, executions: readonly LegExecution[]): Promise<boolean> {
  const g = normalizeFillGroup(order, executions);
  const fillIds = g.executions.map((x) => x.fill.fillId);
  try {
    return await em.transactional(async (tx) => {
      // The order row lock serialises bookings of one order, so the check below cannot race.
      const row = await tx.findOne(OrderEntity, { account, clientOrderId: g.order.clientOrderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw new NotFoundError('order', g.order.clientOrderId);
      if (await groupBooked(tx, account, fillIds)) return false;
      for (const x of g.executions) {
        let fillPk: string;
        try {
          fillPk = await tx.insert(FillEntity, {
            account,
            fillId: x.fill.fillId,
            order: row.id,
            symbol: x.fill.symbol,
            side: x.fill.side,
            quantity: x.fill.quantity,
            price: x.fill.price,
            commission: x.fill.commission,
            ts: new Date(x.fill.ts),
            groupId: x.fill.groupId ?? null,
          });
        } catch (e) {
          if (e instanceof UniqueConstraintViolationException) throw new AlreadyBooked();
          throw e;
        }
        await upsertPosition(tx, account, x.position);
        await tx.insert(TradeTransactionEntity, { ...tradeColumns(account, x.trade), order: row.id, fill: fillPk });
      }
      await tx.nativeUpdate(OrderEntity, { id: row.id }, mutableOrderColumns(g.order));
      return true;
    });
  } catch (e) {
    if (e instanceof AlreadyBooked) return groupBooked(em.fork(), account, fillIds);
    throw e;
  }
}

export async function bookExpiry(em: EntityManager, account: string, booking: ExpiryBooking): Promise<boolean> {
  const b = normalizeExpiryBooking(booking);
  try {
    return await em.transactional(async (tx) => {
      if (await tx.findOne(OptionExpiryEntity, { account, eventId: b.event.eventId }, { fields: ['id'] })) return false;
      let expiryPk: string;
      try {
        expiryPk = await tx.insert(OptionExpiryEntity, { ...expiryColumns(b.event), account });
      } catch (e) {
        if (e instanceof UniqueConstraintViolationException) throw new AlreadyBooked();
        throw e;
      }
      for (const p of b.positions) await upsertPosition(tx, account, p);
      for (const t of b.trades) await tx.insert(TradeTransactionEntity, { ...tradeColumns(account, t), expiry: expiryPk, executionId: t.fillId });
      return true;
    });
  } catch (e) {
    if (e instanceof AlreadyBooked) return false;
    throw e;
  }
}

export async function loadExpiries(em: EntityManager, account: string): Promise<OptionExpiryEvent[]> {
  const rows = await em.find(OptionExpiryEntity, { account }, { orderBy: { ts: 'asc', eventId: 'asc' } });
  return rows.map(expiryFromRow);
}
