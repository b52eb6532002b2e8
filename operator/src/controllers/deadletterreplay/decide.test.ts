import { describe, expect, it } from 'vitest';
import type { DeadLetterReplay, DeadLetterReplayStatus } from '../../api/deadletterreplay.js';
import { parseReplayArgs } from '../../replay/config.js';
import { decide, PROGRESS_POLL_MS } from './decide.js';
import { desiredJob, jobNameOf } from './job.js';
import { NO_KAFKA_ACCESS, parseReplayKafkaAccess } from './kafka-access.js';
import type { DecideContext, JobCondition, Observation, ReplayJob } from './types.js';

const now = new Date('2026-02-01T12:00:00Z');
const ctx: DecideContext = {
  now,
  image: 'ghcr.io/ecom-platform/ecom:0.1.0',
  brokers: ['kafka:9092'],
  kafkaAccess: NO_KAFKA_ACCESS,
};
const UID = '3f2b8c1a-0000-4000-8000-000000000001';

function resource(
  spec: Partial<DeadLetterReplay['spec']> = {},
  status?: DeadLetterReplayStatus,
  generation = 1,
): DeadLetterReplay {
  return {
    apiVersion: 'ecom.dev/v1alpha1',
    kind: 'DeadLetterReplay',
    metadata: { name: 'payment.retry', namespace: 'shop', uid: UID, generation },
    spec: {
      source: { topic: 'ecom.dlq' },
      filter: { consumerGroup: 'payment' },
      ratePerSecond: 100,
      maxMessages: 10_000,
      dryRun: false,
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

/** The Job as the operator made it from generation 1, with a status written by the job controller. */
function job(status: ReplayJob['status'] = {}, generation = 1): ReplayJob {
  const made = desiredJob(resource({}, undefined, generation), ctx);
  return { ...made, status };
}

const done = (type: 'Complete' | 'Failed', extra: Partial<JobCondition> = {}): JobCondition => ({
  type,
  status: 'True',
  lastTransitionTime: '2026-02-01T11:59:00Z',
  ...extra,
});
const counts = (matched: number, replayed: number, skipped: number, started = true): Observation['progress'] => ({
  ok: true,
  counts: { matched, replayed, skipped },
  started,
});
// biome-ignore lint/suspicious/noExplicitAny: the Job's pod template is plain JSON
const podOf = (j: ReplayJob | undefined): any => (j?.spec as any)?.template?.spec;
const ready = (s: DeadLetterReplayStatus | undefined) => s?.conditions?.find((c) => c.type === 'Ready');
const accepted = (s: DeadLetterReplayStatus | undefined) => s?.conditions?.find((c) => c.type === 'SpecAccepted');

describe('decide: the Job', () => {
  it('creates an owned Job running `ecom replay` with the spec as flags, under the restricted profile', () => {
    const d = decide(resource({ filter: { consumerGroup: 'payment', since: '2026-01-31T00:00:00Z' } }), {}, ctx);
    expect(d.steps).toHaveLength(1);
    const created = d.steps[0]?.job;
    expect(created?.metadata).toMatchObject({
      name: 'payment-retry-3f2b8c',
      namespace: 'shop',
      labels: { 'app.kubernetes.io/name': 'ecom-replay', 'ecom.dev/replay-uid': UID },
      annotations: { 'ecom.dev/spec-generation': '1' },
      ownerReferences: [
        {
          apiVersion: 'ecom.dev/v1alpha1',
          kind: 'DeadLetterReplay',
          name: 'payment.retry',
          uid: UID,
          controller: true,
        },
      ],
    });
    const pod = podOf(created);
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    const [container] = pod.containers;
    expect(container.image).toBe(ctx.image);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.args[0]).toBe('replay');
    const parsed = parseReplayArgs(container.args.slice(1), {});
    expect(parsed).toEqual({
      kind: 'config',
      config: {
        brokers: ['kafka:9092'],
        source: 'ecom.dlq',
        group: `ecom-replay-${UID}`,
        filter: { consumerGroup: 'payment', since: new Date('2026-01-31T00:00:00Z') },
        ratePerSecond: 100,
        maxMessages: 10_000,
        dryRun: false,
        logLevel: 'warn',
      },
    });
    expect(d.status).toMatchObject({
      phase: 'Pending',
      jobName: 'payment-retry-3f2b8c',
      replayGroup: `ecom-replay-${UID}`,
      matched: 0,
      observedGeneration: 1,
    });
    expect(ready(d.status)).toMatchObject({ status: 'Unknown', reason: 'JobCreated' });
    expect(d.events.map((e) => e.reason)).toEqual(['JobCreated']);
    expect(d.requeueAfterMs).toBe(PROGRESS_POLL_MS);
  });

  it('passes the target, dry run, rate and limit through; an empty target means the original topic', () => {
    const args = (spec: Partial<DeadLetterReplay['spec']>): string[] =>
      podOf(decide(resource(spec), {}, ctx).steps[0]?.job).containers[0].args;
    expect(args({ target: { topic: 'retry' }, dryRun: true, ratePerSecond: 5, maxMessages: 7 })).toEqual(
      expect.arrayContaining(['--target=retry', '--dry-run', '--rate=5', '--max-messages=7']),
    );
    expect(args({ target: { topic: '' } }).some((a) => a.startsWith('--target'))).toBe(false);
  });

  it('reaches Kafka as the operator does: its KAFKA_* settings, each file mounted from its Secret at the same path', () => {
    const { access, problems } = parseReplayKafkaAccess(
      {
        KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        KAFKA_SSL_CA_FILE: '/etc/ecom/kafka/ca/ca.crt',
        KAFKA_SASL_USERNAME: 'ecom-operator',
        KAFKA_SASL_PASSWORD_FILE: '/etc/ecom/kafka/user/password',
      },
      [
        '/etc/ecom/kafka/ca/ca.crt=ecom-kafka-cluster-ca-cert/ca.crt',
        '/etc/ecom/kafka/user/password=ecom-operator/password',
      ],
    );
    expect(problems).toEqual([]);
    const pod = podOf(decide(resource(), {}, { ...ctx, kafkaAccess: access }).steps[0]?.job);
    const [container] = pod.containers;
    expect(container.env).toEqual(access.env);
    // Every file a setting names is in a volume of the pod: its directory mounted, its name an item.
    for (const { value } of access.env.filter((e) => e.name.endsWith('_FILE'))) {
      const mount = container.volumeMounts.find((m: { mountPath: string }) => value.startsWith(`${m.mountPath}/`));
      const volume = pod.volumes.find((v: { name: string }) => v.name === mount?.name);
      expect(
        volume?.secret.items.map((i: { path: string }) => `${mount.mountPath}/${i.path}`),
        value,
      ).toContain(value);
    }
    expect(pod.volumes.map((v: { secret: { secretName: string } }) => v.secret.secretName)).toEqual([
      'ecom-kafka-cluster-ca-cert',
      'ecom-operator',
    ]);
    // uid 1000 reads the 0440 files through the pod's group.
    expect(pod.securityContext.fsGroup).toBe(1000);
    // Plaintext: nothing to pass on.
    const plain = podOf(decide(resource(), {}, ctx).steps[0]?.job);
    expect([plain.volumes, plain.containers[0].env, plain.containers[0].volumeMounts]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('without Kafka brokers makes no Job and says how to fix it', () => {
    const d = decide(resource(), {}, { ...ctx, brokers: [] });
    expect(d.steps).toEqual([]);
    expect(d.status.phase).toBe('Pending');
    expect(ready(d.status)).toMatchObject({ status: 'False', reason: 'KafkaNotConfigured' });
    expect(ready(d.status)?.message).toContain('--kafka-brokers');
    expect(d.events.map((e) => e.reason)).toEqual(['KafkaNotConfigured']);
    // The same problem again stays quiet.
    expect(decide(resource({}, d.status), {}, { ...ctx, brokers: [] }).events).toEqual([]);
  });

  it('keeps a long name within the 63 characters of a Job name', () => {
    const long = resource();
    long.metadata.name = `${'a'.repeat(60)}.b`;
    expect(jobNameOf(long)).toHaveLength(63);
    expect(jobNameOf(long)).toMatch(/^a+-3f2b8c$/);
  });
});

describe('decide: phase and counts follow the Job and the replay group', () => {
  const pending = decide(resource(), {}, ctx).status;
  const cases: Array<{
    name: string;
    job: ReplayJob;
    progress?: Observation['progress'];
    phase: string;
    ready: [string, string];
    counts: [number, number, number];
    requeue: boolean;
  }> = [
    {
      name: 'a Job whose pod has not started is Pending',
      job: job(),
      progress: counts(0, 0, 0, false),
      phase: 'Pending',
      ready: ['Unknown', 'JobCreated'],
      counts: [0, 0, 0],
      requeue: true,
    },
    {
      name: 'an active Job is Running, with the counts committed so far',
      job: job({ active: 1, startTime: '2026-02-01T11:00:00Z' }),
      progress: counts(4, 4, 10),
      phase: 'Running',
      ready: ['Unknown', 'Running'],
      counts: [4, 4, 10],
      requeue: true,
    },
    {
      name: 'committed progress alone means Running (the pod started before the job controller noticed)',
      job: job(),
      progress: counts(1, 1, 0),
      phase: 'Running',
      ready: ['Unknown', 'Running'],
      counts: [1, 1, 0],
      requeue: true,
    },
    {
      name: 'a complete Job with the final counts read is Succeeded',
      job: job({
        succeeded: 1,
        startTime: '2026-02-01T11:00:00Z',
        completionTime: '2026-02-01T11:59:00Z',
        conditions: [done('Complete')],
      }),
      progress: counts(7, 7, 3),
      phase: 'Succeeded',
      ready: ['True', 'Succeeded'],
      counts: [7, 7, 3],
      requeue: false,
    },
    {
      name: 'a complete Job whose counts cannot be read yet is not Succeeded yet',
      job: job({ succeeded: 1, conditions: [done('Complete')] }),
      progress: { ok: false, message: 'broker down' },
      phase: 'Pending',
      ready: ['Unknown', 'ReadingFinalCounts'],
      counts: [0, 0, 0],
      requeue: true,
    },
    {
      name: 'a failed Job is Failed, with what it did',
      job: job({ failed: 7, conditions: [done('Failed', { reason: 'BackoffLimitExceeded', message: 'too many' })] }),
      progress: counts(2, 2, 1),
      phase: 'Failed',
      ready: ['False', 'JobFailed'],
      counts: [2, 2, 1],
      requeue: false,
    },
  ];
  it.each(cases)('$name', (c) => {
    const d = decide(resource({}, pending), { job: c.job, ...(c.progress ? { progress: c.progress } : {}) }, ctx);
    expect(d.steps).toEqual([]);
    expect(d.status.phase).toBe(c.phase);
    expect([ready(d.status)?.status, ready(d.status)?.reason]).toEqual(c.ready);
    expect([d.status.matched, d.status.replayed, d.status.skipped]).toEqual(c.counts);
    expect(d.requeueAfterMs !== undefined).toBe(c.requeue);
  });

  it('Succeeded carries start and completion time and says what it did, once', () => {
    const finished = job({
      succeeded: 1,
      startTime: '2026-02-01T11:00:00Z',
      completionTime: '2026-02-01T11:59:00Z',
      conditions: [done('Complete')],
    });
    const d = decide(resource({}, pending), { job: finished, progress: counts(7, 7, 3) }, ctx);
    expect(d.status).toMatchObject({ startTime: '2026-02-01T11:00:00Z', completionTime: '2026-02-01T11:59:00Z' });
    expect(ready(d.status)?.message).toBe('7 replayed of 7 matched (3 skipped)');
    expect(d.events).toEqual([expect.objectContaining({ type: 'Normal', reason: 'ReplaySucceeded' })]);
    expect(decide(resource({}, d.status), { job: finished, progress: counts(7, 7, 3) }, ctx).events).toEqual([]);
  });

  it('a failed Job names its reason and where to look', () => {
    const failed = job({ conditions: [done('Failed', { reason: 'PodFailurePolicy', message: 'exit code 2' })] });
    const d = decide(resource({}, pending), { job: failed, progress: counts(0, 0, 0) }, ctx);
    expect(ready(d.status)?.message).toContain('PodFailurePolicy: exit code 2');
    expect(ready(d.status)?.message).toContain('kubectl logs job/payment-retry-3f2b8c');
    expect(d.status.completionTime).toBe('2026-02-01T11:59:00Z');
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'ReplayFailed']]);
  });

  it('a dry run reports matches, not replays', () => {
    const dry = resource({ dryRun: true }, pending);
    const d = decide(dry, { job: job({ conditions: [done('Complete')] }), progress: counts(5, 0, 2) }, ctx);
    expect(ready(d.status)?.message).toBe('dry run: 5 dead letters match, nothing produced (2 skipped)');
  });

  it('keeps the last counts while Kafka cannot be read, and says so', () => {
    const running = decide(resource({}, pending), { job: job({ active: 1 }), progress: counts(3, 3, 1) }, ctx).status;
    const d = decide(
      resource({}, running),
      { job: job({ active: 1 }), progress: { ok: false, message: 'timeout' } },
      ctx,
    );
    expect([d.status.phase, d.status.matched, d.status.replayed]).toEqual(['Running', 3, 3]);
    expect(ready(d.status)?.message).toContain('counts not refreshed: timeout');
  });
});

describe('decide: the spec is fixed once the Job exists', () => {
  it('refuses an edit of a running replay: SpecAccepted=False, the Job untouched, one Warning', () => {
    const running = decide(
      resource({}, undefined, 1),
      { job: job({ active: 1 }), progress: counts(1, 1, 0) },
      ctx,
    ).status;
    expect(accepted(running)).toMatchObject({ status: 'True', reason: 'SpecAccepted' });
    const edited = resource({ filter: { consumerGroup: 'inventory' } }, running, 2);
    const d = decide(edited, { job: job({ active: 1 }), progress: counts(1, 1, 0) }, ctx);
    expect(d.steps).toEqual([]);
    expect(accepted(d.status)).toMatchObject({ status: 'False', reason: 'SpecChangeRefused', observedGeneration: 2 });
    expect(accepted(d.status)?.message).toContain('generation 2');
    expect(accepted(d.status)?.message).toContain('made from generation 1');
    expect(d.status.phase).toBe('Running');
    expect(d.events.map((e) => e.reason)).toEqual(['SpecChangeRefused']);
    expect(
      decide(resource(edited.spec, d.status, 2), { job: job({ active: 1 }), progress: counts(1, 1, 0) }, ctx).events,
    ).toEqual([]);
  });

  it('refuses an edit after it finished too: still Succeeded with its counts, never a second Job', () => {
    const finished = job({ conditions: [done('Complete')] });
    const succeeded = decide(resource(), { job: finished, progress: counts(1, 1, 0) }, ctx).status;
    // A finished replay's counts are not read again (the reconciler passes no progress).
    const d = decide(resource({ dryRun: true }, succeeded, 3), { job: finished }, ctx);
    expect(d.steps).toEqual([]);
    expect(d.status).toMatchObject({ phase: 'Succeeded', matched: 1, replayed: 1, observedGeneration: 3 });
    expect(ready(d.status)).toEqual(ready(succeeded));
    expect(accepted(d.status)).toMatchObject({ status: 'False', reason: 'SpecChangeRefused' });
    expect(d.events.map((e) => e.reason)).toEqual(['SpecChangeRefused']);
  });

  it('a finished replay with nothing new changes nothing', () => {
    const finished = job({ conditions: [done('Complete')] });
    const succeeded = decide(resource(), { job: finished, progress: counts(1, 1, 0) }, ctx).status;
    expect(decide(resource({}, succeeded), { job: finished }, ctx)).toEqual({
      steps: [],
      status: succeeded,
      events: [],
    });
  });
});

describe('decide: the Job disappears', () => {
  it('before it finished: Failed with JobDeleted, and no new Job (it would replay from the start)', () => {
    const running = decide(resource(), { job: job({ active: 1 }), progress: counts(2, 2, 0) }, ctx).status;
    const d = decide(resource({}, running), {}, ctx);
    expect(d.steps).toEqual([]);
    expect(d.status).toMatchObject({ phase: 'Failed', matched: 2, replayed: 2, completionTime: now.toISOString() });
    expect(ready(d.status)).toMatchObject({ status: 'False', reason: 'JobDeleted' });
  });

  it('after it finished: the status stays as it was', () => {
    const succeeded = decide(
      resource(),
      { job: job({ conditions: [done('Complete')] }), progress: counts(1, 1, 0) },
      ctx,
    ).status;
    expect(decide(resource({}, succeeded), {}, ctx)).toEqual({ steps: [], status: succeeded, events: [] });
  });
});

describe('decide: idempotent', () => {
  it('the same observation twice gives the same status (no write on a resync)', () => {
    const observation = { job: job({ active: 1 }), progress: counts(3, 3, 1) };
    const first = decide(resource(), observation, ctx).status;
    const later = { ...ctx, now: new Date(now.getTime() + 60_000) };
    expect(decide(resource({}, first), observation, later).status).toEqual(first);
  });
});
