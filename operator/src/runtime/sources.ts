import { type KubernetesListObject, type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import type { WatchSource } from './controller.js';
import type { KubeClients } from './kube.js';

/** A list + watch source for one custom resource, in one namespace or all. */
export function customResourceSource(
  clients: KubeClients,
  r: { group: string; version: string; plural: string },
  namespace: string | undefined,
  keysFor: WatchSource['keysFor'],
  labelSelector?: string,
): WatchSource {
  const path = namespace
    ? `/apis/${r.group}/${r.version}/namespaces/${namespace}/${r.plural}`
    : `/apis/${r.group}/${r.version}/${r.plural}`;
  const list = async () =>
    (namespace
      ? await clients.customObjects.listNamespacedCustomObject({ ...r, namespace, labelSelector })
      : await clients.customObjects.listClusterCustomObject({
          ...r,
          labelSelector,
        })) as KubernetesListObject<KubernetesObject>;
  return {
    name: `${r.plural}.${r.group}`,
    factory: () => makeInformer(clients.config, path, list, labelSelector),
    keysFor,
  };
}
