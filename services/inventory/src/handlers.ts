// Event handlers: ecom.orders (OrderCreated, OrderCancelled) and ecom.payments (PaymentProcessed).
// The kit runs each in the consumer's transaction with the inbox entry, so a redelivered event
// never reaches these twice; the reservation state machine makes a duplicate with a new ce_id
// (or a late, contradicting outcome) harmless too. Before any of them runs, the batch's rows are
// locked up front (batch-locks.ts); each handler works on those rows (locked-rows.ts), and takes
// them itself, the same way, only in a transaction no batch prepared, so each stays correct alone.
import { causedBy, type Handlers, type ServiceDeps } from '@ecom/kit';
import type { HandledEventType } from './domain/batch-locks.js';
import { lockedFor } from './locked-rows.js';
import { applyToOrder, type FlowContext, reserveOrder } from './reservations.js';
import type { InventoryConfig } from './service.js';
import { recordCancellation, recordPayment } from './store.js';

/** Exactly the types whose rows the batch lock plan knows: a handler cannot be added without its entry there. */
type InventoryHandlers = { [T in HandledEventType]: NonNullable<Handlers[T]> };

export function inventoryHandlers(deps: ServiceDeps<InventoryConfig>): InventoryHandlers {
  const threshold = deps.config.lowStockThreshold;
  return {
    'ecom.order.created.v1': async (event, { tx, emit, log }) => {
      const locked = await lockedFor(tx, event);
      const flow: FlowContext = { tx, emit, context: causedBy(event), log, threshold, locked };
      const lines = event.data.items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
      await reserveOrder(flow, event.data.orderId, lines);
    },

    'ecom.payment.processed.v1': async (event, { tx, emit, log }) => {
      const { orderId, status } = event.data;
      const locked = await lockedFor(tx, event);
      // Stored whatever the reservation state: if OrderCreated has not been handled yet, the
      // reservation applies it when it happens.
      const effective = await recordPayment(tx, orderId, status);
      locked.setSignals(orderId, { paymentStatus: effective });
      if (effective !== status) {
        log.warn({ orderId, status, recorded: effective }, 'payment outcome contradicts the recorded one; ignored');
        return;
      }
      const flow: FlowContext = { tx, emit, context: causedBy(event), log, threshold, locked };
      await applyToOrder(
        flow,
        orderId,
        status === 'COMPLETED' ? { kind: 'commit' } : { kind: 'release', reason: 'PAYMENT_FAILED' },
      );
    },

    'ecom.order.cancelled.v1': async (event, { tx, emit, log }) => {
      const { orderId, cancellationReason } = event.data;
      const locked = await lockedFor(tx, event);
      const recorded = await recordCancellation(tx, orderId, cancellationReason);
      locked.setSignals(orderId, { cancelledReason: recorded });
      const flow: FlowContext = { tx, emit, context: causedBy(event), log, threshold, locked };
      await applyToOrder(flow, orderId, { kind: 'release', reason: 'ORDER_CANCELLED' });
    },
  };
}
