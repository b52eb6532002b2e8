import type { Logger } from 'pino';
import type { Controller } from './controller.js';
import { startHealthServer } from './health-server.js';
import { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
import type { OperatorMetrics } from './metrics.js';

export interface ManagerOptions {
  /** Builds the controllers each time this instance becomes leader (a stopped queue cannot restart). */
  controllers: () => Controller[];
  election: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'logger'>;
  metrics: OperatorMetrics;
  metricsPort: number;
  logger: Logger;
}

export interface Manager {
  /** Port of /metrics, /healthz, /readyz. */
  port: number;
  isLeader(): boolean;
  /** The running controllers (empty when not leading). */
  controllers(): readonly Controller[];
  stop(): Promise<void>;
}

/**
 * Runs controllers only while this instance holds the leader Lease, and serves health and metrics
 * all along (a standby is ready: it is waiting, as it should).
 */
export async function startManager(options: ManagerOptions): Promise<Manager> {
  const { metrics, logger } = options;
  let running: Controller[] = [];
  /** Serializes start/stop of controllers across lease changes. */
  let transition: Promise<void> = Promise.resolve();

  const elector = new LeaderElector({
    ...options.election,
    logger,
    onStartedLeading: () => {
      transition = transition.then(async () => {
        metrics.leader.set(1);
        running = options.controllers();
        await Promise.all(running.map((c) => c.start()));
        logger.info({ controllers: running.map((c) => c.name) }, 'controllers started');
      });
      return transition;
    },
    onStoppedLeading: () => {
      transition = transition.then(async () => {
        metrics.leader.set(0);
        const stopping = running;
        running = [];
        await Promise.all(stopping.map((c) => c.stop()));
        logger.info('controllers stopped');
      });
      return transition;
    },
  });

  const server = await startHealthServer({
    port: options.metricsPort,
    registry: metrics.registry,
    ready: () => {
      if (!elector.isLeader()) return { ok: true, detail: 'standby: waiting for the leader lease' };
      const unsynced = running.filter((c) => !c.hasSynced()).map((c) => c.name);
      return unsynced.length === 0
        ? { ok: true, detail: 'leader: informers synced' }
        : { ok: false, detail: `leader: waiting for informers of ${unsynced.join(', ')}` };
    },
  });
  elector.start();
  logger.info({ port: server.port, identity: options.election.identity }, 'manager started');

  return {
    port: server.port,
    isLeader: () => elector.isLeader(),
    controllers: () => running,
    async stop() {
      await elector.stop();
      await transition;
      await server.close();
    },
  };
}
