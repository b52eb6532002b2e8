import type { Event, HandlerContext, Handlers } from '@ecom/kit';
import { FACT_EVENT_TYPES, factFor } from './domain/facts.js';
import { applyFact } from './store.js';

/** Every event analytics needs becomes a fact merged in the handler's transaction. */
export function analyticsHandlers(): Handlers {
  const record = async (event: Event, { tx, log }: HandlerContext): Promise<void> => {
    const fact = factFor(event);
    if (!fact) return;
    await applyFact(tx, fact);
    log.debug({ fact: fact.kind }, 'fact recorded');
  };
  return Object.fromEntries(FACT_EVENT_TYPES.map((type) => [type, record])) as Handlers;
}
