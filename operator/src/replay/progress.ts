import { createHash } from 'node:crypto';
import type { CommittedOffset, PartitionBounds } from '@ecom/kit';
import type { ReplayConfig } from './config.js';

/**
 * A replay's progress lives in its consumer group: per partition of the dead-letter topic, the
 * committed offset (the next record to read) and, as the commit's metadata, where the partition's
 * replay ends and what it counted so far. The counts move with the offset in one commit, so they
 * are exactly those of the records before it, and they survive a restart of the process (and of
 * the pod running it): the operator reads them back for the resource's status.
 */

export interface Counts {
  /** Records that matched the filter (replayed, or listed in a dry run). */
  matched: number;
  /** Records produced to their target topic. */
  replayed: number;
  /** Records read that did not match, or had no topic to go back to. */
  skipped: number;
}

export const ZERO: Counts = { matched: 0, replayed: 0, skipped: 0 };

/** What a commit's metadata says (version 1). */
export interface PartitionProgress extends Counts {
  /** Fingerprint of the replay's spec: a group holds the progress of one replay only. */
  spec: string;
  /** Where this partition's replay ends (exclusive): the log end when the replay first started. */
  stop: string;
}

export function encodeProgress(p: PartitionProgress): string {
  return JSON.stringify({
    v: 1,
    spec: p.spec,
    stop: p.stop,
    matched: p.matched,
    replayed: p.replayed,
    skipped: p.skipped,
  });
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The progress in a commit's metadata, or undefined when the metadata is not a replay's. */
export function decodeProgress(metadata: string | null): PartitionProgress | undefined {
  if (!metadata) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(metadata) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { v, spec, stop, matched, replayed, skipped } = parsed ?? {};
  if (v !== 1 || typeof spec !== 'string' || typeof stop !== 'string' || !/^\d+$/.test(stop)) return undefined;
  if (!count(matched) || !count(replayed) || !count(skipped)) return undefined;
  return { spec, stop, matched, replayed, skipped };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { matched: a.matched + b.matched, replayed: a.replayed + b.replayed, skipped: a.skipped + b.skipped };
}

/** The counts of a replay group, summed over its partitions (what the operator mirrors into status). */
export function totalCounts(committed: readonly CommittedOffset[]): { counts: Counts; started: boolean } {
  let counts = ZERO;
  let started = false;
  for (const c of committed) {
    const progress = decodeProgress(c.metadata);
    if (!progress) continue;
    started = true;
    counts = addCounts(counts, progress);
  }
  return { counts, started };
}

/**
 * The fingerprint of what a replay selects and does. Resuming with a different filter, target,
 * limit or dry-run flag would mix two replays' counts and positions, so it is refused. The rate
 * is left out: changing it changes nothing about the result.
 */
export function specFingerprint(config: Pick<ReplayConfig, 'source' | 'filter' | 'target' | 'maxMessages' | 'dryRun'>) {
  const { filter } = config;
  const canonical = JSON.stringify([
    config.source,
    filter.originalTopic ?? null,
    filter.consumerGroup ?? null,
    filter.errorClass ?? null,
    filter.key ?? null,
    filter.since?.toISOString() ?? null,
    filter.until?.toISOString() ?? null,
    config.target ?? null,
    config.maxMessages,
    config.dryRun,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** One partition's part of a replay: read [from, stop), with the counts so far. */
export interface PartitionPlan {
  partition: number;
  from: string;
  stop: string;
  counts: Counts;
  /** Nothing was committed for it yet: its start and stop must be committed before reading. */
  fresh: boolean;
}

export type Plan = { ok: true; partitions: PartitionPlan[] } | { ok: false; message: string };

/**
 * Where each partition's replay starts and stops. A partition the group already has progress for
 * resumes at its committed offset with its recorded stop and counts. A new one starts at the log
 * start (or at `startAt`, the first offset of `since`) and stops at today's log end, so dead
 * letters written later (a replayed record failing again, say) are not read: a replay ends.
 */
export function planReplay(options: {
  group: string;
  spec: string;
  bounds: readonly PartitionBounds[];
  committed: readonly CommittedOffset[];
  startAt?: ReadonlyMap<number, string>;
}): Plan {
  const byPartition = new Map(options.committed.map((c) => [c.partition, c]));
  const partitions: PartitionPlan[] = [];
  for (const { partition, low, high } of options.bounds) {
    const commit = byPartition.get(partition);
    if (commit && BigInt(commit.offset) >= 0n) {
      const progress = decodeProgress(commit.metadata);
      if (!progress) {
        return {
          ok: false,
          message: `consumer group ${options.group} has offsets on partition ${partition} that no replay wrote; pick a group of its own with --group`,
        };
      }
      if (progress.spec !== options.spec) {
        return {
          ok: false,
          message: `consumer group ${options.group} holds the progress of a different replay (other filter, target, limit or dry-run); resume it with the same flags, or pick a new --group`,
        };
      }
      const { spec: _spec, stop, ...counts } = progress;
      // Retention may have deleted records the replay had not read yet: it resumes at the log start.
      partitions.push({ partition, from: maxOffset(commit.offset, low), stop, counts, fresh: false });
      continue;
    }
    const at = options.startAt?.get(partition);
    partitions.push({
      partition,
      from: at === undefined ? low : maxOffset(low, minOffset(at, high)),
      stop: high,
      counts: ZERO,
      fresh: true,
    });
  }
  return { ok: true, partitions };
}

function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

function minOffset(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? a : b;
}
