// The reservation flow of one order: reserve on OrderCreated, then commit or release on the
// payment outcome or the order's cancellation. Each step runs inside the consumer's transaction
// with the order row locked first (lockOrder), then the products in product_id order.
import { randomUUID } from 'node:crypto';
import type { Emit, EventContext, Queryable } from '@ecom/kit';
import type { Logger } from 'pino';
import { type Line, reserve } from './domain/reservation.js';
import { applyStockEffect, holdStock, type ReservationInput, reservationStep } from './domain/reservation-state.js';
import { writeStock } from './stock.js';
import {
  getReservation,
  insertReservation,
  lockOrder,
  lockProducts,
  type OrderSignals,
  type ReservationRow,
  setReservationStatus,
} from './store.js';

export interface FlowContext {
  tx: Queryable;
  emit: Emit;
  context: EventContext;
  log: Logger;
  threshold: number;
}

/**
 * OrderCreated: reserve every line or none, at most once per order. A payment outcome that
 * arrived earlier is applied right after, in the same transaction, so its effect is never lost.
 */
export async function reserveOrder(flow: FlowContext, orderId: string, lines: Line[]): Promise<void> {
  const { tx, emit, context, log } = flow;
  const signals = await lockOrder(tx, orderId);
  const existing = await getReservation(tx, orderId);
  if (existing) {
    log.info({ orderId, status: existing.status }, 'order already has a reservation; OrderCreated ignored');
    return;
  }
  if (signals.cancelledReason) {
    // Same key on ecom.orders keeps OrderCreated before OrderCancelled; this only happens on a
    // replay of an old OrderCreated, and a cancelled order must not take stock.
    log.warn({ orderId, reason: signals.cancelledReason }, 'order already cancelled; nothing reserved');
    return;
  }

  const stock = await lockProducts(
    tx,
    lines.map((l) => l.productId),
  );
  const decision = reserve(lines, stock);
  const reservationId = randomUUID();
  if (!decision.ok) {
    await insertReservation(tx, { orderId, reservationId, status: 'FAILED', items: lines });
    emit(
      'ecom.inventory.reservation-failed.v1',
      { orderId, reason: decision.reason, items: decision.shortages },
      context,
    );
    log.info({ orderId, reason: decision.reason, shortages: decision.shortages }, 'reservation failed');
    return;
  }

  const { items } = decision.reservation;
  const [first, ...rest] = items;
  // OrderCreated's schema has minItems 1; an order with no line cannot reach this point.
  if (!first) throw new Error(`order ${orderId} has no lines`);
  for (const item of items) {
    const before = stock.get(item.productId);
    if (!before) throw new Error(`product ${item.productId} disappeared while locked`);
    await writeStock(tx, emit, context, flow.threshold, {
      productId: item.productId,
      before,
      after: holdStock(before, item.quantity),
    });
  }
  const reservation: ReservationRow = { orderId, reservationId, status: 'HELD', items };
  await insertReservation(tx, reservation);
  emit('ecom.inventory.stock-reserved.v1', { orderId, reservationId, items: [first, ...rest] }, context);
  log.info({ orderId, reservationId, items }, 'stock reserved');

  const early = earlyInput(signals);
  if (early) await step(flow, reservation, early);
}

function earlyInput(signals: OrderSignals): ReservationInput | undefined {
  if (signals.paymentStatus === 'COMPLETED') return { kind: 'commit' };
  if (signals.paymentStatus === 'FAILED') return { kind: 'release', reason: 'PAYMENT_FAILED' };
  return undefined;
}

/**
 * PaymentProcessed or OrderCancelled for an order whose row the caller has locked: applies the
 * input to the order's reservation if there is one (if not, the caller has recorded the signal
 * and reserveOrder will apply it).
 */
export async function applyToOrder(flow: FlowContext, orderId: string, input: ReservationInput): Promise<void> {
  const reservation = await getReservation(flow.tx, orderId);
  if (!reservation) {
    flow.log.info({ orderId, input }, 'no reservation for the order yet; outcome stored for when it is reserved');
    return;
  }
  await step(flow, reservation, input);
}

async function step(flow: FlowContext, reservation: ReservationRow, input: ReservationInput): Promise<void> {
  const { tx, emit, context, log } = flow;
  const { orderId, reservationId, items } = reservation;
  const next = reservationStep(reservation.status, input);
  if (next.kind === 'none') {
    log.info({ orderId, status: reservation.status, input }, `reservation unchanged: ${next.why}`);
    return;
  }
  const stock = await lockProducts(
    tx,
    items.map((i) => i.productId),
  );
  for (const item of items) {
    const before = stock.get(item.productId);
    if (!before) throw new Error(`product ${item.productId} of reservation ${reservationId} does not exist`);
    const after = applyStockEffect(before, next.effect, item.quantity);
    await writeStock(tx, emit, context, flow.threshold, {
      productId: item.productId,
      before,
      after,
      // Only commit and the return of committed goods change what is on the shelf.
      ...(next.effect === 'commit'
        ? { onHandChange: { operation: 'SUBTRACT' as const, reason: 'ORDER' as const, quantity: item.quantity } }
        : next.effect === 'release-committed'
          ? { onHandChange: { operation: 'ADD' as const, reason: 'ORDER' as const, quantity: item.quantity } }
          : {}),
    });
  }
  const reason = input.kind === 'release' ? input.reason : null;
  await setReservationStatus(tx, orderId, next.to, reason);
  if (reason) emit('ecom.inventory.stock-released.v1', { orderId, reservationId, items, reason }, context);
  log.info({ orderId, reservationId, from: next.from, to: next.to }, 'reservation moved');
}
