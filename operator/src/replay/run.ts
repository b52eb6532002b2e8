import { setTimeout as sleep } from 'node:timers/promises';
import { type KafkaOptions, openOffsetCommitter, openOffsetReader, openProducer, readRanges } from '@ecom/kit';
import { chunkSize, type ListedRecord, pace, processChunk } from './chunk.js';
import type { ReplayConfig } from './config.js';
import {
  addCounts,
  type Counts,
  encodeProgress,
  type PartitionPlan,
  planReplay,
  specFingerprint,
  ZERO,
} from './progress.js';

/** A problem the user fixes (a missing topic, a group taken by another replay): exit 2, not 1. */
export class ReplayRefused extends Error {
  override readonly name = 'ReplayRefused';
}

export interface ReplaySummary extends Counts {
  event: 'done';
  source: string;
  group: string;
  dryRun: boolean;
  /** The replay stopped at maxMessages rather than at the end of the topic. */
  limitReached: boolean;
}

export type ReplayLine =
  | ListedRecord
  | {
      event: 'start';
      source: string;
      group: string;
      dryRun: boolean;
      resumed: boolean;
      partitions: { partition: number; from: string; stop: string }[];
    }
  | ReplaySummary;

/**
 * Runs one replay to its end: plans from the group's committed progress (resuming a replay that
 * stopped), then reads each partition up to its stop; each chunk's records are produced (acks=all,
 * idempotent), then the position after it is committed with the partition's counts. Killed at any
 * moment, the next run resumes at the last commit: a chunk produced but not yet committed goes out
 * again, which every inbox drops (same ce_id), and is counted once (the counts are committed with
 * the offsets). A second process resuming the same replay fences the first one's commits.
 */
export async function runReplay(
  config: ReplayConfig,
  kafka: KafkaOptions,
  print: (line: ReplayLine) => void,
): Promise<ReplaySummary> {
  const spec = specFingerprint(config);
  const reader = await openOffsetReader(kafka);
  let partitions: PartitionPlan[];
  try {
    const bounds = await reader.bounds(config.source);
    if (bounds.length === 0) throw new ReplayRefused(`the dead-letter topic ${config.source} does not exist`);
    const committed = await reader.committed(config.group, config.source);
    const fresh = committed.every((c) => BigInt(c.offset) < 0n);
    // A fresh replay with `since` starts at its first dead letter instead of reading the topic's history.
    const startAt =
      config.filter.since && fresh
        ? await reader.offsetsAtTime(config.source, config.filter.since.getTime() - SINCE_SKEW_MS)
        : undefined;
    const plan = planReplay({ group: config.group, spec, bounds, committed, ...(startAt ? { startAt } : {}) });
    if (!plan.ok) throw new ReplayRefused(plan.message);
    partitions = plan.partitions;
  } finally {
    await reader.close();
  }

  // One transactional id per replay group: a second process resuming the same replay fences the first.
  const committer = await openOffsetCommitter({ ...kafka, transactionalId: config.group });
  const producer = config.dryRun ? undefined : await openProducer(kafka);
  try {
    const counts = new Map(partitions.map((p) => [p.partition, p.counts]));
    const total = () => [...counts.values()].reduce(addCounts, ZERO);
    const stops = new Map(partitions.map((p) => [p.partition, p.stop]));
    /** The metadata committed with a partition's offset: its stop and its counts. */
    const progressOf = (partition: number, partitionCounts: Counts) =>
      encodeProgress({ spec, stop: stops.get(partition) ?? '0', ...partitionCounts });

    // Fix every new partition's start and stop first, so a restart finds the same end.
    const fresh = partitions.filter((p) => p.fresh);
    if (fresh.length > 0) {
      await committer.commit({
        groupId: config.group,
        topic: config.source,
        partitions: fresh.map((p) => ({
          partition: p.partition,
          offset: p.from,
          metadata: progressOf(p.partition, p.counts),
        })),
      });
    }
    print({
      event: 'start',
      source: config.source,
      group: config.group,
      dryRun: config.dryRun,
      resumed: fresh.length < partitions.length,
      partitions: partitions.map(({ partition, from, stop }) => ({ partition, from, stop })),
    });

    let limitReached = total().matched >= config.maxMessages;
    if (!limitReached) {
      let nextAt = 0;
      const size = chunkSize(config.ratePerSecond);
      await readRanges({
        ...kafka,
        groupId: config.group,
        topic: config.source,
        ranges: partitions.map((p) => ({ partition: p.partition, from: p.from, to: p.stop })),
        onBatch: async ({ partition, records, heartbeat }) => {
          for (let i = 0; i < records.length; i += size) {
            const result = processChunk(
              records.slice(i, i + size),
              { partition: counts.get(partition) ?? ZERO, total: total() },
              config,
            );
            if (result.next === undefined) {
              limitReached = true;
              return false;
            }
            if (result.outgoing.length > 0) {
              const slot = pace(nextAt, result.outgoing.length, config.ratePerSecond, Date.now());
              nextAt = slot.nextAt;
              if (slot.waitMs > 0) await sleep(slot.waitMs);
            }
            await producer?.send(result.outgoing);
            await committer.commit({
              groupId: config.group,
              topic: config.source,
              partitions: [{ partition, offset: result.next, metadata: progressOf(partition, result.counts) }],
            });
            counts.set(partition, result.counts);
            for (const line of result.listed) print(line);
            if (result.limitReached) {
              limitReached = true;
              return false;
            }
            await heartbeat();
          }
          return true;
        },
      });
    }
    const summary: ReplaySummary = {
      event: 'done',
      source: config.source,
      group: config.group,
      dryRun: config.dryRun,
      ...total(),
      limitReached,
    };
    print(summary);
    return summary;
  } finally {
    await producer?.close();
    await committer.close();
  }
}

/**
 * The dead letter's Kafka timestamp comes from the clock of the process that published it, its
 * dlq_failed_at from the one that failed it (the same process, or another replica's sweep): a
 * second early covers the skew, and the filter then decides on dlq_failed_at exactly.
 */
const SINCE_SKEW_MS = 1000;
