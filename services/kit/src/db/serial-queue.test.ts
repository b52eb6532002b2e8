import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SerialQueue', () => {
  it('runs work one at a time, in call order, even when earlier work is slower', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const piece = (name: string, ms: number) =>
      queue.run(async () => {
        events.push(`${name}:start`);
        await tick(ms);
        events.push(`${name}:end`);
        return name;
      });
    const results = await Promise.all([piece('a', 20), piece('b', 1), piece('c', 5)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('passes each failure to its own caller and keeps running later work', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const after = queue.run(async () => 'still runs');
    await expect(failed).rejects.toThrow('boom');
    await expect(after).resolves.toBe('still runs');
  });

  it('rejects work queued from inside its own turn instead of waiting forever', async () => {
    const queue = new SerialQueue('nested use');
    const outer = queue.run(() => queue.run(async () => 'inner'));
    await expect(outer).rejects.toThrow('nested use');
  });

  it('lets work started but not awaited by a turn queue normally once that turn is over', async () => {
    const queue = new SerialQueue();
    let detached: Promise<string> | undefined;
    await queue.run(async () => {
      detached = tick(5).then(() => queue.run(async () => 'later'));
    });
    await expect(detached).resolves.toBe('later');
  });
});
