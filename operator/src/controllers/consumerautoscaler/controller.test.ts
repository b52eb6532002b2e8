import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { onNewGeneration } from './controller.js';

const cas = (generation: number, resourceVersion: string): KubernetesObject => ({
  metadata: { namespace: 'shop', name: 'inventory', generation, resourceVersion },
});

describe('onNewGeneration (which watch events reconcile a ConsumerAutoscaler)', () => {
  it('reconciles a new or edited spec, but not its own status writes (else every poll would poll again at once)', () => {
    const keysFor = onNewGeneration();
    expect(keysFor(cas(1, '10'), 'add')).toEqual(['shop/inventory']);
    expect(keysFor(cas(1, '11'), 'update')).toEqual([]); // a status write: same generation
    expect(keysFor(cas(1, '12'), 'update')).toEqual([]);
    expect(keysFor(cas(2, '13'), 'update')).toEqual(['shop/inventory']); // spec edited
    expect(keysFor(cas(2, '14'), 'update')).toEqual([]);
  });

  it('reconciles on resync and delete, and an update of an object it has not seen', () => {
    const keysFor = onNewGeneration();
    expect(keysFor(cas(3, '20'), 'update')).toEqual(['shop/inventory']);
    expect(keysFor(cas(3, '20'), 'resync')).toEqual(['shop/inventory']);
    expect(keysFor(cas(3, '20'), 'delete')).toEqual(['shop/inventory']);
    expect(keysFor(cas(3, '21'), 'update')).toEqual(['shop/inventory']); // recreated under the same name
  });
});
