import { KubernetesObjectApi } from '@kubernetes/client-node';
import {
  type ConsumerAutoscaler,
  type ConsumerAutoscalerStatus,
  consumerAutoscalerCrd,
} from '../../api/consumerautoscaler.js';
import { ECOM_GROUP, ECOM_VERSION } from '../../api/eventtopic.js';
import { describeError, isNotFound, type KubeClients } from '../../runtime/kube.js';
import { patchStatus } from '../../runtime/status.js';
import type { EffectiveSpec } from './spec.js';

/** The target's autoscaling/v1 Scale, as read: its replicas and the version to write against. */
export interface TargetScale {
  replicas: number;
  resourceVersion?: string;
}

export type ScaleRead = { found: true; scale: TargetScale } | { found: false; message: string };

/** The Kubernetes reads and writes of the ConsumerAutoscaler reconciler. */
export interface ConsumerAutoscalerKube {
  get(namespace: string, name: string): Promise<ConsumerAutoscaler | undefined>;
  list(namespace: string): Promise<ConsumerAutoscaler[]>;
  patchStatus(
    namespace: string,
    name: string,
    previous: ConsumerAutoscalerStatus | undefined,
    next: ConsumerAutoscalerStatus,
  ): Promise<void>;
  /** The target's /scale; not found when the kind is not served, the object is missing, or it has no /scale. */
  readScale(namespace: string, target: EffectiveSpec['target']): Promise<ScaleRead>;
  /**
   * Sets the target's replicas through /scale, conditional on the version read (a 409 means someone
   * changed it meanwhile: look again rather than overwrite).
   */
  writeScale(namespace: string, target: EffectiveSpec['target'], scale: TargetScale, replicas: number): Promise<void>;
}

const autoscalers = { group: ECOM_GROUP, version: ECOM_VERSION, plural: consumerAutoscalerCrd.plural };

/** The API server's discovery (cached per apiVersion): the resource name of a kind, e.g. Deployment -> deployments. */
class Discovery extends KubernetesObjectApi {
  async pluralOf(apiVersion: string, kind: string): Promise<string | undefined> {
    return (await this.resource(apiVersion, kind))?.name;
  }
}

export function consumerAutoscalerKube(clients: KubeClients): ConsumerAutoscalerKube {
  const api = clients.customObjects;
  const discovery = clients.config.makeApiClient(Discovery);

  /** group, version and plural of the target, or why there are none. */
  const locate = async (target: EffectiveSpec['target']) => {
    const [group = '', version = ''] = target.apiVersion.split('/');
    let plural: string | undefined;
    try {
      plural = await discovery.pluralOf(target.apiVersion, target.kind);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return plural
      ? { ok: true as const, group, version, plural }
      : { ok: false as const, message: `the API server serves no kind ${target.kind} in ${target.apiVersion}` };
  };

  return {
    async get(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject({ ...autoscalers, namespace, name })) as ConsumerAutoscaler;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async list(namespace) {
      const list = (await api.listNamespacedCustomObject({ ...autoscalers, namespace })) as {
        items: ConsumerAutoscaler[];
      };
      return list.items;
    },
    async patchStatus(namespace, name, previous, next) {
      await patchStatus(
        api,
        { ...autoscalers, namespace, name },
        previous as Record<string, unknown> | undefined,
        next as Record<string, unknown>,
      );
    },
    async readScale(namespace, target) {
      const where = await locate(target);
      if (!where.ok) return { found: false, message: where.message };
      try {
        const scale = (await api.getNamespacedCustomObjectScale({
          group: where.group,
          version: where.version,
          plural: where.plural,
          namespace,
          name: target.name,
        })) as { metadata?: { resourceVersion?: string }; spec?: { replicas?: number } };
        return {
          found: true,
          scale: { replicas: scale.spec?.replicas ?? 0, resourceVersion: scale.metadata?.resourceVersion },
        };
      } catch (error) {
        if (!isNotFound(error)) throw error;
        return {
          found: false,
          message: `no ${where.plural}/scale named ${target.name} in namespace ${namespace} (${describeError(error)})`,
        };
      }
    },
    async writeScale(namespace, target, scale, replicas) {
      const where = await locate(target);
      if (!where.ok) throw new Error(where.message);
      await api.replaceNamespacedCustomObjectScale({
        group: where.group,
        version: where.version,
        plural: where.plural,
        namespace,
        name: target.name,
        body: {
          apiVersion: 'autoscaling/v1',
          kind: 'Scale',
          metadata: { name: target.name, namespace, resourceVersion: scale.resourceVersion },
          spec: { replicas },
        },
      });
    },
  };
}
