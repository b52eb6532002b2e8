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
 * Creates the order's row if needed and locks it; returns the cancellation reason if the order
 * was cancelled. Taken first by everything that creates a shipment or records a cancellation, so
 * a cancellation and a creation for the same order cannot both miss each other.
 */
export async function lockOrder(tx: Queryable, orderId: string): Promise<{ cancelledReason: string | null }> {
  await tx.query('INSERT INTO order_signals (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING', [orderId]);
  const { rows } = await tx.query<{ cancelled_reason: string | null }>(
    'SELECT cancelled_reason FROM order_signals WHERE order_id = $1 FOR UPDATE',
    [orderId],
  );
  return { cancelledReason: rows[0]?.cancelled_reason ?? null };
}

export async function recordCancellation(tx: Queryable, orderId: string, reason: string): Promise<void> {
  await tx.query(
    'UPDATE order_signals SET cancelled_reason = COALESCE(cancelled_reason, $2), cancelled_at = COALESCE(cancelled_at, now()) WHERE order_id = $1',
    [orderId, reason],
  );
}

export async function isOrderCancelled(db: Queryable, orderId: string): Promise<boolean> {
  const { rows } = await db.query<{ cancelled_reason: string | null }>(
    'SELECT cancelled_reason FROM order_signals WHERE order_id = $1',
    [orderId],
  );
  return Boolean(rows[0]?.cancelled_reason);
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
  const row = rows[0];
  if (!row) return undefined;
  await appendHistory(tx, row.shipment_id, 'CREATED', null);
  return toShipment(row);
}

export async function getShipment(db: Queryable, shipmentId: string, forUpdate = false): Promise<Shipment | undefined> {
  const { rows } = await db.query<RawShipment>(
    `SELECT ${COLUMNS} FROM shipments WHERE shipment_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [shipmentId],
  );
  return rows[0] ? toShipment(rows[0]) : undefined;
}

export async function getShipmentOfOrder(db: Queryable, orderId: string): Promise<Shipment | undefined> {
  const { rows } = await db.query<RawShipment>(`SELECT ${COLUMNS} FROM shipments WHERE order_id = $1`, [orderId]);
  return rows[0] ? toShipment(rows[0]) : undefined;
}

export async function listShipments(db: Queryable, options: { orderId?: string; limit: number }): Promise<Shipment[]> {
  const params: unknown[] = [options.limit];
  let where = '';
  if (options.orderId) {
    params.push(options.orderId);
    where = 'WHERE order_id = $2';
  }
  const { rows } = await db.query<RawShipment>(
    `SELECT ${COLUMNS} FROM shipments ${where} ORDER BY created_at DESC, shipment_id LIMIT $1`,
    params,
  );
  return rows.map(toShipment);
}

export async function updateStatus(
  tx: Queryable,
  shipmentId: string,
  status: ShipmentStatus,
  location: string,
): Promise<{ shipment: Shipment; at: Date }> {
  const { rows } = await tx.query<RawShipment>(
    `UPDATE shipments SET status = $2, location = $3, updated_at = now() WHERE shipment_id = $1 RETURNING ${COLUMNS}`,
    [shipmentId, status, location],
  );
  if (!rows[0]) throw new Error(`shipment ${shipmentId} vanished while locked`);
  const at = await appendHistory(tx, shipmentId, status, location);
  return { shipment: toShipment(rows[0]), at };
}

async function appendHistory(
  tx: Queryable,
  shipmentId: string,
  status: ShipmentStatus,
  location: string | null,
): Promise<Date> {
  const { rows } = await tx.query<{ at: Date | string }>(
    'INSERT INTO shipment_history (shipment_id, status, location) VALUES ($1, $2, $3) RETURNING at',
    [shipmentId, status, location],
  );
  return new Date(rows[0]?.at ?? Date.now());
}

export async function getHistory(db: Queryable, shipmentId: string): Promise<HistoryEntry[]> {
  const { rows } = await db.query<{ status: ShipmentStatus; location: string | null; at: Date | string }>(
    'SELECT status, location, at FROM shipment_history WHERE shipment_id = $1 ORDER BY id',
    [shipmentId],
  );
  return rows.map((r) => ({ status: r.status, location: r.location, at: new Date(r.at) }));
}
