import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../engine/domain/money.js';
import { equity, type Instrument } from '../../../engine/domain/instrument.js';
import { LossSaleTracker } from '../../../engine/risk/lossSales.js';
import { washSaleRule } from '../../../engine/risk/compliance/washSale.js';
import { AAPL, AAPL_CALL, AAPL_PUT, complianceContext, intentFor, ny } from './fixtures.js';

function lossSaleAt(ts: number, symbol = 'AAPL', pnl = '-340'): LossSaleTracker {
  const t = new LossSaleTracker();
  t.record({ symbol, side: 'sell', ts, realizedPnl: new Decimal(pnl), closesLong: true });
  return t;
}

const buyAt = (lossSales: LossSaleTracker, now: number, instrument: Instrument = AAPL) =>
  washSaleRule(complianceContext({ now, lossSales, intent: intentFor(instrument, 'buy', 10) }));

describe('washSaleRule', () => {
  const sale = ny('2024-03-01', 15, 0);

  it('warns on a buy 30 calendar days after a loss sale, not 31', () => {
    const t = lossSaleAt(sale);
    const f = buyAt(t, ny('2024-03-31', 10, 0));
    expect(f).toEqual({
      code: 'WASH_SALE_WARNING',
      severity: 'warn',
      detail: 'buying AAPL 30 day(s) after selling AAPL at a loss of 340.00 on 2024-03-01 (window 30 days): the loss may be disallowed as a wash sale',
    });
    expect(buyAt(t, ny('2024-04-01', 10, 0))).toBeNull();
    expect(buyAt(t, ny('2024-03-01', 15, 30))?.detail).toContain('0 day(s)');
  });

  it('counts New York dates: a sale at 20:00 New York is that day, though UTC is already the next', () => {
    const t = lossSaleAt(ny('2024-03-01', 20, 0)); // 01:00 UTC on 03-02
    expect(buyAt(t, ny('2024-03-31', 10, 0))?.code).toBe('WASH_SALE_WARNING');
    expect(buyAt(t, ny('2024-04-01', 10, 0))).toBeNull(); // 30 days by UTC dates, 31 by New York dates
  });

  it('covers the stock and its options both ways, case-insensitively', () => {
    expect(buyAt(lossSaleAt(sale), ny('2024-03-05', 10), AAPL_CALL)?.code).toBe('WASH_SALE_WARNING');
    expect(buyAt(lossSaleAt(sale), ny('2024-03-05', 10), AAPL_PUT)?.code).toBe('WASH_SALE_WARNING');
    expect(buyAt(lossSaleAt(sale, AAPL_CALL.symbol), ny('2024-03-05', 10), AAPL)?.detail).toContain(`selling ${AAPL_CALL.symbol.trim()} at a loss`);
    expect(lossSaleAt(sale).latestLossSale('aapl')?.loss.toFixed(2)).toBe('340.00');
    expect(buyAt(lossSaleAt(sale), ny('2024-03-05', 10), equity('MSFT'))).toBeNull();
  });

  it('ignores gains, opening sells and non-sales', () => {
    expect(buyAt(lossSaleAt(sale, 'AAPL', '125.50'), ny('2024-03-05', 10))).toBeNull();
    expect(buyAt(lossSaleAt(sale, 'AAPL', '0'), ny('2024-03-05', 10))).toBeNull();
    const t = new LossSaleTracker();
    // A short sale's commission is a negative realised P&L, but it sold nothing that was held.
    t.record({ symbol: 'AAPL', side: 'sell', ts: sale, realizedPnl: new Decimal('-1'), closesLong: false });
    t.record({ symbol: 'AAPL', side: 'buy', ts: sale, realizedPnl: new Decimal('-50'), closesLong: true });
    expect(buyAt(t, ny('2024-03-05', 10))).toBeNull();
  });

  it('warns only on opening buys', () => {
    const t = lossSaleAt(sale);
    expect(washSaleRule(complianceContext({ now: ny('2024-03-05', 10), lossSales: t, intent: intentFor(AAPL_PUT, 'sell', 1) }))).toBeNull();
    expect(washSaleRule(complianceContext({ now: ny('2024-03-05', 10), lossSales: t, opening: false, intent: intentFor(AAPL, 'buy', 1) }))).toBeNull();
  });

  it('keeps the latest loss sale of an underlying', () => {
    const t = lossSaleAt(sale);
    t.record({ symbol: 'AAPL', side: 'sell', ts: ny('2024-03-20', 11), realizedPnl: new Decimal('-10'), closesLong: true });
    t.record({ symbol: 'AAPL', side: 'sell', ts: ny('2024-02-01', 11), realizedPnl: new Decimal('-99'), closesLong: true });
    expect(t.latestLossSale('AAPL')?.loss.toFixed(2)).toBe('10.00');
    expect(buyAt(t, ny('2024-04-15', 10))?.detail).toContain('26 day(s)');
  });
});
