import { describe, expect, it } from 'vitest';
import { serviceKafkaAcls } from './acls.js';

describe('serviceKafkaAcls', () => {
  it('a consumer that produces: read its input, write its own topic and the DLQ, read its own group', () => {
    expect(
      serviceKafkaAcls({
        name: 'payment',
        produces: ['ecom.payment.processed.v1', 'ecom.payment.refunded.v1'],
        consumer: { topics: ['ecom.orders'] },
      }),
    ).toEqual([
      { resource: { type: 'topic', name: 'ecom.dlq', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'ecom.orders', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'topic', name: 'ecom.payments', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'group', name: 'payment', patternType: 'literal' }, operations: ['Read'] },
    ]);
  });

  it('a topic both read and written gets both, once', () => {
    const acls = serviceKafkaAcls({
      name: 'order',
      produces: ['ecom.order.created.v1', 'ecom.order.updated.v1'],
      consumer: { topics: ['ecom.orders', 'ecom.payments', 'ecom.orders'] },
    });
    expect(acls.filter((a) => a.resource.name === 'ecom.orders')).toEqual([
      {
        resource: { type: 'topic', name: 'ecom.orders', patternType: 'literal' },
        operations: ['Read', 'Write', 'Describe'],
      },
    ]);
  });

  it('a producer without a consumer gets no group and no DLQ write', () => {
    expect(serviceKafkaAcls({ name: 'checkout', produces: ['ecom.order.created.v1'] })).toEqual([
      { resource: { type: 'topic', name: 'ecom.orders', patternType: 'literal' }, operations: ['Write', 'Describe'] },
    ]);
  });
});
