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

/** Exponential backoff: base, 2*base, 4*base, ... capped at 30 s. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 30_000);
}
