import type { Command } from 'commander';
import { InputError } from '../domain/errors.js';
import type { OptionRight } from '../domain/instrument.js';
import { AMERICAN_DEFAULT_STEPS } from '../market/americanOption.js';
import { IV_MAX, IV_MIN } from '../market/impliedVolatility.js';
import { readOptionBatch } from './optionBatch.js';
import type { Greeks, IvContract, NumberField, OptionTask, PriceContract, Style } from './optionContract.js';
import { checkNumber, CONTRACT_FIELDS, ivOf, parseRight, parseStyle, priceOf } from './optionContract.js';

/** Flags as Commander hands them over: per-contract ones are absent when --input is used. */
interface OptionFlags {
  type?: OptionRight;
  spot?: number;
  strike?: number;
  years?: number;
  rate: number;
  dividend: number;
  vol?: number;
  price?: number;
  style: Style;
  input?: string;
  json?: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A flag's decimal number (with optional exponent) within its field's bound; the error names the flag. */
function numberFlag(field: NumberField) {
  const flag = `--${field}`;
  return (value: string): number => {
    if (!NUMBER.test(value.trim())) throw new InputError(flag, `expected a number, got ${JSON.stringify(value)}`);
    return checkNumber(flag, field, Number(value), value);
  };
}

const CONVENTIONS =
  '\nConventions: T in years (ACT/365); r and q continuously compounded; prices per share; theta per calendar day; ' +
  'vega per vol point (σ + 0.01); rho per rate point (r + 0.01).\n' +
  '--input FILE reads JSON Lines, one contract a line, with the flags\' names as fields (type, spot, strike, years, rate, dividend, style and vol or price); ' +
  'it prints one JSON object {"results": [...]} in the order of the non-blank lines, a failed line holding {"error": "line N: ..."}. ' +
  'It cannot be combined with the per-contract flags.';

/**
 * With --input the contract comes from the file, so giving any per-contract
 * flag as well is ambiguous (which wins?) and refused, naming the flags.
 */
function refuseContractFlags(cmd: Command, task: OptionTask): void {
  const given = CONTRACT_FIELDS[task].filter((name) => cmd.getOptionValueSource(name) === 'cli').map((name) => `--${name}`);
  if (given.length > 0) {
    throw new InputError('--input', `cannot be combined with ${given.join(', ')}: each line of the file gives its own contract`);
  }
}

function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new InputError(flag, 'required unless --input FILE is given');
  return value;
}

function priceContract(f: OptionFlags): PriceContract {
  return {
    right: required(f.type, '--type'),
    spot: required(f.spot, '--spot'),
    strike: required(f.strike, '--strike'),
    years: required(f.years, '--years'),
    rate: f.rate,
    dividend: f.dividend,
    vol: required(f.vol, '--vol'),
    style: f.style,
  };
}

function ivContract(f: OptionFlags): IvContract {
  return {
    right: required(f.type, '--type'),
    price: required(f.price, '--price'),
    spot: required(f.spot, '--spot'),
    strike: required(f.strike, '--strike'),
    years: required(f.years, '--years'),
    rate: f.rate,
    dividend: f.dividend,
    style: f.style,
  };
}

function modelName(style: Style): string {
  return style === 'american' ? 'Leisen–Reimer binomial tree, Richardson-extrapolated' : 'Black–Scholes–Merton';
}

