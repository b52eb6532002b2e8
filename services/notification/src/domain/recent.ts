/**
 * A bounded set of the most recently added ids, oldest evicted first. No I/O: the handlers use it
 * to remember which source events this process already delivered (see handlers.ts).
 */
export class RecentIds {
  // A Set iterates in insertion order, so its first entry is always the oldest.
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    while (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
