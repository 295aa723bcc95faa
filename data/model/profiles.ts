/**
 * Per-symbol inputs of the synthetic model. Start prices and typical daily
 * volumes are rough levels of early 2024 (split-adjusted) so option strikes and
 * liquidity tiers look familiar; everything after the first day is simulated.
 */

export type Sector =
  | 'tech' | 'semis' | 'consumer' | 'fin' | 'fintech' | 'reit' | 'energy' | 'staples'
  | 'health' | 'biotech' | 'telecom' | 'industrial' | 'ev' | 'software' | 'cyber';

export interface SectorParams {
  /** Beta of the sector's stocks to the market factor. */
  readonly beta: number;
  /** Annualised volatility of the sector factor. */
  readonly factorVol: number;
  /** Annualised idiosyncratic volatility of a typical stock. */
  readonly idioVol: number;
}

export const SECTORS: Readonly<Record<Sector, SectorParams>> = {
  tech: { beta: 1.1, factorVol: 0.08, idioVol: 0.14 },
  semis: { beta: 1.5, factorVol: 0.15, idioVol: 0.25 },
  consumer: { beta: 1.1, factorVol: 0.08, idioVol: 0.18 },
  fin: { beta: 1.05, factorVol: 0.1, idioVol: 0.12 },
  fintech: { beta: 1.6, factorVol: 0.18, idioVol: 0.35 },
  reit: { beta: 0.8, factorVol: 0.1, idioVol: 0.12 },
  energy: { beta: 0.7, factorVol: 0.16, idioVol: 0.12 },
  staples: { beta: 0.5, factorVol: 0.06, idioVol: 0.1 },
  health: { beta: 0.6, factorVol: 0.08, idioVol: 0.12 },
  biotech: { beta: 1.2, factorVol: 0.18, idioVol: 0.38 },
  telecom: { beta: 0.5, factorVol: 0.08, idioVol: 0.12 },
  industrial: { beta: 1.0, factorVol: 0.1, idioVol: 0.15 },
  ev: { beta: 1.7, factorVol: 0.22, idioVol: 0.4 },
  software: { beta: 1.3, factorVol: 0.15, idioVol: 0.28 },
  cyber: { beta: 1.2, factorVol: 0.12, idioVol: 0.25 },
};

export type SymbolProfile =
  /** A company: sector loadings jittered per symbol, earnings each quarter, rally/dip episodes. */
  | { readonly kind: 'stock'; readonly sector: Sector; readonly price: number; readonly volumeM: number }
  /** A fund: fixed loadings, no earnings. Leveraged funds are funds with a large beta. */
  | { readonly kind: 'etf'; readonly sector: Sector | null; readonly beta: number; readonly sectorLoading: number; readonly idioVol: number; readonly price: number; readonly volumeM: number }
  /** The S&P 500 index: SPY × 10 bar for bar. */
  | { readonly kind: 'spx' }
  /** The volatility index: from SPY's conditional volatility. */
  | { readonly kind: 'vix' };

const s = (sector: Sector, price: number, volumeM: number): SymbolProfile => ({ kind: 'stock', sector, price, volumeM });
const etf = (sector: Sector | null, beta: number, sectorLoading: number, idioVol: number, price: number, volumeM: number): SymbolProfile => ({
  kind: 'etf', sector, beta, sectorLoading, idioVol, price, volumeM,
});

