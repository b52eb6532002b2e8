import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionDb } from '../db/types.js';
import { EventCodec } from '../events/codec.js';
import { faultInjector, parseFaults } from '../faults/faults.js';
import { openProducer, type RecordProducer } from '../kafka/client.js';
import { createKitMetrics } from '../metrics.js';
import { OutboxRelay } from '../outbox/relay.js';
import { eventually, testDb, testKafka, testLogger } from '../testing/index.js';
import { type EffectHandlers, EffectRunner } from './runner.js';

let db: SessionDb;
let producer: RecordProducer;

beforeAll(async () => {
  db = await testDb();
  await db.query('CREATE TABLE outcomes (key text NOT NULL, result text NOT NULL)');
  producer = await openProducer(testKafka('effects-test'));
});

afterAll(async () => {
  await producer.close();
  await db.close();
});

/** An external system that answers the first result again for a repeated idempotency key. */
function fakeProvider() {
  const calls: string[] = [];
  const results = new Map<string, string>();
  return {
    calls,
    call(key: string): string {
      calls.push(key);
      if (!results.has(key)) results.set(key, `result-${results.size + 1}`);
      return results.get(key) as string;
    },
  };
}

function runnerOf(handlers: EffectHandlers, faults = '') {
  const metrics = createKitMetrics(new Registry());
  const logger = testLogger();
  const relay = new OutboxRelay({ db, producer, metrics, logger, sweepMs: 10_000 });
  return new EffectRunner({
    service: 'test',
    db,
    handlers,
    codec: new EventCodec(),
    relay,
    metrics,
    logger,
    faults: faultInjector(parseFaults(faults)),
    sweepMs: 100,
    retryBaseMs: 10,
    leaseMs: 1_000,
  });
}

async function schedule(runner: EffectRunner, kind: string, key: string): Promise<boolean> {
  let kick = () => {};
  const added = await db.transaction((tx) =>
    runner.scheduler(tx, { correlationId: key }, (effect) => {
      kick = effect;
    })(kind, key, { key }),
  );
  kick();
  return added;
}

async function outcomes(key: string): Promise<string[]> {
  const { rows } = await db.query<{ result: string }>('SELECT result FROM outcomes WHERE key = $1', [key]);
  return rows.map((r) => r.result);
}

function handlers(provider: ReturnType<typeof fakeProvider>, failFirst = 0): EffectHandlers {
  let failures = 0;
  return {
    call: {
      perform: async (_payload: unknown, { key }: { key: string }) => {
        if (failures++ < failFirst) throw new Error('provider unavailable');
        return provider.call(key);
      },
      record: async (outcome, { tx, key }) => {
        if (!outcome.ok) throw outcome.error;
        await tx.query('INSERT INTO outcomes (key, result) VALUES ($1, $2)', [key, outcome.value]);
      },
    },
  };
}

describe('effects: external calls outside transactions, with an idempotency key', () => {
  it('performs a scheduled effect once after commit and records its outcome once', async () => {
    const provider = fakeProvider();
    const runner = runnerOf(handlers(provider));
    runner.start();
    try {
      // The same key twice while it is pending (here: in one transaction) is one effect.
      let kick = () => {};
      const added = await db.transaction(async (tx) => {
        const schedule = runner.scheduler(tx, { correlationId: 'k-once' }, (effect) => {
          kick = effect;
        });
        return [await schedule('call', 'k-once', {}), await schedule('call', 'k-once', {})];
      });
      kick();
      expect(added).toEqual([true, false]);
      await eventually(async () => ((await outcomes('k-once')).length === 1 ? true : undefined), 'the outcome');
      expect(provider.calls.filter((k) => k === 'k-once')).toEqual(['k-once']);
    } finally {
      await runner.stop();
    }
  });

  it('calls a failing provider again with the same key until it answers', async () => {
    const provider = fakeProvider();
    const runner = runnerOf(handlers(provider, 3));
    runner.start();
    try {
      await schedule(runner, 'call', 'k-retry');
      await eventually(async () => ((await outcomes('k-retry')).length === 1 ? true : undefined), 'the outcome');
      expect(provider.calls).toEqual(['k-retry']);
    } finally {
      await runner.stop();
    }
  });

  it('when the outcome is lost after the call, calls again with the same key and records one outcome', async () => {
    const provider = fakeProvider();
    // The first runner fails at the window between the call and the outcome write every time,
    // as a process that dies there would; its claim then runs out and a healthy runner takes over.
    const dying = runnerOf(handlers(provider), 'after-external-call:1:fail');
    dying.start();
    await schedule(dying, 'call', 'k-lost');
    await eventually(async () => (provider.calls.length > 0 ? true : undefined), 'the first call');
    await dying.stop();
    expect(await outcomes('k-lost')).toEqual([]);

    const healthy = runnerOf(handlers(provider));
    healthy.start();
    try {
      await eventually(async () => ((await outcomes('k-lost')).length === 1 ? true : undefined), 'the outcome', 10_000);
      expect(await outcomes('k-lost')).toEqual(['result-1']);
      expect(new Set(provider.calls)).toEqual(new Set(['k-lost']));
      expect(provider.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      await healthy.stop();
    }
  });

  it('records the outcomes of effects claimed together in one transaction; one that cannot be recorded does not hold back the others', async () => {
    const provider = fakeProvider();
    const base = handlers(provider);
    const runner = runnerOf({
      call: {
        ...base.call,
        record: async (outcome, ctx) => {
          if (ctx.key.startsWith('k-bad')) throw new TypeError('this outcome cannot be stored');
          await base.call?.record(outcome, ctx);
        },
      },
    } as EffectHandlers);
    const together = async (keys: string[]) => {
      let kick = () => {};
      await db.transaction(async (tx) => {
        const scheduleIn = runner.scheduler(tx, { correlationId: keys[0] ?? '' }, (effect) => {
          kick = effect;
        });
        for (const key of keys) await scheduleIn('call', key, {});
      });
      kick();
    };
    const recorded = async (keys: string[]) => {
      const { rows } = await db.query<{ key: string; tx: string }>(
        'SELECT key, xmin::text AS tx FROM outcomes WHERE key = ANY($1)',
        [keys],
      );
      return rows;
    };
    runner.start();
    try {
      const good = ['k-together-1', 'k-together-2', 'k-together-3'];
      await together(good);
      await eventually(async () => ((await recorded(good)).length === 3 ? true : undefined), 'the three outcomes');
      expect(new Set((await recorded(good)).map((r) => r.tx)).size, 'one transaction').toBe(1);

      const mixed = ['k-mixed-1', 'k-bad-1', 'k-mixed-2'];
      await together(mixed);
      const kept = ['k-mixed-1', 'k-mixed-2'];
      await eventually(async () => ((await recorded(kept)).length === 2 ? true : undefined), 'the two good outcomes');
      expect(await recorded(['k-bad-1'])).toEqual([]);
      // Each good call made once: recording alone reused the outcomes, it did not call again.
      for (const key of [...good, ...kept])
        expect(
          provider.calls.filter((k) => k === key),
          key,
        ).toEqual([key]);
    } finally {
      await runner.stop();
    }
  });
});
