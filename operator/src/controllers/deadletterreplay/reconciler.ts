import type { OffsetReader } from '@ecom/kit';
import type { Logger } from 'pino';
import { DEAD_LETTER_REPLAY_DEFAULTS, type DeadLetterReplay } from '../../api/deadletterreplay.js';
import { parseObjectKey } from '../../api/meta.js';
import { totalCounts } from '../../replay/progress.js';
import { jsonEqual } from '../../runtime/conditions.js';
import type { EventRecorder } from '../../runtime/events.js';
import { describeError, isConflict } from '../../runtime/kube.js';
import { reportFailure } from '../../runtime/report-failure.js';
import type { HandlerResult } from '../../runtime/workqueue.js';
import { decide, isFinal } from './decide.js';
import { jobNameOf, replayGroupOf } from './job.js';
import type { ReplayKafkaAccess } from './kafka-access.js';
import type { DeadLetterReplayKube } from './kube-api.js';
import type { ProgressRead } from './types.js';

/** The part of the kit's OffsetReader the operator reads replay progress with (tests may fake it). */
export type ProgressReaderPort = Pick<OffsetReader, 'committed'>;

export interface DeadLetterReplayReconcilerOptions {
  kube: DeadLetterReplayKube;
  /** Undefined when the operator has no Kafka brokers (decide then says so on every replay). */
  progress?: ProgressReaderPort;
  /** The image of the replay Jobs: the operator's own. */
  image: string;
  brokers: string[];
  kafkaAccess: ReplayKafkaAccess;
  /** A progress read that takes longer counts as failed, so a reconcile never hangs on Kafka. */
  progressReadTimeoutMs: number;
  recorder: EventRecorder;
  logger: Logger;
  now?: () => Date;
}

/** A write lost a race (409): look again soon; not a failure worth a backoff. */
const CONFLICT_REQUEUE_MS = 200;

/**
 * The I/O around `decide`: read the resource and its Job fresh from the API server, and, while the
 * replay can still move, its counts from the replay group's commits in Kafka; decide; create the
 * Job when decided; write status when it changed; record events.
 */
export function deadLetterReplayReconciler(
  options: DeadLetterReplayReconcilerOptions,
): (key: string) => Promise<HandlerResult | undefined> {
  const now = options.now ?? (() => new Date());
  return async (key) => {
    const { namespace = 'default', name } = parseObjectKey(key);
    const resource = await options.kube.get(namespace, name);
    if (!resource) return undefined;
    const log = options.logger.child({ deadletterreplay: key, generation: resource.metadata.generation });
    try {
      const job = await options.kube.getJob(namespace, resource.status?.jobName ?? jobNameOf(resource));
      const progress = job && !isFinal(resource.status?.phase) ? await readProgress(resource, options) : undefined;
      if (progress && !progress.ok) log.warn({ err: progress.message }, 'could not read the replay progress');
      const decision = decide(
        resource,
        { ...(job ? { job } : {}), ...(progress ? { progress } : {}) },
        {
          now: now(),
          image: options.image,
          brokers: options.brokers,
          kafkaAccess: options.kafkaAccess,
        },
      );
      for (const step of decision.steps) {
        log.info({ job: step.job.metadata.name }, 'creating the replay Job');
        await options.kube.applyJob(step.job);
      }
      if (!jsonEqual(decision.status, resource.status)) {
        await options.kube.patchStatus(namespace, name, resource.status, decision.status);
      }
      for (const event of decision.events) await options.recorder.record(resource, event);
      return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : undefined;
    } catch (error) {
      if (isConflict(error)) {
        log.debug({ err: describeError(error) }, 'conflict; looking again');
        return { requeueAfterMs: CONFLICT_REQUEUE_MS };
      }
      await reportFailure(resource, error, now(), (...args) => options.kube.patchStatus(...args), log);
      throw new Error(`reconcile ${key}: ${describeError(error)}`, { cause: error });
    }
  };
}

/** The replay's counts from its group's commits in Kafka, or why not (never thrown). */
async function readProgress(
  resource: DeadLetterReplay,
  options: DeadLetterReplayReconcilerOptions,
): Promise<ProgressRead> {
  const reader = options.progress;
  if (!reader) return { ok: false, message: 'the operator was started without --kafka-brokers' };
  const source = resource.spec.source?.topic ?? DEAD_LETTER_REPLAY_DEFAULTS.sourceTopic;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from Kafka within ${options.progressReadTimeoutMs / 1000} s`)),
      options.progressReadTimeoutMs,
    );
  });
  try {
    const committed = await Promise.race([reader.committed(replayGroupOf(resource), source), timeout]);
    return { ok: true, ...totalCounts(committed) };
  } catch (error) {
    return { ok: false, message: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}
