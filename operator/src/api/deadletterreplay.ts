import { conditionSchema } from './condition.js';
import type { CustomResourceDescription } from './crd.js';
import { ECOM_GROUP, ECOM_VERSION } from './eventtopic.js';
import type { ObjectMeta } from './meta.js';
import { array, boolean, type Infer, integer, object, string, stringEnum } from './schema.js';

export const DEAD_LETTER_REPLAY_KIND = 'DeadLetterReplay';
export const DEAD_LETTER_REPLAY_API_VERSION = `${ECOM_GROUP}/${ECOM_VERSION}` as const;

/** The defaults the CRD applies (the replay CLI's own defaults are the same: replay/config.ts). */
export const DEAD_LETTER_REPLAY_DEFAULTS = {
  sourceTopic: 'ecom.dlq',
  ratePerSecond: 100,
  maxMessages: 10_000,
  dryRun: false,
} as const;

const D = DEAD_LETTER_REPLAY_DEFAULTS;
/** Kafka's legal topic names. */
const TOPIC = '^[a-zA-Z0-9._-]+$';

const topicName = (description: string, extra: { default?: string } = {}) =>
  string({ description, pattern: TOPIC, minLength: 1, maxLength: 249, ...extra });

export const deadLetterReplaySpecSchema = object(
  {
    source: object(
      {
        topic: topicName(`The dead-letter topic to read. Defaults to ${D.sourceTopic}.`, { default: D.sourceTopic }),
      },
      { description: 'Where the dead letters are.', default: {} },
    ),
    filter: object(
      {
        originalTopic: topicName(
          'Only dead letters of records that failed on this topic (the dlq_original_topic header), e.g. ecom.orders.',
        ),
        consumerGroup: string({
          description: 'Only dead letters of this consumer group (dlq_consumer_group), e.g. payment.',
          minLength: 1,
          maxLength: 255,
        }),
        errorClass: string({
          description:
            'Only this error class (dlq_error_class): SchemaViolation, InvalidJson, InvalidEnvelope, UnknownEventType for records that could not be read, else the name of the error the handler threw.',
          minLength: 1,
          maxLength: 255,
        }),
        key: string({
          description: 'Only records with exactly this key (the orderId for the saga topics).',
          minLength: 1,
          maxLength: 1024,
        }),
        since: string({
          description: 'Only dead letters that failed at or after this time (RFC 3339; the dlq_failed_at header).',
          format: 'date-time',
        }),
        until: string({
          description: 'Only dead letters that failed before this time (RFC 3339; the dlq_failed_at header).',
          format: 'date-time',
        }),
      },
      {
        description: 'Which dead letters to replay. Every field that is set must match (AND); no filter replays all.',
        'x-kubernetes-validations': [
          {
            rule: '!has(self.since) || !has(self.until) || timestamp(self.since) < timestamp(self.until)',
            message: 'filter.since must be before filter.until',
          },
        ],
      },
    ),
    target: object(
      {
        topic: string({
          description:
            "Produce every replayed record to this topic. Empty (the default): back to each record's original topic, which is safe for every consumer group reading it: each inbox drops the events it already processed (same ce_id).",
          pattern: '^[a-zA-Z0-9._-]*$',
          maxLength: 249,
        }),
      },
      { description: 'Where replayed records go.' },
    ),
    ratePerSecond: integer({
      description: `Records replayed per second at most, so a large replay does not flood the consumers. Defaults to ${D.ratePerSecond}.`,
      minimum: 1,
      maximum: 100_000,
      default: D.ratePerSecond,
    }),
    maxMessages: integer({
      description: `The replay ends after this many records (a dry run: after this many matches). Defaults to ${D.maxMessages}.`,
      minimum: 1,
      maximum: 100_000_000,
      default: D.maxMessages,
    }),
    dryRun: boolean({
      description:
        'Count and list the matching dead letters (in the Job log) without producing anything. Defaults to false.',
      default: D.dryRun,
    }),
  },
  {
    description:
      'The replay to run. It is fixed once the replay Job exists: a later change is refused (SpecAccepted=False) and changes nothing; create a new DeadLetterReplay instead.',
    'x-kubernetes-validations': [
      {
        rule: "!has(self.target) || !has(self.target.topic) || self.target.topic == '' || self.target.topic != (has(self.source) && has(self.source.topic) ? self.source.topic : 'ecom.dlq')",
        message: 'target.topic must differ from source.topic: replaying a dead-letter topic into itself would loop',
      },
    ],
  },
);

