// The services' own definitions, so tests derive consumer groups and topics instead of restating them.
import { SERVICES as services } from '../../local/scripts/services.js';

const definitions = services.map(({ name, consumer }) => ({ name, topics: consumer?.topics }));

/** Each service's database schema (its name unless its definition names another). */
export const DATABASE_SCHEMAS: string[] = services.map(({ name, schema }) => schema ?? name);

/** Consumer group (the service name, as the kit names it) → the topics it consumes. */
export const CONSUMER_GROUPS: Record<string, string[]> = Object.fromEntries(
  definitions.flatMap(({ name, topics }) => (topics ? [[name, topics]] : [])),
);

export function groupsConsuming(topic: string): string[] {
  return Object.keys(CONSUMER_GROUPS)
    .filter((group) => CONSUMER_GROUPS[group]?.includes(topic))
    .sort();
}

/**
 * Stands in for a service's deps when only the keys of its handler table are wanted: the handler
 * factories close over deps and read them when an event is handled, not when they are built.
 */
const inertDeps: unknown = new Proxy(() => {}, {
  get: (_target, key) => (key === Symbol.toPrimitive ? () => 0 : inertDeps),
  apply: () => inertDeps,
});

/** Consumer group → the event types its handlers take (the rest it skips unread by ce_type). */
export const HANDLED_TYPES: Record<string, string[]> = Object.fromEntries(
  services.flatMap(({ name, consumer }) => {
    if (!consumer) return [];
    const handlers = consumer.handlers(inertDeps as never);
    return [
      [name, 'handle' in handlers && Array.isArray(handlers.types) ? [...handlers.types] : Object.keys(handlers)],
    ];
  }),
);

/** The groups that handle events of `type` (and so dead-letter a poison record of it). */
export function groupsHandling(type: string): string[] {
  return Object.keys(HANDLED_TYPES)
    .filter((group) => HANDLED_TYPES[group]?.includes(type))
    .sort();
}
