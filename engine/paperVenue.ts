import type { Logger } from 'pino';
import type { Clock } from './domain/clock.js';
import type { Decimal } from './domain/money.js';
import type { Position } from './domain/orders.js';
import type { OptionMarkModel } from './market/optionMarks.js';
import { PaperBroker } from '../actors/brokers/paperBroker.js';

/** Extra seeded slippage per fill, so the seed of a replay means something. */
export const PAPER_SLIPPAGE_JITTER_BPS = 2;

/** The paper venue as the daemon and backtests both configure it: options priced by the mark model. */
export function createPaperVenue(args: {
  readonly clock: Clock;
  readonly marks: OptionMarkModel;
  readonly initialCash: Decimal;
  readonly seed: number;
  readonly initialPositions?: readonly Position[];
  readonly logger: Logger;
}): PaperBroker {
  return new PaperBroker({
    clock: args.clock,
    config: { initialCash: args.initialCash, seed: args.seed, slippageJitterBps: PAPER_SLIPPAGE_JITTER_BPS },
    initialPositions: args.initialPositions,
    optionPrice: (contract, underlyingPrice, ts) => args.marks.price(contract, ts, underlyingPrice),
    logger: args.logger.child({ component: 'paper-broker' }),
  });
}
