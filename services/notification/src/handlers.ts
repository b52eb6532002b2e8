import type { Event, HandlerContext, Handlers } from '@ecom/kit';
import { notificationIdFor } from './domain/ids.js';
import { CUSTOMER_FACING_TYPES, notificationFor } from './domain/templates.js';
import type { NotificationSender, OutgoingNotification } from './senders.js';
import { claimNotification } from './store.js';

/**
 * One notification per customer-facing event. In the handler's transaction the row is claimed
 * (unique source_event_id, status PENDING) and its send scheduled; the kit sends it after commit
 * and marks it SENT with NotificationSent (effects.ts). So the row and the event exist once per
 * source event (the inbox and the unique column both stop a redelivery or a replay), no send
 * happens for a rolled-back transaction, and a send repeated after a crash carries the same
 * Idempotency-Key (the source ce_id), so the receiver shows the customer one message.
 */
export function notificationHandlers(channel: NotificationSender['channel']): Handlers {
  const notify = async (event: Event, { tx, schedule, log }: HandlerContext): Promise<void> => {
    const content = notificationFor(event);
    if (!content) return;
    const notification = {
      notificationId: notificationIdFor(event.id),
      ...content,
      channel,
      sourceEventId: event.id,
      sourceEventType: event.type,
    };
    if (!(await claimNotification(tx, notification))) {
      log.info({ notificationId: notification.notificationId }, 'source event already notified; nothing to do');
      return;
    }
    const outgoing: OutgoingNotification = {
      notificationId: notification.notificationId,
      customerId: content.customerId,
      orderId: content.orderId,
      template: content.template,
      message: content.message,
      sourceEventId: event.id,
      sourceEventType: event.type,
    };
    await schedule('send', event.id, outgoing);
  };

  return Object.fromEntries(CUSTOMER_FACING_TYPES.map((type) => [type, notify])) as Handlers;
}
