import { readFile } from 'node:fs/promises';
import { DataError, errorMessage, isWsbError } from '../domain/errors.js';
import type { Greeks, OptionTask } from './optionContract.js';
import { contractFromRecord, ivOf, priceOf } from './optionContract.js';

/**
 * `--input FILE` of `wsb option price|iv`: JSON Lines, one contract a line.
 *
 * Chosen rules (docs/cli.md):
 * - blank (or whitespace-only) lines are skipped, so `results[i]` belongs to
 *   the i-th non-blank line; errors name the 1-based line of the file;
 * - a line that fails holds `{"error": "line N: <field>: <why>"}` and the
 *   others still compute: one bad quote must not hide a chain's answers;
 * - only a file that cannot be read fails the whole command (DataError, exit 2).
 */

export type BatchResult = Greeks | { iv: number } | { error: string };

function evaluate(task: OptionTask, line: string): BatchResult {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (e) {
    return { error: `not valid JSON (${errorMessage(e)})` };
  }
  try {
    return task === 'price' ? priceOf(contractFromRecord('price', record)) : { iv: ivOf(contractFromRecord('iv', record)) };
  } catch (e) {
    // A bad field or no implied volatility is this line's answer; anything else is a bug and fails the command.
    if (isWsbError(e)) return { error: e.message };
    throw e;
  }
}

/** One result per non-blank line of `text`, in order; a failed line's error names its 1-based line. */
export function runOptionBatch(task: OptionTask, text: string): BatchResult[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const results: BatchResult[] = [];
  body.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const r = evaluate(task, line);
    results.push('error' in r ? { error: `line ${i + 1}: ${r.error}` } : r);
  });
  return results;
}

/** Reads the file; a missing or unreadable file is a DataError naming it. */
export async function readOptionBatch(task: OptionTask, file: string): Promise<{ results: BatchResult[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read: ${errorMessage(e)}`, { file });
  }
  return { results: runOptionBatch(task, text) };
}
