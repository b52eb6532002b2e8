import {
  type DeadLetterInfo,
  type IncomingRecord,
  isDeadLetterHeader,
  type OutgoingRecord,
  REPLAYED_FROM_HEADER,
  readDeadLetter,
} from '@ecom/kit';
import type { ReplayFilter } from './config.js';

/** What the replay does with one dead letter. */
export type Selection =
  | { kind: 'skip'; reason: 'filter' }
  /** Matches the filter but has nowhere to go back to: counted as skipped and listed. */
  | { kind: 'skip'; reason: 'no-original-topic' | 'target-is-source'; info: DeadLetterInfo }
  | { kind: 'match'; target: string; info: DeadLetterInfo };

/** When the record failed: its dlq_failed_at header, else the dead letter's own timestamp. */
export function failedAt(record: Pick<IncomingRecord, 'timestamp'>, info: DeadLetterInfo): Date {
  return info.failedAt ?? new Date(Number(record.timestamp));
}

/** True when every filter field that is set matches (an empty filter matches every dead letter). */
export function matchesFilter(
  record: Pick<IncomingRecord, 'key' | 'timestamp'>,
  info: DeadLetterInfo,
  filter: ReplayFilter,
): boolean {
  if (filter.originalTopic !== undefined && info.originalTopic !== filter.originalTopic) return false;
  if (filter.consumerGroup !== undefined && info.consumerGroup !== filter.consumerGroup) return false;
  if (filter.errorClass !== undefined && info.errorClass !== filter.errorClass) return false;
  if (filter.key !== undefined && record.key?.toString('utf8') !== filter.key) return false;
  const at = failedAt(record, info).getTime();
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at >= filter.until.getTime()) return false;
  return true;
}

/** Filters one dead letter and picks where it goes: `target`, else the topic it failed on. */
export function select(
  record: Pick<IncomingRecord, 'key' | 'timestamp' | 'headers'>,
  options: { filter: ReplayFilter; source: string; target?: string },
): Selection {
  const info = readDeadLetter(record.headers);
  if (!matchesFilter(record, info, options.filter)) return { kind: 'skip', reason: 'filter' };
  const target = options.target ?? info.originalTopic;
  if (target === undefined) return { kind: 'skip', reason: 'no-original-topic', info };
  if (target === options.source) return { kind: 'skip', reason: 'target-is-source', info };
  return { kind: 'match', target, info };
}

/** `<topic>/<partition>/<offset>`: where a replayed record's dead letter sat. */
export function positionOf(record: Pick<IncomingRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${record.topic}/${record.partition}/${record.offset}`;
}

/**
 * The record a dead letter is replayed as: the same key, value and headers (ce_id, every ce_*
 * attribute, traceparent, content-type) without the dlq_* error headers, plus ecom_replayed_from
 * naming the dead letter. A dead letter of a replay gets its own position there, not the older one.
 */
export function replayRecord(
  record: Pick<IncomingRecord, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'headers'>,
  target: string,
): OutgoingRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (!isDeadLetterHeader(name)) headers[name] = value;
  }
  headers[REPLAYED_FROM_HEADER] = positionOf(record);
  return {
    topic: target,
    key: record.key?.toString('utf8') ?? null,
    value: record.value ?? Buffer.alloc(0),
    headers,
  };
}
