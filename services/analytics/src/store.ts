import type { Queryable } from '@ecom/kit';
import { type Fact, mergeFacts } from './domain/facts.js';

type FactOf<K extends Fact['kind']> = Extract<Fact, { kind: K }>;

/**
 * Merges a batch of facts into their tables: one multi-row upsert per table, with the rows as
 * arrays (`unnest`), so the statement text is the same for every batch size. The batch is first
 * folded to one fact per row (a multi-row upsert may not touch a row twice); the merge rules (see
 * domain/facts.ts) make the result order-independent and idempotent, which also covers an event
 * replayed past the inbox. Each upsert takes its row locks itself, in the order of the rows.
 */
export async function applyFacts(tx: Queryable, facts: readonly Fact[]): Promise<void> {
  const merged = mergeFacts(facts);
  const of = <K extends Fact['kind']>(kind: K) => merged.filter((f): f is FactOf<K> => f.kind === kind);
  await upsertOrders(tx, of('order'));
  await insertPayments(tx, of('payment'));
  await insertRefunds(tx, of('refund'));
  await upsertStock(tx, of('stock'));
  await upsertShipments(tx, of('shipment'));
  await insertNotifications(tx, of('notification'));
}

async function upsertOrders(tx: Queryable, facts: FactOf<'order'>[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.query(
    `INSERT INTO order_facts
       (order_id, status, status_rank, total_amount, currency, created_at, confirmed_at, reached_confirmed)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::numeric[], $5::text[], $6::timestamptz[],
                          $7::timestamptz[], $8::boolean[])
     ON CONFLICT (order_id) DO UPDATE SET
       status = CASE WHEN excluded.status_rank > order_facts.status_rank
                     THEN excluded.status ELSE order_facts.status END,
       status_rank = GREATEST(order_facts.status_rank, excluded.status_rank),
       created_at = COALESCE(order_facts.created_at, excluded.created_at),
       confirmed_at = COALESCE(order_facts.confirmed_at, excluded.confirmed_at),
       reached_confirmed = order_facts.reached_confirmed OR excluded.reached_confirmed,
       updated_at = now()`,
    [
      facts.map((f) => f.orderId),
      facts.map((f) => f.status),
      facts.map((f) => f.statusRank),
      facts.map((f) => f.totalAmount),
      facts.map((f) => f.currency),
      facts.map((f) => f.createdAt),
      facts.map((f) => f.confirmedAt),
      facts.map((f) => f.reachedConfirmed),
    ],
  );
}

async function insertPayments(tx: Queryable, facts: FactOf<'payment'>[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.query(
    `INSERT INTO payment_facts (payment_id, order_id, status)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])
     ON CONFLICT (payment_id) DO NOTHING`,
    [facts.map((f) => f.paymentId), facts.map((f) => f.orderId), facts.map((f) => f.status)],
  );
}

async function insertRefunds(tx: Queryable, facts: FactOf<'refund'>[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.query(
    `INSERT INTO refund_facts (refund_id, order_id, amount, currency)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::text[])
     ON CONFLICT (refund_id) DO NOTHING`,
    [
      facts.map((f) => f.refundId),
      facts.map((f) => f.orderId),
      facts.map((f) => f.amount),
      facts.map((f) => f.currency),
    ],
  );
}

async function upsertStock(tx: Queryable, facts: FactOf<'stock'>[]): Promise<void> {
  if (facts.length === 0) return;
  // Ties go to the event handled last: per product the events share a partition, in order.
  await tx.query(
    `INSERT INTO stock_level_facts (product_id, state, available, state_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[])
     ON CONFLICT (product_id) DO UPDATE SET
       state = excluded.state, available = excluded.available, state_at = excluded.state_at
     WHERE excluded.state_at >= stock_level_facts.state_at`,
    [facts.map((f) => f.productId), facts.map((f) => f.state), facts.map((f) => f.available), facts.map((f) => f.at)],
  );
}

async function upsertShipments(tx: Queryable, facts: FactOf<'shipment'>[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.query(
    `INSERT INTO shipment_facts (shipment_id, order_id, created_at, delivered_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])
     ON CONFLICT (shipment_id) DO UPDATE SET
       created_at = COALESCE(shipment_facts.created_at, excluded.created_at),
       delivered_at = COALESCE(shipment_facts.delivered_at, excluded.delivered_at)`,
    [
      facts.map((f) => f.shipmentId),
      facts.map((f) => f.orderId),
      facts.map((f) => f.createdAt),
      facts.map((f) => f.deliveredAt),
    ],
  );
}

async function insertNotifications(tx: Queryable, facts: FactOf<'notification'>[]): Promise<void> {
  if (facts.length === 0) return;
  await tx.query(
    `INSERT INTO notification_facts (notification_id, template)
     SELECT * FROM unnest($1::uuid[], $2::text[])
     ON CONFLICT (notification_id) DO NOTHING`,
    [facts.map((f) => f.notificationId), facts.map((f) => f.template)],
  );
}
