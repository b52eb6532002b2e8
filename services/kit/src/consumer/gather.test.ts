import { describe, expect, it } from 'vitest';
import { TurnGatherer } from './gather.js';

/** A gatherer of numbers whose size is their value; it records each group it ran. */
function recording(maxSize: number) {
  const groups: number[][] = [];
  const gatherer = new TurnGatherer<number, number>(
    maxSize,
    (n) => n,
    async (items) => {
      groups.push([...items]);
      return groups.length;
    },
  );
  return { gatherer, groups };
}

describe('TurnGatherer', () => {
  it('runs what joins within one turn as one group, and each joiner gets that group result', async () => {
    const { gatherer, groups } = recording(100);
    const results = await Promise.all([gatherer.join(1), gatherer.join(2), gatherer.join(3)]);
    expect(groups).toEqual([[1, 2, 3]]);
    expect(results).toEqual([1, 1, 1]);
  });

  it('gathers joins made from promise jobs of the same turn (concurrent async callers)', async () => {
    const { gatherer, groups } = recording(100);
    const caller = async (n: number) => {
      await Promise.resolve();
      await Promise.resolve();
      return gatherer.join(n);
    };
    await Promise.all([caller(1), caller(2)]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('starts a new group for what joins in a later turn', async () => {
    const { gatherer, groups } = recording(100);
    const first = gatherer.join(1);
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, gatherer.join(2)]);
    expect(groups).toEqual([[1], [2]]);
  });

  it('opens the next group when an item would overflow the size limit', async () => {
    const { gatherer, groups } = recording(5);
    const results = await Promise.all([gatherer.join(2), gatherer.join(3), gatherer.join(1), gatherer.join(4)]);
    expect(groups).toEqual([
      [2, 3],
      [1, 4],
    ]);
    expect(results).toEqual([1, 1, 2, 2]);
  });

  it('rejects every joiner of a group whose run failed, and the next group runs afresh', async () => {
    let calls = 0;
    const gatherer = new TurnGatherer<number, string>(
      10,
      () => 1,
      async (items) => {
        calls++;
        if (calls === 1) throw new Error(`group of ${items.length} failed`);
        return 'ok';
      },
    );
    const failed = [gatherer.join(1), gatherer.join(2)];
    await expect(failed[0]).rejects.toThrow('group of 2 failed');
    await expect(failed[1]).rejects.toThrow('group of 2 failed');
    await expect(gatherer.join(3)).resolves.toBe('ok');
  });
});
