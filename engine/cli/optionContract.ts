import { InputError } from '../domain/errors.js';
import type { OptionRight } from '../domain/instrument.js';
import type { BsmResult } from '../market/blackScholes.js';
import { bsm } from '../market/blackScholes.js';
import { american } from '../market/americanOption.js';
import { americanImpliedVol, impliedVol } from '../market/impliedVolatility.js';

/**
 * One option contract as `wsb option price` and `wsb option iv` take it, from
 * flags or from a JSON Lines record: the field rules live here once, so a flag
 * and a record field with the same name are validated alike.
 */

export type Style = 'european' | 'american';
export const STYLES: readonly Style[] = ['european', 'american'];

export type NumberField = 'spot' | 'strike' | 'years' | 'rate' | 'dividend' | 'vol' | 'price';

interface Bound {
  readonly min: number;
  readonly exclusive: boolean;
}

/** Lower bounds of each number; rate and dividend may be negative. */
export const NUMBER_RULES: Readonly<Record<NumberField, Bound | undefined>> = {
  spot: { min: 0, exclusive: false },
  strike: { min: 0, exclusive: true },
  years: { min: 0, exclusive: false },
  rate: undefined,
  dividend: undefined,
  vol: { min: 0, exclusive: false },
  price: { min: 0, exclusive: false },
};

/** Throws InputError(name) unless `n` is finite and within the field's bound. */
export function checkNumber(name: string, field: NumberField, n: number, shown: string = String(n)): number {
  if (!Number.isFinite(n)) throw new InputError(name, `expected a finite number, got ${shown}`);
  const rule = NUMBER_RULES[field];
  if (rule && (rule.exclusive ? !(n > rule.min) : !(n >= rule.min))) {
    throw new InputError(name, `must be ${rule.exclusive ? '>' : '≥'} ${rule.min}, got ${shown}`);
  }
  return n;
}

export function parseRight(name: string, value: string): OptionRight {
  const v = value.trim().toLowerCase();
  if (v === 'call') return 'C';
  if (v === 'put') return 'P';
  throw new InputError(name, `expected call or put, got ${JSON.stringify(value)}`);
}

export function parseStyle(name: string, value: string): Style {
  const v = value.trim().toLowerCase();
  if (v === 'european' || v === 'american') return v;
  throw new InputError(name, `expected european or american, got ${JSON.stringify(value)}`);
}

interface ContractBase {
  readonly right: OptionRight;
  readonly spot: number;
  readonly strike: number;
  readonly years: number;
  readonly rate: number;
  readonly dividend: number;
  readonly style: Style;
}

/** Inputs of `wsb option price`. */
export interface PriceContract extends ContractBase {
  readonly vol: number;
}

/** Inputs of `wsb option iv`: the observed option price instead of a volatility. */
export interface IvContract extends ContractBase {
  readonly price: number;
}

export type OptionTask = 'price' | 'iv';

/** The per-contract fields of each task, in the order the help and errors list them. */
export const CONTRACT_FIELDS: Readonly<Record<OptionTask, readonly string[]>> = {
  price: ['type', 'spot', 'strike', 'years', 'rate', 'dividend', 'vol', 'style'],
  iv: ['type', 'price', 'spot', 'strike', 'years', 'rate', 'dividend', 'style'],
};

export type Greeks = Pick<BsmResult, 'price' | 'delta' | 'gamma' | 'theta' | 'vega' | 'rho'>;

/** Price and greeks in the fixed key order of the `--json` contract. */
export function priceOf(c: PriceContract): Greeks {
  const input = { right: c.right, spot: c.spot, strike: c.strike, years: c.years, rate: c.rate, dividend: c.dividend, vol: c.vol };
  const r = c.style === 'american' ? american(input) : bsm(input);
  return { price: r.price, delta: r.delta, gamma: r.gamma, theta: r.theta, vega: r.vega, rho: r.rho };
}

/** Implied volatility; throws PricingError('NO_IMPLIED_VOLATILITY') saying why when none fits. */
export function ivOf(c: IvContract): number {
  const input = { right: c.right, price: c.price, spot: c.spot, strike: c.strike, years: c.years, rate: c.rate, dividend: c.dividend };
  return c.style === 'american' ? americanImpliedVol(input) : impliedVol(input);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A JSON Lines record validated into a contract; InputError names the field.
 * Unknown fields are refused rather than ignored: a misspelt `dividned`
 * would otherwise silently price with the default 0.
 */
export function contractFromRecord(task: 'price', record: unknown): PriceContract;
export function contractFromRecord(task: 'iv', record: unknown): IvContract;
export function contractFromRecord(task: OptionTask, record: unknown): PriceContract | IvContract {
  if (!isRecord(record)) throw new InputError('record', `expected a JSON object, got ${Array.isArray(record) ? 'an array' : JSON.stringify(record)}`);
  const allowed = CONTRACT_FIELDS[task];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new InputError(key, `unknown field for option ${task} (expected ${allowed.join(', ')})`);
  }
  const text = (name: string, fallback?: string): string => {
    const v = record[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (v === undefined) throw new InputError(name, 'required');
    if (typeof v !== 'string') throw new InputError(name, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const num = (name: NumberField, fallback?: number): number => {
    const v = record[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (v === undefined) throw new InputError(name, 'required');
    if (typeof v !== 'number') throw new InputError(name, `expected a number, got ${JSON.stringify(v)}`);
    return checkNumber(name, name, v);
  };
  const base: ContractBase = {
    right: parseRight('type', text('type')),
    spot: num('spot'),
    strike: num('strike'),
    years: num('years'),
    rate: num('rate', 0),
    dividend: num('dividend', 0),
    style: parseStyle('style', text('style', 'european')),
  };
  return task === 'price' ? { ...base, vol: num('vol') } : { ...base, price: num('price') };
}
