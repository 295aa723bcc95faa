import { ZERO, type Decimal } from '../domain/money.js';
import type { Instrument, OptionContract } from '../domain/instrument.js';
import { multiplierOf } from '../domain/instrument.js';

/**
 * What a book's spreads change in the measures the pre-trade caps use, per
 * underlying. Single positions are measured alone by `exposureOf`: a short put
 * as strike × 100 (cash-secured), a short call as 0 (covered by shares). Held
 * together with a long option of the same underlying, right and expiry on the
 * protective side, they are a vertical spread whose worst case is its width:
 * - a short put paired with a long put of a lower strike reserves and weighs
 *   (K_short − K_long) × 100 instead of K_short × 100: `relief` = K_long × 100
 *   per pair, taken off both the reserved buying power and the exposure;
 * - a short call paired with a long call of a higher strike weighs its width
 *   (K_long − K_short) × 100 per pair, which `exposureOf` counted as 0: `added`.
 * Pairs are formed greedily, each short with the nearest protective strike.
 */
export interface SpreadAdjustment {
  /** Taken off the reserved buying power and the exposure. */
  readonly relief: Decimal;
  /** Added to the exposure. */
  readonly added: Decimal;
}

interface Lot {
  readonly contract: OptionContract;
  remaining: number;
}

export function spreadAdjustments(positions: Iterable<{ readonly instrument: Instrument; readonly quantity: number }>): Map<string, SpreadAdjustment> {
  const groups = new Map<string, { shorts: Lot[]; longs: Lot[] }>();
  for (const p of positions) {
    if (p.quantity === 0 || p.instrument.kind !== 'option') continue;
    const c = p.instrument;
    const key = `${c.underlying}|${c.expiry}|${c.right}`;
    const g = groups.get(key) ?? { shorts: [], longs: [] };
    (p.quantity < 0 ? g.shorts : g.longs).push({ contract: c, remaining: Math.abs(p.quantity) });
    groups.set(key, g);
  }
  const out = new Map<string, { relief: Decimal; added: Decimal }>();
  for (const { shorts, longs } of groups.values()) {
    if (shorts.length === 0 || longs.length === 0) continue;
    const right = shorts[0]!.contract.right;
    // Puts: protect with the highest lower strike; calls: with the lowest higher strike.
    shorts.sort((a, b) => (right === 'P' ? b.contract.strike.cmp(a.contract.strike) : a.contract.strike.cmp(b.contract.strike)));
    longs.sort((a, b) => (right === 'P' ? b.contract.strike.cmp(a.contract.strike) : a.contract.strike.cmp(b.contract.strike)));
    for (const s of shorts) {
      for (const l of longs) {
        if (s.remaining === 0) break;
        if (l.remaining === 0) continue;
        const protective = right === 'P' ? l.contract.strike.lt(s.contract.strike) : l.contract.strike.gt(s.contract.strike);
        if (!protective) continue;
        const n = Math.min(s.remaining, l.remaining);
        s.remaining -= n;
        l.remaining -= n;
        const mult = multiplierOf(s.contract);
        const adj = out.get(s.contract.underlying) ?? { relief: ZERO, added: ZERO };
        if (right === 'P') adj.relief = adj.relief.plus(l.contract.strike.times(mult).times(n));
        else adj.added = adj.added.plus(l.contract.strike.minus(s.contract.strike).times(mult).times(n));
        out.set(s.contract.underlying, adj);
      }
    }
  }
  return out;
}
