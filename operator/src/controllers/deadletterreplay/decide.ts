import type { Condition } from '../../api/condition.js';
import {
  type DeadLetterReplay,
  type DeadLetterReplayStatus,
  REPLAY_GENERATION_ANNOTATION,
  type ReplayPhase,
} from '../../api/deadletterreplay.js';
import { type Counts, ZERO } from '../../replay/progress.js';
import { type ConditionUpdate, findCondition, setCondition } from '../../runtime/conditions.js';
import type { EventNote } from '../../runtime/events.js';
import { desiredJob, jobNameOf, replayGroupOf } from './job.js';
import type { DecideContext, Decision, JobCondition, Observation, ReplayJob } from './types.js';

export const Conditions = { Ready: 'Ready', SpecAccepted: 'SpecAccepted' } as const;

export const Reasons = {
  JobCreated: 'JobCreated',
  Running: 'Running',
  Succeeded: 'Succeeded',
  JobFailed: 'JobFailed',
  JobDeleted: 'JobDeleted',
  KafkaNotConfigured: 'KafkaNotConfigured',
  ReadingFinalCounts: 'ReadingFinalCounts',
  SpecAccepted: 'SpecAccepted',
  SpecChangeRefused: 'SpecChangeRefused',
} as const;

/** How often a running replay's counts are read from Kafka into status. */
export const PROGRESS_POLL_MS = 5_000;

const FINAL: readonly ReplayPhase[] = ['Succeeded', 'Failed'];

export function isFinal(phase: ReplayPhase | undefined): boolean {
  return phase !== undefined && FINAL.includes(phase);
}

type ConditionFields = Omit<ConditionUpdate, 'type' | 'observedGeneration'>;

/**
 * The DeadLetterReplay decision: given the resource, its Job (if any) and the counts read from the
 * replay group, the Job to create, the status to hold and the events to record. Pure and
 * deterministic for a given `ctx.now`.
 *
 * - No Job yet: create it (Pending). It is made once, from the generation of that moment; a later
 *   spec change is refused with SpecAccepted=False and changes nothing (the replay group holds the
 *   progress of the spec the Job runs, so running another spec would mix two replays).
 * - A Job: the phase follows it (Running once it started or committed progress, Succeeded when it
 *   completed and the final counts were read, Failed when it failed), the counts follow Kafka.
 * - The Job gone before it finished: Failed, JobDeleted. Gone after: the status stays as it was.
 */
