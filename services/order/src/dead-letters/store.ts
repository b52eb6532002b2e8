import type { Queryable } from '@ecom/kit';
import type { DeadLetterRow, Position } from './record.js';

/** An open dead letter of an order, as the API shows it: where it sits on the dead-letter topic and why. */
export interface OrderDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  errorClass: string | null;
  consumerGroup: string | null;
  originalTopic: string | null;
  ceType: string | null;
  failedAt: string;
}

/**
 * Records the dead letters that belong to an order of this service (the first candidate id that is
 * one), once per position, and closes the dead letters they were replayed from (FAILED_AGAIN).
 * Returns how many were new.
 */
export async function recordDeadLetters(tx: Queryable, rows: readonly DeadLetterRow[]): Promise<number> {
  const candidates = [...new Set(rows.flatMap((r) => r.orderCandidates))];
  if (candidates.length === 0) return 0;
  const { rows: known } = await tx.query<{ order_id: string }>(
    'SELECT order_id::text AS order_id FROM orders WHERE order_id = ANY($1::uuid[])',
    [candidates],
  );
  const orders = new Set(known.map((k) => k.order_id));
  let added = 0;
  for (const row of rows) {
    const orderId = row.orderCandidates.find((id) => orders.has(id));
    if (!orderId) continue;
    const inserted = await tx.query(
      `INSERT INTO order_dead_letters (dlq_topic, dlq_partition, dlq_offset, order_id, ce_id, ce_type, original_topic,
         consumer_group, error_class, error_message, failed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
      [
        row.position.topic,
        row.position.partition,
        row.position.offset,
        orderId,
        row.ceId ?? null,
        row.ceType ?? null,
        row.originalTopic ?? null,
        row.consumerGroup ?? null,
        row.errorClass ?? null,
        row.errorMessage ?? null,
        row.failedAt,
      ],
    );
    added += inserted.rowCount ?? 0;
    if (row.replayedFrom) await close(tx, row.replayedFrom, 'FAILED_AGAIN');
  }
  return added;
}

async function close(tx: Queryable, at: Position, resolution: 'PROCESSED' | 'FAILED_AGAIN'): Promise<void> {
  await tx.query(
    `UPDATE order_dead_letters SET resolved_at = clock_timestamp(), resolution = $4
     WHERE dlq_topic = $1 AND dlq_partition = $2 AND dlq_offset = $3 AND resolved_at IS NULL`,
    [at.topic, at.partition, at.offset, resolution],
  );
}

/**
 * Closes the open dead letters of these events in these groups (each a ce_id and the consumer
 * group that dead-lettered it) as PROCESSED, in one statement. Returns how many it closed.
 */
export async function closeAnswered(
  tx: Queryable,
  answers: ReadonlyArray<{ ceId: string; group: string }>,
): Promise<number> {
  if (answers.length === 0) return 0;
  const { rowCount } = await tx.query(
    `UPDATE order_dead_letters SET resolved_at = clock_timestamp(), resolution = 'PROCESSED'
     WHERE resolved_at IS NULL
       AND (ce_id, consumer_group) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [answers.map((a) => a.ceId), answers.map((a) => a.group)],
  );
  return rowCount ?? 0;
}

interface Row {
  order_id: string;
  dlq_topic: string;
  dlq_partition: number;
  dlq_offset: string | number;
  error_class: string | null;
  consumer_group: string | null;
  original_topic: string | null;
  ce_type: string | null;
  failed_at: Date | string;
}

/** The open dead letters of these orders, oldest first. */
export async function openDeadLetters(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, OrderDeadLetter[]>> {
  const byOrder = new Map<string, OrderDeadLetter[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const { rows } = await db.query<Row>(
    `SELECT order_id::text AS order_id, dlq_topic, dlq_partition, dlq_offset, error_class, consumer_group,
       original_topic, ce_type, failed_at
     FROM order_dead_letters WHERE order_id = ANY($1::uuid[]) AND resolved_at IS NULL
     ORDER BY failed_at, dlq_topic, dlq_partition, dlq_offset`,
    [orderIds],
  );
  for (const r of rows) {
    byOrder.get(r.order_id)?.push({
      topic: r.dlq_topic,
      partition: Number(r.dlq_partition),
      offset: String(r.dlq_offset),
      errorClass: r.error_class,
      consumerGroup: r.consumer_group,
      originalTopic: r.original_topic,
      ceType: r.ce_type,
      failedAt: (r.failed_at instanceof Date ? r.failed_at : new Date(r.failed_at)).toISOString(),
    });
  }
  return byOrder;
}

/** SQL condition (on `orders`) for orders with an open dead letter: GET /api/orders?stuck=true. */
export const HAS_OPEN_DEAD_LETTER =
  'EXISTS (SELECT 1 FROM order_dead_letters d WHERE d.order_id = orders.order_id AND d.resolved_at IS NULL)';
