import { describe, expect, it } from 'vitest';
import { Decimal } from '../../engine/domain/money.js';
import { recordInput } from '../../engine/cli/validateCommand.js';
import { makeSignal } from '../persistence/fixtures.js';

describe('validate: history rows as report input', () => {
  it('keeps the pipeline reason (without sizing notes) and the outcome P&L and close time', () => {
    const open = recordInput(makeSignal({ signalId: 'a', reason: 'accepted; resized: BUYING_POWER', score: 72 }));
    expect(open).toMatchObject({ reason: 'accepted', score: 72, pnl: null, closedTs: null, kind: 'entry' });
    const closed = recordInput(makeSignal({ signalId: 'b', outcome: { pnl: new Decimal('-12.5'), returnPct: -0.1, holdingMs: 1000, closedAt: 99 } }));
    expect(closed).toMatchObject({ pnl: -12.5, closedTs: 99 });
  });
});
