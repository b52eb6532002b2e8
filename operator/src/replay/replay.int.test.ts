// The replay CLI against the real Kafka broker, as a process (as a Job runs it). The dead letters are
// written with the kit's own deadLetter(), the function the services' consumers use, onto a
// dead-letter topic of this run, so every count is exact.
import { deadLetter, type IncomingRecord, openOffsetReader, openProducer, type RecordProducer } from '@ecom/kit';
import { createTestTopic, testKafka, uniqueName } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll, runReplayCli, startReplayCli } from '../testing/replay.js';

const kafka = testKafka('replay-int');
const run = uniqueName('replay');
const dlq = `${run}.dlq`;
const orders = `${run}.orders`;
const payments = `${run}.payments`;
const brokers = `--brokers=${kafka.brokers.join(',')}`;
let producer: RecordProducer;

/** Dead letters by (original topic, group, error class); keys and ce_ids are unique per letter. */
const LETTERS = [
  ...Array.from({ length: 6 }, (_, i) => ({ topic: orders, group: 'payment', errorClass: 'TypeError', i })),
  ...Array.from({ length: 4 }, (_, i) => ({ topic: orders, group: 'inventory', errorClass: 'SchemaViolation', i })),
  ...Array.from({ length: 3 }, (_, i) => ({ topic: payments, group: 'inventory', errorClass: 'TypeError', i })),
];
const idOf = (l: (typeof LETTERS)[number]) => `${l.topic}-${l.group}-${l.errorClass}-${l.i}`;

beforeAll(async () => {
  await createTestTopic(dlq, 3);
  await createTestTopic(orders, 2);
  await createTestTopic(payments, 2);
  producer = await openProducer(kafka);
  await producer.send(
    LETTERS.map((l) =>
      deadLetter(
        {
          topic: l.topic,
          partition: 0,
          offset: String(l.i),
          key: Buffer.from(`key-${idOf(l)}`),
          value: Buffer.from(JSON.stringify({ id: idOf(l) })),
          headers: { ce_specversion: '1.0', ce_id: idOf(l), ce_type: 'test.v1', traceparent: '00-ab-cd-01' },
          timestamp: '1',
        },
        { group: l.group, errorClass: l.errorClass, message: 'boom', attempts: 3, failedAt: new Date() },
      ),
    ).map((r) => ({ ...r, topic: dlq })),
  );
});

afterAll(async () => {
  await producer?.close();
});

const summaryOf = (lines: Record<string, unknown>[]) => lines.find((l) => l.event === 'done');
const ids = (records: IncomingRecord[]) => records.map((r) => r.headers.ce_id).sort();

