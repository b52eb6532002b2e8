import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { objectKey } from '../api/meta.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';

export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';

/** Builds one client informer (list + watch). Production passes `makeInformer`; tests pass a fake. */
export type InformerFactory<T extends KubernetesObject> = () => Informer<T> & ObjectCache<T>;

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs and metrics, e.g. "eventtopics". */
  name: string;
  factory: InformerFactory<T>;
  /** Every object is handed to `onEvent('resync')` this often, so drift outside Kubernetes is corrected. */
  resyncMs: number;
  /** No event nor (re)connect for this long means the watch is stuck: restart it. */
  silenceMs: number;
  /** Delay between restarts after errors. */
  restartBackoff: BackoffOptions;
  onEvent: (event: InformerEvent, object: T) => void;
  /** Called at each restart (metrics). */
  onRestart?: (why: string) => void;
  logger: Logger;
}

/**
 * Wraps the client's informer so it keeps running. The client's ListWatch stops for good after a
 * list or watch error (it only calls the error callback) and can go quiet without noticing, so:
 * - on an error, a fresh informer is started after a backoff (a new list, then watch);
 * - a watchdog restarts it when nothing (event or reconnect) was seen for `silenceMs`; the client
 *   reconnects an idle watch every 30 s, so silence well beyond that means it is stuck;
 * - every `resyncMs`, every cached object is handed out again.
 * Each restart gets a new epoch; callbacks of a replaced informer are ignored, since stopping one
 * makes it report the abort as an error.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private current: (Informer<T> & ObjectCache<T>) | undefined;
  private epoch = 0;
  private failures = 0;
  private lastActivity = Date.now();
  private synced = false;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** Last known objects by key, to report deletions that happened while the watch was down. */
  private known = new Map<string, T>();
  private restarts = 0;

  constructor(private readonly options: ResilientInformerOptions<T>) {}

  /** Starts listing and watching; resolves after the first attempt (successful or not). */
  async start(): Promise<void> {
    this.stopped = false;
    this.resyncTimer = setInterval(() => this.resync(), this.options.resyncMs);
    this.resyncTimer.unref();
    this.watchdogTimer = setInterval(() => this.checkSilence(), Math.max(100, Math.floor(this.options.silenceMs / 4)));
    this.watchdogTimer.unref();
    await this.run('start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.epoch++;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    clearInterval(this.watchdogTimer);
    const informer = this.current;
    this.current = undefined;
    await informer?.stop().catch(() => undefined);
  }

  /** True once a list succeeded since the last (re)start. */
  hasSynced(): boolean {
    return this.synced;
  }

  restartCount(): number {
    return this.restarts;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.current?.get(name, namespace);
  }

  list(): readonly T[] {
    return this.current?.list() ?? [];
  }

  private async run(why: string): Promise<void> {
    if (this.stopped) return;
    const epoch = ++this.epoch;
    const previous = this.current;
    this.current = undefined;
    this.synced = false;
    await previous?.stop().catch(() => undefined);

    const informer = this.options.factory();
    let failed = false;
    const live = () => epoch === this.epoch && !this.stopped;
    const handle = (event: InformerEvent) => (obj: T) => {
      if (!live()) return;
      this.lastActivity = Date.now();
      const key = objectKey(obj.metadata ?? {});
      if (event === 'delete') this.known.delete(key);
      else this.known.set(key, obj);
      this.options.onEvent(event, obj);
    };
    informer.on('add', handle('add'));
    informer.on('update', handle('update'));
    informer.on('delete', handle('delete'));
    informer.on('connect', () => {
      if (live()) this.lastActivity = Date.now();
    });
    informer.on('error', (error?: unknown) => {
      if (!live()) return;
      failed = true;
      this.scheduleRestart(error);
    });
    this.current = informer;
    this.lastActivity = Date.now();
    try {
      await informer.start();
    } catch (error) {
      if (live() && !failed) {
        failed = true;
        this.scheduleRestart(error);
      }
      return;
    }
    if (!live() || failed) return;
    // start() resolves after the list and once the watch is open: the cache is complete.
    this.synced = true;
    this.failures = 0;
    this.reportMissedDeletions(informer);
    this.options.logger.info({ informer: this.options.name, why, objects: informer.list().length }, 'informer synced');
  }

  private scheduleRestart(error: unknown): void {
    this.failures++;
    this.synced = false;
    const delay = backoffDelay(this.failures, this.options.restartBackoff);
    this.options.logger.warn(
      { informer: this.options.name, err: error, failures: this.failures, retryInMs: delay },
      'informer stopped on an error; restarting',
    );
    this.restart(`error`, delay);
  }

  private restart(why: string, delayMs: number): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.options.onRestart?.(why);
      void this.run(why);
    }, delayMs);
    this.restartTimer.unref();
  }

  private checkSilence(): void {
    if (this.stopped || this.isRestartPending()) return;
    const silentFor = Date.now() - this.lastActivity;
    if (silentFor < this.options.silenceMs) return;
    this.options.logger.warn({ informer: this.options.name, silentForMs: silentFor }, 'informer silent; restarting');
    this.lastActivity = Date.now();
    this.restart('silence', 0);
  }

  /** After an error a restart is already scheduled (with backoff); the watchdog must not hurry it. */
  private isRestartPending(): boolean {
    return this.failures > 0 && !this.synced;
  }

  private resync(): void {
    if (this.stopped || !this.synced || !this.current) return;
    for (const obj of this.current.list()) this.options.onEvent('resync', obj);
  }

  /** Objects known before a restart but absent from the new list were deleted while the watch was down. */
  private reportMissedDeletions(informer: Informer<T> & ObjectCache<T>): void {
    const present = new Set(informer.list().map((o) => objectKey(o.metadata ?? {})));
    for (const [key, obj] of [...this.known]) {
      if (present.has(key)) continue;
      this.known.delete(key);
      this.options.onEvent('delete', obj);
    }
  }
}
