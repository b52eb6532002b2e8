import type { Event, HandlerContext, Handlers } from '@ecom/kit';
import { groupOfSource } from './record.js';
import { closeAnswered } from './store.js';

type AnyHandler = (event: Event, ctx: HandlerContext) => Promise<void>;

/**
 * Events this service reads only to see their answers: inventory's StockReleased answers an
 * OrderCancelled (or a failed payment) the inventory group once dead-lettered.
 */
const ANSWERS_ONLY: Handlers = {
  'ecom.inventory.stock-released.v1': async () => {},
};

/**
 * The handlers, each also closing the dead letters its event shows were processed after all, in
 * the same transaction: the dead letter of the event it answers (ce_causationid) in the group of
 * the service that sent it (a replayed OrderCreated charged by payment at last sends a
 * PaymentProcessed caused by it), and the dead letter of the event itself in this service's group.
 */
export function closingAnsweredDeadLetters(handlers: Handlers, ownGroup: string): Handlers {
  const wrapped: Record<string, AnyHandler> = {};
  for (const [type, handler] of Object.entries({ ...ANSWERS_ONLY, ...handlers }) as [string, AnyHandler][]) {
    wrapped[type] = async (event, ctx) => {
      await handler(event, ctx);
      await closeAnswered(ctx.tx, event, groupOfSource(event.source), ownGroup);
    };
  }
  return wrapped as Handlers;
}
