/** The fields of a coordination.k8s.io/v1 Lease spec that leader election reads. */
export interface LeaseState {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  renewTime?: Date | string | null;
  acquireTime?: Date | string | null;
  leaseTransitions?: number | null;
}

export type LeaseDecision =
  /** No Lease object yet: create it holding it. */
  | { action: 'create' }
  /** We hold it: renew (keep acquireTime, move renewTime). */
  | { action: 'renew' }
  /** Free (released, or expired): take it, counting a transition. */
  | { action: 'acquire'; transitions: number }
  /** Someone else holds a live lease: wait, and try again. */
  | { action: 'wait'; holder: string; expiresAt: Date };

function toMillis(t: Date | string | null | undefined): number | undefined {
  if (t === null || t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * May `identity` take or renew the lease, given the Lease's spec (undefined when the object does
 * not exist) and the time now? A lease is live until renewTime + leaseDurationSeconds; an empty
 * holder means it was released. A lease with no parseable renew time is treated as expired, since
 * nobody can prove they hold it.
 */
export function decideLease(lease: LeaseState | undefined, identity: string, now: Date): LeaseDecision {
  if (!lease) return { action: 'create' };
  const holder = lease.holderIdentity ?? '';
  const transitions = lease.leaseTransitions ?? 0;
  if (holder === identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire', transitions: transitions + 1 };
  const renewedAt = toMillis(lease.renewTime) ?? toMillis(lease.acquireTime);
  const durationMs = (lease.leaseDurationSeconds ?? 0) * 1000;
  if (renewedAt === undefined || renewedAt + durationMs <= now.getTime()) {
    return { action: 'acquire', transitions: transitions + 1 };
  }
  return { action: 'wait', holder, expiresAt: new Date(renewedAt + durationMs) };
}
