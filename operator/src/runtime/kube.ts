import {
  ApiException,
  CoordinationV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

/** The API clients the operator uses, built once from one kubeconfig. */
export interface KubeClients {
  config: KubeConfig;
  customObjects: CustomObjectsApi;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  objects: KubernetesObjectApi;
}

/** From a kubeconfig file, else the default chain (KUBECONFIG, ~/.kube/config, in-cluster service account). */
export function loadKubeConfig(path?: string): KubeConfig {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else config.loadFromDefault();
  if (!config.getCurrentCluster()) {
    throw new Error(
      `no current cluster in ${path ?? 'the default kubeconfig (KUBECONFIG, ~/.kube/config or in-cluster)'}; pass --kubeconfig`,
    );
  }
  return config;
}

export function makeKubeClients(config: KubeConfig): KubeClients {
  return {
    config,
    customObjects: config.makeApiClient(CustomObjectsApi),
    coordination: config.makeApiClient(CoordinationV1Api),
    events: config.makeApiClient(EventsV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

/** Request options that send a body as a JSON merge patch (the generated clients default to JSON patch). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The HTTP status of a client error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown; statusCode?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

export const isNotFound = (error: unknown): boolean => httpStatus(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatus(error) === 409;

/** A short description of a client error: the API server's Status message when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as unknown;
    let message: unknown;
    if (typeof body === 'string') {
      try {
        message = (JSON.parse(body) as { message?: unknown }).message;
      } catch {
        message = body;
      }
    } else if (body && typeof body === 'object') {
      message = (body as { message?: unknown }).message;
    }
    return `HTTP ${error.code}${message ? `: ${String(message)}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
