import { describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import { InputError } from '../../engine/domain/errors.js';
import { equity, optionContract, type OptionRight } from '../../engine/domain/instrument.js';
import type { OrderLeg, Side } from '../../engine/domain/orders.js';
import { describeLegs, legsPayoffRange, maxLossPerShare, spreadIntent, validateLegs } from '../../engine/domain/optionLegs.js';

const EXP = '2024-02-16';
const leg = (side: Side, right: OptionRight, strike: number, expiry = EXP, underlying = 'SPY', ratio = 1): OrderLeg => ({
  instrument: optionContract({ underlying, expiry, right, strike }),
  side,
  ratio,
});
const d = (s: string) => new Decimal(s);
const BULL_CALL = [leg('buy', 'C', 590), leg('sell', 'C', 600)];
const BULL_PUT = [leg('sell', 'P', 580), leg('buy', 'P', 570)];
const IRON_CONDOR = [leg('buy', 'P', 560), leg('sell', 'P', 570), leg('sell', 'C', 610), leg('buy', 'C', 625)];

/** The InputError `fn` throws, to assert on its field. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const check = (legs: readonly OrderLeg[], side: Side, limit: string | null, quantity = 1) =>
  validateLegs({ legs, side, type: limit === null ? 'market' : 'limit', limitPrice: limit === null ? null : d(limit), quantity });

describe('multi-leg orders: validation', () => {
  it('accepts a debit vertical, a credit vertical, an iron condor and a calendar', () => {
    expect(check(BULL_CALL, 'buy', '4.20')).toHaveLength(2);
    expect(check(BULL_PUT, 'sell', '-1.35')).toHaveLength(2);
    expect(check(IRON_CONDOR, 'sell', '-3.10')).toHaveLength(4);
    expect(check([leg('sell', 'C', 600, '2024-01-19'), leg('buy', 'C', 600, '2024-02-16')], 'buy', '2.00')).toHaveLength(2);
    expect(check(BULL_CALL, 'buy', null)).toHaveLength(2);
  });

  it.each<[string, () => unknown, string]>([
    ['one leg', () => check([leg('buy', 'C', 590)], 'buy', '1'), 'legs'],
    ['five legs', () => check([...IRON_CONDOR, leg('buy', 'C', 650)], 'sell', '-1'), 'legs'],
    ['a stock leg', () => check([{ instrument: equity('SPY') as never, side: 'buy', ratio: 1 }, leg('sell', 'C', 600)], 'buy', '1'), 'legs[0].instrument'],
    ['two underlyings', () => check([leg('buy', 'C', 590), leg('sell', 'C', 600, EXP, 'QQQ')], 'buy', '1'), 'legs[1].instrument.underlying'],
    ['a ratio of 2', () => check([leg('buy', 'C', 590), leg('sell', 'C', 600, EXP, 'SPY', 2)], 'buy', '1'), 'legs[1].ratio'],
    ['a bad side', () => check([leg('buy', 'C', 590), { ...leg('sell', 'C', 600), side: 'short' as Side }], 'buy', '1'), 'legs[1].side'],
    ['one contract twice', () => check([leg('buy', 'C', 590), leg('sell', 'C', 590)], 'buy', '1'), 'legs[1].instrument'],
    ['a calendar on two strikes', () => check([leg('sell', 'C', 590, '2024-01-19'), leg('buy', 'C', 600)], 'buy', '1'), 'legs[1].instrument.expiry'],
    ['two expiries that are not a calendar', () => check([leg('buy', 'C', 590, '2024-01-19'), leg('sell', 'C', 600)], 'buy', '1'), 'legs[1].instrument.expiry'],
    ['zero spreads', () => check(BULL_CALL, 'buy', '1', 0), 'quantity'],
    ['a debit spread sold', () => check(BULL_CALL, 'sell', '-1'), 'side'],
    ['a credit spread bought', () => check(BULL_PUT, 'buy', '1'), 'side'],
    ['a credit price on a buy', () => check([leg('buy', 'C', 600), leg('buy', 'P', 580)], 'buy', '-1'), 'limitPrice'],
    ['a zero net', () => check(BULL_CALL, 'buy', '0'), 'limitPrice'],
    ['a debit at the width', () => check(BULL_CALL, 'buy', '10'), 'limitPrice'],
    ['a credit at the width', () => check(BULL_PUT, 'sell', '-10'), 'limitPrice'],
    ['a market order with a limit', () => validateLegs({ legs: BULL_CALL, side: 'buy', type: 'market', limitPrice: d('1'), quantity: 1 }), 'limitPrice'],
  ])('refuses %s with an InputError naming %s', (_what, fn, field) => {
    expect(inputError(fn).field).toBe(field);
  });

  it('a repeated strike of one right and expiry is the same contract, refused as such', () => {
    const e = inputError(() => check([leg('buy', 'C', 590), leg('sell', 'C', 590)], 'buy', '1'));
    expect(e.field).toBe('legs[1].instrument');
    expect(e.message).toContain('strikes of one right and expiry must be distinct');
  });

  it('payoff range and max loss: debit = the debit, credit = width − credit, condor = widest wing − credit', () => {
    expect(legsPayoffRange(BULL_CALL)).toEqual({ min: d('0'), max: d('10') });
    expect(maxLossPerShare(BULL_CALL, d('4.20'))?.toFixed()).toBe('4.2');
    expect(maxLossPerShare(BULL_PUT, d('-1.35'))?.toFixed()).toBe('8.65');
    expect(maxLossPerShare(IRON_CONDOR, d('-3.10'))?.toFixed()).toBe('11.9');
    // Net short calls: no bounded loss.
    expect(maxLossPerShare([leg('sell', 'C', 590), leg('sell', 'P', 570)], d('-5'))).toBeNull();
    expect(maxLossPerShare([leg('sell', 'C', 600, '2024-02-16'), leg('buy', 'C', 600, '2024-01-19')], d('-1'))).toBeNull();
  });

  it('spreadIntent derives side and type from the net and makes the first leg the instrument', () => {
    const debit = spreadIntent({ strategyId: 'debit_spreads', legs: BULL_CALL, quantity: 3, netLimit: d('4.20'), reason: 'bull call' });
    expect(debit).toMatchObject({ side: 'buy', type: 'limit', quantity: 3, instrument: BULL_CALL[0]!.instrument, signalId: null });
    const credit = spreadIntent({ strategyId: 'spx_credit_spreads', legs: BULL_PUT, quantity: 1, netLimit: d('-1.35'), reason: 'put credit' });
    expect(credit.side).toBe('sell');
    expect(describeLegs(BULL_CALL)).toBe('SPY +C590 -C600 2024-02-16');
    expect(inputError(() => spreadIntent({ strategyId: 's', legs: BULL_PUT, quantity: 1, netLimit: d('1'), reason: 'x' })).field).toBe('side');
  });
});
