import { describe, expect, it } from 'vitest';
import type { ConsumerAutoscaler } from '../../api/consumerautoscaler.js';
import { targetOwner } from './conflict.js';

const cas = (name: string, created: string, target = 'inventory', kind?: string): ConsumerAutoscaler => ({
  apiVersion: 'ecom.dev/v1alpha1',
  kind: 'ConsumerAutoscaler',
  metadata: { name, namespace: 'shop', creationTimestamp: created },
  spec: { scaleTargetRef: { name: target, ...(kind ? { kind } : {}) }, consumerGroup: 'g' },
});

describe('targetOwner', () => {
  const first = cas('first', '2026-01-01T00:00:00Z');
  const second = cas('second', '2026-01-02T00:00:00Z');
  it('the older autoscaler of a target owns it; the newer one is told who does', () => {
    expect(targetOwner(first, [first, second])).toBeUndefined();
    expect(targetOwner(second, [first, second])).toBe('first');
  });
  it('created in the same second: the first by name', () => {
    const a = cas('a', '2026-01-01T00:00:00Z');
    const b = cas('b', '2026-01-01T00:00:00Z');
    expect(targetOwner(b, [a, b])).toBe('a');
    expect(targetOwner(a, [a, b])).toBeUndefined();
  });
  it('other targets, or the same name of another kind, do not conflict', () => {
    expect(targetOwner(second, [first, second, cas('x', '2025-01-01T00:00:00Z', 'shipping')])).toBe('first');
    expect(
      targetOwner(second, [cas('sts', '2025-01-01T00:00:00Z', 'inventory', 'StatefulSet'), second]),
    ).toBeUndefined();
  });
  it('alone, or missing from a stale list, it owns its target', () => {
    expect(targetOwner(second, [])).toBeUndefined();
  });
});
