import type { Logger } from 'pino';
import type { EventRecorder } from '../../runtime/events.js';
import { describeError, isConflict, isNotFound } from '../../runtime/kube.js';
import type { HandlerResult } from '../../runtime/workqueue.js';
import { decide, type ScrapeContext, type ScrapeState, type ScrapeStep } from './decide.js';
import type { ScrapeKube } from './kube-api.js';
import type { ServedMonitors } from './monitors.js';
import { MONITOR_KIND_OF, parseWorkloadKey, WORKLOAD_API_VERSIONS } from './workload.js';

export interface ScrapeReconcilerOptions extends ScrapeContext {
  kube: ScrapeKube;
  discovery: { current(): Promise<ServedMonitors>; recheck(): Promise<ServedMonitors> };
  recorder: EventRecorder;
  /** Where each workload stands (undefined: gone or no longer labelled), for the metrics. */
  onState: (key: string, state: ScrapeState | undefined) => void;
  logger: Logger;
}

/** A write lost a race (a delete precondition, a concurrent apply): look again soon. */
const RETRY_SOON_MS = 200;

/**
 * The I/O around `decide`: read the workload fresh from the API server (the informers only see
 * labelled ones, so an unlabelled workload is known only to a read), read its monitor when the
 * Prometheus Operator CRDs are served, act, and record events. A Warning is recorded when it is
 * new for the workload, not on every resync, so a cluster without the CRDs gets one
 * PrometheusOperatorNotInstalled per workload until they are installed.
 */
export function scrapeReconciler(
  options: ScrapeReconcilerOptions,
): (key: string) => Promise<HandlerResult | undefined> {
  /** Last Warning recorded per workload key (reason and note). */
  const warned = new Map<string, string>();
  return async (key) => {
    const ref = parseWorkloadKey(key);
    const workload = await options.kube.getWorkload(ref);
    if (!workload) {
      // Gone: the garbage collector deletes the monitor it owned.
      warned.delete(key);
      options.onState(key, undefined);
      return undefined;
    }
    const kind = MONITOR_KIND_OF[ref.kind];
    const monitorServed = (await options.discovery.current())[kind];
    const monitor = monitorServed ? await options.kube.getMonitor(kind, ref.namespace, ref.name) : undefined;
    const decision = decide({ workload, monitorServed, monitor }, options);
    const log = options.logger.child({ workload: key });

    try {
      for (const step of decision.steps) {
        log.debug({ step: describeStep(step) }, 'scrape step');
        await act(step, options.kube);
      }
    } catch (error) {
      if (isConflict(error)) return { requeueAfterMs: RETRY_SOON_MS };
      // The monitor resource itself is gone: its CRD was deleted since the last discovery.
      if (isNotFound(error) && !(await options.discovery.recheck())[kind]) return { requeueAfterMs: RETRY_SOON_MS };
      throw new Error(`scrape ${key}: ${describeError(error)}`, { cause: error });
    }

    options.onState(key, decision.state === 'notLabelled' ? undefined : decision.state);
    const regarding = {
      apiVersion: WORKLOAD_API_VERSIONS[workload.kind],
      kind: workload.kind,
      metadata: workload.metadata,
    };
    const warning = decision.events.find((e) => e.type === 'Warning');
    if (!warning) warned.delete(key);
    for (const event of decision.events) {
      if (event.type === 'Warning') {
        const signature = `${event.reason}\n${event.note}`;
        if (warned.get(key) === signature) continue;
        warned.set(key, signature);
        log.warn({ reason: event.reason }, event.note);
      } else {
        log.info({ reason: event.reason }, event.note);
      }
      await options.recorder.record(regarding, event);
    }
    return undefined;
  };
}

async function act(step: ScrapeStep, kube: ScrapeKube): Promise<void> {
  switch (step.type) {
    case 'apply':
      return kube.applyMonitor(step.monitor);
    case 'delete':
      return kube.deleteMonitor(step.kind, step.namespace, step.name, step.uid);
  }
}

function describeStep(step: ScrapeStep): string {
  return step.type === 'apply'
    ? `apply ${step.monitor.kind} ${step.monitor.metadata.namespace}/${step.monitor.metadata.name}`
    : `delete ${step.kind} ${step.namespace}/${step.name}`;
}
