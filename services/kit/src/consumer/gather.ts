interface Group<T, R> {
  items: T[];
  size: number;
  result: Promise<R>;
}

/**
 * Groups the work that arrives within one turn of the event loop and runs each group with one
 * call. kafkajs hands the batches of one fetch (different partitions and topics) to concurrent
 * eachBatch calls that all start in the same turn; processing them as one transaction costs one
 * BEGIN, inbox insert, outbox insert and COMMIT instead of one of each per partition. A group holds
 * at most `maxSize` (as counted by `sizeOf`); an item that would overflow it opens the next group.
 */
export class TurnGatherer<T, R> {
  private open: Group<T, R> | undefined;

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (item: T) => number,
    private readonly run: (items: T[]) => Promise<R>,
  ) {}

  /** Resolves with what running this item's whole group returned (or rejects with its error). */
  join(item: T): Promise<R> {
    const size = this.sizeOf(item);
    const group = this.open && this.open.size + size <= this.maxSize ? this.open : this.openGroup();
    group.items.push(item);
    group.size += size;
    return group.result;
  }

  private openGroup(): Group<T, R> {
    const items: T[] = [];
    // setImmediate fires after this turn's promise jobs: by then every eachBatch call of the fetch has joined.
    const turnEnd = new Promise<void>((resolve) => setImmediate(resolve));
    const result = turnEnd.then(() => {
      if (this.open?.items === items) this.open = undefined;
      return this.run(items);
    });
    const group = { items, size: 0, result };
    this.open = group;
    return group;
  }
}
