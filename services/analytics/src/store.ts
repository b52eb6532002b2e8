import type { Queryable } from '@ecom/kit';
import type { Fact } from './domain/facts.js';

/**
 * Merges one fact into its table. Every statement is a single upsert, so it is atomic and takes
 * the row lock itself; the merge rules (see domain/facts.ts) make it order-independent and
 * idempotent, which also covers an event replayed past the inbox.
 */
export async function applyFact(tx: Queryable, fact: Fact): Promise<void> {
  switch (fact.kind) {
    case 'order':
      await tx.query(
        `INSERT INTO order_facts
           (order_id, status, status_rank, total_amount, currency, created_at, confirmed_at, reached_confirmed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (order_id) DO UPDATE SET
           status = CASE WHEN excluded.status_rank > order_facts.status_rank
                         THEN excluded.status ELSE order_facts.status END,
           status_rank = GREATEST(order_facts.status_rank, excluded.status_rank),
           created_at = COALESCE(order_facts.created_at, excluded.created_at),
           confirmed_at = COALESCE(order_facts.confirmed_at, excluded.confirmed_at),
           reached_confirmed = order_facts.reached_confirmed OR excluded.reached_confirmed,
           updated_at = now()`,
        [
          fact.orderId,
          fact.status,
          fact.statusRank,
          fact.totalAmount,
          fact.currency,
          fact.createdAt,
          fact.confirmedAt,
          fact.reachedConfirmed,
        ],
      );
      return;
    case 'payment':
      await tx.query(
        `INSERT INTO payment_facts (payment_id, order_id, status) VALUES ($1, $2, $3)
         ON CONFLICT (payment_id) DO NOTHING`,
        [fact.paymentId, fact.orderId, fact.status],
      );
      return;
    case 'refund':
      await tx.query(
        `INSERT INTO refund_facts (refund_id, order_id, amount, currency) VALUES ($1, $2, $3, $4)
         ON CONFLICT (refund_id) DO NOTHING`,
        [fact.refundId, fact.orderId, fact.amount, fact.currency],
      );
      return;
    case 'stock':
      // Ties go to the event handled last: per product the events share a partition, in order.
      await tx.query(
        `INSERT INTO stock_level_facts (product_id, state, available, state_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (product_id) DO UPDATE SET
           state = excluded.state, available = excluded.available, state_at = excluded.state_at
         WHERE excluded.state_at >= stock_level_facts.state_at`,
        [fact.productId, fact.state, fact.available, fact.at],
      );
      return;
    case 'shipment':
      await tx.query(
        `INSERT INTO shipment_facts (shipment_id, order_id, created_at, delivered_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (shipment_id) DO UPDATE SET
           created_at = COALESCE(shipment_facts.created_at, excluded.created_at),
           delivered_at = COALESCE(shipment_facts.delivered_at, excluded.delivered_at)`,
        [fact.shipmentId, fact.orderId, fact.createdAt, fact.deliveredAt],
      );
      return;
    case 'notification':
      await tx.query(
        `INSERT INTO notification_facts (notification_id, template) VALUES ($1, $2)
         ON CONFLICT (notification_id) DO NOTHING`,
        [fact.notificationId, fact.template],
      );
      return;
  }
}
