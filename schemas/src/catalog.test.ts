import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG } from './catalog.js';
import { dataSchemaUri, eventSchema } from './load.js';

describe('event catalog', () => {
  it('has exactly one schema file per catalogued type, whose $id is the dataschema URI', () => {
    const files = readdirSync(new URL('../events/', import.meta.url)).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(EVENT_CATALOG).sort());
    for (const type of Object.keys(EVENT_CATALOG) as (keyof typeof EVENT_CATALOG)[]) {
      expect(eventSchema(type).$id).toBe(dataSchemaUri(type));
    }
  });

  it('routes every key and subject to a required payload field', () => {
    for (const [type, route] of Object.entries(EVENT_CATALOG)) {
      const required = eventSchema(type as keyof typeof EVENT_CATALOG).required as string[];
      expect(required, type).toContain(route.key);
      expect(required, type).toContain(route.subject);
    }
  });
});
