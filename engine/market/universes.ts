/**
 * Default universes of the ten strategies (SPEC §1). Where SPEC names the
 * tickers they are copied as written; where it only describes them (the
 * wheel's 43 names, swing's and momentum's mega caps, the LEAPS themes, the
 * debit-spread watch list, the lotto earnings names) the tickers below are our
 * choice of real, liquid names matching that description. The bundled data set
 * covers every symbol listed here.
 */

export const STRATEGY_IDS = [
  'wsb-dip-bot',
  'wheel',
  'swing-trading',
  'momentum-weeklies',
  'earnings-protection',
  'debit-spreads',
  'spx-credit-spreads',
  'leaps-tracker',
  'lotto-scanner',
  'index-baseline',
] as const;

export type StrategyId = (typeof STRATEGY_IDS)[number];

/** Market references every replay carries: the index ETFs, the index (≈ 10 × SPY) and the volatility index. */
export const BENCHMARK_SYMBOLS: readonly string[] = ['SPY', 'QQQ', 'SPX', 'VIX'];

/** Our choice (SPEC: "mega caps"), used by swing trading and momentum weeklies. */
const MEGA_CAPS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META', 'NVDA', 'TSLA'] as const;

/** SPEC §1.1, verbatim. */
const DIP_BOT = ['AAPL', 'MSFT', 'GOOGL', 'META', 'NVDA', 'AMD', 'AVGO', 'TSLA', 'AMZN', 'NFLX', 'CRM', 'COST', 'ADBE', 'V', 'MA', 'LIN'];

/** SPEC §1.2 describes "43 large caps, banks, REITs, energy and dividend names"; the split is ours. */
export const WHEEL_GROUPS: Readonly<Record<'largeCaps' | 'banks' | 'reits' | 'energy' | 'dividend', readonly string[]>> = {
  largeCaps: ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META', 'NVDA', 'AMD', 'TSLA', 'INTC', 'CSCO', 'ORCL', 'IBM'],
  banks: ['JPM', 'BAC', 'WFC', 'C', 'GS', 'MS', 'USB', 'PNC'],
  reits: ['O', 'SPG', 'PLD', 'AMT', 'VICI', 'STAG', 'WPC'],
  energy: ['XOM', 'CVX', 'COP', 'OXY', 'SLB', 'EOG'],
  dividend: ['KO', 'PEP', 'JNJ', 'PG', 'T', 'VZ', 'MO', 'PFE', 'ABBV', 'MMM'],
};

/** SPEC §1.3: index ETFs, mega caps, the named growth names, sector ETFs and leveraged ETFs. */
const SWING = [
  'SPY', 'QQQ', 'IWM',
  ...MEGA_CAPS,
  'PYPL', 'SQ', 'ROKU', 'ZM', 'PLTR', 'COIN',
  'XLF', 'XLE', 'XLK', 'XBI', 'ARKK',
  'TQQQ', 'SOXL', 'SPXL',
];

/** SPEC §1.4 says "16 mega caps"; these sixteen are our choice. */
const MOMENTUM = [...MEGA_CAPS, 'AVGO', 'NFLX', 'AMD', 'CRM', 'ORCL', 'ADBE', 'COST', 'JPM', 'V'];

/** SPEC §1.5: the names of the hard-coded earnings calendar. */
const EARNINGS_PROTECTION = ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'META', 'AMD', 'CRM', 'NVDA'];

/** SPEC §1.6 gives no list; a liquid-options watch list of our choice. */
const DEBIT_SPREADS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META', 'NVDA', 'TSLA', 'AMD', 'NFLX', 'CRM', 'ADBE', 'ORCL', 'QCOM', 'AVGO', 'SPY', 'QQQ', 'IWM'];

/** SPEC §1.7, verbatim. */
const SPX_CREDIT_SPREADS = ['SPX', 'SPY', 'QQQ', 'IWM'];

/** SPEC §1.8 names six themes of eight tickers; the tickers are our choice. */
export const LEAPS_THEMES: Readonly<Record<'ai' | 'cloud' | 'ev' | 'fintech' | 'cyber' | 'genomics', readonly string[]>> = {
  ai: ['NVDA', 'MSFT', 'GOOGL', 'META', 'AMD', 'PLTR', 'AI', 'SMCI'],
  cloud: ['AMZN', 'CRM', 'SNOW', 'NET', 'DDOG', 'MDB', 'NOW', 'ORCL'],
  ev: ['TSLA', 'RIVN', 'LCID', 'NIO', 'LI', 'XPEV', 'F', 'GM'],
  fintech: ['SQ', 'PYPL', 'COIN', 'SOFI', 'HOOD', 'AFRM', 'V', 'MA'],
  cyber: ['CRWD', 'PANW', 'ZS', 'FTNT', 'S', 'OKTA', 'CYBR', 'CHKP'],
  genomics: ['ILMN', 'CRSP', 'EDIT', 'NTLA', 'BEAM', 'PACB', 'TXG', 'VRTX'],
};

/** SPEC §1.9: the 0DTE tickers, verbatim. */
export const LOTTO_ZERO_DTE: readonly string[] = ['SPY', 'QQQ', 'AAPL', 'TSLA', 'NVDA', 'MSFT', 'GOOGL', 'AMZN'];
/** SPEC §1.9 mentions "a mock calendar of 6 tickers"; these six are our choice. */
export const LOTTO_EARNINGS: readonly string[] = ['AAPL', 'GOOGL', 'MSFT', 'TSLA', 'META', 'NVDA'];

/** SPEC §1.10: the benchmarks. */
const INDEX_BASELINE = ['SPY', 'VTI', 'QQQ'];

function unique(list: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(list)]);
}

export const STRATEGY_UNIVERSES: Readonly<Record<StrategyId, readonly string[]>> = Object.freeze({
  'wsb-dip-bot': unique(DIP_BOT),
  wheel: unique(Object.values(WHEEL_GROUPS).flat()),
  'swing-trading': unique(SWING),
  'momentum-weeklies': unique(MOMENTUM),
  'earnings-protection': unique(EARNINGS_PROTECTION),
  'debit-spreads': unique(DEBIT_SPREADS),
  'spx-credit-spreads': unique(SPX_CREDIT_SPREADS),
  'leaps-tracker': unique(Object.values(LEAPS_THEMES).flat()),
  'lotto-scanner': unique([...LOTTO_ZERO_DTE, ...LOTTO_EARNINGS]),
  'index-baseline': unique(INDEX_BASELINE),
});

/** Every symbol the bundled data set carries: all universes plus the benchmarks, sorted, unique. */
export const ALL_BUNDLED_SYMBOLS: readonly string[] = Object.freeze(
  [...new Set([...Object.values(STRATEGY_UNIVERSES).flat(), ...BENCHMARK_SYMBOLS])].sort(),
);
