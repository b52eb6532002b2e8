import type { Event, HandlerContext, Handlers } from '@ecom/kit';
import { notificationIdFor } from './domain/ids.js';
import { CUSTOMER_FACING_TYPES, notificationFor } from './domain/templates.js';
import { type NotificationSender, type OutgoingNotification, sentEvent } from './senders.js';
import { claimNotification } from './store.js';

/**
 * One notification per customer-facing event, claimed in the handler's transaction (unique
 * source_event_id): the inbox and the unique column both stop a redelivery or a replay, so the row
 * and its NotificationSent exist once per source event, and no send happens for a rolled-back
 * transaction. How it is sent depends on the channel:
 * - an external one (the webhook): the row is PENDING and its send scheduled; the kit sends it
 *   after commit, with retries, and marks it SENT with NotificationSent (effects.ts). A send
 *   repeated after a crash carries the same Idempotency-Key (the source ce_id), so the receiver
 *   shows the customer one message.
 * - a local one that cannot fail (the log): the row is stored SENT and NotificationSent emitted in
 *   this same transaction, and the send runs once it commits: one write, no effect row and no
 *   second transaction. (A crash between the commit and the log line loses that line, never the
 *   row or the event.)
 */
export function notificationHandlers(sender: NotificationSender): Handlers {
  const notify = async (event: Event, { tx, schedule, emit, onCommit, log }: HandlerContext): Promise<void> => {
    const content = notificationFor(event);
    if (!content) return;
    const notification = {
      notificationId: notificationIdFor(event.id),
      ...content,
      channel: sender.channel,
      sourceEventId: event.id,
      sourceEventType: event.type,
    };
    if (!(await claimNotification(tx, notification, sender.local ? 'SENT' : 'PENDING'))) {
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
    if (!sender.local) {
      await schedule('send', event.id, outgoing);
      return;
    }
    emit('ecom.notification.sent.v1', sentEvent(outgoing, sender.channel));
    // The local channel's send is its own log line: no second line saying it was sent.
    onCommit(() => {
      sender.send(outgoing).catch((error: unknown) => log.error({ err: error }, 'local notification send failed'));
    });
  };

  return Object.fromEntries(CUSTOMER_FACING_TYPES.map((type) => [type, notify])) as Handlers;
}
