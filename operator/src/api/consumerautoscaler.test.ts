import { describe, expect, it } from 'vitest';
import { CONSUMER_AUTOSCALER_DEFAULTS, consumerAutoscalerCrd } from './consumerautoscaler.js';
import { crdManifest } from './crd.js';

// biome-ignore lint/suspicious/noExplicitAny: walks a generated manifest whose shape the assertions check
type Json = Record<string, any>;
const manifest = crdManifest(consumerAutoscalerCrd as never) as Json;
const version = manifest.spec.versions[0];
const spec = version.schema.openAPIV3Schema.properties.spec;

describe('ConsumerAutoscaler CRD', () => {
  it('is ecom.dev/v1alpha1 ConsumerAutoscaler, short name cas, with a status subresource', () => {
    expect(manifest.metadata.name).toBe('consumerautoscalers.ecom.dev');
    expect(manifest.spec.names).toMatchObject({
      kind: 'ConsumerAutoscaler',
      shortNames: ['cas'],
      categories: ['ecom'],
    });
    expect(version).toMatchObject({ name: 'v1alpha1', subresources: { status: {} } });
  });

  it('prints target, lag, current, desired, ready and age (more with -o wide)', () => {
    const columns = version.additionalPrinterColumns as Json[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Target',
      'Lag',
      'Current',
      'Desired',
      'Ready',
      'Age',
    ]);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
      'Group',
      'TimeLag',
      'Min',
      'Max',
      'Active',
    ]);
  });

  it('validates and defaults the spec from CONSUMER_AUTOSCALER_DEFAULTS', () => {
    const p = spec.properties;
    expect(spec.required).toEqual(['scaleTargetRef', 'consumerGroup']);
    expect(p.lagThreshold).toMatchObject({ minimum: 1, default: CONSUMER_AUTOSCALER_DEFAULTS.lagThreshold });
    expect(p.minReplicas).toMatchObject({ minimum: 0, default: 1 });
    expect(p.maxReplicas).toMatchObject({ minimum: 1, default: 100 });
    expect(p.offsetResetPolicy).toMatchObject({ enum: ['earliest', 'latest'], default: 'earliest' });
    // Objects default to {} so the API server fills in their windows when they are left out.
    expect(p.scaleDown).toMatchObject({
      default: {},
      properties: { stabilizationWindowSeconds: { default: 300, maximum: 3600 } },
    });
    expect(p.scaleUp).toMatchObject({ default: {}, properties: { stabilizationWindowSeconds: { default: 0 } } });
    expect(p.scaleTargetRef.properties.apiVersion.default).toBe('apps/v1');
    expect(p.topics).toMatchObject({ type: 'array', 'x-kubernetes-list-type': 'set' });
    expect(spec['x-kubernetes-validations'][0].message).toBe(
      'spec.minReplicas cannot be greater than spec.maxReplicas',
    );
  });

  it('carries the status fields of the contract', () => {
    expect(Object.keys(version.schema.openAPIV3Schema.properties.status.properties)).toEqual(
      expect.arrayContaining([
        'totalLag',
        'timeLagSeconds',
        'partitions',
        'partitionsWithoutOffset',
        'currentReplicas',
        'desiredReplicas',
        'lastScaleTime',
        'lastDecision',
        'observedGeneration',
        'conditions',
      ]),
    );
  });
});
