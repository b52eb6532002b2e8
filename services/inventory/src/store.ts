// SQL of the inventory service. Every function runs on the Queryable it is given (a transaction
// for writes), so the caller decides the unit of work; locks last until that transaction ends.
import type { Queryable } from '@ecom/kit';
import type { Line, StockLevel } from './domain/reservation.js';
import type { ReleaseReason, ReservationStatus } from './domain/reservation-state.js';

export interface ProductRow extends StockLevel {
  productId: string;
  updatedAt: Date;
}

export interface ReservationRow {
  orderId: string;
  reservationId: string;
  status: ReservationStatus;
  items: Line[];
}

export interface OrderSignals {
  paymentStatus: 'COMPLETED' | 'FAILED' | null;
  cancelledReason: string | null;
}

interface RawProduct {
  product_id: string;
  // bigint arrives as a string from pg (and may be a bigint from PGlite): Number() takes both.
  on_hand: string | number | bigint;
  reserved: string | number | bigint;
  updated_at: Date | string;
}

const PRODUCT_COLUMNS = 'product_id, on_hand, reserved, updated_at';

function toProduct(row: RawProduct): ProductRow {
  return {
    productId: row.product_id,
    onHand: Number(row.on_hand),
    reserved: Number(row.reserved),
    updatedAt: new Date(row.updated_at),
  };
}

