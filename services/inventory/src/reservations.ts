// The reservation flow of one order: reserve on OrderCreated, then commit or release on the
// payment outcome or the order's cancellation. Each step runs inside the consumer's transaction
// on rows the transaction has locked already (locked-rows.ts: the order row, then the products in
// product_id order), reading and updating them through `flow.locked`.
import { randomUUID } from 'node:crypto';
import type { Emit, EventContext, Queryable } from '@ecom/kit';
import type { Logger } from 'pino';
import { type Line, reserve } from './domain/reservation.js';
import { applyStockEffect, holdStock, type ReservationInput, reservationStep } from './domain/reservation-state.js';
import type { LockedRows } from './locked-rows.js';
import { type StockChange, writeStocks } from './stock.js';
import { insertReservation, type OrderSignals, type ReservationRow, setReservationStatus } from './store.js';

export interface FlowContext {
  tx: Queryable;
  emit: Emit;
  context: EventContext;
  log: Logger;
  threshold: number;
  /** The rows the transaction holds, with their current values. */
  locked: LockedRows;
}

function signalsOf(flow: FlowContext, orderId: string): OrderSignals {
  const signals = flow.locked.signals.get(orderId);
  if (!signals) throw new Error(`order ${orderId} is not locked by this transaction`);
  return signals;
}

/** Stores the stock changes and keeps the locked rows in step with what was stored. */
async function writeLocked(flow: FlowContext, changes: StockChange[]): Promise<void> {
  flow.locked.setProducts(await writeStocks(flow.tx, flow.emit, flow.context, flow.threshold, changes));
}

/**
 * OrderCreated: reserve every line or none, at most once per order. A payment outcome that
 * arrived earlier is applied right after, in the same transaction, so its effect is never lost.
 */
export async function reserveOrder(flow: FlowContext, orderId: string, lines: Line[]): Promise<void> {
  const { tx, emit, context, log, locked } = flow;
  const signals = signalsOf(flow, orderId);
  const existing = locked.reservations.get(orderId);
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

  const decision = reserve(lines, locked.products);
  const reservationId = randomUUID();
  if (!decision.ok) {
    const failed: ReservationRow = { orderId, reservationId, status: 'FAILED', items: lines };
    await insertReservation(tx, failed);
    locked.setReservation(failed);
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
  await writeLocked(
    flow,
    items.map((item) => {
      const before = locked.products.get(item.productId);
      if (!before) throw new Error(`product ${item.productId} disappeared while locked`);
      return { productId: item.productId, before, after: holdStock(before, item.quantity) };
    }),
  );
  const reservation: ReservationRow = { orderId, reservationId, status: 'HELD', items };
  await insertReservation(tx, reservation);
  locked.setReservation(reservation);
  emit('ecom.inventory.stock-reserved.v1', { orderId, reservationId, items: [first, ...rest] }, context);
  log.debug({ orderId, reservationId, items }, 'stock reserved');

  const early = earlyInput(signals);
  if (early) await step(flow, reservation, early);
}

function earlyInput(signals: OrderSignals): ReservationInput | undefined {
  if (signals.paymentStatus === 'COMPLETED') return { kind: 'commit' };
  if (signals.paymentStatus === 'FAILED') return { kind: 'release', reason: 'PAYMENT_FAILED' };
  return undefined;
}

/**
 * PaymentProcessed or OrderCancelled for a locked order: applies the input to the order's
 * reservation if there is one (if not, the caller has recorded the signal and reserveOrder will
 * apply it).
 */
export async function applyToOrder(flow: FlowContext, orderId: string, input: ReservationInput): Promise<void> {
  const reservation = flow.locked.reservations.get(orderId);
  if (!reservation) {
    flow.log.debug({ orderId, input }, 'no reservation for the order yet; outcome stored for when it is reserved');
    return;
  }
  await step(flow, reservation, input);
}

async function step(flow: FlowContext, reservation: ReservationRow, input: ReservationInput): Promise<void> {
  const { tx, emit, context, log, locked } = flow;
  const { orderId, reservationId, items } = reservation;
  const next = reservationStep(reservation.status, input);
  if (next.kind === 'none') {
    log.debug({ orderId, status: reservation.status, input }, `reservation unchanged: ${next.why}`);
    return;
  }
  await writeLocked(
    flow,
    items.map((item) => {
      const before = locked.products.get(item.productId);
      if (!before) throw new Error(`product ${item.productId} of reservation ${reservationId} does not exist`);
      return {
        productId: item.productId,
        before,
        after: applyStockEffect(before, next.effect, item.quantity),
        // Only commit and the return of committed goods change what is on the shelf.
        ...(next.effect === 'commit'
          ? { onHandChange: { operation: 'SUBTRACT' as const, reason: 'ORDER' as const, quantity: item.quantity } }
          : next.effect === 'release-committed'
            ? { onHandChange: { operation: 'ADD' as const, reason: 'ORDER' as const, quantity: item.quantity } }
            : {}),
      };
    }),
  );
  const reason = input.kind === 'release' ? input.reason : null;
  await setReservationStatus(tx, orderId, next.to, reason);
  locked.setReservationStatus(orderId, next.to);
  if (reason) emit('ecom.inventory.stock-released.v1', { orderId, reservationId, items, reason }, context);
  log.debug({ orderId, reservationId, from: next.from, to: next.to }, 'reservation moved');
}
