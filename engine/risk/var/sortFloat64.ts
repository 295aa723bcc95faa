/**
 * Ascending in-place sort of a Float64Array, several times faster than
 * `Float64Array.prototype.sort` (a comparison sort in V8) for the chunk sizes
 * the Monte Carlo pool returns.
 *
 * The high 32 bits of each double (sign, exponent, top 20 mantissa bits),
 * mapped so unsigned order is numeric order, are sorted by three LSD radix
 * passes (11 + 11 + 10 bits), carrying the doubles along. Doubles that share
 * those bits (within a relative 2^-20 of each other) end up in one run, which
 * is then sorted on the full value. No NaN is expected (P&L is finite); −0
 * sorts before +0.
 */

const SMALL = 256;
const RUN_NATIVE = 32;

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n <= SMALL) return insertionSort(values, 0, n);
  const keysA = new Uint32Array(n);
  const keysB = new Uint32Array(n);
  const valsB = new Float64Array(n);
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const hi = isLittleEndian() ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hi]!;
    keysA[i] = (h & 0x80000000) !== 0 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
  }
  const counts = new Uint32Array(2048);
  let srcK: Uint32Array = keysA;
  let srcV: Float64Array = values;
  let dstK: Uint32Array = keysB;
  let dstV: Float64Array = valsB;
  for (const [shift, bits] of [
    [0, 11],
    [11, 11],
    [22, 10],
  ] as const) {
    const mask = (1 << bits) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(srcK[i]! >>> shift) & mask]!++;
    let sum = 0;
    for (let b = 0; b <= mask; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = srcK[i]!;
      const at = counts[(k >>> shift) & mask]!++;
      dstK[at] = k;
      dstV[at] = srcV[i]!;
    }
    [srcK, dstK] = [dstK, srcK];
    [srcV, dstV] = [dstV, srcV];
  }
  // Three passes: the data is in the scratch buffers, ordered by high word.
  // Each run of equal high words is finished on its own: insertion for short
  // runs, the native sort for long ones, so near-identical values cannot make
  // it quadratic.
  let i = 0;
  while (i < n) {
    const k = srcK[i]!;
    let j = i + 1;
    while (j < n && srcK[j] === k) j++;
    if (j - i > RUN_NATIVE) srcV.subarray(i, j).sort();
    else if (j - i > 1) insertionSort(srcV, i, j);
    i = j;
  }
  values.set(srcV);
  return values;
}

function insertionSort(a: Float64Array, from: number, to: number): Float64Array {
  for (let i = from + 1; i < to; i++) {
    const x = a[i]!;
    let j = i - 1;
    if (!(a[j]! > x)) continue;
    while (j >= from && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

let littleEndian: boolean | undefined;
function isLittleEndian(): boolean {
  littleEndian ??= new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  return littleEndian;
}
