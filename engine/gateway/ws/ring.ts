import { InputError } from '../../domain/errors.js';

/** A fixed-capacity FIFO: pushing onto a full ring drops the oldest item. O(1) push, no reallocation. */
export class Ring<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new InputError('capacity', `must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The item `i` places after the oldest (0 = oldest). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.capacity];
  }

  /** Items from position `from` (0 = oldest) to the newest, oldest first. */
  slice(from = 0): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, from); i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    // Only the occupied slots: a mostly empty ring clears in O(length), not O(capacity).
    for (let i = 0; i < this.count; i++) this.items[(this.start + i) % this.capacity] = undefined;
    this.start = 0;
    this.count = 0;
  }
}