export const REPLAY_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;

export const deadLetterReplayStatusSchema = object(
  {
    phase: stringEnum(REPLAY_PHASES, {
      description:
        'Pending: no Job yet, or its pod has not started. Running: the Job runs (or has committed progress). Succeeded: the replay reached its end or maxMessages. Failed: the Job failed for good (see the Ready condition and the Job log).',
    }),
    matched: integer({ description: 'Dead letters that matched the filter so far.', minimum: 0 }),
    replayed: integer({ description: 'Records produced to their target so far (0 in a dry run).', minimum: 0 }),
    skipped: integer({
      description: 'Dead letters read that did not match, or had no topic to go back to.',
      minimum: 0,
    }),
    jobName: string({ description: 'The batch/v1 Job running the replay (owned by this resource).' }),
    replayGroup: string({
      description:
        'The Kafka consumer group holding the replay progress (ecom-replay-<uid>): a restarted Job pod resumes from it.',
    }),
    startTime: string({ description: 'When the Job started.', format: 'date-time' }),
    completionTime: string({ description: 'When the Job succeeded or failed.', format: 'date-time' }),
    observedGeneration: integer({ description: 'The metadata.generation the operator last reconciled.', minimum: 0 }),
    conditions: array(conditionSchema, {
      description:
        'Ready: True once Succeeded, False when Failed or the spec cannot run, Unknown while running. SpecAccepted: False when the spec changed after the Job was made (SpecChangeRefused).',
      listType: 'map',
      mapKeys: ['type'],
    }),
  },
  { description: 'What the operator observed, through the status subresource.' },
);

export type DeadLetterReplaySpec = Infer<typeof deadLetterReplaySpecSchema>;
export type DeadLetterReplayStatus = Infer<typeof deadLetterReplayStatusSchema>;
export type ReplayPhase = (typeof REPLAY_PHASES)[number];

export interface DeadLetterReplay {
  apiVersion: typeof DEAD_LETTER_REPLAY_API_VERSION;
  kind: typeof DEAD_LETTER_REPLAY_KIND;
  metadata: ObjectMeta;
  spec: DeadLetterReplaySpec;
  status?: DeadLetterReplayStatus;
}

export const deadLetterReplayCrd: CustomResourceDescription<DeadLetterReplaySpec, DeadLetterReplayStatus> = {
  group: ECOM_GROUP,
  version: ECOM_VERSION,
  kind: DEAD_LETTER_REPLAY_KIND,
  plural: 'deadletterreplays',
  singular: 'deadletterreplay',
  shortNames: ['dlr'],
  categories: ['ecom'],
  scope: 'Namespaced',
  description:
    "DeadLetterReplay replays dead letters: the operator runs a batch/v1 Job (the `ecom replay` CLI from the operator's image) that reads the dead-letter topic, keeps the records the filter matches and produces them back to their original topic (or target.topic) with their key, value, ce_id and CloudEvents headers, at most ratePerSecond, at most maxMessages. Progress and counts are committed to the Kafka consumer group ecom-replay-<uid> after each chunk, so a restarted Job pod resumes where the last one stopped instead of starting over (a chunk cut off before its commit goes out again, and every inbox drops it); status mirrors the counts.",
  spec: deadLetterReplaySpecSchema,
  status: deadLetterReplayStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Running, Succeeded or Failed' },
    { name: 'Matched', type: 'integer', jsonPath: '.status.matched', description: 'Dead letters matched' },
    { name: 'Replayed', type: 'integer', jsonPath: '.status.replayed', description: 'Records produced' },
    { name: 'Skipped', type: 'integer', jsonPath: '.status.skipped', description: 'Dead letters not matched' },
    { name: 'Dry-Run', type: 'boolean', jsonPath: '.spec.dryRun', description: 'Counts only, produces nothing' },
    { name: 'Job', type: 'string', jsonPath: '.status.jobName', description: 'The replay Job', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' },
  ],
};

/** Label on the replay's Job and pod: the uid of the DeadLetterReplay it runs. */
export const REPLAY_UID_LABEL = 'ecom.dev/replay-uid';
/** Annotation on the replay's Job: the spec generation it was made from. */
export const REPLAY_GENERATION_ANNOTATION = 'ecom.dev/spec-generation';