describe('ecom replay (real Kafka)', () => {
  it('replays only what the filters select, to the original topic, keeping key, value and CloudEvents headers', async () => {
    const r = await runReplayCli([
      brokers,
      `--source=${dlq}`,
      `--group=${run}-payment`,
      `--original-topic=${orders}`,
      '--consumer-group=payment',
      '--error-class=TypeError',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r.lines)).toEqual({
      event: 'done',
      source: dlq,
      group: `${run}-payment`,
      dryRun: false,
      matched: 6,
      replayed: 6,
      skipped: LETTERS.length - 6,
      limitReached: false,
    });
    expect(r.lines.filter((l) => l.event === 'match')).toHaveLength(6);

    const replayed = await readAll(kafka, orders, uniqueName('reader'));
    const wanted = LETTERS.filter((l) => l.group === 'payment');
    expect(ids(replayed)).toEqual(wanted.map(idOf).sort());
    for (const record of replayed) {
      const id = record.headers.ce_id;
      expect(record.key?.toString()).toBe(`key-${id}`);
      expect(record.value?.toString()).toBe(JSON.stringify({ id }));
      expect(record.headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'test.v1', traceparent: '00-ab-cd-01' });
      expect(record.headers.ecom_replayed_from).toMatch(new RegExp(`^${dlq.replaceAll('.', '\\.')}/[0-2]/\\d+$`));
      expect(Object.keys(record.headers).filter((h) => h.startsWith('dlq_'))).toEqual([]);
    }
    expect((await readAll(kafka, payments, uniqueName('reader'))).length).toBe(0);
  });

  it('run again with the same group, it resumes at its end: nothing replayed twice, the same counts', async () => {
    const before = (await readAll(kafka, orders, uniqueName('reader'))).length;
    const again = await runReplayCli([
      brokers,
      `--source=${dlq}`,
      `--group=${run}-payment`,
      `--original-topic=${orders}`,
      '--consumer-group=payment',
      '--error-class=TypeError',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.lines[0]).toMatchObject({ event: 'start', resumed: true });
    expect(summaryOf(again.lines)).toMatchObject({ matched: 6, replayed: 6, skipped: LETTERS.length - 6 });
    expect(again.lines.filter((l) => l.event === 'match')).toEqual([]);
    expect((await readAll(kafka, orders, uniqueName('reader'))).length).toBe(before);
  });

  it('refuses to resume a group with different flags, saying what to do', async () => {
    const r = await runReplayCli([brokers, `--source=${dlq}`, `--group=${run}-payment`, '--consumer-group=inventory']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds the progress of a different replay');
  });

  it('a dry run counts and lists the matches and produces nothing', async () => {
    const target = `${run}.dry`;
    await createTestTopic(target, 1);
    const r = await runReplayCli([
      brokers,
      `--source=${dlq}`,
      `--group=${run}-dry`,
      '--consumer-group=inventory',
      `--target=${target}`,
      '--dry-run',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r.lines)).toMatchObject({ dryRun: true, matched: 7, replayed: 0, skipped: 6 });
    const listed = r.lines.filter((l) => l.event === 'match');
    expect(listed.map((l) => l.ceId).sort()).toEqual(
      LETTERS.filter((l) => l.group === 'inventory')
        .map(idOf)
        .sort(),
    );
    expect(listed.every((l) => l.replayed === false && l.target === target)).toBe(true);
    const reader = await openOffsetReader(kafka);
    expect(await reader.bounds(target).finally(() => reader.close())).toEqual([{ partition: 0, low: '0', high: '0' }]);
  });

  it('stops at maxMessages', async () => {
    const target = `${run}.limited`;
    await createTestTopic(target, 1);
    const r = await runReplayCli([
      brokers,
      `--source=${dlq}`,
      `--group=${run}-limited`,
      `--target=${target}`,
      '--max-messages=4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r.lines)).toMatchObject({ matched: 4, replayed: 4, limitReached: true });
    expect(await readAll(kafka, target, uniqueName('reader'))).toHaveLength(4);
  });

  it('killed mid-run (SIGKILL, as a node dying under a pod), a restart resumes: every record replayed, each counted once', async () => {
    const target = `${run}.crash`;
    await createTestTopic(target, 2);
    const args = [brokers, `--source=${dlq}`, `--group=${run}-crash`, `--target=${target}`, '--rate=4'];
    // 4 per second in chunks of 4: the first chunk commits at once, the kill lands in the wait for the next.
    let seen = 0;
    const first = startReplayCli(args, (line, child) => {
      if (line.event === 'match' && seen++ === 0) setTimeout(() => child.kill('SIGKILL'), 300);
    });
    const killed = await first.done;
    expect(killed.code).toBeNull();
    expect(summaryOf(killed.lines)).toBeUndefined();
    const beforeRestart = killed.lines.filter((l) => l.event === 'match').length;
    expect(beforeRestart).toBeGreaterThan(0);
    expect(beforeRestart).toBeLessThan(LETTERS.length);

    const resumed = await runReplayCli([...args.slice(0, -1), '--rate=1000']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.lines[0]).toMatchObject({ event: 'start', resumed: true });
    expect(summaryOf(resumed.lines)).toMatchObject({ matched: LETTERS.length, replayed: LETTERS.length, skipped: 0 });
    // It went on after the last commit, not from the start.
    expect(resumed.lines.filter((l) => l.event === 'match').length).toBe(LETTERS.length - beforeRestart);
    const replayed = ids(await readAll(kafka, target, uniqueName('reader')));
    expect([...new Set(replayed)]).toEqual(LETTERS.map(idOf).sort());
    // Only a chunk cut off between its produce and its commit can go out twice (inboxes drop it).
    expect(replayed.length - LETTERS.length).toBeLessThanOrEqual(4);
  });

  it('says so when the dead-letter topic does not exist', async () => {
    const r = await runReplayCli([brokers, `--source=${run}.missing`, `--group=${run}-missing`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the dead-letter topic ${run}.missing does not exist`);
  });
});
