import { readFile } from 'node:fs/promises';
import { EVENT_TOPIC_DEFAULTS } from '@ecom/kit/topics';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { crdManifest } from './crd.js';
import { eventTopicCrd } from './eventtopic.js';
import { CRDS } from './index.js';
import { crdFileName, renderCrd } from './render.js';
import { integer, object, string } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: walks a parsed manifest whose shape the assertions check
type Json = Record<string, any>;
const manifest = crdManifest(eventTopicCrd as never) as Json;
const version = manifest.spec.versions[0];
const spec = version.schema.openAPIV3Schema.properties.spec;

describe('EventTopic CRD', () => {
  it('names the resource: ecom.dev/v1alpha1 EventTopic, short name et, category ecom, namespaced', () => {
    expect(manifest.metadata.name).toBe('eventtopics.ecom.dev');
    expect(manifest.spec.names).toMatchObject({
      kind: 'EventTopic',
      plural: 'eventtopics',
      shortNames: ['et'],
      categories: ['ecom'],
    });
    expect(manifest.spec.scope).toBe('Namespaced');
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('validates the spec as the contract says, with defaults from EVENT_TOPIC_DEFAULTS', () => {
    expect(spec.required).toEqual(['partitions']);
    expect(spec.properties.partitions).toMatchObject({ type: 'integer', minimum: 1, maximum: 10000 });
    expect(spec.properties.replicationFactor).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 32,
      default: EVENT_TOPIC_DEFAULTS.replicationFactor,
    });
    expect(spec.properties.config).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(spec.properties.deletionPolicy).toMatchObject({ enum: ['Delete', 'Retain'], default: 'Retain' });
    const pattern = new RegExp(spec.properties.topicName.pattern);
    expect(['ecom.orders', 'A_b-1'].every((n) => pattern.test(n))).toBe(true);
    expect(['bad name', 'a/b', ''].some((n) => pattern.test(n))).toBe(false);
  });

  it('prints Topic, Partitions, Replicas, Ready and Age columns', () => {
    expect(version.additionalPrinterColumns.map((c: Json) => c.name)).toEqual([
      'Topic',
      'Partitions',
      'Replicas',
      'Ready',
      'Age',
    ]);
  });

  it('describes every field (kubectl explain)', () => {
    const walk = (node: Json, path: string): string[] => [
      ...(node.description || path.endsWith('.metadata') ? [] : [path]),
      ...Object.entries(node.properties ?? {}).flatMap(([k, v]) => walk(v as Json, `${path}.${k}`)),
    ];
    expect(walk(version.schema.openAPIV3Schema, '')).toEqual([]);
  });

  it('the committed k8s/crds files are what the generator writes (else run npm run generate:crds -w @ecom/operator)', async () => {
    for (const crd of CRDS) {
      const committed = await readFile(new URL(`../../../k8s/crds/${crdFileName(crd)}`, import.meta.url), 'utf8');
      expect(committed).toBe(renderCrd(crd));
      expect(parse(committed)).toEqual(crdManifest(crd));
    }
  });
});

describe('crdManifest', () => {
  it('refuses a schema with an undescribed field', () => {
    const bad = { ...eventTopicCrd, spec: object({ x: integer({ description: '' }) }, { description: 'spec' }) };
    expect(() => crdManifest(bad as never)).toThrow(/without a description: .spec.x/);
  });

  it('carries required keys and the TS type of an object schema', () => {
    const s = object(
      { a: string({ description: 'a' }), b: integer({ description: 'b' }) },
      { description: 'o', required: ['a'] },
    );
    const typed: { a: string; b?: number } = { a: 'x' };
    expect(typed.a).toBe('x');
    expect(s.json).toMatchObject({ type: 'object', required: ['a'] });
  });
});
