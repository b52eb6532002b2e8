// Event handlers on ecom.orders: OrderUpdated CONFIRMED creates the shipment (once per order);
// OrderCancelled is recorded so a later CONFIRMED, or a manual POST, ships nothing.
import { causedBy, type Handlers, type ServiceDeps } from '@ecom/kit';
import type { ShippingConfig } from './service.js';
import { createShipment } from './shipments.js';
import { getShipmentOfOrder, recordCancellation } from './store.js';

export function shippingHandlers(deps: ServiceDeps<ShippingConfig>): Handlers {
  const rules = { carriers: deps.config.carriers, estimatedDays: deps.config.estimatedDays };
  return {
    'ecom.order.updated.v1': async (event, { tx, emit, log }) => {
      const { orderId, customerId, status } = event.data;
      if (status !== 'CONFIRMED') return;
      const outcome = await createShipment(tx, emit, causedBy(event), rules, { orderId, customerId });
      if (outcome.kind === 'created') {
        log.debug(
          { orderId, shipmentId: outcome.shipment.shipmentId, carrier: outcome.shipment.carrier },
          'shipment created',
        );
      } else if (outcome.kind === 'exists') {
        log.debug({ orderId }, 'order already has a shipment; CONFIRMED ignored');
      } else {
        log.info({ orderId, reason: outcome.reason }, 'order was cancelled; no shipment');
      }
    },

    'ecom.order.cancelled.v1': async (event, { tx, log }) => {
      const { orderId, cancellationReason } = event.data;
      // Locks the order's row: a shipment being created for it commits first, and is seen below.
      await recordCancellation(tx, orderId, cancellationReason);
      const shipment = await getShipmentOfOrder(tx, orderId);
      if (shipment) {
        // Possible when the order was cancelled right after CONFIRMED: its status updates are
        // refused from now on (409), which is all shipping can do with the current event set.
        log.warn(
          { orderId, shipmentId: shipment.shipmentId, status: shipment.status },
          'cancelled order already has a shipment',
        );
      } else {
        log.info({ orderId, reason: cancellationReason }, 'order cancellation recorded');
      }
    },
  };
}