export function decide(resource: DeadLetterReplay, observed: Observation, ctx: DecideContext): Decision {
  const previous = resource.status ?? {};
  const { job } = observed;
  if (!job) {
    if (previous.jobName && isFinal(previous.phase)) return { steps: [], status: previous, events: [] };
    if (previous.jobName) return jobDeleted(resource, previous.jobName, ctx);
    return createJob(resource, ctx);
  }

  const generation = resource.metadata.generation ?? 0;
  const jobGeneration = Number(job.metadata.annotations?.[REPLAY_GENERATION_ANNOTATION] ?? generation);
  const events: EventNote[] = [];
  const accepted: ConditionFields =
    jobGeneration === generation
      ? { status: 'True', reason: Reasons.SpecAccepted, message: `the Job ${job.metadata.name} runs this spec` }
      : {
          status: 'False',
          reason: Reasons.SpecChangeRefused,
          message: `the spec changed (generation ${generation}) after the replay Job ${job.metadata.name} was made from generation ${jobGeneration}; a replay's spec is fixed once its Job exists, so nothing changed: create a new DeadLetterReplay for a different replay`,
        };
  const previousAccepted = findCondition(previous.conditions, Conditions.SpecAccepted);
  if (
    accepted.status === 'False' &&
    (previousAccepted?.status !== 'False' || previousAccepted.observedGeneration !== generation)
  ) {
    events.push({ type: 'Warning', reason: Reasons.SpecChangeRefused, action: 'Refuse', note: accepted.message });
  }

  if (isFinal(previous.phase)) {
    // A finished replay stays as it finished (its counts are final and not read again); only a
    // refused edit is news.
    const status: DeadLetterReplayStatus = {
      ...previous,
      observedGeneration: generation,
      conditions: setCondition(
        previous.conditions,
        { type: Conditions.SpecAccepted, ...accepted, observedGeneration: generation },
        ctx.now,
      ),
    };
    return { steps: [], status, events };
  }

  const progress = observed.progress;
  const counts: Counts = progress?.ok ? progress.counts : countsOf(previous);
  const complete = jobCondition(job, 'Complete');
  const failed = jobCondition(job, 'Failed');
  let phase: ReplayPhase;
  let ready: ConditionFields;
  let requeueAfterMs: number | undefined;
  if (complete && progress?.ok) {
    phase = 'Succeeded';
    ready = { status: 'True', reason: Reasons.Succeeded, message: describeCounts(resource, counts) };
  } else if (complete) {
    // The counts in status must be the final ones: keep reading until Kafka answers.
    phase = previous.phase && !isFinal(previous.phase) ? previous.phase : 'Running';
    ready = {
      status: 'Unknown',
      reason: Reasons.ReadingFinalCounts,
      message: `the Job completed; reading its final counts from Kafka failed: ${progress?.ok === false ? progress.message : 'not read'}`,
    };
    requeueAfterMs = PROGRESS_POLL_MS;
  } else if (failed) {
    phase = 'Failed';
    ready = {
      status: 'False',
      reason: Reasons.JobFailed,
      message: `the Job ${job.metadata.name} failed (${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}); kubectl logs job/${job.metadata.name} says why. Progress so far stays in consumer group ${replayGroupOf(resource)}`,
    };
  } else {
    const started =
      (job.status?.active ?? 0) > 0 ||
      job.status?.startTime !== undefined ||
      (progress?.ok === true && progress.started);
    phase = started ? 'Running' : 'Pending';
    ready = {
      status: 'Unknown',
      reason: started ? Reasons.Running : Reasons.JobCreated,
      message: started
        ? `replaying: ${describeCounts(resource, counts)}${progress?.ok === false ? ` (counts not refreshed: ${progress.message})` : ''}`
        : `the Job ${job.metadata.name} waits for its pod to start`,
    };
    requeueAfterMs = PROGRESS_POLL_MS;
  }

  if (phase !== previous.phase && phase === 'Succeeded') {
    events.push({ type: 'Normal', reason: 'ReplaySucceeded', action: 'Replay', note: ready.message });
  }
  if (phase !== previous.phase && phase === 'Failed') {
    events.push({ type: 'Warning', reason: 'ReplayFailed', action: 'Replay', note: ready.message });
  }

  const startTime = job.status?.startTime ?? previous.startTime;
  const completionTime = job.status?.completionTime ?? failed?.lastTransitionTime ?? previous.completionTime;
  const status: DeadLetterReplayStatus = {
    ...buildStatus(resource, phase, counts, job.metadata.name ?? jobNameOf(resource), ready, accepted, ctx.now),
    ...(startTime ? { startTime } : {}),
    ...(isFinal(phase) && completionTime ? { completionTime } : {}),
  };
  return { steps: [], status, events, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

function createJob(resource: DeadLetterReplay, ctx: DecideContext): Decision {
  const counts = ZERO;
  if (ctx.brokers.length === 0) {
    const message =
      'the operator runs without --kafka-brokers, so a replay Job would have no Kafka to read: start it with --kafka-brokers';
    return {
      steps: [],
      status: buildStatus(
        resource,
        'Pending',
        counts,
        undefined,
        { status: 'False', reason: Reasons.KafkaNotConfigured, message },
        { status: 'True', reason: Reasons.SpecAccepted, message: 'no Job yet: the spec may still change' },
        ctx.now,
      ),
      events: isNewReason(resource, Reasons.KafkaNotConfigured)
        ? [{ type: 'Warning', reason: Reasons.KafkaNotConfigured, action: 'Refuse', note: message }]
        : [],
    };
  }
  const job = desiredJob(resource, ctx);
  const name = job.metadata.name ?? '';
  return {
    steps: [{ type: 'createJob', job }],
    status: buildStatus(
      resource,
      'Pending',
      counts,
      name,
      { status: 'Unknown', reason: Reasons.JobCreated, message: `created the Job ${name}` },
      { status: 'True', reason: Reasons.SpecAccepted, message: `the Job ${name} runs this spec` },
      ctx.now,
    ),
    events: [
      {
        type: 'Normal',
        reason: Reasons.JobCreated,
        action: 'Create',
        note: `created the replay Job ${name} (progress in consumer group ${replayGroupOf(resource)})`,
      },
    ],
    requeueAfterMs: PROGRESS_POLL_MS,
  };
}

function jobDeleted(resource: DeadLetterReplay, jobName: string, ctx: DecideContext): Decision {
  const previous = resource.status ?? {};
  const message = `the Job ${jobName} was deleted before the replay finished; what it replayed is recorded in consumer group ${replayGroupOf(resource)}. Create a new DeadLetterReplay to replay the rest (inboxes drop what was replayed already)`;
  const accepted = findCondition(previous.conditions, Conditions.SpecAccepted);
  return {
    steps: [],
    status: {
      ...buildStatus(
        resource,
        'Failed',
        countsOf(previous),
        jobName,
        { status: 'False', reason: Reasons.JobDeleted, message },
        accepted ?? { status: 'True', reason: Reasons.SpecAccepted, message: '' },
        ctx.now,
      ),
      ...(previous.startTime ? { startTime: previous.startTime } : {}),
      completionTime: ctx.now.toISOString(),
    },
    events: [{ type: 'Warning', reason: Reasons.JobDeleted, action: 'Replay', note: message }],
  };
}

function buildStatus(
  resource: DeadLetterReplay,
  phase: ReplayPhase,
  counts: Counts,
  jobName: string | undefined,
  ready: ConditionFields,
  accepted: ConditionFields | Condition,
  now: Date,
): DeadLetterReplayStatus {
  const generation = resource.metadata.generation;
  const stamp = generation !== undefined ? { observedGeneration: generation } : {};
  let conditions = setCondition(resource.status?.conditions, { type: Conditions.Ready, ...ready, ...stamp }, now);
  conditions = setCondition(
    conditions,
    {
      type: Conditions.SpecAccepted,
      status: accepted.status,
      reason: accepted.reason,
      message: accepted.message,
      ...stamp,
    },
    now,
  );
  return {
    phase,
    matched: counts.matched,
    replayed: counts.replayed,
    skipped: counts.skipped,
    ...(jobName ? { jobName } : {}),
    replayGroup: replayGroupOf(resource),
    ...stamp,
    conditions,
  };
}

function countsOf(status: DeadLetterReplayStatus): Counts {
  return { matched: status.matched ?? 0, replayed: status.replayed ?? 0, skipped: status.skipped ?? 0 };
}

function jobCondition(job: ReplayJob, type: 'Complete' | 'Failed'): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function describeCounts(resource: DeadLetterReplay, c: Counts): string {
  return resource.spec.dryRun
    ? `dry run: ${c.matched} dead letters match, nothing produced (${c.skipped} skipped)`
    : `${c.replayed} replayed of ${c.matched} matched (${c.skipped} skipped)`;
}

function isNewReason(resource: DeadLetterReplay, reason: string): boolean {
  const ready = findCondition(resource.status?.conditions, Conditions.Ready);
  return ready?.reason !== reason || ready.observedGeneration !== resource.metadata.generation;
}
