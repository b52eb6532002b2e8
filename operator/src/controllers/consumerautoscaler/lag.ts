import type { TopicAdmin } from '@ecom/kit';
import type { OffsetResetPolicy } from '../../api/consumerautoscaler.js';

/** The kit's per-partition offsets and record positions (types of the TopicAdmin calls that return them). */
export type GroupOffsets = Awaited<ReturnType<TopicAdmin['groupOffsets']>>;
export type GroupPartitionOffsets = GroupOffsets['partitions'][number];
export type RecordPosition = Parameters<TopicAdmin['recordTimestamps']>[0][number];

export interface TopicLag {
  name: string;
  partitions: number;
  lag: number;
}

/** A group's lag, summed over the partitions of its topics. */
export interface LagMeasurement {
  totalLag: number;
  partitions: number;
  /** Partitions without a committed offset inside the log, whose lag follows the reset policy. */
  partitionsWithoutOffset: number;
  topics: TopicLag[];
  /** The next record the group reads on each partition with lag: where the oldest unconsumed record is. */
  positions: RecordPosition[];
}

/**
 * Lag per partition = log end - the offset the group reads next. That offset is the committed one
 * when it lies inside the log; otherwise (none committed, or deleted by retention, or past the end
 * after a topic was recreated) the consumer resets, and so does the count: to the log start
 * (earliest: the whole retained log is lag) or the log end (latest: no lag). Counting from offset 0,
 * or from a committed offset that retention removed, would report records that no longer exist.
 */
export function measureLag(partitions: readonly GroupPartitionOffsets[], policy: OffsetResetPolicy): LagMeasurement {
  const topics = new Map<string, TopicLag>();
  const positions: RecordPosition[] = [];
  let totalLag = 0;
  let partitionsWithoutOffset = 0;
  for (const p of partitions) {
    const valid = p.committed !== undefined && p.committed >= p.logStart && p.committed <= p.logEnd;
    if (!valid) partitionsWithoutOffset++;
    const next = valid ? (p.committed as number) : policy === 'earliest' ? p.logStart : p.logEnd;
    const lag = p.logEnd - next;
    totalLag += lag;
    if (lag > 0) positions.push({ topic: p.topic, partition: p.partition, offset: next });
    const topic = topics.get(p.topic) ?? { name: p.topic, partitions: 0, lag: 0 };
    topic.partitions++;
    topic.lag += lag;
    topics.set(p.topic, topic);
  }
  return { totalLag, partitions: partitions.length, partitionsWithoutOffset, topics: [...topics.values()], positions };
}

export const positionKey = (p: { topic: string; partition: number }): string => `${p.topic}/${p.partition}`;

/**
 * Age in whole seconds of the oldest unconsumed record: the oldest timestamp among the records at
 * the positions (a position whose record is gone is skipped). 0 when nothing is waiting; never
 * negative when a producer's clock runs ahead.
 */
export function oldestRecordAgeSeconds(
  positions: readonly RecordPosition[],
  timestamps: ReadonlyMap<string, number>,
  now: Date,
): number {
  let oldest = 0;
  for (const p of positions) {
    const ts = timestamps.get(positionKey(p));
    if (ts !== undefined) oldest = Math.max(oldest, Math.floor((now.getTime() - ts) / 1000));
  }
  return oldest;
}

/** Group states in which members are being (re)assigned partitions (classic and KIP-848 protocols). */
const REBALANCING = new Set(['PreparingRebalance', 'CompletingRebalance', 'Assigning', 'Reconciling']);

export function isRebalancing(state: string): boolean {
  return REBALANCING.has(state);
}
