// Sending through an external channel (the webhook) is the notification service's side effect:
// the kit performs it after the handler's transaction committed, outside it, and records the
// outcome in a transaction of its own (services/kit/src/effects). The effect key is the source
// event's ce_id, which the webhook carries as its Idempotency-Key: a send repeated after a crash
// or a lost lease is recognisable.
import type { EffectHandler, EffectHandlers } from '@ecom/kit';
import { type NotificationSender, type OutgoingNotification, sentEvent } from './senders.js';
import { markSent } from './store.js';

export function notificationEffects(sender: NotificationSender): EffectHandlers {
  const send: EffectHandler<OutgoingNotification, void> = {
    perform: (notification) => sender.send(notification),
    // A notification must go out: a failing channel is retried with capped backoff until it
    // accepts; a backlog shows in effects_backlog and effects_oldest_age_seconds.
    retry: () => true,
    async record(outcome, { tx, payload, emit, log }) {
      if (!outcome.ok) throw outcome.error;
      await markSent(tx, payload.notificationId);
      emit('ecom.notification.sent.v1', sentEvent(payload, sender.channel));
      log.debug(
        { notificationId: payload.notificationId, orderId: payload.orderId, template: payload.template },
        'notification sent',
      );
    },
  };
  return { send };
}
