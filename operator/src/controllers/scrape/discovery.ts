import type { Logger } from 'pino';
import { describeError } from '../../runtime/kube.js';
import type { MonitorKind, ServedMonitors } from './monitors.js';

export interface MonitorDiscoveryOptions {
  /** Asks the API server which monitor kinds it serves. */
  check: () => Promise<ServedMonitors>;
  /** Re-check this often, so CRDs installed (or removed) later are noticed without a restart. */
  intervalMs: number;
  /** Called with every result that differs from the previous one (and with the first). */
  onChange: (served: ServedMonitors, previous: ServedMonitors | undefined) => Promise<void> | void;
  logger: Logger;
}

/** Kinds whose served state differs between two discovery results (all kinds when there was none). */
export function changedKinds(served: ServedMonitors, previous: ServedMonitors | undefined): MonitorKind[] {
  return (Object.keys(served) as MonitorKind[]).filter((k) => previous?.[k] !== served[k]);
}

/**
 * Whether the Prometheus Operator CRDs are installed, from API discovery: checked when first asked,
 * then every `intervalMs`, and at once when a caller saw the monitor API vanish. Reconciles read the
 * last result, so a cluster without the CRDs costs one discovery request per interval, not an error
 * loop.
 */
export class MonitorDiscovery {
  private served: ServedMonitors | undefined;
  private inFlight: Promise<ServedMonitors> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: MonitorDiscoveryOptions) {}

  /** First check (a failure is logged and retried on the interval), then the periodic re-check. */
  async start(): Promise<void> {
    await this.recheck().catch((error: unknown) =>
      this.options.logger.warn({ err: describeError(error) }, 'Prometheus Operator CRD discovery failed; will retry'),
    );
    this.timer = setInterval(() => {
      this.recheck().catch((error: unknown) =>
        this.options.logger.warn({ err: describeError(error) }, 'Prometheus Operator CRD discovery failed; will retry'),
      );
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** The last result; checks now if there is none yet (a failure throws: the reconcile retries). */
  current(): Promise<ServedMonitors> {
    return this.served ? Promise.resolve(this.served) : this.recheck();
  }

  /** Checks now; concurrent callers share one request. */
  recheck(): Promise<ServedMonitors> {
    this.inFlight ??= this.options
      .check()
      .then(async (served) => {
        const previous = this.served;
        this.served = served;
        if (changedKinds(served, previous).length > 0 && !this.stopped) {
          this.options.logger.info({ served, previous }, 'Prometheus Operator monitor kinds served');
          await this.options.onChange(served, previous);
        }
        return served;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
