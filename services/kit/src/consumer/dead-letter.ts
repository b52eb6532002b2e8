import { DLQ_TOPIC } from '@ecom/schemas';
import type { IncomingRecord, OutgoingRecord } from '../kafka/records.js';

export interface Failure {
  group: string;
  errorClass: string;
  message: string;
  stack?: string;
  attempts: number;
  failedAt: Date;
}

/** Longest stack kept in a header: enough to find the frame, small enough for any broker limit. */
const MAX_STACK = 2000;

/** Error headers of a dead letter (ARCHITECTURE section 5); the replay CLI reads the same names. */
export const DLQ_HEADERS = {
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
  originalTimestamp: 'dlq_original_timestamp',
  consumerGroup: 'dlq_consumer_group',
  errorClass: 'dlq_error_class',
  errorMessage: 'dlq_error_message',
  errorStack: 'dlq_error_stack',
  attempts: 'dlq_attempts',
  failedAt: 'dlq_failed_at',
} as const;

/**
 * The dead letter of a record: its original key, value and headers (so a replay keeps its ce_id)
 * plus headers saying where it came from and why it failed.
 */
export function deadLetter(record: IncomingRecord, failure: Failure): OutgoingRecord {
  return {
    topic: DLQ_TOPIC,
    key: record.key?.toString('utf8') ?? null,
    value: record.value ?? Buffer.alloc(0),
    headers: {
      ...record.headers,
      [DLQ_HEADERS.originalTopic]: record.topic,
      [DLQ_HEADERS.originalPartition]: String(record.partition),
      [DLQ_HEADERS.originalOffset]: record.offset,
      [DLQ_HEADERS.originalTimestamp]: record.timestamp,
      [DLQ_HEADERS.consumerGroup]: failure.group,
      [DLQ_HEADERS.errorClass]: failure.errorClass,
      [DLQ_HEADERS.errorMessage]: failure.message,
      [DLQ_HEADERS.errorStack]: (failure.stack ?? '').slice(0, MAX_STACK),
      [DLQ_HEADERS.attempts]: String(failure.attempts),
      [DLQ_HEADERS.failedAt]: failure.failedAt.toISOString(),
    },
  };
}

/**
 * Set on a record the replay put back: `<dlq topic>/<partition>/<offset>` of the dead letter it
 * came from. A replayed record that fails again carries it into its new dead letter.
 */
export const REPLAYED_FROM_HEADER = 'ecom_replayed_from';

const ERROR_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

/** True for the error headers a dead letter adds (the ones a replay drops). */
export function isDeadLetterHeader(name: string): boolean {
  return ERROR_HEADER_NAMES.has(name);
}

/** What a dead letter's headers say about the failure; fields are absent when a header is missing or unreadable. */
export interface DeadLetterInfo {
  originalTopic?: string;
  originalPartition?: number;
  originalOffset?: string;
  consumerGroup?: string;
  errorClass?: string;
  errorMessage?: string;
  attempts?: number;
  failedAt?: Date;
  /** `<dlq topic>/<partition>/<offset>` of an earlier dead letter this record was replayed from. */
  replayedFrom?: string;
}

/** Reads the error headers of a dead letter (any producer's: tolerant of missing or malformed ones). */
export function readDeadLetter(headers: Record<string, string>): DeadLetterInfo {
  const info: DeadLetterInfo = {};
  const text = (name: string) => (headers[name] ? headers[name] : undefined);
  const integer = (name: string) => {
    const raw = text(name);
    return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const originalTopic = text(DLQ_HEADERS.originalTopic);
  if (originalTopic !== undefined) info.originalTopic = originalTopic;
  const originalPartition = integer(DLQ_HEADERS.originalPartition);
  if (originalPartition !== undefined) info.originalPartition = originalPartition;
  const originalOffset = text(DLQ_HEADERS.originalOffset);
  if (originalOffset !== undefined && /^\d+$/.test(originalOffset)) info.originalOffset = originalOffset;
  const consumerGroup = text(DLQ_HEADERS.consumerGroup);
  if (consumerGroup !== undefined) info.consumerGroup = consumerGroup;
  const errorClass = text(DLQ_HEADERS.errorClass);
  if (errorClass !== undefined) info.errorClass = errorClass;
  const errorMessage = text(DLQ_HEADERS.errorMessage);
  if (errorMessage !== undefined) info.errorMessage = errorMessage;
  const attempts = integer(DLQ_HEADERS.attempts);
  if (attempts !== undefined) info.attempts = attempts;
  const failedAt = text(DLQ_HEADERS.failedAt);
  if (failedAt !== undefined && !Number.isNaN(Date.parse(failedAt))) info.failedAt = new Date(failedAt);
  const replayedFrom = text(REPLAYED_FROM_HEADER);
  if (replayedFrom !== undefined) info.replayedFrom = replayedFrom;
  return info;
}

/** Exponential backoff: base, 2*base, 4*base, ... capped at 30 s. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 30_000);
}
