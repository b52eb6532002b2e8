import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTopicSpecs } from './load.js';

describe('loadTopicSpecs', () => {
  it('reads the six topics of k8s/topics with the partitions and retention of the contract', async () => {
    const specs = await loadTopicSpecs(fileURLToPath(new URL('../../../../k8s/topics', import.meta.url)));
    const byName = Object.fromEntries(specs.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual([
      'ecom.dlq',
      'ecom.inventory',
      'ecom.notifications',
      'ecom.orders',
      'ecom.payments',
      'ecom.shipments',
    ]);
    expect(byName['ecom.orders']).toMatchObject({ partitions: 6, replicationFactor: 3 });
    expect(byName['ecom.inventory']?.config['retention.ms']).toBe(String(2 * 24 * 3600 * 1000));
    expect(byName['ecom.dlq']).toMatchObject({
      partitions: 3,
      config: { 'retention.ms': String(14 * 24 * 3600 * 1000) },
    });
  });
});
