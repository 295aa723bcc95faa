import { move } from 'piscina';
import { simulateChunkSorted, type ChunkTask } from '../../engine/risk/var/monteCarloKernel.js';

/**
 * Piscina worker of the VaR pool: one chunk of Monte Carlo paths in, its P&L
 * sorted ascending out. The result's buffer is transferred, not copied.
 */
export default function simulateVarChunk(task: ChunkTask): Float64Array {
  return move(simulateChunkSorted(task)) as Float64Array;
}
