import { NormalSampler } from '../../../engine/risk/var/normalSampler.js';
import { returnsTable, type ReturnsTable } from '../../../engine/risk/var/returnsTable.js';

/** Consecutive calendar dates from 2020-01-01, as the returns table wants them. */
export function datesFrom(n: number, start = Date.UTC(2020, 0, 1)): string[] {
  return Array.from({ length: n }, (_, t) => new Date(start + t * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Seeded synthetic daily returns: asset a = mean + vol·(ρ·M + √(1 − ρ²)·εₐ)
 * with one common factor M, so pairwise correlation ρ.
 */
export function syntheticTable(opts: { assets: number; rows: number; seed: number; mean?: number; vol?: number; rho?: number }): ReturnsTable {
  const { assets, rows, seed, mean = 0.0003, vol = 0.01, rho = 0.5 } = opts;
  const s = new NormalSampler(seed, 7);
  const common = Float64Array.from({ length: rows }, () => s.normal());
  const names = Array.from({ length: assets }, (_, i) => `A${i}`);
  const columns = names.map(() => Float64Array.from({ length: rows }, (_, t) => mean + vol * (rho * common[t]! + Math.sqrt(1 - rho * rho) * s.normal())));
  return returnsTable(names, datesFrom(rows), columns);
}

/** A table from literal columns. */
export function tableOf(columns: Record<string, readonly number[]>): ReturnsTable {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  return returnsTable(names, datesFrom(rows), names.map((n) => columns[n]!));
}
