import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BackoffOptions } from './backoff.js';
import { type InformerEvent, type InformerFactory, ResilientInformer } from './informer.js';
import type { OperatorMetrics } from './metrics.js';
import { type HandlerResult, WorkQueue } from './workqueue.js';

/** One watched resource type and how its events map to work queue keys. */
export interface WatchSource<T extends KubernetesObject = KubernetesObject> {
  name: string;
  factory: InformerFactory<T>;
  /** Keys to reconcile for an event on `object` (its own key, or its owner's). */
  keysFor: (object: T, event: InformerEvent) => string[];
}

export interface ControllerOptions {
  name: string;
  sources: WatchSource[];
  reconcile: (key: string) => Promise<HandlerResult | undefined>;
  concurrency: number;
  resyncMs: number;
  watchSilenceMs: number;
  retryBackoff: BackoffOptions;
  informerBackoff: BackoffOptions;
  minRequeueAfterMs?: number;
  metrics: OperatorMetrics;
  logger: Logger;
}

/**
 * A controller: informers feed keys into a work queue whose workers run `reconcile`. It measures
 * every reconcile and retries failures with backoff; what a reconcile does is the caller's.
 */
export class Controller {
  private readonly queue: WorkQueue;
  private readonly informers: ResilientInformer<KubernetesObject>[];

  constructor(private readonly options: ControllerOptions) {
    const { name, metrics, logger } = options;
    this.queue = new WorkQueue((key) => this.run(key), {
      concurrency: options.concurrency,
      backoff: options.retryBackoff,
      minRequeueAfterMs: options.minRequeueAfterMs,
      onDepth: (depth) => metrics.workqueueDepth.set({ controller: name }, depth),
      onError: (key, error, failures, retryInMs) =>
        logger.warn({ controller: name, key, err: error, failures, retryInMs }, 'reconcile failed; will retry'),
    });
    this.informers = options.sources.map(
      (source) =>
        new ResilientInformer<KubernetesObject>({
          name: source.name,
          factory: source.factory,
          resyncMs: options.resyncMs,
          silenceMs: options.watchSilenceMs,
          restartBackoff: options.informerBackoff,
          logger,
          onRestart: () => metrics.informerRestarts.inc({ informer: source.name }),
          onEvent: (event, object) => {
            for (const key of source.keysFor(object, event)) this.queue.add(key);
          },
        }),
    );
  }

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    this.queue.start();
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.queue.shutdown();
  }

  /** Every informer has listed since its last (re)start. */
  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  /** Asks for a reconcile of `key` (tests, and callers that know something changed). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  private async run(key: string): Promise<HandlerResult | undefined> {
    const { name, metrics } = this.options;
    const end = metrics.reconcileDuration.startTimer({ controller: name });
    try {
      const result = await this.options.reconcile(key);
      metrics.reconcileTotal.inc({
        controller: name,
        result: result?.requeueAfterMs !== undefined ? 'requeue' : 'success',
      });
      return result;
    } catch (error) {
      metrics.reconcileTotal.inc({ controller: name, result: 'error' });
      throw error;
    } finally {
      end();
    }
  }
}
