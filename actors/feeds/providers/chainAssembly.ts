import { InputError } from '../../../engine/domain/errors.js';
import { parseOccSymbol, type OptionContract } from '../../../engine/domain/instrument.js';
import { dte as daysToExpiry, expiryCloseUtc, isMonthlyExpiry, nyDate } from '../../../engine/market/expiries.js';
import type { MarketChainExpiry, MarketOptionChain, MarketOptionQuote, ProviderName } from './types.js';

/** One contract as a provider describes it, before checks. */
export interface RawOptionContract {
  /** OCC symbol in any of the usual spellings: padded, compact ("AAPL240419C00100000") or Polygon's "O:"-prefixed. */
  readonly occ: string;
  readonly bid?: number | null;
  readonly ask?: number | null;
  readonly iv?: number | null;
  readonly delta?: number | null;
  readonly gamma?: number | null;
  readonly theta?: number | null;
  readonly vega?: number | null;
  readonly rho?: number | null;
  readonly openInterest?: number | null;
  readonly volume?: number | null;
  readonly quoteTs?: number | null;
}

const COMPACT_OCC = /^([A-Z][A-Z0-9.]{0,5})(\d{6}[CP]\d{8})$/;

/** The padded OCC contract of any common spelling; InputError('symbol') when it is none. */
export function parseAnyOcc(raw: string): OptionContract {
  const s = raw.startsWith('O:') ? raw.slice(2) : raw;
  const m = COMPACT_OCC.exec(s);
  if (m !== null) return parseOccSymbol(`${m[1]!.padEnd(6, ' ')}${m[2]!}`);
  return parseOccSymbol(s);
}

type Rejection = MarketOptionChain['rejected'][number];

function num(v: number | null | undefined, field: string, rule: 'any' | 'nonNegative'): { value: number | null; problem?: string; field: string } {
  if (v === null || v === undefined) return { value: null, field };
  if (!Number.isFinite(v)) return { value: null, problem: `must be a finite number, got ${String(v)}`, field };
  if (rule === 'nonNegative' && v < 0) return { value: null, problem: `must not be negative, got ${v}`, field };
  return { value: v, field };
}

/**
 * Groups a provider's contracts into expiries (ascending) with calls and puts
 * by strike, leaving out contracts that have expired at `asOf` and
 * rejecting, by name and field, those whose numbers are unusable (a crossed
 * market, a negative price, a non-finite greek).
 */
export function assembleChain(args: {
  provider: ProviderName;
  underlying: string;
  asOf: number;
  spot: number | null;
  contracts: readonly RawOptionContract[];
}): MarketOptionChain {
  const { provider, underlying, asOf, contracts } = args;
  if (!Number.isFinite(asOf)) throw new InputError('asOf', `must be a finite epoch millisecond time, got ${String(asOf)}`);
  const date = nyDate(asOf);
  const rejected: Rejection[] = [];
  const byExpiry = new Map<string, { calls: MarketOptionQuote[]; puts: MarketOptionQuote[] }>();
  const seen = new Set<string>();
  for (const raw of contracts) {
    let contract: OptionContract;
    try {
      contract = parseAnyOcc(raw.occ);
    } catch {
      rejected.push({ symbol: raw.occ, field: 'symbol', message: 'is not an OCC option symbol' });
      continue;
    }
    if (seen.has(contract.symbol)) continue; // pages can overlap; the first answer stands
    seen.add(contract.symbol);
    if (expiryCloseUtc(contract.expiry) < asOf) continue;
    const checks = [
      num(raw.bid, 'bid', 'nonNegative'),
      num(raw.ask, 'ask', 'nonNegative'),
      num(raw.iv, 'iv', 'nonNegative'),
      num(raw.delta, 'delta', 'any'),
      num(raw.gamma, 'gamma', 'any'),
      num(raw.theta, 'theta', 'any'),
      num(raw.vega, 'vega', 'any'),
      num(raw.rho, 'rho', 'any'),
      num(raw.openInterest, 'openInterest', 'nonNegative'),
      num(raw.volume, 'volume', 'nonNegative'),
      num(raw.quoteTs, 'quoteTs', 'any'),
    ] as const;
    const bad = checks.find((c) => c.problem !== undefined);
    if (bad !== undefined) {
      rejected.push({ symbol: contract.symbol, field: bad.field, message: bad.problem! });
      continue;
    }
    const [bid, ask, iv, delta, gamma, theta, vega, rho, openInterest, volume, quoteTs] = checks.map<number | null>((c) => c.value);
    // An ask of 0 means no offer (no market), so only a positive ask can be crossed.
    if (bid !== null && bid !== undefined && ask !== null && ask !== undefined && ask > 0 && bid > ask) {
      rejected.push({ symbol: contract.symbol, field: 'bid', message: `bid ${bid} is above ask ${ask}` });
      continue;
    }
    const quote: MarketOptionQuote = {
      symbol: contract.symbol,
      expiry: contract.expiry,
      right: contract.right,
      strike: contract.strike.toFixed(),
      strikePrice: contract.strike.toNumber(),
      dte: daysToExpiry(date, contract.expiry),
      bid: bid ?? null,
      ask: ask ?? null,
      mid: bid !== null && bid !== undefined && ask !== null && ask !== undefined && ask > 0 ? (bid + ask) / 2 : null,
      iv: iv ?? null,
      delta: delta ?? null,
      gamma: gamma ?? null,
      theta: theta ?? null,
      vega: vega ?? null,
      rho: rho ?? null,
      openInterest: openInterest ?? null,
      volume: volume ?? null,
      quoteTs: quoteTs ?? null,
    };
    let bucket = byExpiry.get(contract.expiry);
    if (bucket === undefined) {
      bucket = { calls: [], puts: [] };
      byExpiry.set(contract.expiry, bucket);
    }
    (contract.right === 'C' ? bucket.calls : bucket.puts).push(quote);
  }
  const byStrike = (a: MarketOptionQuote, b: MarketOptionQuote): number => a.strikePrice - b.strikePrice;
  const expiries: MarketChainExpiry[] = [...byExpiry.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([expiry, b]) => ({
      expiry,
      dte: daysToExpiry(date, expiry),
      monthly: isMonthlyExpiry(expiry),
      calls: b.calls.sort(byStrike),
      puts: b.puts.sort(byStrike),
    }));
  const spot = args.spot !== null && Number.isFinite(args.spot) && args.spot > 0 ? args.spot : null;
  return { underlying, asOf, date, provider, spot, expiries, rejected };
}
