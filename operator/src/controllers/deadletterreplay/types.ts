import type { DeadLetterReplayStatus } from '../../api/deadletterreplay.js';
import type { ObjectMeta } from '../../api/meta.js';
import type { Counts } from '../../replay/progress.js';
import type { EventNote } from '../../runtime/events.js';
import type { ReplayKafkaAccess } from './kafka-access.js';

/** A batch/v1 Job condition (Complete, Failed, SuccessCriteriaMet, ...). */
export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The replay's batch/v1 Job: what the operator writes, and the status fields it reads back. */
export interface ReplayJob {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: JobCondition[];
  };
}

/** The replay's counts, read from its consumer group's commits, or why they could not be read. */
export type ProgressRead = { ok: true; counts: Counts; started: boolean } | { ok: false; message: string };

export interface Observation {
  /** The Job of this replay, if it exists. */
  job?: ReplayJob;
  /** Read while the replay may still move (a Job exists and the phase is not final). */
  progress?: ProgressRead;
}

export interface DecideContext {
  now: Date;
  /** The image whose `ecom replay` the Job runs: the operator's own. */
  image: string;
  /** Kafka bootstrap brokers the Job connects to; empty when the operator has none. */
  brokers: string[];
  /** The operator's Kafka TLS/SASL settings and the Secrets behind their files, for the Job's pod. */
  kafkaAccess: ReplayKafkaAccess;
}

export type Step = { type: 'createJob'; job: ReplayJob };

export interface Decision {
  steps: Step[];
  status: DeadLetterReplayStatus;
  events: EventNote[];
  /** Look again after this long (progress polling while the replay runs). */
  requeueAfterMs?: number;
}
