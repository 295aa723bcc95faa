import type { Command } from 'commander';
import { InputError } from '../domain/errors.js';
import type { OptionRight } from '../domain/instrument.js';
import type { BsmResult } from '../market/blackScholes.js';
import { bsm } from '../market/blackScholes.js';
import { american } from '../market/americanOption.js';

type Style = 'european' | 'american';

interface OptionPriceFlags {
  type: OptionRight;
  spot: number;
  strike: number;
  years: number;
  rate: number;
  dividend: number;
  vol: number;
  style: Style;
  json?: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite decimal number, optionally bounded below; the error names the flag. */
function parseNumber(flag: string, rule?: { min: number; exclusive: boolean }) {
  return (value: string): number => {
    const n = Number(value);
    if (!NUMBER.test(value.trim()) || !Number.isFinite(n)) throw new InputError(flag, `expected a number, got ${JSON.stringify(value)}`);
    if (rule && (rule.exclusive ? !(n > rule.min) : !(n >= rule.min))) {
      throw new InputError(flag, `must be ${rule.exclusive ? '>' : '≥'} ${rule.min}, got ${value}`);
    }
    return n;
  };
}

function parseType(value: string): OptionRight {
  const v = value.trim().toLowerCase();
  if (v === 'call') return 'C';
  if (v === 'put') return 'P';
  throw new InputError('--type', `expected call or put, got ${JSON.stringify(value)}`);
}

function parseStyle(value: string): Style {
  const v = value.trim().toLowerCase();
  if (v === 'european' || v === 'american') return v;
  throw new InputError('--style', `expected european or american, got ${JSON.stringify(value)}`);
}

export function formatOptionPrice(flags: OptionPriceFlags, r: BsmResult): string {
  const fmt = (x: number): string => x.toFixed(6);
  const rows: Array<[string, string]> = [
    ['option', `${flags.style} ${flags.type === 'C' ? 'call' : 'put'}`],
    ['inputs', `S ${flags.spot}  K ${flags.strike}  T ${flags.years} y  r ${flags.rate}  q ${flags.dividend}  σ ${flags.vol}`],
    ['price', `${fmt(r.price)}  (per share)`],
    ['delta', `${fmt(r.delta)}  (per 1 of spot)`],
    ['gamma', `${fmt(r.gamma)}  (delta per 1 of spot)`],
    ['theta', `${fmt(r.theta)}  (per calendar day)`],
    ['vega', `${fmt(r.vega)}  (per vol point, σ + 0.01)`],
    ['rho', `${fmt(r.rho)}  (per rate point, r + 0.01)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const model = flags.style === 'american' ? 'Leisen–Reimer binomial tree, Richardson-extrapolated' : 'Black–Scholes–Merton';
  return `Option price (${model}; T in years, r and q continuous)\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export function registerOptionCommand(program: Command): void {
  const option = program.command('option').description('option math: price and greeks');
  option
    .command('price')
    .description('price an option and its greeks (European: Black–Scholes–Merton; American: binomial tree)')
    .requiredOption('--type <call|put>', 'call or put', parseType)
    .requiredOption('--spot <S>', 'underlying price, ≥ 0', parseNumber('--spot', { min: 0, exclusive: false }))
    .requiredOption('--strike <K>', 'strike, > 0', parseNumber('--strike', { min: 0, exclusive: true }))
    .requiredOption('--years <T>', 'time to expiry in years, ≥ 0 (e.g. 0.5)', parseNumber('--years', { min: 0, exclusive: false }))
    .option('--rate <R>', 'continuously compounded risk-free rate, e.g. 0.04', parseNumber('--rate'), 0)
    .option('--dividend <Q>', 'continuous dividend yield, e.g. 0.015', parseNumber('--dividend'), 0)
    .requiredOption('--vol <V>', 'annualised volatility, ≥ 0 (0.30 = 30 %)', parseNumber('--vol', { min: 0, exclusive: false }))
    .option('--style <style>', 'european or american', parseStyle, 'european' as Style)
    .option('--json', 'print exactly one JSON object {price, delta, gamma, theta, vega, rho} on stdout')
    .addHelpText('after', '\nConventions: T in years; prices per share; theta per calendar day; vega per vol point (σ + 0.01); rho per rate point (r + 0.01).')
    .action((flags: OptionPriceFlags) => {
      const input = { right: flags.type, spot: flags.spot, strike: flags.strike, years: flags.years, rate: flags.rate, dividend: flags.dividend, vol: flags.vol };
      const r = flags.style === 'american' ? american(input) : bsm(input);
      const out = { price: r.price, delta: r.delta, gamma: r.gamma, theta: r.theta, vega: r.vega, rho: r.rho };
      process.stdout.write(flags.json ? `${JSON.stringify(out)}\n` : formatOptionPrice(flags, r));
    });
}
