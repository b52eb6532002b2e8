import {
  DEAD_LETTER_REPLAY_API_VERSION,
  DEAD_LETTER_REPLAY_DEFAULTS,
  DEAD_LETTER_REPLAY_KIND,
  type DeadLetterReplay,
  REPLAY_GENERATION_ANNOTATION,
  REPLAY_UID_LABEL,
} from '../../api/deadletterreplay.js';
import { type ReplayConfig, type ReplayFilter, replayArgs } from '../../replay/config.js';
import { replayKafkaPodParts } from './kafka-access.js';
import type { DecideContext, ReplayJob } from './types.js';

/** Labels of every replay Job (and its pods); the operator watches Jobs by the first two. */
export const REPLAY_JOB_LABELS = {
  'app.kubernetes.io/name': 'ecom-replay',
  'app.kubernetes.io/managed-by': 'ecom-operator',
  'app.kubernetes.io/part-of': 'ecom',
} as const;

export const REPLAY_JOB_SELECTOR = 'app.kubernetes.io/name=ecom-replay,app.kubernetes.io/managed-by=ecom-operator';

export const CONTAINER_NAME = 'replay';
/** The replay CLI's exit code for a problem retrying cannot fix (bad flags, a group taken). */
const EXIT_REFUSED = 2;

/** What every replay group (and transactional id) starts with; the operator's Kafka ACLs name it. */
export const REPLAY_GROUP_PREFIX = 'ecom-replay-';

/** The consumer group (and transactional id) holding a replay's progress: one per resource, by uid. */
export function replayGroupOf(resource: DeadLetterReplay): string {
  return `${REPLAY_GROUP_PREFIX}${resource.metadata.uid ?? ''}`;
}

/**
 * The Job's name: the resource's name (dots made dashes, cut to fit) and a piece of its uid, so a
 * resource deleted and created again under the same name never meets the old Job. Job names are
 * at most 63 characters (they become a pod label).
 */
export function jobNameOf(resource: DeadLetterReplay): string {
  const base = (resource.metadata.name ?? 'replay').replaceAll('.', '-').slice(0, 56).replace(/-+$/, '');
  return `${base}-${(resource.metadata.uid ?? '').slice(0, 6)}`;
}

/** What the Job's `ecom replay` runs with: the spec with the CRD's defaults, the brokers and the group. */
export function replayConfigOf(resource: DeadLetterReplay, brokers: string[]): Omit<ReplayConfig, 'logLevel'> {
  const { spec } = resource;
  const f = spec.filter ?? {};
  const filter: ReplayFilter = {};
  if (f.originalTopic) filter.originalTopic = f.originalTopic;
  if (f.consumerGroup) filter.consumerGroup = f.consumerGroup;
  if (f.errorClass) filter.errorClass = f.errorClass;
  if (f.key) filter.key = f.key;
  if (f.since) filter.since = new Date(f.since);
  if (f.until) filter.until = new Date(f.until);
  const target = spec.target?.topic;
  return {
    brokers,
    source: spec.source?.topic ?? DEAD_LETTER_REPLAY_DEFAULTS.sourceTopic,
    group: replayGroupOf(resource),
    filter,
    ...(target ? { target } : {}),
    ratePerSecond: spec.ratePerSecond ?? DEAD_LETTER_REPLAY_DEFAULTS.ratePerSecond,
    maxMessages: spec.maxMessages ?? DEAD_LETTER_REPLAY_DEFAULTS.maxMessages,
    dryRun: spec.dryRun ?? DEAD_LETTER_REPLAY_DEFAULTS.dryRun,
  };
}

/**
 * The replay's Job: owned by the resource (deleting it deletes the Job), the operator's image
 * running `ecom replay` with the spec as flags, under the restricted Pod Security profile, with no
 * Kubernetes API access (the progress lives in Kafka), reaching Kafka as the operator does (its
 * KAFKA_* settings, its Secrets mounted at the same paths). A failed pod is retried: it resumes from the
 * replay group. Exit code 2 (a spec the CLI refuses) fails the Job at once instead.
 */
export function desiredJob(
  resource: DeadLetterReplay,
  ctx: Pick<DecideContext, 'image' | 'brokers' | 'kafkaAccess'>,
): ReplayJob {
  const labels = { ...REPLAY_JOB_LABELS, [REPLAY_UID_LABEL]: resource.metadata.uid ?? '' };
  const kafka = replayKafkaPodParts(ctx.kafkaAccess);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameOf(resource),
      namespace: resource.metadata.namespace,
      labels,
      annotations: { [REPLAY_GENERATION_ANNOTATION]: String(resource.metadata.generation ?? 0) },
      ownerReferences: [
        {
          apiVersion: DEAD_LETTER_REPLAY_API_VERSION,
          kind: DEAD_LETTER_REPLAY_KIND,
          name: resource.metadata.name ?? '',
          uid: resource.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 6,
      podFailurePolicy: {
        rules: [
          {
            action: 'FailJob',
            onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [EXIT_REFUSED] },
          },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            // The group that may read the mounted Kafka Secrets (mode 0440).
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(kafka.volumes.length > 0 ? { volumes: kafka.volumes } : {}),
          containers: [
            {
              name: CONTAINER_NAME,
              image: ctx.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['replay', ...replayArgs({ ...replayConfigOf(resource, ctx.brokers), logLevel: 'warn' })],
              ...(kafka.env.length > 0 ? { env: kafka.env } : {}),
              ...(kafka.volumeMounts.length > 0 ? { volumeMounts: kafka.volumeMounts } : {}),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              resources: {
                requests: { cpu: '50m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '256Mi' },
              },
              // The log's last lines (the error) become the pod's termination message on failure.
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
        },
      },
    },
  };
}
