import type { Logger } from 'pino';
import type { Condition } from '../api/condition.js';
import { jsonEqual, setCondition } from './conditions.js';
import { describeError } from './kube.js';

interface WithConditions {
  metadata: { name?: string; namespace?: string; generation?: number };
  status?: { conditions?: Condition[] } & object;
}

/** Writes a resource's status through its status subresource (previous and next, for the patch). */
export type StatusWriter<S> = (namespace: string, name: string, previous: S | undefined, next: S) => Promise<void>;

/**
 * Says on the resource why the reconcile failed when the API server (or Kafka) failed us, e.g. RBAC
 * refused a verb: Ready=False, reason ReconcileError, the error as message. Best effort: a failure
 * to write it is logged, the work queue's backoff retries the reconcile anyway.
 */
export async function reportFailure<R extends WithConditions>(
  resource: R,
  error: unknown,
  at: Date,
  writeStatus: StatusWriter<NonNullable<R['status']>>,
  log: Logger,
): Promise<void> {
  const generation = resource.metadata.generation;
  const status = {
    ...resource.status,
    conditions: setCondition(
      resource.status?.conditions,
      {
        type: 'Ready',
        status: 'False',
        reason: 'ReconcileError',
        message: describeError(error),
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      },
      at,
    ),
  } as NonNullable<R['status']>;
  if (jsonEqual(status, resource.status)) return;
  try {
    await writeStatus(resource.metadata.namespace ?? 'default', resource.metadata.name ?? '', resource.status, status);
  } catch (statusError) {
    log.warn({ err: describeError(statusError) }, 'could not write the failure to status');
  }
}