export async function getProduct(db: Queryable, productId: string): Promise<ProductRow | undefined> {
  const { rows } = await db.query<RawProduct>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE product_id = $1`, [
    productId,
  ]);
  return rows[0] ? toProduct(rows[0]) : undefined;
}

/**
 * Locks the named products, always in product_id order: two transactions locking overlapping
 * sets then take the locks in the same order and wait for each other instead of deadlocking.
 * A consumer batch locks all of its products in one such call (locked-rows.ts), and its handlers
 * work on those rows without locking again.
 */
export async function lockProducts(tx: Queryable, productIds: readonly string[]): Promise<Map<string, ProductRow>> {
  const { rows } = await tx.query<RawProduct>(
    `SELECT ${PRODUCT_COLUMNS} FROM products WHERE product_id = ANY($1::text[]) ORDER BY product_id FOR UPDATE`,
    [[...productIds]],
  );
  return new Map(rows.map((r) => [r.product_id, toProduct(r)]));
}

/**
 * Which products exist must not change while a consumer batch runs: the batch locks its products
 * before its handlers run, and a product created in between would be locked later, out of order,
 * by a handler that now sees it (two such batches could deadlock). So every batch holds this lock
 * shared, and creating a product takes it exclusively: a creation waits for the batches in flight,
 * and the batches that start meanwhile wait for the creation. Creating a product is rare (the first
 * ADD of a product id); adjusting an existing one does not take this lock.
 */
export async function lockCatalogue(tx: Queryable, mode: 'shared' | 'exclusive'): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.query(`SELECT ${fn}(hashtext(current_schema() || '.product-catalogue'))`);
}

/** Inserts an empty product if it does not exist; true when this call created it. Race-free. */
export async function ensureProduct(tx: Queryable, productId: string): Promise<boolean> {
  if (await getProduct(tx, productId)) return false;
  await lockCatalogue(tx, 'exclusive');
  const { rowCount } = await tx.query(
    'INSERT INTO products (product_id, on_hand, reserved) VALUES ($1, 0, 0) ON CONFLICT (product_id) DO NOTHING',
    [productId],
  );
  return rowCount === 1;
}

/**
 * Stores the new stock of products the caller has locked, in one statement; returns the stored
 * rows by product id. Each product once: which of two values for one product would win is
 * undefined in an UPDATE … FROM, so that is refused before it reaches the database.
 */
export async function saveStocks(
  tx: Queryable,
  levels: readonly { productId: string; level: StockLevel }[],
): Promise<Map<string, ProductRow>> {
  const ids = levels.map((l) => l.productId);
  if (new Set(ids).size !== ids.length) throw new Error(`saveStocks: a product given twice (${ids.join(', ')})`);
  if (levels.length === 0) return new Map();
  const { rows } = await tx.query<RawProduct>(
    `UPDATE products SET on_hand = v.new_on_hand, reserved = v.new_reserved, updated_at = now()
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(id, new_on_hand, new_reserved)
     WHERE product_id = v.id RETURNING ${PRODUCT_COLUMNS}`,
    [ids, levels.map((l) => l.level.onHand), levels.map((l) => l.level.reserved)],
  );
  const saved = new Map(rows.map((r) => [r.product_id, toProduct(r)]));
  const missing = ids.filter((id) => !saved.has(id));
  if (missing.length > 0) throw new Error(`products ${missing.join(', ')} vanished while locked`);
  return saved;
}

export async function listProducts(
  db: Queryable,
  options: { lowStockBelow?: number; limit: number },
): Promise<ProductRow[]> {
  const params: unknown[] = [options.limit];
  let where = '';
  if (options.lowStockBelow !== undefined) {
    params.push(options.lowStockBelow);
    where = 'WHERE on_hand - reserved < $2';
  }
  const { rows } = await db.query<RawProduct>(
    `SELECT ${PRODUCT_COLUMNS} FROM products ${where} ORDER BY updated_at DESC, product_id LIMIT $1`,
    params,
  );
  return rows.map(toProduct);
}

/**
 * Creates the orders' signals rows if needed and locks them, in order_id order, and returns what
 * they say: one statement. ON CONFLICT DO UPDATE locks an existing row (waiting for its holder)
 * and returns its latest committed values, even ones newer than the statement's snapshot; the rows
 * are inserted or locked one by one in the SELECT's order, so two transactions locking overlapping
 * sets take the rows they share in the same order. Every handler of an order takes this lock
 * first, so OrderCreated (ecom.orders) and PaymentProcessed (ecom.payments), consumed on different
 * partitions at the same time, see each other's writes instead of both missing them.
 */
export async function lockOrders(
  tx: Queryable,
  orderIds: readonly string[],
): Promise<{ orderId: string; signals: OrderSignals }[]> {
  const { rows } = await tx.query<{
    order_id: string;
    payment_status: OrderSignals['paymentStatus'];
    cancelled_reason: string | null;
  }>(
    `INSERT INTO order_signals (order_id) SELECT id FROM unnest($1::uuid[]) AS ids(id) ORDER BY id
     ON CONFLICT (order_id) DO UPDATE SET order_id = excluded.order_id
     RETURNING order_id, payment_status, cancelled_reason`,
    [[...new Set(orderIds)]],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    signals: { paymentStatus: r.payment_status, cancelledReason: r.cancelled_reason },
  }));
}

/**
 * Records the payment outcome and returns the one that counts: the first (one payment per order,
 * so a different second outcome is a contradiction that must not flip what was applied).
 */
export async function recordPayment(
  tx: Queryable,
  orderId: string,
  status: 'COMPLETED' | 'FAILED',
): Promise<'COMPLETED' | 'FAILED'> {
  const { rows } = await tx.query<{ payment_status: 'COMPLETED' | 'FAILED' }>(
    'UPDATE order_signals SET payment_status = COALESCE(payment_status, $2), updated_at = now() WHERE order_id = $1 RETURNING payment_status',
    [orderId, status],
  );
  return rows[0]?.payment_status ?? status;
}

/** Records the cancellation and returns the reason that counts: the first. */
export async function recordCancellation(tx: Queryable, orderId: string, reason: string): Promise<string> {
  const { rows } = await tx.query<{ cancelled_reason: string }>(
    'UPDATE order_signals SET cancelled_reason = COALESCE(cancelled_reason, $2), updated_at = now() WHERE order_id = $1 RETURNING cancelled_reason',
    [orderId, reason],
  );
  return rows[0]?.cancelled_reason ?? reason;
}

export async function getReservations(db: Queryable, orderIds: readonly string[]): Promise<ReservationRow[]> {
  const { rows } = await db.query<{
    order_id: string;
    reservation_id: string;
    status: ReservationStatus;
    items: Line[];
  }>('SELECT order_id, reservation_id, status, items FROM reservations WHERE order_id = ANY($1::uuid[])', [
    [...orderIds],
  ]);
  return rows.map((row) => ({
    orderId: row.order_id,
    reservationId: row.reservation_id,
    status: row.status,
    items: row.items,
  }));
}

export async function insertReservation(tx: Queryable, reservation: ReservationRow): Promise<void> {
  await tx.query('INSERT INTO reservations (order_id, reservation_id, status, items) VALUES ($1, $2, $3, $4::jsonb)', [
    reservation.orderId,
    reservation.reservationId,
    reservation.status,
    JSON.stringify(reservation.items),
  ]);
}

export async function setReservationStatus(
  tx: Queryable,
  orderId: string,
  status: ReservationStatus,
  releaseReason: ReleaseReason | null,
): Promise<void> {
  await tx.query(
    'UPDATE reservations SET status = $2, release_reason = COALESCE($3, release_reason), updated_at = now() WHERE order_id = $1',
    [orderId, status, releaseReason],
  );
}
