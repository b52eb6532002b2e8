import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, isConflict, isNotFound } from './kube.js';
import { decideLease, type LeaseObservation, type LeaseState, observeLease } from './lease-decision.js';

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  /** Unique per process (pod name + random suffix). */
  identity: string;
  /** Others may take the lease this long after its last renewal. */
  leaseDurationMs: number;
  /** The holder gives up leading when it could not renew for this long (less than leaseDurationMs). */
  renewDeadlineMs: number;
  /** How often to try to acquire or renew. */
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading: () => Promise<void> | void;
  onStoppedLeading: () => Promise<void> | void;
}

/** Durations are measured on a monotonic clock: a wall-clock step cannot shorten or stretch them. */
const monotonicNow = (): number => performance.now();

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: try to take or renew
 * every retry period; writes carry the Lease's resourceVersion, so two candidates cannot both win
 * (the loser gets 409). Whether the lease may be taken is the pure `decideLease`, by observed time:
 * the times written in the Lease are informative only, never compared with this machine's clock.
 */
export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  /** The Lease record as last seen (or written) by this candidate, and when, by monotonic time. */
  private observation: LeaseObservation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {}

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops campaigning; a leader stops its work, then releases the lease so another takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.loop;
    if (!this.leading) return;
    await this.stepDown('shutdown');
    await this.release();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => {
        if (!this.stopped) this.schedule(this.options.retryPeriodMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const { logger, identity } = this.options;
    let holds: boolean;
    try {
      holds = await this.tryAcquireOrRenew();
    } catch (error) {
      logger.warn({ err: describeError(error), lease: this.options.name }, 'leader election: lease update failed');
      holds = false;
    }
    if (this.stopped) return;
    const now = monotonicNow();
    if (holds) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        logger.info({ identity, lease: this.options.name }, 'leader election: became leader');
        await this.options.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.options.renewDeadlineMs) {
      await this.stepDown('renew deadline passed');
    }
  }

  private async stepDown(why: string): Promise<void> {
    this.leading = false;
    this.options.logger.warn({ identity: this.options.identity, why }, 'leader election: stopped leading');
    await this.options.onStoppedLeading();
  }

  /** True when this process holds the lease after the call. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.options;
    // Wall time only for the fields written (what `kubectl get lease` shows); decisions use `observedNow`.
    const now = new Date();
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const observedNow = monotonicNow();
    const { decision, observed } = decideLease(lease?.spec, identity, this.observation, observedNow);
    this.observation = observed;
    const durationSeconds = Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000));
    const micro = (t: Date | string | undefined) => new V1MicroTime(t ?? now);
    // What we wrote is what we saw last: the next read compares against it, as client-go does.
    const wrote = (spec: LeaseState) => {
      this.observation = observeLease(undefined, spec, observedNow);
      return true;
    };
    try {
      switch (decision.action) {
        case 'wait':
          return false;
        case 'create': {
          const spec = {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: micro(now),
            renewTime: micro(now),
            leaseTransitions: 0,
          };
          await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
          return wrote(spec);
        }
        case 'renew':
        case 'acquire': {
          const old = lease?.spec ?? {};
          const spec = {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: decision.action === 'renew' ? micro(old.acquireTime) : micro(now),
            renewTime: micro(now),
            leaseTransitions: decision.action === 'acquire' ? decision.transitions : (old.leaseTransitions ?? 0),
          };
          await api.replaceNamespacedLease({
            name,
            namespace,
            body: { metadata: { ...lease?.metadata, name, namespace }, spec },
          });
          return wrote(spec);
        }
      }
    } catch (error) {
      // Someone else wrote the lease between our read and write: they won this round.
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Empties the holder so another candidate does not have to wait for the lease to expire. */
  private async release(): Promise<void> {
    const { api, namespace, name, identity, logger } = this.options;
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      await api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: lease.metadata ?? { name, namespace },
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          },
        },
      });
      logger.info({ identity, lease: name }, 'leader election: released the lease');
    } catch (error) {
      logger.warn({ err: describeError(error), lease: name }, 'leader election: could not release the lease');
    }
  }
}
