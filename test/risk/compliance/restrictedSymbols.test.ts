import { describe, expect, it } from 'vitest';
import { InputError } from '../../../engine/domain/errors.js';
import { equity } from '../../../engine/domain/instrument.js';
import { restrictedSymbolsRule } from '../../../engine/risk/compliance/restrictedSymbols.js';
import { parsePreTradeLimits } from '../../../engine/risk/preTradeLimits.js';
import { AAPL, AAPL_CALL, complianceContext, intentFor } from './fixtures.js';

const limits = parsePreTradeLimits({ restrictedSymbols: [' aapl ', 'Brk.B'] });

describe('restrictedSymbolsRule', () => {
  it('stores the list upper case, so a lower-case entry still stops the ticker', () => {
    expect([...limits.restrictedSymbols]).toEqual(['AAPL', 'BRK.B']);
    const f = restrictedSymbolsRule(complianceContext({ limits, intent: intentFor(AAPL, 'buy', 1) }));
    expect(f).toEqual({ code: 'RESTRICTED_SYMBOL', severity: 'block', detail: 'AAPL is on the restricted list: opening orders are refused' });
    expect(restrictedSymbolsRule(complianceContext({ limits, intent: intentFor(equity('BRK.B'), 'buy', 1) }))?.code).toBe('RESTRICTED_SYMBOL');
  });

  it('applies to options through their underlying', () => {
    const f = restrictedSymbolsRule(complianceContext({ limits, intent: intentFor(AAPL_CALL, 'buy', 1) }));
    expect(f?.code).toBe('RESTRICTED_SYMBOL');
    expect(f?.detail).toContain('underlying AAPL');
  });

  it('lets an exit through with a warning', () => {
    const f = restrictedSymbolsRule(complianceContext({ limits, opening: false, intent: intentFor(AAPL, 'sell', 1) }));
    expect(f).toMatchObject({ code: 'RESTRICTED_SYMBOL_EXIT', severity: 'warn' });
  });

  it('ignores names not on the list, and an empty list', () => {
    expect(restrictedSymbolsRule(complianceContext({ limits, intent: intentFor(equity('MSFT'), 'buy', 1) }))).toBeNull();
    expect(restrictedSymbolsRule(complianceContext({ intent: intentFor(AAPL, 'buy', 1) }))).toBeNull();
  });

  it('refuses an entry that is not a ticker, naming its index', () => {
    expect(() => parsePreTradeLimits({ restrictedSymbols: ['AAPL', '1BAD'] })).toThrow(InputError);
    expect(() => parsePreTradeLimits({ restrictedSymbols: ['AAPL', '1BAD'] })).toThrow(/^restrictedSymbols\.1:/);
    expect(() => parsePreTradeLimits({ restrictedSymbols: 'AAPL' })).toThrow(/^restrictedSymbols:/);
  });
});