export const PROFILES: Readonly<Record<string, SymbolProfile>> = {
  // funds and indices
  SPY: etf(null, 1.0, 0, 0.004, 472, 70),
  QQQ: etf('tech', 1.15, 0.6, 0.015, 402, 40),
  IWM: etf(null, 1.15, 0, 0.08, 200, 30),
  VTI: etf(null, 1.0, 0, 0.01, 237, 3.5),
  XLF: etf('fin', 1.05, 1, 0.02, 37.5, 40),
  XLE: etf('energy', 0.7, 1, 0.02, 84, 18),
  XLK: etf('tech', 1.1, 1, 0.02, 193, 7),
  XBI: etf('biotech', 1.2, 1, 0.05, 90, 9),
  ARKK: etf('software', 1.7, 0.8, 0.2, 52, 12),
  TQQQ: etf('tech', 3.45, 1.8, 0.02, 50, 60),
  SOXL: etf('semis', 4.5, 3, 0.05, 30, 60),
  SPXL: etf(null, 3.0, 0, 0.01, 110, 4),
  SPX: { kind: 'spx' },
  VIX: { kind: 'vix' },
  // mega caps and large tech
  AAPL: s('tech', 185, 55), MSFT: s('tech', 370, 22), GOOGL: s('tech', 138, 28), META: s('tech', 345, 16),
  AMZN: s('consumer', 150, 45), NVDA: s('semis', 48, 400), TSLA: s('ev', 248, 100), AMD: s('semis', 138, 55),
  AVGO: s('semis', 110, 25), NFLX: s('consumer', 470, 4), CRM: s('software', 260, 6), COST: s('consumer', 660, 2),
  ADBE: s('software', 590, 3), V: s('fin', 260, 7), MA: s('fin', 425, 3), LIN: s('industrial', 405, 2),
  INTC: s('semis', 47, 45), CSCO: s('tech', 50, 18), ORCL: s('tech', 105, 9), IBM: s('tech', 162, 4), QCOM: s('semis', 145, 8),
  // banks
  JPM: s('fin', 170, 9), BAC: s('fin', 33, 38), WFC: s('fin', 49, 17), C: s('fin', 51, 15),
  GS: s('fin', 385, 2.5), MS: s('fin', 93, 8), USB: s('fin', 43, 8), PNC: s('fin', 155, 2),
  // REITs
  O: s('reit', 57, 5), SPG: s('reit', 142, 1.6), PLD: s('reit', 133, 3.5), AMT: s('reit', 215, 2.3),
  VICI: s('reit', 32, 6), STAG: s('reit', 39, 1), WPC: s('reit', 65, 1),
  // energy
  XOM: s('energy', 100, 16), CVX: s('energy', 149, 8), COP: s('energy', 116, 6), OXY: s('energy', 60, 9),
  SLB: s('energy', 52, 10), EOG: s('energy', 121, 3),
  // dividend names
  KO: s('staples', 59, 13), PEP: s('staples', 170, 6), JNJ: s('health', 157, 7), PG: s('staples', 147, 7),
  T: s('telecom', 17, 35), VZ: s('telecom', 38, 18), MO: s('staples', 40, 9), PFE: s('health', 29, 40),
  ABBV: s('health', 155, 6), MMM: s('industrial', 92, 4),
  // growth names
  PYPL: s('fintech', 61, 15), SQ: s('fintech', 77, 8), ROKU: s('consumer', 91, 4), ZM: s('software', 72, 3),
  PLTR: s('software', 17, 60), COIN: s('fintech', 173, 10),
  AI: s('software', 28, 6), SMCI: s('semis', 28, 40), SNOW: s('software', 195, 5), NET: s('software', 83, 5),
  DDOG: s('software', 121, 4), MDB: s('software', 410, 1.5), NOW: s('software', 706, 1.2),
  // EV and autos
  RIVN: s('ev', 23, 35), LCID: s('ev', 4.2, 40), NIO: s('ev', 9, 45), LI: s('ev', 37, 6), XPEV: s('ev', 14.6, 12),
  F: s('industrial', 12, 55), GM: s('industrial', 36, 14),
  // fintech
  SOFI: s('fintech', 10, 50), HOOD: s('fintech', 12.7, 20), AFRM: s('fintech', 49, 8),
  // cyber security
  CRWD: s('cyber', 255, 3.5), PANW: s('cyber', 295, 3), ZS: s('cyber', 221, 2), FTNT: s('cyber', 58, 6),
  S: s('cyber', 27, 6), OKTA: s('cyber', 90, 2.5), CYBR: s('cyber', 219, 0.6), CHKP: s('cyber', 153, 0.8),
  // genomics
  ILMN: s('biotech', 139, 1.5), CRSP: s('biotech', 62, 1.8), EDIT: s('biotech', 10.5, 4), NTLA: s('biotech', 30, 2),
  BEAM: s('biotech', 27, 2.5), PACB: s('biotech', 9.8, 10), TXG: s('biotech', 56, 1.2), VRTX: s('health', 407, 1.3),
};

/**
 * The eight names of SPEC §1.5's mock calendar: their next report is that many
 * calendar days after the data ends (moved to the next trading day), after the
 * close, so the earnings-protection strategy has events ahead when a replay ends.
 */
export const SPEC_EARNINGS_OFFSETS: Readonly<Record<string, number>> = {
  AAPL: 3, GOOGL: 7, MSFT: 5, TSLA: 10, META: 8, AMD: 12, CRM: 6, NVDA: 4,
};

export function profileOf(symbol: string): SymbolProfile {
  const p = PROFILES[symbol];
  if (p === undefined) throw new RangeError(`no model profile for symbol ${symbol}`);
  return p;
}
