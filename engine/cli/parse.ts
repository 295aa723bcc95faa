import { InputError } from '../domain/errors.js';

/** Flag parsers: each names the flag in its error. */
export function parseDateFlag(flag: string) {
  return (value: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
      throw new InputError(flag, `expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
    return value;
  };
}

export function parseIntegerFlag(flag: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InputError(flag, `expected an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(flag, `must be an integer in [${min}, ${max}], got ${value}`);
    return n;
  };
}

export function parseSymbolList(flag: string) {
  return (value: string): string[] => {
    const list = value
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter((s) => s.length > 0);
    if (list.length === 0) throw new InputError(flag, 'expected a comma-separated list of tickers');
    for (const s of list) {
      if (!/^[A-Z][A-Z0-9.-]{0,19}$/.test(s)) throw new InputError(flag, `invalid ticker ${JSON.stringify(s)}`);
    }
    return list;
  };
}

export function parseDecimalFlag(flag: string) {
  return (value: string): string => {
    if (!/^\d+(\.\d+)?$/.test(value)) throw new InputError(flag, `expected a non-negative decimal number, got ${JSON.stringify(value)}`);
    return value;
  };
}
