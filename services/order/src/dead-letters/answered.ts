import type { AfterBatch, Handlers } from '@ecom/kit';
import { groupOfSource } from './record.js';
import { closeAnswered } from './store.js';

/**
 * Events this service reads only to see their answers: inventory's StockReleased answers an
 * OrderCancelled (or a failed payment) the inventory group once dead-lettered.
 */
const ANSWERS_ONLY: Handlers = {
  'ecom.inventory.stock-released.v1': async () => {},
};

/** The handlers, plus a do-nothing one for each event the service consumes only for its answers. */
export function withAnswersOnly(handlers: Handlers): Handlers {
  return { ...ANSWERS_ONLY, ...handlers };
}

/**
 * After a slice's handlers, in their transaction: closes the dead letters its events show were
 * processed after all, with one statement for the slice. For each event, the dead letter of the
 * event it answers (ce_causationid) in the group of the service that sent it (a replayed
 * OrderCreated charged by payment at last sends a PaymentProcessed caused by it), and the dead
 * letter of the event itself in this service's group, `ownGroup`.
 */
export function closingAnsweredDeadLetters(ownGroup: string): AfterBatch {
  return async (events, tx) => {
    const answers = events.flatMap((event) => {
      const own = { ceId: event.id, group: ownGroup };
      const answeredBy = groupOfSource(event.source);
      return event.causationId && answeredBy ? [own, { ceId: event.causationId, group: answeredBy }] : [own];
    });
    await closeAnswered(tx, answers);
  };
}
