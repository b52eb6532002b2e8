import { describe, expect, it } from 'vitest';
import { ownerKeyOf } from './monitor-watch.js';
import {
  parseWorkloadKey,
  workloadFromDeployment,
  workloadFromService,
  workloadKey,
  workloadKindOf,
} from './workload.js';

describe('work queue keys', () => {
  it.each(['Deployment', 'StatefulSet', 'Service'] as const)('round-trips a %s', (kind) => {
    const ref = { kind, namespace: 'shop', name: 'order' };
    expect(parseWorkloadKey(workloadKey(ref))).toEqual(ref);
  });

  it('refuses a key that is not one', () => {
    expect(() => parseWorkloadKey('shop/order')).toThrow('not a scrape work queue key');
  });

  it.each([
    ['apps/v1', 'Deployment', 'Deployment'],
    ['apps/v1', 'StatefulSet', 'StatefulSet'],
    ['v1', 'Service', 'Service'],
    ['apps/v1', 'DaemonSet', undefined],
    ['extensions/v1beta1', 'Deployment', undefined],
  ])('owner %s %s -> %s', (apiVersion, kind, expected) => {
    expect(workloadKindOf(apiVersion, kind)).toBe(expected);
  });

  it("maps one of our monitors to its owner's key, and anything else to none", () => {
    const owned = {
      metadata: {
        namespace: 'shop',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }],
      },
    };
    expect(ownerKeyOf(owned)).toBe('statefulset/shop/db');
    expect(ownerKeyOf({ metadata: { namespace: 'shop' } })).toBeUndefined();
  });
});

describe('workloads from API objects', () => {
  it('a Deployment: its selector and every container port', () => {
    const w = workloadFromDeployment(
      {
        metadata: { name: 'order', namespace: 'shop', uid: 'u', labels: { a: 'b' } },
        spec: {
          selector: { matchLabels: { app: 'order' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          template: {
            spec: {
              containers: [
                { name: 'app', ports: [{ name: 'http', containerPort: 3001 }] },
                { name: 'sidecar', ports: [{ containerPort: 9464 }] },
              ],
            },
          },
        },
      },
      'Deployment',
    );
    expect(w.selector).toEqual({
      matchLabels: { app: 'order' },
      matchExpressions: [{ key: 'tier', operator: 'Exists' }],
    });
    expect(w.ports).toEqual([{ name: 'http', number: 3001 }, { number: 9464 }]);
  });

  it('a Service: its ports by port number', () => {
    const w = workloadFromService({
      metadata: { name: 'order' },
      spec: { ports: [{ name: 'web', port: 80, targetPort: 3001 }] },
    });
    expect(w.ports).toEqual([{ name: 'web', number: 80 }]);
  });
});
