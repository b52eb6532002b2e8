import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './workqueue.js';

/** A handler whose runs stay open until the test releases them. */
function gatedHandler() {
  const runs: { key: string; release: (error?: Error) => void }[] = [];
  const handler = vi.fn(
    (key: string) =>
      new Promise<undefined>((resolve, reject) => {
        runs.push({ key, release: (error) => (error ? reject(error) : resolve(undefined)) });
      }),
  );
  return { handler, runs };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('WorkQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('folds repeated adds of a waiting key into one run', async () => {
    const handler = vi.fn(async (_key: string) => undefined);
    const q = new WorkQueue(handler, { concurrency: 1, backoff: { baseMs: 10, maxMs: 100 } });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.depth()).toBe(2);
    q.start();
    await flush();
    expect(handler.mock.calls.map((c) => c[0])).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and runs it once more after adds while in flight', async () => {
    const { handler, runs } = gatedHandler();
    const q = new WorkQueue(handler, { concurrency: 4, backoff: { baseMs: 10, maxMs: 100 } });
    q.start();
    q.add('a');
    await flush();
    q.add('a');
    q.add('a');
    await flush();
    expect(runs).toHaveLength(1);
    runs[0]?.release();
    await flush();
    expect(runs).toHaveLength(2);
    runs[1]?.release();
    await flush();
    expect(runs).toHaveLength(2);
  });

  it('runs different keys in parallel up to the concurrency', async () => {
    const { handler, runs } = gatedHandler();
    const q = new WorkQueue(handler, { concurrency: 2, backoff: { baseMs: 10, maxMs: 100 } });
    q.start();
    for (const k of ['a', 'b', 'c']) q.add(k);
    await flush();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
    expect(q.depth()).toBe(1);
  });

  it('retries a failing key with per-key exponential backoff and resets it on success', async () => {
    let fail = 3;
    const handler = vi.fn(async () => {
      if (fail-- > 0) throw new Error('boom');
      return undefined;
    });
    const errors: number[] = [];
    const q = new WorkQueue(handler, {
      concurrency: 1,
      backoff: { baseMs: 100, maxMs: 10_000 },
      onError: (_k, _e, _n, delay) => errors.push(delay),
    });
    q.start();
    q.add('a');
    await flush();
    await vi.advanceTimersByTimeAsync(99);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(400);
    expect(handler).toHaveBeenCalledTimes(4);
    expect(errors).toEqual([100, 200, 400]);
    expect(q.failureCount('a')).toBe(0);
  });

  it('honours requeue-after, never sooner than the minimum', async () => {
    const handler = vi.fn(async () => ({ requeueAfterMs: 10 }));
    const q = new WorkQueue(handler, { concurrency: 1, backoff: { baseMs: 1, maxMs: 1 }, minRequeueAfterMs: 1000 });
    q.start();
    q.add('a');
    await flush();
    await vi.advanceTimersByTimeAsync(999);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler).toHaveBeenCalledTimes(2);
    await q.shutdown();
  });

  it('keeps the earliest of two delayed adds', async () => {
    const handler = vi.fn(async () => undefined);
    const q = new WorkQueue(handler, { concurrency: 1, backoff: { baseMs: 1, maxMs: 1 } });
    q.start();
    q.addAfter('a', 500);
    q.addAfter('a', 100);
    q.addAfter('a', 900);
    await vi.advanceTimersByTimeAsync(100);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reports its depth and waits for running handlers on shutdown', async () => {
    const { handler, runs } = gatedHandler();
    const depths: number[] = [];
    const q = new WorkQueue(handler, {
      concurrency: 1,
      backoff: { baseMs: 1, maxMs: 1 },
      onDepth: (d) => depths.push(d),
    });
    q.add('a');
    q.add('b');
    q.start();
    await flush();
    expect(depths).toEqual([1, 2, 1]);
    let done = false;
    const stopping = q.shutdown().then(() => {
      done = true;
    });
    await flush();
    expect(done).toBe(false);
    runs[0]?.release();
    await stopping;
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
