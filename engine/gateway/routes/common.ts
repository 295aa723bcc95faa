import { z } from 'zod';
import type { EngineControl, Principal } from '../control.js';
import type { TradingStore } from '../../domain/ports.js';

/** What every route plugin gets: the engine's control surface and its store. */
export interface RouteDeps {
  readonly control: EngineControl;
  readonly store: TradingStore;
}

export const strategyIdParam = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . : -');
export const symbolQuery = z.string().min(1).max(32).describe('exact symbol (equity ticker or OCC option symbol)');
export const limitQuery = (fallback: number) =>
  z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').default(fallback).describe(`1-10000, default ${fallback}`);
export const reasonBody = z
  .strictObject({ reason: z.string().min(1).max(500).optional().describe('free text kept in the audit log') })
  .default({});

/** Write routes always carry a principal (the access hook refuses them otherwise); this keeps the type honest. */
export function principalOf(principal: Principal | null): Principal {
  if (principal === null) throw new Error('write route reached without a principal; the access hook is not registered');
  return principal;
}

/** The most recent `limit` rows of a list in time order, still oldest first. */
export function mostRecent<T>(rows: readonly T[], limit: number): T[] {
  return rows.slice(Math.max(0, rows.length - limit));
}
