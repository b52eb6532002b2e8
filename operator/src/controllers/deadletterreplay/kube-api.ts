import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { type DeadLetterReplay, type DeadLetterReplayStatus, deadLetterReplayCrd } from '../../api/deadletterreplay.js';
import { ECOM_GROUP, ECOM_VERSION } from '../../api/eventtopic.js';
import { isNotFound, type KubeClients } from '../../runtime/kube.js';
import { patchStatus } from '../../runtime/status.js';
import { FIELD_MANAGER } from '../eventtopic/kube-api.js';
import type { ReplayJob } from './types.js';

/** The Kubernetes reads and writes of the DeadLetterReplay reconciler. */
export interface DeadLetterReplayKube {
  get(namespace: string, name: string): Promise<DeadLetterReplay | undefined>;
  patchStatus(
    namespace: string,
    name: string,
    previous: DeadLetterReplayStatus | undefined,
    next: DeadLetterReplayStatus,
  ): Promise<void>;
  getJob(namespace: string, name: string): Promise<ReplayJob | undefined>;
  applyJob(job: ReplayJob): Promise<void>;
}

const replays = { group: ECOM_GROUP, version: ECOM_VERSION, plural: deadLetterReplayCrd.plural };
/** The CustomObjects API serves any group's resources by path, batch/v1 Jobs too. */
export const JOBS = { group: 'batch', version: 'v1', plural: 'jobs' };

export function deadLetterReplayKube(clients: KubeClients): DeadLetterReplayKube {
  const api = clients.customObjects;
  const getOrUndefined = async <T>(read: () => Promise<unknown>): Promise<T | undefined> => {
    try {
      return (await read()) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    get: (namespace, name) =>
      getOrUndefined<DeadLetterReplay>(() => api.getNamespacedCustomObject({ ...replays, namespace, name })),
    async patchStatus(namespace, name, previous, next) {
      await patchStatus(
        api,
        { ...replays, namespace, name },
        previous as Record<string, unknown> | undefined,
        next as Record<string, unknown>,
      );
    },
    getJob: (namespace, name) =>
      getOrUndefined<ReplayJob>(() => api.getNamespacedCustomObject({ ...JOBS, namespace, name })),
    async applyJob(job) {
      // Server-side apply of the whole Job: applying the same object again changes nothing, so a
      // reconcile that raced its own informer cannot make a second Job.
      await clients.objects.patch(
        job as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    },
  };
}
