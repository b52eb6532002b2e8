// SQL of the shipping service. Every function runs on the Queryable it is given (a transaction
// for writes); row locks last until that transaction ends.
import type { Queryable } from '@ecom/kit';
import type { ShipmentStatus } from './domain/status.js';

export interface Shipment {
  shipmentId: string;
  orderId: string;
  customerId: string;
  carrier: string;
  trackingNumber: string;
  status: ShipmentStatus;
  location: string | null;
  /** YYYY-MM-DD */
  estimatedDelivery: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface HistoryEntry {
  status: ShipmentStatus;
  location: string | null;
  at: Date;
}

interface RawShipment {
  shipment_id: string;
  order_id: string;
  customer_id: string;
  carrier: string;
  tracking_number: string;
  status: ShipmentStatus;
  location: string | null;
  estimated_delivery: string;
  created_at: Date | string;
  updated_at: Date | string;
}

// The date goes out as text: pg would turn a `date` into a JS Date at local midnight, and the
// API and events want the calendar date itself.
const COLUMNS =
  'shipment_id, order_id, customer_id, carrier, tracking_number, status, location, estimated_delivery::text AS estimated_delivery, created_at, updated_at';

function toShipment(r: RawShipment): Shipment {
  return {
    shipmentId: r.shipment_id,
    orderId: r.order_id,
    customerId: r.customer_id,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    status: r.status,
    location: r.location,
    estimatedDelivery: r.estimated_delivery,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * Creates the order's row if needed and locks it; returns the cancellation reason if the order was
 * cancelled. Taken first by everything that creates a shipment, so a cancellation and a creation
 * for the same order cannot both miss each other. Two statements, not one upsert: ON CONFLICT DO
 * UPDATE would write a new row version on every call, so a request refused afterwards (a second
 * shipment for the order: 409) would still have written.
 */
export async function lockOrder(tx: Queryable, orderId: string): Promise<{ cancelledReason: string | null }> {
  await tx.query('INSERT INTO order_signals (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING', [orderId]);
  const { rows } = await tx.query<{ cancelled_reason: string | null }>(
    'SELECT cancelled_reason FROM order_signals WHERE order_id = $1 FOR UPDATE',
    [orderId],
  );
  return { cancelledReason: rows[0]?.cancelled_reason ?? null };
}

/**
 * Records the order's cancellation (the first reason counts), creating and locking its row in the
 * same statement, so a shipment creation that comes later sees it, and one in progress finishes
 * first (the statement waits for its lock).
 */
export async function recordCancellation(tx: Queryable, orderId: string, reason: string): Promise<void> {
  await tx.query(
    `INSERT INTO order_signals (order_id, cancelled_reason, cancelled_at) VALUES ($1, $2, now())
     ON CONFLICT (order_id) DO UPDATE SET
       cancelled_reason = COALESCE(order_signals.cancelled_reason, excluded.cancelled_reason),
       cancelled_at = COALESCE(order_signals.cancelled_at, excluded.cancelled_at)`,
    [orderId, reason],
  );
}

/** Inserts the shipment unless the order has one; undefined when it already had one. */
export async function insertShipment(
  tx: Queryable,
  s: Omit<Shipment, 'status' | 'location' | 'createdAt' | 'updatedAt'>,
): Promise<Shipment | undefined> {
  const { rows } = await tx.query<RawShipment>(
    `INSERT INTO shipments (shipment_id, order_id, customer_id, carrier, tracking_number, status, estimated_delivery)
     VALUES ($1, $2, $3, $4, $5, 'CREATED', $6::date)
     ON CONFLICT (order_id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [s.shipmentId, s.orderId, s.customerId, s.carrier, s.trackingNumber, s.estimatedDelivery],
  );
  // No history row for CREATED: the shipment's created_at is that entry (getHistory).
  return rows[0] ? toShipment(rows[0]) : undefined;
}

export async function getShipment(db: Queryable, shipmentId: string): Promise<Shipment | undefined> {
  const { rows } = await db.query<RawShipment>(`SELECT ${COLUMNS} FROM shipments WHERE shipment_id = $1`, [shipmentId]);
  return rows[0] ? toShipment(rows[0]) : undefined;
}

/**
 * The shipment, locked for the rest of the transaction, and whether its order was cancelled, in
 * one statement. The cancellation is read as of the statement's start, as a separate read after
 * the lock would (a cancellation does not take the shipment's lock, so none is ordered after it).
 */
export async function lockShipment(
  tx: Queryable,
  shipmentId: string,
): Promise<{ shipment: Shipment; orderCancelled: boolean } | undefined> {
  const { rows } = await tx.query<RawShipment & { cancelled_reason: string | null }>(
    `SELECT ${COLUMNS},
       (SELECT cancelled_reason FROM order_signals o WHERE o.order_id = shipments.order_id) AS cancelled_reason
     FROM shipments WHERE shipment_id = $1 FOR UPDATE`,
    [shipmentId],
  );
  const row = rows[0];
  return row ? { shipment: toShipment(row), orderCancelled: Boolean(row.cancelled_reason) } : undefined;
}

export async function getShipmentOfOrder(db: Queryable, orderId: string): Promise<Shipment | undefined> {
  const { rows } = await db.query<RawShipment>(`SELECT ${COLUMNS} FROM shipments WHERE order_id = $1`, [orderId]);
  return rows[0] ? toShipment(rows[0]) : undefined;
}

export async function listShipments(
  db: Queryable,
  options: { orderId?: string; customerId?: string; limit: number },
): Promise<Shipment[]> {
  const params: unknown[] = [options.limit];
  const where: string[] = [];
  if (options.orderId) {
    params.push(options.orderId);
    where.push(`order_id = $${params.length}`);
  }
  if (options.customerId !== undefined) {
    params.push(options.customerId);
    where.push(`customer_id = $${params.length}`);
  }
  const { rows } = await db.query<RawShipment>(
    `SELECT ${COLUMNS} FROM shipments ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, shipment_id LIMIT $1`,
    params,
  );
  return rows.map(toShipment);
}

/** Moves a shipment the caller has locked and appends the move to its history, in one statement. */
export async function updateStatus(
  tx: Queryable,
  shipmentId: string,
  status: ShipmentStatus,
  location: string,
): Promise<{ shipment: Shipment; at: Date }> {
  const { rows } = await tx.query<RawShipment & { history_at: Date | string }>(
    `WITH moved AS (
       UPDATE shipments SET status = $2, location = $3, updated_at = now() WHERE shipment_id = $1 RETURNING ${COLUMNS}
     ), entry AS (
       INSERT INTO shipment_history (shipment_id, status, location) SELECT shipment_id, status, location FROM moved
       RETURNING at
     )
     SELECT moved.*, entry.at AS history_at FROM moved, entry`,
    [shipmentId, status, location],
  );
  const row = rows[0];
  if (!row) throw new Error(`shipment ${shipmentId} vanished while locked`);
  return { shipment: toShipment(row), at: new Date(row.history_at) };
}

/**
 * The statuses the shipment went through, oldest first. The first, CREATED, is the shipment's own
 * created_at: no history row is written for it (rows an earlier version wrote for it are skipped).
 */
export async function getHistory(db: Queryable, shipmentId: string): Promise<HistoryEntry[]> {
  const { rows } = await db.query<{ status: ShipmentStatus; location: string | null; at: Date | string }>(
    `SELECT status, location, at FROM (
       SELECT 'CREATED' AS status, NULL::text AS location, created_at AS at, 0::bigint AS id
       FROM shipments WHERE shipment_id = $1
       UNION ALL
       SELECT status, location, at, id FROM shipment_history WHERE shipment_id = $1 AND status <> 'CREATED'
     ) AS entries ORDER BY id`,
    [shipmentId],
  );
  return rows.map((r) => ({ status: r.status, location: r.location, at: new Date(r.at) }));
}
