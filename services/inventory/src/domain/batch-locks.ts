/**
 * Which rows a batch of consumer events will lock. The consumer's beforeBatch hook locks them all
 * before the batch's first handler runs, in one canonical order: the order rows (order_signals)
 * sorted by order id, then the products sorted by product id. Any two batches (two partitions of
 * ecom.orders, or ecom.orders beside ecom.payments) then take the rows they share in the same
 * order: one waits for the other, and neither can hold a row the other needs while it waits, so
 * they cannot deadlock. The handlers then take no lock of their own: they work on the rows the
 * batch holds (locked-rows.ts).
 *
 * Pure: events in, row keys out. The products of stored reservations come in as data: the caller
 * reads them once the order rows are locked, so they cannot change before the handlers run.
 */
import type { Event } from '@ecom/kit';
import type { EventPayloads, EventType } from '@ecom/schemas';
import type { Line } from './reservation.js';
import { type ReservationInput, type ReservationStatus, reservationStep } from './reservation-state.js';

/** The rows one event's handler locks. */
interface EventRows {
  orderId: string;
  /** Products the event names itself. */
  productIds: readonly string[];
  /** Whether it moves the stock of the order's stored reservation (commit or release). */
  settlesReservation: boolean;
}

/**
 * Every event type the inventory consumer handles, with the rows its handler locks. The handlers
 * are typed by these keys (see handlers.ts), so a new handler cannot exist without its entry here.
 */
const ROWS_OF = {
  // A payment outcome stored earlier is applied right after the reservation, on the same lines.
  'ecom.order.created.v1': (data) => ({
    orderId: data.orderId,
    productIds: data.items.map((item) => item.productId),
    settlesReservation: false,
  }),
  'ecom.payment.processed.v1': (data) => ({ orderId: data.orderId, productIds: [], settlesReservation: true }),
  'ecom.order.cancelled.v1': (data) => ({ orderId: data.orderId, productIds: [], settlesReservation: true }),
} satisfies { [T in EventType]?: (data: EventPayloads[T]) => EventRows };

export type HandledEventType = keyof typeof ROWS_OF;

export interface BatchRows {
  /** Every order the batch is about, once, sorted: locked first, their rows created if missing. */
  orderIds: string[];
  /** Orders whose stored reservation the batch may commit or release: its products are locked too. */
  settledOrderIds: string[];
  /** Products the batch's events name (OrderCreated lines), once, sorted. */
  productIds: string[];
}

function isHandled(type: EventType): type is HandledEventType {
  return Object.hasOwn(ROWS_OF, type);
}

function rowsOfEvent(event: Event): EventRows | undefined {
  if (!isHandled(event.type)) return undefined;
  // event.type and event.data are not correlated in the Event type; the codec validated the data
  // against the schema of event.type, which is what ROWS_OF[event.type] expects.
  return (ROWS_OF[event.type] as (data: unknown) => EventRows)(event.data);
}

/**
 * Once each, in a stable order. The order the rows are locked in is the database's: the lock
 * statements sort them themselves (ORDER BY), so it does not depend on JS and SQL agreeing.
 */
function sorted(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

export function rowsOfBatch(events: readonly Event[]): BatchRows {
  const orders = new Set<string>();
  const settled = new Set<string>();
  const products = new Set<string>();
  for (const event of events) {
    const rows = rowsOfEvent(event);
    if (!rows) continue;
    orders.add(rows.orderId);
    if (rows.settlesReservation) settled.add(rows.orderId);
    for (const productId of rows.productIds) products.add(productId);
  }
  return { orderIds: sorted(orders), settledOrderIds: sorted(settled), productIds: sorted(products) };
}

const INPUTS: readonly ReservationInput[] = [
  { kind: 'commit' },
  { kind: 'release', reason: 'PAYMENT_FAILED' },
  { kind: 'release', reason: 'ORDER_CANCELLED' },
];

/** Whether some input can still move the stock of a reservation in this status (HELD, COMMITTED). */
function canMoveStock(status: ReservationStatus): boolean {
  return INPUTS.some((input) => reservationStep(status, input).kind === 'apply');
}

/**
 * Every product the batch may lock, once, sorted: those its events name, and those of the stored
 * reservations (of `rows.settledOrderIds`) whose stock a commit or release can still move.
 */
export function productsOfBatch(
  rows: BatchRows,
  reservations: readonly { status: ReservationStatus; items: readonly Line[] }[],
): string[] {
  const moving = reservations.filter((r) => canMoveStock(r.status)).flatMap((r) => r.items.map((i) => i.productId));
  return sorted([...rows.productIds, ...moving]);
}
