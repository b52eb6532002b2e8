import type { KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type InformerEvent, ResilientInformer } from './informer.js';

type Cb = (arg?: unknown) => void;

/** A stand-in for the client's ListWatch: the test decides what the list returns and when errors happen. */
class FakeInformer {
  readonly callbacks = new Map<string, Cb[]>();
  objects: KubernetesObject[];
  stopped = false;
  constructor(
    objects: KubernetesObject[],
    private readonly failOnStart: boolean,
  ) {
    this.objects = objects;
  }
  on(verb: string, cb: Cb) {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
  }
  off() {}
  emit(verb: string, arg?: unknown) {
    for (const cb of this.callbacks.get(verb) ?? []) cb(arg);
  }
  async start() {
    this.emit('connect');
    if (this.failOnStart) {
      this.emit('error', new Error('connection refused'));
      return;
    }
    for (const o of this.objects) this.emit('add', o);
  }
  async stop() {
    this.stopped = true;
    // The real ListWatch reports the abort of its watch as an error.
    this.emit('error', new Error('aborted'));
  }
  get(name: string) {
    return this.objects.find((o) => o.metadata?.name === name);
  }
  list() {
    return this.objects;
  }
}

const obj = (name: string): KubernetesObject => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' } });

function setup(lists: { objects: KubernetesObject[]; fail?: boolean }[]) {
  const made: FakeInformer[] = [];
  const events: [InformerEvent, string][] = [];
  const informer = new ResilientInformer<KubernetesObject>({
    name: 'test',
    factory: () => {
      const spec = lists[Math.min(made.length, lists.length - 1)] ?? { objects: [] };
      const fake = new FakeInformer(spec.objects, spec.fail ?? false);
      made.push(fake);
      return fake as never;
    },
    resyncMs: 10_000,
    silenceMs: 60_000,
    restartBackoff: { baseMs: 1000, maxMs: 8000 },
    onEvent: (event, o) => events.push([event, o.metadata?.name ?? '']),
    logger: pino({ level: 'silent' }),
  });
  return { informer, made, events };
}

describe('ResilientInformer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('hands out listed objects and re-hands every cached object at each resync', async () => {
    const { informer, events } = setup([{ objects: [obj('a'), obj('b')] }]);
    await informer.start();
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual([
      ['add', 'a'],
      ['add', 'b'],
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events.slice(2)).toEqual([
      ['resync', 'a'],
      ['resync', 'b'],
    ]);
    await informer.stop();
  });

  it('restarts with backoff after errors, ignoring the replaced informer, and syncs again', async () => {
    const { informer, made, events } = setup([
      { objects: [], fail: true },
      { objects: [], fail: true },
      { objects: [obj('a')] },
    ]);
    await informer.start();
    expect(informer.hasSynced()).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(made).toHaveLength(3);
    expect(informer.hasSynced()).toBe(true);
    expect(informer.restartCount()).toBe(2);
    expect(events).toEqual([['add', 'a']]);
    // An error from an informer that was already replaced changes nothing.
    made[0]?.emit('error', new Error('late'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(made).toHaveLength(3);
    await informer.stop();
  });

  it('restarts a silent watch and reports deletions that happened while it was down', async () => {
    const { informer, made, events } = setup([{ objects: [obj('a'), obj('b')] }, { objects: [obj('a')] }]);
    await informer.start();
    await vi.advanceTimersByTimeAsync(60_000 + 15_000);
    expect(made).toHaveLength(2);
    expect(made[0]?.stopped).toBe(true);
    expect(events).toContainEqual(['delete', 'b']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    await informer.stop();
  });

  it('does not restart while events keep arriving', async () => {
    const { informer, made } = setup([{ objects: [obj('a')] }]);
    await informer.start();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(30_000);
      made[0]?.emit('connect');
    }
    expect(made).toHaveLength(1);
    await informer.stop();
  });
});
