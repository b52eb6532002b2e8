// Test-only: the targets Prometheus' Kubernetes service discovery reports for real API objects, as
// static_configs. Debian's prometheus is built without kubernetes_sd_configs, so a test that runs
// it on a configuration prometheus-operator generated swaps each job's discovery for these targets
// and keeps the job's relabeling: the generated relabel_configs decide which targets survive, as in
// a cluster. Label names follow Prometheus' kubernetes_sd_config documentation (roles pod, endpoints
// and endpointslice).
import type { V1Pod, V1Service } from '@kubernetes/client-node';

export interface StaticTargets {
  targets: string[];
  labels: Record<string, string>;
}

/** Prometheus' label name for a Kubernetes label or annotation key. */
const sanitize = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_');

function labelSet(prefix: string, labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    out[`${prefix}_label_${sanitize(k)}`] = v;
    out[`${prefix}_labelpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

/** The pod-level labels of role pod (and of endpoints whose target is a pod). */
function podLabels(pod: V1Pod): Record<string, string> {
  const m = pod.metadata ?? {};
  const owner = m.ownerReferences?.find((r) => r.controller);
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return {
    __meta_kubernetes_namespace: m.namespace ?? '',
    __meta_kubernetes_pod_name: m.name ?? '',
    __meta_kubernetes_pod_ip: pod.status?.podIP ?? '',
    __meta_kubernetes_pod_uid: m.uid ?? '',
    __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
    __meta_kubernetes_pod_host_ip: pod.status?.hostIP ?? '',
    __meta_kubernetes_pod_phase: pod.status?.phase ?? '',
    __meta_kubernetes_pod_ready: String(ready),
    ...(owner
      ? { __meta_kubernetes_pod_controller_kind: owner.kind, __meta_kubernetes_pod_controller_name: owner.name }
      : {}),
    ...labelSet('__meta_kubernetes_pod', m.labels),
  };
}

/** Role pod: one target per declared container port, at the pod IP. */
export function podTargets(pod: V1Pod): StaticTargets[] {
  const ip = pod.status?.podIP;
  if (!ip) throw new Error(`pod ${pod.metadata?.name} has no podIP: Prometheus would not discover it`);
  return (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      targets: [`${ip}:${p.containerPort}`],
      labels: {
        ...podLabels(pod),
        __meta_kubernetes_pod_container_init: 'false',
        __meta_kubernetes_pod_container_name: c.name,
        __meta_kubernetes_pod_container_image: c.image ?? '',
        __meta_kubernetes_pod_container_port_name: p.name ?? '',
        __meta_kubernetes_pod_container_port_number: String(p.containerPort),
        __meta_kubernetes_pod_container_port_protocol: p.protocol ?? 'TCP',
      },
    })),
  );
}

/**
 * Roles endpoints and endpointslice for a Service whose endpoints are `pods` (what the endpoints
 * controller would write for its selector): one target per Service port and pod, at the pod IP and
 * the container port the Service port targets, with the Service's and the pod's labels.
 */
export function endpointTargets(
  service: V1Service,
  pods: V1Pod[],
  role: 'endpoints' | 'endpointslice',
): StaticTargets[] {
  const name = service.metadata?.name ?? '';
  const p = role === 'endpoints' ? '__meta_kubernetes_endpoint' : '__meta_kubernetes_endpointslice';
  return (service.spec?.ports ?? []).flatMap((port) =>
    pods.map((pod) => {
      const ip = pod.status?.podIP;
      if (!ip) throw new Error(`pod ${pod.metadata?.name} has no podIP: it would be no endpoint`);
      const containerPort = (pod.spec?.containers ?? [])
        .flatMap((c) => (c.ports ?? []).map((cp) => ({ c, cp })))
        .find(({ cp }) => cp.name === port.targetPort || cp.containerPort === port.targetPort);
      const number = containerPort?.cp.containerPort ?? Number(port.targetPort ?? port.port);
      return {
        targets: [`${ip}:${number}`],
        labels: {
          ...podLabels(pod),
          ...(containerPort
            ? {
                __meta_kubernetes_pod_container_name: containerPort.c.name,
                __meta_kubernetes_pod_container_port_name: containerPort.cp.name ?? '',
                __meta_kubernetes_pod_container_port_number: String(containerPort.cp.containerPort),
                __meta_kubernetes_pod_container_port_protocol: containerPort.cp.protocol ?? 'TCP',
              }
            : {}),
          __meta_kubernetes_service_name: name,
          ...labelSet('__meta_kubernetes_service', service.metadata?.labels),
          ...(role === 'endpoints'
            ? {
                __meta_kubernetes_endpoints_name: name,
                ...labelSet('__meta_kubernetes_endpoints', service.metadata?.labels),
                __meta_kubernetes_endpoint_ready: 'true',
              }
            : {
                __meta_kubernetes_endpointslice_name: `${name}-1`,
                __meta_kubernetes_endpointslice_address_type: 'IPv4',
                __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
                __meta_kubernetes_endpointslice_port: String(number),
              }),
          [`${p}_port_name`]: port.name ?? '',
          [`${p}_port_protocol`]: port.protocol ?? 'TCP',
          [`${p}_address_target_kind`]: 'Pod',
          [`${p}_address_target_name`]: pod.metadata?.name ?? '',
        },
      };
    }),
  );
}
