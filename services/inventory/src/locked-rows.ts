// The rows a consumer transaction has locked, with their current values: taken once per batch in
// the canonical order (domain/batch-locks.ts), then read and kept up to date by the handlers, so
// they neither lock again nor read again what the batch already holds. Nobody else can change a
// row while the transaction holds its lock, and every write of the handlers goes through here, so
// the values stay those of the database until the transaction ends.
import type { Event, Queryable } from '@ecom/kit';
import { productsOfBatch, rowsOfBatch } from './domain/batch-locks.js';
import type { ReservationStatus } from './domain/reservation-state.js';
import {
  getReservations,
  lockCatalogue,
  lockOrders,
  lockProducts,
  type OrderSignals,
  type ProductRow,
  type ReservationRow,
} from './store.js';

export class LockedRows {
  /** Order id → its signals row (locked). */
  readonly signals = new Map<string, OrderSignals>();
  /** Order id → its reservation, for the locked orders that have one. */
  readonly reservations = new Map<string, ReservationRow>();
  /** Product id → its stock (locked), for the looked-up products that exist. */
  readonly products = new Map<string, ProductRow>();
  /** Every product id looked up, existing or not: a missing one is known not to exist. */
  private readonly lookedUp = new Set<string>();

  /** Whether the rows `event`'s handler needs are all here (locked or known not to exist). */
  covers(event: Event): boolean {
    const rows = rowsOfBatch([event]);
    const reservations = rows.settledOrderIds.flatMap((id) => this.reservations.get(id) ?? []);
    return (
      rows.orderIds.every((id) => this.signals.has(id)) &&
      productsOfBatch(rows, reservations).every((id) => this.lookedUp.has(id))
    );
  }

  setReservation(reservation: ReservationRow): void {
    this.reservations.set(reservation.orderId, reservation);
  }

  setReservationStatus(orderId: string, status: ReservationStatus): void {
    const reservation = this.reservations.get(orderId);
    if (reservation) this.reservations.set(orderId, { ...reservation, status });
  }

  setSignals(orderId: string, change: Partial<OrderSignals>): void {
    const signals = this.signals.get(orderId);
    if (signals) this.signals.set(orderId, { ...signals, ...change });
  }

  setProducts(rows: Iterable<ProductRow>): void {
    for (const row of rows) this.products.set(row.productId, row);
  }

  /** Adds rows read since: fresher than (or the same as) what is here. */
  merge(other: LockedRows): void {
    for (const [id, signals] of other.signals) this.signals.set(id, signals);
    for (const [id, reservation] of other.reservations) this.reservations.set(id, reservation);
    this.setProducts(other.products.values());
    for (const id of other.lookedUp) this.lookedUp.add(id);
  }

  noteLookedUp(productIds: Iterable<string>): void {
    for (const id of productIds) this.lookedUp.add(id);
  }
}

const byTransaction = new WeakMap<Queryable, LockedRows>();

/**
 * Locks every row the events' handlers need, in one canonical order: the catalogue lock first
 * (shared: no product is created meanwhile), the order rows next, the products last. The
 * reservations that say which products PaymentProcessed and OrderCancelled touch are read once
 * their orders are locked, so no other batch can change them before the handlers run. Remembers
 * what it read for `tx`.
 */
export async function lockRowsOf(events: readonly Event[], tx: Queryable): Promise<LockedRows> {
  const locked = new LockedRows();
  const rows = rowsOfBatch(events);
  if (rows.orderIds.length > 0) {
    await lockCatalogue(tx, 'shared');
    for (const { orderId, signals } of await lockOrders(tx, rows.orderIds)) locked.signals.set(orderId, signals);
    for (const reservation of await getReservations(tx, rows.orderIds)) locked.setReservation(reservation);
    const settled = rows.settledOrderIds.flatMap((id) => locked.reservations.get(id) ?? []);
    const productIds = productsOfBatch(rows, settled);
    if (productIds.length > 0) locked.setProducts((await lockProducts(tx, productIds)).values());
    locked.noteLookedUp(productIds);
  }
  const known = byTransaction.get(tx);
  if (known) known.merge(locked);
  else byTransaction.set(tx, locked);
  return known ?? locked;
}

/**
 * The locked rows for one event's handler: those its batch took, or, in a transaction no batch
 * prepared (or one whose batch did not name this event), taken now the same way.
 */
export async function lockedFor(tx: Queryable, event: Event): Promise<LockedRows> {
  const known = byTransaction.get(tx);
  if (known?.covers(event)) return known;
  return lockRowsOf([event], tx);
}
