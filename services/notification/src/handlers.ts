import type { Event, HandlerContext, Handlers } from '@ecom/kit';
import { notificationIdFor } from './domain/ids.js';
import { RecentIds } from './domain/recent.js';
import { CUSTOMER_FACING_TYPES, notificationFor } from './domain/templates.js';
import type { NotificationSender } from './senders.js';
import { claimNotification, markSent } from './store.js';

/** How many delivered source events one process remembers (see `delivered` below). */
const DELIVERED_MEMORY = 10_000;

/**
 * One notification per customer-facing event.
 *
 * Delivery design (the send is an external side effect, the rest is transactional): in the
 * handler's transaction the row is claimed (INSERT ... ON CONFLICT (source_event_id) DO NOTHING,
 * status PENDING), the sender is called, the row is marked SENT and NotificationSent is emitted
 * to the outbox; all of it commits with the inbox entry of the source event. So:
 * - the stored row, and the NotificationSent event, exist exactly once per source event: the inbox
 *   and the unique source_event_id both stop a redelivered or replayed event;
 * - a failing send (webhook non-2xx, timeout) throws, nothing commits, the kit retries the event
 *   and then dead-letters it: no row claims a notification that never went out;
 * - the send itself is at-least-once. Crash window: the process dies (or the commit fails) after
 *   the channel accepted the send and before the commit; the event is redelivered and sent again.
 *   The webhook carries `Idempotency-Key: <source ce_id>` so a receiver can drop that repeat.
 * - The kit redoes a whole batch record by record when one handler in it throws, which would
 *   resend the batch's earlier notifications; `delivered` remembers, per process, the source
 *   events whose send already succeeded, so a redone batch (or a retry after a failed commit)
 *   records and announces them without sending twice.
 */
export function notificationHandlers(sender: NotificationSender): Handlers {
  const delivered = new RecentIds(DELIVERED_MEMORY);

  const notify = async (event: Event, { tx, emit, log }: HandlerContext): Promise<void> => {
    const content = notificationFor(event);
    if (!content) return;
    const notification = {
      notificationId: notificationIdFor(event.id),
      ...content,
      channel: sender.channel,
      sourceEventId: event.id,
      sourceEventType: event.type,
    };
    if (!(await claimNotification(tx, notification))) {
      log.info({ notificationId: notification.notificationId }, 'source event already notified; nothing to do');
      return;
    }
    if (delivered.has(event.id)) {
      log.info({ notificationId: notification.notificationId }, 'already delivered by this process; not sent again');
    } else {
      await sender.send(notification);
      delivered.add(event.id);
    }
    await markSent(tx, notification.notificationId);
    emit('ecom.notification.sent.v1', {
      notificationId: notification.notificationId,
      customerId: content.customerId,
      orderId: content.orderId,
      channel: sender.channel,
      template: content.template,
      message: content.message,
      sourceEventId: event.id,
    });
    log.info(
      { notificationId: notification.notificationId, orderId: content.orderId, template: content.template },
      'notification sent',
    );
  };

  return Object.fromEntries(CUSTOMER_FACING_TYPES.map((type) => [type, notify])) as Handlers;
}
