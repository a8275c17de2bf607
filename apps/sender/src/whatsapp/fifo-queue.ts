/**
 * First in, first out, with O(1) amortized `shift`: an array read from a head index and
 * compacted once more than half of it is read. `unshift` puts one back at the front (a
 * renewed grant goes first). Holds the limiter's waiters and the grants of a window.
 */
export class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  /** The first item (undefined when empty). */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The item `index` places from the front. */
  at(index: number): T {
    return this.items[this.head + index];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as unknown as T; // let it be collected
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Takes out the last item equal to `item`; false when there is none. */
  removeLast(item: T): boolean {
    const index = this.items.lastIndexOf(item);
    if (index < this.head) return false;
    this.items.splice(index, 1);
    return true;
  }

  /** Empties the queue, answering what it held, first first. */
  takeAll(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
}
