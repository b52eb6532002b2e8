/** The fields of a coordination.k8s.io/v1 Lease spec that leader election reads. */
export interface LeaseState {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  renewTime?: Date | string | null;
  acquireTime?: Date | string | null;
  leaseTransitions?: number | null;
}

/**
 * What a candidate last saw of the Lease record, and when it first saw it that way, by the
 * candidate's own monotonic clock. Never compared with a time written by another process.
 */
export interface LeaseObservation {
  /** The record's fields, as one comparable string. */
  record: string;
  /** Local monotonic time (ms) at which the record was first seen as it is. */
  at: number;
}

export type LeaseDecision =
  /** No Lease object yet: create it holding it. */
  | { action: 'create' }
  /** We hold it: renew (keep acquireTime, move renewTime). */
  | { action: 'renew' }
  /** Free (released, or expired): take it, counting a transition. */
  | { action: 'acquire'; transitions: number }
  /** Someone else holds a live lease: wait, and try again. */
  | { action: 'wait'; holder: string; expiresInMs: number };

function toMillis(t: Date | string | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

/** The record as a string that changes whenever any field does (client-go compares the raw record). */
export function leaseRecord(lease: LeaseState): string {
  return JSON.stringify([
    lease.holderIdentity ?? '',
    lease.leaseDurationSeconds ?? null,
    toMillis(lease.acquireTime),
    toMillis(lease.renewTime),
    lease.leaseTransitions ?? 0,
  ]);
}

/** `previous`, or a new observation from `now` when the record changed since (or was never seen). */
export function observeLease(previous: LeaseObservation | undefined, lease: LeaseState, now: number): LeaseObservation {
  const record = leaseRecord(lease);
  return previous?.record === record ? previous : { record, at: now };
}

/**
 * May `identity` take or renew the lease? client-go's observed-time rule: another holder's lease
 * is live until leaseDurationSeconds have passed, on this candidate's clock, since the candidate
 * first saw the record as it is now. The holder's renewTime is never compared with the local
 * clock, so clock skew between machines cannot make two leaders: as long as the holder keeps
 * renewing, the record keeps changing and the wait starts over. An empty holder means released.
 *
 * `lease` is undefined when the object does not exist; `previous` is the last observation
 * (undefined on a fresh start: then the full duration is waited, as client-go does); `now` is
 * local monotonic ms. Returns the decision and the observation to keep for the next call.
 */
export function decideLease(
  lease: LeaseState | undefined,
  identity: string,
  previous: LeaseObservation | undefined,
  now: number,
): { decision: LeaseDecision; observed: LeaseObservation | undefined } {
  if (!lease) return { decision: { action: 'create' }, observed: previous };
  const observed = observeLease(previous, lease, now);
  const holder = lease.holderIdentity ?? '';
  const transitions = lease.leaseTransitions ?? 0;
  if (holder === identity) return { decision: { action: 'renew' }, observed };
  if (holder === '') return { decision: { action: 'acquire', transitions: transitions + 1 }, observed };
  const expiresAt = observed.at + (lease.leaseDurationSeconds ?? 0) * 1000;
  if (expiresAt <= now) return { decision: { action: 'acquire', transitions: transitions + 1 }, observed };
  return { decision: { action: 'wait', holder, expiresInMs: expiresAt - now }, observed };
}
