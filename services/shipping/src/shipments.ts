// Creating a shipment and moving it along, with the events each change causes. Shared by the
// consumer (OrderUpdated CONFIRMED) and the HTTP routes, so both follow the same rules.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Emit, EventContext, Queryable } from '@ecom/kit';
import { chooseCarrier, estimatedDelivery, TRACKING_SUFFIX_LENGTH, trackingNumber } from './domain/shipment.js';
import { type ShipmentStatus, type StatusStep, statusStep } from './domain/status.js';
import { insertShipment, lockOrder, lockShipment, type Shipment, updateStatus } from './store.js';

export interface ShipmentRules {
  carriers: readonly string[];
  estimatedDays: number;
}

export type CreateOutcome =
  | { kind: 'created'; shipment: Shipment }
  | { kind: 'exists' }
  | { kind: 'cancelled'; reason: string };

export async function createShipment(
  tx: Queryable,
  emit: Emit,
  context: EventContext,
  rules: ShipmentRules,
  request: { orderId: string; customerId: string; carrier?: string },
): Promise<CreateOutcome> {
  const { orderId, customerId } = request;
  const order = await lockOrder(tx, orderId);
  if (order.cancelledReason) return { kind: 'cancelled', reason: order.cancelledReason };
  const carrier = request.carrier ?? chooseCarrier(orderId, rules.carriers);
  const shipment = await insertShipment(tx, {
    shipmentId: randomUUID(),
    orderId,
    customerId,
    carrier,
    trackingNumber: trackingNumber(carrier, randomBytes(TRACKING_SUFFIX_LENGTH)),
    estimatedDelivery: estimatedDelivery(new Date(), rules.estimatedDays),
  });
  if (!shipment) return { kind: 'exists' };
  emit(
    'ecom.shipment.created.v1',
    {
      shipmentId: shipment.shipmentId,
      orderId,
      customerId,
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      estimatedDelivery: shipment.estimatedDelivery,
    },
    context,
  );
  return { kind: 'created', shipment };
}

export type StatusOutcome =
  | { kind: 'not-found' }
  | { kind: 'order-cancelled'; shipment: Shipment }
  | { kind: 'illegal'; step: Extract<StatusStep, { kind: 'illegal' }> }
  | { kind: 'done'; shipment: Shipment; changed: boolean };

export async function changeStatus(
  tx: Queryable,
  emit: Emit,
  traceparent: string | undefined,
  shipmentId: string,
  requested: { status: ShipmentStatus; location: string },
): Promise<StatusOutcome> {
  const locked = await lockShipment(tx, shipmentId);
  if (!locked) return { kind: 'not-found' };
  const current = locked.shipment;
  // A shipment created just before its order was cancelled (CONFIRMED then DELETE) must not
  // carry on: the customer was refunded and the stock went back.
  if (locked.orderCancelled) return { kind: 'order-cancelled', shipment: current };
  const step = statusStep(current, requested);
  if (step.kind === 'illegal') return { kind: 'illegal', step };
  if (step.kind === 'unchanged') return { kind: 'done', shipment: current, changed: false };
  const { shipment, at } = await updateStatus(tx, shipmentId, requested.status, requested.location);
  emit(
    'ecom.shipment.status-updated.v1',
    {
      shipmentId,
      orderId: shipment.orderId,
      customerId: shipment.customerId,
      status: shipment.status,
      location: requested.location,
      timestamp: at.toISOString(),
    },
    // Status updates continue the order's flow: correlated by the orderId.
    { correlationId: shipment.orderId, ...(traceparent ? { traceparent } : {}) },
  );
  return { kind: 'done', shipment, changed: true };
}
