import type { Queryable } from '@ecom/kit';
import type { NotificationSent } from '@ecom/schemas';

export interface Notification {
  notificationId: string;
  customerId: string;
  orderId: string | null;
  channel: NotificationSent['channel'];
  template: string;
  message: string;
  sourceEventId: string;
  sourceEventType: string;
  status: 'PENDING' | 'SENT';
  createdAt: string;
  sentAt: string | null;
}

export type NewNotification = Omit<Notification, 'status' | 'createdAt' | 'sentAt'>;

interface Row {
  notification_id: string;
  customer_id: string;
  order_id: string | null;
  channel: NotificationSent['channel'];
  template: string;
  message: string;
  source_event_id: string;
  source_event_type: string;
  status: 'PENDING' | 'SENT';
  created_at: Date | string;
  sent_at: Date | string | null;
}

// Named, not *: a prepared statement keeps the columns it was prepared with.
const COLUMNS = `notification_id, customer_id, order_id, channel, template, message, source_event_id, source_event_type,
  status, created_at, sent_at`;

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

function fromRow(r: Row): Notification {
  return {
    notificationId: r.notification_id,
    customerId: r.customer_id,
    orderId: r.order_id,
    channel: r.channel,
    template: r.template,
    message: r.message,
    sourceEventId: r.source_event_id,
    sourceEventType: r.source_event_type,
    status: r.status,
    createdAt: iso(r.created_at),
    sentAt: r.sent_at === null ? null : iso(r.sent_at),
  };
}

/**
 * Claims source events: inserts one row per notification, PENDING (an external send, still to
 * come) or SENT (a local channel's: announced in this transaction, sent once it commits), in one
 * statement, and returns the source event ids it inserted; one that already has a row is left out.
 * A concurrent claim of the same event waits on the unique index until the first transaction
 * ends, so at most one transaction ever goes on to send; rows go in source_event_id order, so two
 * claims of overlapping events wait in one direction only.
 */
export async function claimNotifications(
  tx: Queryable,
  notifications: readonly NewNotification[],
  status: Notification['status'],
): Promise<Set<string>> {
  if (notifications.length === 0) return new Set();
  const column = <K extends keyof NewNotification>(key: K) => notifications.map((n) => n[key]);
  const { rows } = await tx.query<{ source_event_id: string }>(
    `INSERT INTO notifications
       (notification_id, source_event_id, source_event_type, customer_id, order_id, channel, template, message, status,
        sent_at)
     SELECT n.*, $9::text, CASE WHEN $9::text = 'SENT' THEN clock_timestamp() END
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[])
       AS n (notification_id, source_event_id, source_event_type, customer_id, order_id, channel, template, message)
     ORDER BY n.source_event_id
     ON CONFLICT (source_event_id) DO NOTHING
     RETURNING source_event_id`,
    [
      column('notificationId'),
      column('sourceEventId'),
      column('sourceEventType'),
      column('customerId'),
      column('orderId'),
      column('channel'),
      column('template'),
      column('message'),
      status,
    ],
  );
  return new Set(rows.map((r) => r.source_event_id));
}

export async function markSent(tx: Queryable, notificationId: string): Promise<void> {
  await tx.query(`UPDATE notifications SET status = 'SENT', sent_at = clock_timestamp() WHERE notification_id = $1`, [
    notificationId,
  ]);
}

export interface ListFilter {
  customerId: string;
  orderId?: string;
  limit: number;
}

/** A customer's notifications, newest first (ties broken by id so pages are stable). */
export async function listNotifications(db: Queryable, filter: ListFilter): Promise<Notification[]> {
  const params: unknown[] = [filter.customerId];
  let where = 'customer_id = $1';
  if (filter.orderId) {
    params.push(filter.orderId);
    where += ` AND order_id = $${params.length}`;
  }
  params.push(filter.limit);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM notifications WHERE ${where} ORDER BY created_at DESC, notification_id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}
