import { describe, expect, it } from 'vitest';
import { coveredCallRoom, shortSalesRule } from '../../../engine/risk/compliance/shortSales.js';
import { AAPL, AAPL_CALL, AAPL_PUT, complianceContext, intentFor } from './fixtures.js';

describe('shortSalesRule', () => {
  it('refuses opening a short stock position', () => {
    const f = shortSalesRule(complianceContext({ intent: intentFor(AAPL, 'sell', 5) }));
    expect(f).toEqual({ code: 'SHORT_STOCK_NOT_ALLOWED', severity: 'block', detail: 'selling 5 AAPL would open a short stock position, which is not allowed' });
  });

  it('leaves a short put to the buying-power cap (cash-secured)', () => {
    expect(shortSalesRule(complianceContext({ intent: intentFor(AAPL_PUT, 'sell', 5) }))).toBeNull();
  });

  it('allows a short call only while shares cover it, net of calls already short', () => {
    const call = intentFor(AAPL_CALL, 'sell', 1);
    expect(shortSalesRule(complianceContext({ intent: call, underlyingShares: 100 }))).toBeNull();
    const f = shortSalesRule(complianceContext({ intent: call, underlyingShares: 99 }));
    expect(f?.code).toBe('UNCOVERED_SHORT_CALL');
    expect(f?.detail).toContain('the strategy holds 99 shares and is already short 0 call contract(s)');
    expect(shortSalesRule(complianceContext({ intent: call, underlyingShares: 250, shortCallContracts: 2 }))?.code).toBe('UNCOVERED_SHORT_CALL');
    expect(shortSalesRule(complianceContext({ intent: call, underlyingShares: 300, shortCallContracts: 2 }))).toBeNull();
  });

  it('does not judge exits or buys', () => {
    expect(shortSalesRule(complianceContext({ opening: false, intent: intentFor(AAPL, 'sell', 5) }))).toBeNull();
    expect(shortSalesRule(complianceContext({ intent: intentFor(AAPL_CALL, 'buy', 5) }))).toBeNull();
  });

  it('coveredCallRoom counts whole lots of 100 and ignores short shares', () => {
    expect(coveredCallRoom(250, 0)).toBe(2);
    expect(coveredCallRoom(250, 2)).toBe(0);
    expect(coveredCallRoom(250, 5)).toBe(0);
    expect(coveredCallRoom(-300, 0)).toBe(0);
  });
});
