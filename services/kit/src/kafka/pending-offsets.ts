/** A partition's next offset to read, as an offset commit names it. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Offsets a consumer has processed (their transactions committed) but not yet committed to the
 * group: the latest per partition, so one OffsetCommit request carries every partition's progress
 * since the last one, instead of one request per batch.
 */
export class PendingOffsets {
  private readonly latest = new Map<string, PartitionOffset>();

  get size(): number {
    return this.latest.size;
  }

  /** Records that `offset` is the next record to read on the partition; a later call supersedes it. */
  set(topic: string, partition: number, offset: string): void {
    this.latest.set(keyOf(topic, partition), { topic, partition, offset });
  }

  /** Every partition's latest offset, leaving none pending: the caller commits them. */
  take(): PartitionOffset[] {
    const taken = [...this.latest.values()];
    this.latest.clear();
    return taken;
  }

  /** Puts back what a failed commit took, unless a partition moved on meanwhile (its newer offset stays). */
  restore(taken: readonly PartitionOffset[]): void {
    for (const entry of taken) {
      const key = keyOf(entry.topic, entry.partition);
      if (!this.latest.has(key)) this.latest.set(key, entry);
    }
  }

  /** Forgets everything pending: after a rebalance the group's committed offsets are where reading resumes. */
  clear(): void {
    this.latest.clear();
  }
}

/** The offsets grouped by topic, as kafkajs' commit requests take them. */
export function byTopic(
  offsets: readonly PartitionOffset[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = topics.get(topic);
    if (partitions) partitions.push({ partition, offset });
    else topics.set(topic, [{ partition, offset }]);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
