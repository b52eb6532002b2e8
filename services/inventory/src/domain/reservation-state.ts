/**
 * The life of one order's reservation: HELD → COMMITTED → RELEASED, or HELD → RELEASED. Pure: it
 * says what an input does to a reservation in a given state and what that does to a product's
 * stock; the caller stores both and emits the events. Every input is idempotent: what cannot
 * apply (a second commit, anything after a release) is a no-op with a reason for the log, so a
 * replayed or late event can never move stock twice.
 */
import type { StockLevel } from './reservation.js';

/** FAILED: the order could not be reserved; nothing is held and nothing will be. */
export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'FAILED';
export type ReleaseReason = 'PAYMENT_FAILED' | 'ORDER_CANCELLED';

export type ReservationInput = { kind: 'commit' } | { kind: 'release'; reason: ReleaseReason };

/** What happens to the stock of each reserved product. */
export type StockEffect =
  /** Payment completed: the goods leave the shelf (on_hand and reserved both drop). */
  | 'commit'
  /** The hold is dropped: the units become available again. */
  | 'release-held'
  /** A paid order was cancelled: the goods come back on the shelf. */
  | 'release-committed';

export type ReservationStep =
  | { kind: 'apply'; from: ReservationStatus; to: ReservationStatus; effect: StockEffect }
  | { kind: 'none'; why: string };

export function reservationStep(status: ReservationStatus, input: ReservationInput): ReservationStep {
  switch (status) {
    case 'FAILED':
      return { kind: 'none', why: 'the order holds no stock (its reservation failed)' };
    case 'RELEASED':
      return { kind: 'none', why: 'the reservation was already released' };
    case 'HELD':
      return input.kind === 'commit'
        ? { kind: 'apply', from: status, to: 'COMMITTED', effect: 'commit' }
        : { kind: 'apply', from: status, to: 'RELEASED', effect: 'release-held' };
    case 'COMMITTED':
      if (input.kind === 'commit') return { kind: 'none', why: 'the reservation was already committed' };
      // A committed reservation is paid for: only the order's cancellation gives it back. A FAILED
      // payment for it contradicts the COMPLETED one already applied (one payment per order), so
      // it is ignored rather than allowed to put paid goods back on the shelf.
      if (input.reason === 'PAYMENT_FAILED') {
        return { kind: 'none', why: 'a committed (paid) reservation is only released by the order cancellation' };
      }
      return { kind: 'apply', from: status, to: 'RELEASED', effect: 'release-committed' };
  }
}

/**
 * A product's stock after `effect` on `quantity` units. Throws when the result would break
 * 0 <= reserved <= onHand: that means the stored state is inconsistent, which must fail loudly
 * (the handler is retried, then dead-lettered) rather than be written.
 */
export function applyStockEffect(level: StockLevel, effect: StockEffect, quantity: number): StockLevel {
  const next =
    effect === 'commit'
      ? { onHand: level.onHand - quantity, reserved: level.reserved - quantity }
      : effect === 'release-held'
        ? { onHand: level.onHand, reserved: level.reserved - quantity }
        : { onHand: level.onHand + quantity, reserved: level.reserved };
  if (next.reserved < 0 || next.reserved > next.onHand) {
    throw new Error(
      `${effect} of ${quantity} would leave onHand=${next.onHand} reserved=${next.reserved} (from onHand=${level.onHand} reserved=${level.reserved})`,
    );
  }
  return next;
}

/** Holding `quantity` more units; the caller has checked availability with `reserve`. */
export function holdStock(level: StockLevel, quantity: number): StockLevel {
  const next = { onHand: level.onHand, reserved: level.reserved + quantity };
  if (next.reserved > next.onHand) {
    throw new Error(`holding ${quantity} would reserve ${next.reserved} of ${next.onHand} on hand`);
  }
  return next;
}
