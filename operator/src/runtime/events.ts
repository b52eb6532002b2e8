import { randomBytes } from 'node:crypto';
import { type EventsV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectMeta } from '../api/meta.js';
import { describeError } from './kube.js';

export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

export interface Regarding {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface EventRecorder {
  record(regarding: Regarding, note: EventNote): Promise<void>;
}

/** The events.k8s.io/v1 `note` limit. */
const MAX_NOTE = 1024;

/**
 * Records events.k8s.io/v1 Events on the object they are about (`kubectl describe` and
 * `kubectl events` show them). Failing to record is logged, never fatal: events are a courtesy.
 */
export function kubeEventRecorder(options: {
  api: EventsV1Api;
  controller: string;
  instance: string;
  logger: Logger;
}): EventRecorder {
  return {
    async record(regarding, note) {
      const namespace = regarding.metadata.namespace ?? 'default';
      const name = `${regarding.metadata.name ?? 'object'}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`;
      try {
        await options.api.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name, namespace },
            eventTime: new V1MicroTime(),
            reportingController: options.controller,
            reportingInstance: options.instance,
            action: note.action,
            reason: note.reason,
            type: note.type,
            note: note.note.length > MAX_NOTE ? `${note.note.slice(0, MAX_NOTE - 3)}...` : note.note,
            regarding: {
              apiVersion: regarding.apiVersion,
              kind: regarding.kind,
              name: regarding.metadata.name,
              namespace,
              uid: regarding.metadata.uid,
              resourceVersion: regarding.metadata.resourceVersion,
            },
          },
        });
      } catch (error) {
        options.logger.warn({ err: describeError(error), reason: note.reason }, 'could not record event');
      }
    },
  };
}
