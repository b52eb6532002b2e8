import type { BatchHandler } from '@ecom/kit';
import { FACT_EVENT_TYPES, type Fact, factFor } from './domain/facts.js';
import { applyFacts } from './store.js';

/**
 * Every event analytics needs becomes a fact; a slice's facts are merged with one statement per
 * table (analytics reads every topic, at the platform's highest event rate).
 */
export function analyticsHandlers(): BatchHandler {
  return {
    types: FACT_EVENT_TYPES,
    async handle(events, { tx, log }) {
      const facts = events.map(factFor).filter((f): f is Fact => f !== undefined);
      await applyFacts(tx, facts);
      log.debug({ events: events.length, facts: facts.length }, 'facts recorded');
    },
  };
}
