import { describe, expect, it } from 'vitest';
import { statusMergePatch } from './status.js';

describe('statusMergePatch', () => {
  it('sets the new fields and nulls the ones that went away', () => {
    expect(statusMergePatch({ partitions: 3, topicName: 'a' }, { topicName: 'a', mode: 'direct' })).toEqual({
      topicName: 'a',
      mode: 'direct',
      partitions: null,
    });
  });
  it('is the new status when there was none', () => {
    expect(statusMergePatch(undefined, { mode: 'direct' })).toEqual({ mode: 'direct' });
  });
});
