import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, isConflict, isNotFound } from './kube.js';
import { decideLease } from './lease-decision.js';

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

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: try to take or renew
 * every retry period; writes carry the Lease's resourceVersion, so two candidates cannot both win
 * (the loser gets 409). Whether the lease may be taken is the pure `decideLease`.
 */
export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
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
    const now = Date.now();
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
    const now = new Date();
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const decision = decideLease(lease?.spec, identity, now);
    const durationSeconds = Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000));
    const micro = (t: Date | string | undefined) => new V1MicroTime(t ?? now);
    try {
      switch (decision.action) {
        case 'wait':
          return false;
        case 'create':
          await api.createNamespacedLease({
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: micro(now),
                renewTime: micro(now),
                leaseTransitions: 0,
              },
            },
          });
          return true;
        case 'renew':
        case 'acquire': {
          const spec = lease?.spec ?? {};
          await api.replaceNamespacedLease({
            name,
            namespace,
            body: {
              metadata: { ...lease?.metadata, name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: decision.action === 'renew' ? micro(spec.acquireTime) : micro(now),
                renewTime: micro(now),
                leaseTransitions: decision.action === 'acquire' ? decision.transitions : (spec.leaseTransitions ?? 0),
              },
            },
          });
          return true;
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
