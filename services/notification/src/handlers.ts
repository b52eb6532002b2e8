import type { BatchHandler, Event, HandlerContext, Handlers } from '@ecom/kit';
import { notificationIdFor } from './domain/ids.js';
import { CUSTOMER_FACING_TYPES, notificationFor } from './domain/templates.js';
import { type NotificationSender, type OutgoingNotification, sentEvent } from './senders.js';
import { claimNotifications, type NewNotification } from './store.js';

/** A notification about an order (every customer-facing event is about one). */
type OrderNotification = NewNotification & { orderId: string };

/** The notification a customer-facing event calls for, or undefined when it calls for none. */
function notificationOf(event: Event, sender: NotificationSender): OrderNotification | undefined {
  const content = notificationFor(event);
  if (!content) return undefined;
  return {
    notificationId: notificationIdFor(event.id),
    ...content,
    channel: sender.channel,
    sourceEventId: event.id,
    sourceEventType: event.type,
  };
}

/** What goes out, and what NotificationSent says: the notification without its channel. */
function outgoingOf({ channel: _, ...outgoing }: OrderNotification): OutgoingNotification {
  return outgoing;
}

/**
 * One notification per customer-facing event, claimed in the handler's transaction (unique
 * source_event_id): the inbox and the unique column both stop a redelivery or a replay, so the row
 * and its NotificationSent exist once per source event, and no send happens for a rolled-back
 * transaction. How it is sent depends on the channel:
 * - a local one that cannot fail (the log): a slice's rows are stored SENT with one statement and
 *   their NotificationSent emitted in the same transaction; the sends run once it commits (one
 *   write, no effect rows, no second transaction; a crash between the commit and the log lines
 *   loses those lines, never the rows or the events). Notifications are independent of each other,
 *   so the slice is handled as one batch.
 * - an external one (the webhook): the row is PENDING and its send scheduled; the kit sends it
 *   after commit, with retries, and marks it SENT with NotificationSent (effects.ts). A send
 *   repeated after a crash carries the same Idempotency-Key (the source ce_id), so the receiver
 *   shows the customer one message.
 */
export function notificationHandlers(sender: NotificationSender): Handlers | BatchHandler {
  return sender.local ? sentInTheSameTransaction(sender) : scheduledSends(sender);
}

function sentInTheSameTransaction(sender: NotificationSender): BatchHandler {
  return {
    types: CUSTOMER_FACING_TYPES,
    async handle(events, { tx, emit, causeOf, onCommit, log }) {
      const due = events.flatMap((event) => {
        const notification = notificationOf(event, sender);
        return notification ? [{ event, notification }] : [];
      });
      const claimed = await claimNotifications(
        tx,
        due.map((d) => d.notification),
        'SENT',
      );
      const sent = due
        .filter((d) => claimed.has(d.event.id))
        .map((d) => ({ ...d, outgoing: outgoingOf(d.notification) }));
      for (const { event, outgoing } of sent) {
        emit('ecom.notification.sent.v1', sentEvent(outgoing, sender.channel), causeOf(event));
      }
      onCommit(() => {
        for (const { outgoing } of sent) {
          sender.send(outgoing).catch((error: unknown) => log.error({ err: error }, 'local notification send failed'));
        }
      });
      if (sent.length < due.length) {
        log.info({ already: due.length - sent.length }, 'source events already notified; nothing to do for them');
      }
    },
  };
}

function scheduledSends(sender: NotificationSender): Handlers {
  const notify = async (event: Event, { tx, schedule, log }: HandlerContext): Promise<void> => {
    const notification = notificationOf(event, sender);
    if (!notification) return;
    if ((await claimNotifications(tx, [notification], 'PENDING')).size === 0) {
      log.info({ notificationId: notification.notificationId }, 'source event already notified; nothing to do');
      return;
    }
    await schedule('send', event.id, outgoingOf(notification));
  };
  return Object.fromEntries(CUSTOMER_FACING_TYPES.map((type) => [type, notify])) as Handlers;
}
