import type { TopicAdmin } from '@ecom/kit';
import type { Logger } from 'pino';
import { parseObjectKey } from '../../api/meta.js';
import { jsonEqual } from '../../runtime/conditions.js';
import type { EventRecorder } from '../../runtime/events.js';
import { describeError, isConflict } from '../../runtime/kube.js';
import { reportFailure } from '../../runtime/report-failure.js';
import type { HandlerResult } from '../../runtime/workqueue.js';
import { targetOwner } from './conflict.js';
import { decide } from './decide.js';
import type { ConsumerAutoscalerKube } from './kube-api.js';
import { measureLag, oldestRecordAgeSeconds } from './lag.js';
import type { AutoscalerMetrics } from './metrics.js';
import { type EffectiveSpec, effectiveSpec } from './spec.js';
import type { LagObservation } from './types.js';

/** The part of the kit's TopicAdmin the autoscaler reads lag with (fakes in tests implement only this). */
export type LagReaderPort = Pick<TopicAdmin, 'groupOffsets' | 'recordTimestamps'>;

export interface ConsumerAutoscalerReconcilerOptions {
  kube: ConsumerAutoscalerKube;
  /** Undefined when the operator was started without Kafka brokers: every autoscaler says so. */
  lagReader?: LagReaderPort;
  /** A lag read that takes longer counts as failed (the replicas are held), so a poll never hangs. */
  lagReadTimeoutMs: number;
  recorder: EventRecorder;
  metrics: AutoscalerMetrics;
  logger: Logger;
  now?: () => Date;
}

/** A /scale write lost a race with another writer (409): look again soon. */
const CONFLICT_REQUEUE_MS = 200;

/**
 * The I/O around `decide`: read the resource (fresh, since its status holds the stabilization
 * history), the target's /scale, the group's lag and the namespace's other autoscalers (in
 * parallel), decide, write /scale when the
 * count changes, then status (only when it changed) and events. Requeues itself every
 * pollIntervalSeconds; status writes do not trigger a reconcile (see the controller).
 */
export function consumerAutoscalerReconciler(
  options: ConsumerAutoscalerReconcilerOptions,
): (key: string) => Promise<HandlerResult | undefined> {
  const now = options.now ?? (() => new Date());
  return async (key) => {
    const { namespace = 'default', name } = parseObjectKey(key);
    const labels = { namespace, name };
    const resource = await options.kube.get(namespace, name);
    if (!resource) {
      options.metrics.forget(labels);
      return undefined;
    }
    const log = options.logger.child({ consumerautoscaler: key, generation: resource.metadata.generation });
    const spec = effectiveSpec(resource);
    try {
      const [target, lag, siblings] = await Promise.all([
        options.kube.readScale(namespace, spec.target),
        readLag(spec, options, now),
        options.kube.list(namespace),
      ]);
      const owner = targetOwner(resource, siblings);
      if (!lag.ok) {
        options.metrics.lagReadFailed(labels);
        log.warn({ err: lag.message }, 'could not read the lag; holding the replicas');
      }
      const decision = decide(
        resource,
        {
          target: target.found ? { found: true, replicas: target.scale.replicas } : target,
          lag,
          ...(owner ? { targetOwner: owner } : {}),
        },
        now(),
      );
      if (decision.scaleTo !== undefined && target.found) {
        log.info({ from: target.scale.replicas, to: decision.scaleTo, why: decision.status.lastDecision }, 'scaling');
        await options.kube.writeScale(namespace, spec.target, target.scale, decision.scaleTo);
      }
      if (!jsonEqual(decision.status, resource.status)) {
        await options.kube.patchStatus(namespace, name, resource.status, decision.status);
      }
      for (const event of decision.events) await options.recorder.record(resource, event);
      options.metrics.record(labels, decision, target.found ? target.scale.replicas : undefined);
      return { requeueAfterMs: decision.requeueAfterMs };
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

/** The group's lag, its oldest record's age, or why they could not be read (never thrown). */
async function readLag(
  spec: EffectiveSpec,
  options: ConsumerAutoscalerReconcilerOptions,
  now: () => Date,
): Promise<LagObservation> {
  const reader = options.lagReader;
  if (!reader) return { ok: false, message: 'the operator was started without --kafka-brokers' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from Kafka within ${options.lagReadTimeoutMs / 1000} s`)),
      options.lagReadTimeoutMs,
    );
  });
  const read = async (): Promise<LagObservation> => {
    const offsets = await reader.groupOffsets(spec.consumerGroup, spec.topics);
    const measurement = measureLag(offsets.partitions, spec.offsetResetPolicy);
    const timestamps = await reader.recordTimestamps(measurement.positions);
    return {
      ok: true,
      groupState: offsets.state,
      measurement,
      timeLagSeconds: oldestRecordAgeSeconds(measurement.positions, timestamps, now()),
      missingTopics: offsets.missingTopics,
    };
  };
  try {
    return await Promise.race([read(), timeout]);
  } catch (error) {
    return { ok: false, message: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}
