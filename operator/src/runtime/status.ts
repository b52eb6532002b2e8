import type { CustomObjectsApi } from '@kubernetes/client-node';
import { mergePatch } from './kube.js';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/**
 * The merge patch that turns `previous` status into `next`: every field of `next`, and `null` for
 * top-level fields `next` no longer has (a merge patch would otherwise keep them).
 */
export function statusMergePatch(
  previous: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...next };
  for (const key of Object.keys(previous ?? {})) {
    if (!(key in next)) patch[key] = null;
  }
  return patch;
}

/** Writes status through the /status subresource, so spec and metadata are never touched by it. */
export async function patchStatus(
  api: CustomObjectsApi,
  ref: ResourceRef,
  previous: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): Promise<void> {
  await api.patchNamespacedCustomObjectStatus(
    { ...ref, body: { status: statusMergePatch(previous, next) } },
    mergePatch,
  );
}
