import { describe, expect, it } from 'vitest';
import { notificationIdFor } from './ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('notificationIdFor', () => {
  it('is a version 5 UUID, the same for the same source event', () => {
    const id = notificationIdFor('3b9f4c1e-0000-4000-8000-000000000001');
    expect(id).toMatch(UUID);
    expect(notificationIdFor('3b9f4c1e-0000-4000-8000-000000000001')).toBe(id);
  });

  it('differs between source events', () => {
    expect(notificationIdFor('a')).not.toBe(notificationIdFor('b'));
  });
});
