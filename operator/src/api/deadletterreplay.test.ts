import { describe, expect, it } from 'vitest';
import { REPLAY_DEFAULTS } from '../replay/config.js';
import { crdManifest } from './crd.js';
import { DEAD_LETTER_REPLAY_DEFAULTS, deadLetterReplayCrd } from './deadletterreplay.js';

// biome-ignore lint/suspicious/noExplicitAny: walks a parsed manifest whose shape the assertions check
type Json = Record<string, any>;
const manifest = crdManifest(deadLetterReplayCrd as never) as Json;
const version = manifest.spec.versions[0];
const root = version.schema.openAPIV3Schema;
const spec = root.properties.spec;

describe('DeadLetterReplay CRD', () => {
  it('names the resource: ecom.dev/v1alpha1 DeadLetterReplay, short name dlr, with a status subresource', () => {
    expect(manifest.metadata.name).toBe('deadletterreplays.ecom.dev');
    expect(manifest.spec.names).toMatchObject({
      kind: 'DeadLetterReplay',
      plural: 'deadletterreplays',
      shortNames: ['dlr'],
      categories: ['ecom'],
    });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has the contract’s field names', () => {
    expect(Object.keys(spec.properties)).toEqual([
      'source',
      'filter',
      'target',
      'ratePerSecond',
      'maxMessages',
      'dryRun',
    ]);
    expect(Object.keys(spec.properties.filter.properties)).toEqual([
      'originalTopic',
      'consumerGroup',
      'errorClass',
      'key',
      'since',
      'until',
    ]);
    expect(Object.keys(spec.properties.target.properties)).toEqual(['topic']);
    expect(Object.keys(root.properties.status.properties)).toEqual(
      expect.arrayContaining([
        'phase',
        'matched',
        'replayed',
        'skipped',
        'jobName',
        'startTime',
        'completionTime',
        'observedGeneration',
        'conditions',
      ]),
    );
    expect(root.properties.status.properties.phase.enum).toEqual(['Pending', 'Running', 'Succeeded', 'Failed']);
  });

  it('defaults as the replay CLI does, so the Job runs what kubectl shows', () => {
    expect(spec.properties.source.default).toEqual({});
    expect(spec.properties.source.properties.topic.default).toBe(REPLAY_DEFAULTS.source);
    expect(spec.properties.ratePerSecond).toMatchObject({ minimum: 1, default: REPLAY_DEFAULTS.ratePerSecond });
    expect(spec.properties.maxMessages).toMatchObject({ minimum: 1, default: REPLAY_DEFAULTS.maxMessages });
    expect(spec.properties.dryRun.default).toBe(false);
    expect(DEAD_LETTER_REPLAY_DEFAULTS).toMatchObject({
      sourceTopic: REPLAY_DEFAULTS.source,
      ratePerSecond: REPLAY_DEFAULTS.ratePerSecond,
      maxMessages: REPLAY_DEFAULTS.maxMessages,
    });
  });

  it('validates times, topic names, and refuses replaying the dead-letter topic into itself', () => {
    expect(spec.properties.filter.properties.since.format).toBe('date-time');
    expect(spec.properties.filter['x-kubernetes-validations'][0].message).toBe(
      'filter.since must be before filter.until',
    );
    expect(spec['x-kubernetes-validations'][0].message).toContain('target.topic must differ from source.topic');
    const target = new RegExp(spec.properties.target.properties.topic.pattern);
    expect(['', 'ecom.orders'].every((t) => target.test(t))).toBe(true);
    expect(target.test('a b')).toBe(false);
  });

  it('prints Phase, Matched, Replayed, Skipped, Dry-Run, Job (wide) and Age', () => {
    expect(version.additionalPrinterColumns.map((c: Json) => [c.name, c.priority ?? 0])).toEqual([
      ['Phase', 0],
      ['Matched', 0],
      ['Replayed', 0],
      ['Skipped', 0],
      ['Dry-Run', 0],
      ['Job', 1],
      ['Age', 0],
    ]);
  });
});
