import { readFileSync } from 'node:fs';
import type { EventType } from './catalog.js';
import { EVENT_CATALOG } from './catalog.js';

/** The events/ folder sits beside src/ and dist/, so the same URL works from sources and from the build. */
const eventsDir = new URL('../events/', import.meta.url);

/** The JSON Schema of an event payload, as shipped in schemas/events/<type>.json. */
export function eventSchema(type: EventType): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${type}.json`, eventsDir), 'utf8'));
}

/** `ce_dataschema` of an event type: the `$id` of its schema. */
export function dataSchemaUri(type: EventType): string {
  return `https://ecom.dev/schemas/events/${type}.json`;
}

export function allEventTypes(): EventType[] {
  return Object.keys(EVENT_CATALOG) as EventType[];
}
