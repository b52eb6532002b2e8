import type { DeadLetterInfo, IncomingRecord, OutgoingRecord } from '@ecom/kit';
import type { ReplayConfig } from './config.js';
import { addCounts, type Counts } from './progress.js';
import { failedAt, replayRecord, select } from './select.js';

/** One line of the replay's output about a dead letter it matched (or could not route). */
export interface ListedRecord {
  event: 'match' | 'skip';
  /** Position in the dead-letter topic. */
  partition: number;
  offset: string;
  key: string | null;
  ceId?: string;
  ceType?: string;
  originalTopic?: string;
  consumerGroup?: string;
  errorClass?: string;
  failedAt: string;
  /** match: the topic it goes (or, in a dry run, would go) to. */
  target?: string;
  replayed?: boolean;
  /** skip: why it matched but cannot be replayed. */
  reason?: string;
}

export interface ChunkResult {
  /** Records to produce, in order. */
  outgoing: OutgoingRecord[];
  /** The partition's counts after the chunk. */
  counts: Counts;
  /** The offset to commit (the next to read); undefined when not even the first record was taken. */
  next?: string;
  listed: ListedRecord[];
  /** The replay reached maxMessages: stop reading. */
  limitReached: boolean;
}

/**
 * What a run of consecutive records of one partition does, given the counts so far: which records
 * to produce, the partition's new counts, and where to commit. The replay stops before the record
 * that would be one match too many, so that record stays unread (uncommitted) and a resumed
 * replay with the same limit stops at the same place.
 */
export function processChunk(
  records: readonly IncomingRecord[],
  state: { partition: Counts; total: Counts },
  config: Pick<ReplayConfig, 'filter' | 'source' | 'target' | 'maxMessages' | 'dryRun'>,
): ChunkResult {
  let counts = state.partition;
  const outgoing: OutgoingRecord[] = [];
  const listed: ListedRecord[] = [];
  let next: string | undefined;
  const matchedSoFar = () => state.total.matched - state.partition.matched + counts.matched;
  for (const record of records) {
    if (matchedSoFar() >= config.maxMessages) return { outgoing, counts, next, listed, limitReached: true };
    next = (BigInt(record.offset) + 1n).toString();
    const selection = select(record, config);
    if (selection.kind === 'skip') {
      counts = addCounts(counts, { matched: 0, replayed: 0, skipped: 1 });
      if (selection.reason !== 'filter') {
        listed.push({ ...describe(record, selection.info), event: 'skip', reason: skipReason(selection.reason) });
      }
      continue;
    }
    const replayed = !config.dryRun;
    counts = addCounts(counts, { matched: 1, replayed: replayed ? 1 : 0, skipped: 0 });
    if (replayed) outgoing.push(replayRecord(record, selection.target));
    listed.push({ ...describe(record, selection.info), event: 'match', target: selection.target, replayed });
  }
  return { outgoing, counts, next, listed, limitReached: matchedSoFar() >= config.maxMessages };
}

function skipReason(reason: 'no-original-topic' | 'target-is-source'): string {
  return reason === 'no-original-topic'
    ? 'no dlq_original_topic header and no target topic: nowhere to replay it to'
    : 'its original topic is the dead-letter topic itself';
}

function describe(record: IncomingRecord, info: DeadLetterInfo): Omit<ListedRecord, 'event'> {
  const { headers } = record;
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? null,
    ...(headers.ce_id ? { ceId: headers.ce_id } : {}),
    ...(headers.ce_type ? { ceType: headers.ce_type } : {}),
    ...(info.originalTopic !== undefined ? { originalTopic: info.originalTopic } : {}),
    ...(info.consumerGroup !== undefined ? { consumerGroup: info.consumerGroup } : {}),
    ...(info.errorClass !== undefined ? { errorClass: info.errorClass } : {}),
    failedAt: failedAt(record, info).toISOString(),
  };
}

/**
 * Pacing for `ratePerSecond`: a chunk of `n` records may go at `nextAt`; after it, the next one
 * may go `n / rate` seconds later. Returns how long to wait now and the next slot.
 */
export function pace(
  nextAt: number,
  n: number,
  ratePerSecond: number,
  now: number,
): { waitMs: number; nextAt: number } {
  const at = Math.max(nextAt, now);
  return { waitMs: at - now, nextAt: at + (n * 1000) / ratePerSecond };
}

/** Records per chunk (one produce, one commit): at most a second's worth at the rate, so waits stay short. */
export function chunkSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(ratePerSecond, 500));
}