function table(title: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${title}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

const fmt = (x: number): string => x.toFixed(6);
const rightName = (r: OptionRight): string => (r === 'C' ? 'call' : 'put');

export function formatOptionPrice(c: PriceContract, r: Greeks): string {
  return table(`Option price (${modelName(c.style)}; T in years, r and q continuous)`, [
    ['option', `${c.style} ${rightName(c.right)}`],
    ['inputs', `S ${c.spot}  K ${c.strike}  T ${c.years} y  r ${c.rate}  q ${c.dividend}  σ ${c.vol}`],
    ['price', `${fmt(r.price)}  (per share)`],
    ['delta', `${fmt(r.delta)}  (per 1 of spot)`],
    ['gamma', `${fmt(r.gamma)}  (delta per 1 of spot)`],
    ['theta', `${fmt(r.theta)}  (per calendar day)`],
    ['vega', `${fmt(r.vega)}  (per vol point, σ + 0.01)`],
    ['rho', `${fmt(r.rho)}  (per rate point, r + 0.01)`],
  ]);
}

export function formatImpliedVol(c: IvContract, iv: number): string {
  return table(`Implied volatility (${modelName(c.style)}; T in years, r and q continuous)`, [
    ['option', `${c.style} ${rightName(c.right)}`],
    ['inputs', `price ${c.price}  S ${c.spot}  K ${c.strike}  T ${c.years} y  r ${c.rate}  q ${c.dividend}`],
    ['iv', `${fmt(iv)}  (annualised; ${(iv * 100).toFixed(4)} %)`],
  ]);
}

/** The flags both subcommands share; `extra` adds vol or price in its place. */
function contractCommand(parent: Command, name: OptionTask, description: string, extra: (cmd: Command) => Command): Command {
  const cmd = parent
    .command(name)
    .description(description)
    .option('--type <call|put>', 'call or put (required unless --input)', (v) => parseRight('--type', v))
    .option('--spot <S>', 'underlying price, ≥ 0 (required unless --input)', numberFlag('spot'))
    .option('--strike <K>', 'strike, > 0 (required unless --input)', numberFlag('strike'))
    .option('--years <T>', 'time to expiry in years, ≥ 0, e.g. 0.5 (required unless --input)', numberFlag('years'))
    .option('--rate <R>', 'continuously compounded risk-free rate, e.g. 0.04', numberFlag('rate'), 0)
    .option('--dividend <Q>', 'continuous dividend yield, e.g. 0.015', numberFlag('dividend'), 0);
  return extra(cmd)
    .option('--style <style>', 'european or american', (v) => parseStyle('--style', v), 'european' as Style)
    .option('--input <file>', 'JSON Lines file of contracts instead of the per-contract flags; prints {"results": [...]}')
    .addHelpText('after', CONVENTIONS);
}

export function registerOptionCommand(program: Command): void {
  const option = program.command('option').description('option math: price and greeks, implied volatility');

  contractCommand(option, 'price', 'price an option and its greeks (European: Black–Scholes–Merton; American: binomial tree)', (cmd) =>
    cmd.option('--vol <V>', 'annualised volatility, ≥ 0 (0.30 = 30 %) (required unless --input)', numberFlag('vol')),
  )
    .option('--json', 'print exactly one JSON object {price, delta, gamma, theta, vega, rho} on stdout')
    .action(async (flags: OptionFlags, cmd: Command) => {
      if (flags.input !== undefined) {
        refuseContractFlags(cmd, 'price');
        process.stdout.write(`${JSON.stringify(await readOptionBatch('price', flags.input))}\n`);
        return;
      }
      const c = priceContract(flags);
      const r = priceOf(c);
      process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : formatOptionPrice(c, r));
    });

  contractCommand(
    option,
    'iv',
    `implied volatility from an option price, searched in [${IV_MIN}, ${IV_MAX}] (European: Black–Scholes–Merton, safeguarded Newton; American: the same ${AMERICAN_DEFAULT_STEPS}-step binomial tree as option price, by bisection)`,
    (cmd) => cmd.option('--price <P>', 'observed option price per share, ≥ 0 (required unless --input)', numberFlag('price')),
  )
    .option('--json', 'print exactly one JSON object {iv} on stdout')
    .addHelpText('after', 'When no volatility reproduces the price, the command exits 2 with one error line [NO_IMPLIED_VOLATILITY] saying why.')
    .action(async (flags: OptionFlags, cmd: Command) => {
      if (flags.input !== undefined) {
        refuseContractFlags(cmd, 'iv');
        process.stdout.write(`${JSON.stringify(await readOptionBatch('iv', flags.input))}\n`);
        return;
      }
      const c = ivContract(flags);
      const iv = ivOf(c);
      process.stdout.write(flags.json ? `${JSON.stringify({ iv })}\n` : formatImpliedVol(c, iv));
    });
}
