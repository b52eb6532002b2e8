import { type IncomingRecord, readDeadLetter } from '@ecom/kit';

/** A position on a topic: where a dead letter sits. */
export interface Position {
  topic: string;
  partition: number;
  offset: string;
}

/** A dead letter as the order service records it, before it knows whether the order is its own. */
export interface DeadLetterRow {
  position: Position;
  /** The orders it may belong to, most telling first: its correlation id, subject, key (UUIDs only). */
  orderCandidates: string[];
  ceId?: string;
  ceType?: string;
  originalTopic?: string;
  consumerGroup?: string;
  errorClass?: string;
  errorMessage?: string;
  failedAt: Date;
  /** The dead letter this record was replayed from: closed as FAILED_AGAIN by this one. */
  replayedFrom?: Position;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<topic>/<partition>/<offset>` (the ecom_replayed_from header); Kafka topic names have no `/`. */
export function parsePosition(text: string | undefined): Position | undefined {
  const match = text ? /^([a-zA-Z0-9._-]+)\/(\d+)\/(\d+)$/.exec(text) : null;
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { topic: match[1], partition: Number(match[2]), offset: match[3] };
}

/** What a record of the dead-letter topic says about its order and its failure. */
export function deadLetterRow(record: IncomingRecord): DeadLetterRow {
  const info = readDeadLetter(record.headers);
  const h = record.headers;
  const candidates = [h.ce_correlationid, h.ce_subject, record.key?.toString('utf8')].filter(
    (id): id is string => id !== undefined && UUID.test(id),
  );
  const replayedFrom = parsePosition(info.replayedFrom);
  return {
    position: { topic: record.topic, partition: record.partition, offset: record.offset },
    orderCandidates: [...new Set(candidates.map((id) => id.toLowerCase()))],
    ...(h.ce_id ? { ceId: h.ce_id } : {}),
    ...(h.ce_type ? { ceType: h.ce_type } : {}),
    ...(info.originalTopic !== undefined ? { originalTopic: info.originalTopic } : {}),
    ...(info.consumerGroup !== undefined ? { consumerGroup: info.consumerGroup } : {}),
    ...(info.errorClass !== undefined ? { errorClass: info.errorClass } : {}),
    ...(info.errorMessage !== undefined ? { errorMessage: info.errorMessage } : {}),
    failedAt: info.failedAt ?? new Date(Number(record.timestamp)),
    ...(replayedFrom ? { replayedFrom } : {}),
  };
}

/**
 * The consumer group whose work an event answers: the kit names a service's group after the
 * service, and the service's events carry `ce_source: /ecom/<service>`.
 */
export function groupOfSource(source: string): string | undefined {
  return /^\/ecom\/([a-z0-9-]+)$/.exec(source)?.[1];
}
