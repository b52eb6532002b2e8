import { setTimeout as sleep } from 'node:timers/promises';
import type { EventPayloads, EventType } from '@ecom/schemas';
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { isTransientError, jitteredBackoffMs } from '../db/transient.js';
import type { Db, Queryable } from '../db/types.js';
import type { EventCodec } from '../events/codec.js';
import type { Event, EventContext } from '../events/event.js';
import { type Faults, noFaults } from '../faults/faults.js';
import { KickLoop } from '../kick-loop.js';
import type { KitMetrics } from '../metrics.js';
import type { OutboxRelay } from '../outbox/relay.js';
import { insertOutbox } from '../outbox/store.js';
import { PendingEvents } from '../outbox/writer.js';
import { detached, failSpan, startEffectSpan, withSpan } from '../telemetry/spans.js';
import {
  type ClaimedEffect,
  claimDueEffects,
  effectBacklog,
  finishEffect,
  insertEffect,
  rescheduleEffect,
} from './store.js';

export type EffectOutcome<R> = { ok: true; value: R } | { ok: false; error: Error; attempts: number };

/** Where an outcome is recorded: a transaction, with the events it emits (in the effect's flow). */
export interface OutcomeContext<P> {
  tx: Queryable;
  payload: P;
  key: string;
  emit<T extends EventType>(type: T, data: EventPayloads[T]): Event<T>;
  /** Schedules a follow-up effect (e.g. the refund of a charge whose order was cancelled meanwhile). */
  schedule: Schedule;
  log: Logger;
}

/**
 * One kind of external side effect. `perform` runs outside any transaction and must pass `key` to
 * the external system as its idempotency key: after a crash, a lost lease or a failed outcome
 * write, the same call is made again with the same key, and the provider answers the first result.
 */
export interface EffectHandler<P = never, R = unknown> {
  perform(payload: P, call: { key: string; attempt: number; log: Logger }): Promise<R>;
  /** Whether a failed call is tried again later. Default: always (with capped backoff). */
  retry?(error: unknown, attempt: number): boolean;
  /** Records the outcome (success, or a failure `retry` gave up on) in a transaction. */
  record(outcome: EffectOutcome<R>, ctx: OutcomeContext<P>): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: each handler has its own payload and result types
export type EffectHandlers = Record<string, EffectHandler<any, any>>;

/**
 * Records an effect in the caller's transaction, to be performed after commit; false if an effect
 * with this key is still pending. A performed effect's row is gone, so the caller's own state (a
 * claimed payment, a claimed notification) is what keeps a decision from being taken twice.
 */
export type Schedule = (kind: string, key: string, payload: unknown) => Promise<boolean>;

export interface EffectRunnerOptions {
  service: string;
  db: Db;
  handlers: EffectHandlers;
  codec: EventCodec;
  relay: OutboxRelay;
  metrics: KitMetrics;
  logger: Logger;
  faults?: Faults;
  sweepMs: number;
  retryBaseMs: number;
  /** How long a claim lasts; longer than the slowest external call. */
  leaseMs?: number;
  /** Effects claimed (and called) at once. */
  batchSize?: number;
}

const MAX_RETRY_DELAY_MS = 60_000;

/**
 * Performs the effects handlers scheduled, after their transaction committed: claim due rows
 * (SKIP LOCKED, with a lease), call outside any transaction, then record the outcome and delete
 * the row in one transaction. No connection or lock is held during the call, a rolled-back
 * transaction never made a call, and a slow call cannot stall a consumer batch.
 */
export class EffectRunner {
  private readonly loop: KickLoop;
  private readonly leaseMs: number;
  private readonly batchSize: number;

  constructor(private readonly options: EffectRunnerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.batchSize = options.batchSize ?? 50;
    this.loop = new KickLoop(
      // Kicked from inside a handler or request: the run belongs to the effects' own traces.
      () => detached(() => this.drain()),
      options.sweepMs,
      (error) => options.logger.error({ err: error }, 'effect run failed; will retry on the next sweep'),
      () => void this.updateBacklogMetrics(),
    );
  }

  /** A Schedule bound to a transaction; `afterCommit` kicks the runner once the row is visible. */
  scheduler(tx: Queryable, context: EventContext, afterCommit: (effect: () => void) => void): Schedule {
    return async (kind, key, payload) => {
      if (!this.options.handlers[kind]) throw new Error(`no effect handler for "${kind}" in ${this.options.service}`);
      const added = await insertEffect(tx, { kind, key, payload, context });
      if (added) afterCommit(() => this.loop.kick());
      return added;
    };
  }

  start(): void {
    this.loop.start();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Runs whatever is due now; for shutdown and tests. */
  flush(): Promise<void> {
    return this.loop.flush();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async updateBacklogMetrics(): Promise<void> {
    try {
      const backlog = await effectBacklog(this.options.db);
      this.options.metrics.effectBacklog.set(backlog.rows);
      this.options.metrics.effectAge.set(backlog.oldestAgeSeconds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not read the effect backlog');
    }
  }

  /**
   * Claims due effects, performs them at once, and records the outcomes of a claim in one
   * transaction (one commit and one outbox write for all of them); if that transaction fails for
   * a reason other than a transient one, each outcome is recorded alone, so one bad record cannot
   * hold back the others.
   */
  private async drain(): Promise<void> {
    for (;;) {
      const claimed = await claimDueEffects(this.options.db, this.batchSize, this.leaseMs / 1000);
      if (claimed.length === 0) return;
      // Settled, not all: an effect that throws (an injected fault) must not drop the outcomes
      // of calls the others made.
      const settled = await Promise.allSettled(claimed.map((effect) => this.perform(effect)));
      const done = settled.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
      try {
        if (done.length > 0) await this.record(done);
      } finally {
        for (const { span } of done) span.end();
      }
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (claimed.length < this.batchSize) return;
    }
  }

  /** Calls the effect; undefined when there is nothing to record yet (rescheduled, or no handler). */
  private async perform(effect: ClaimedEffect): Promise<Performed | undefined> {
    const { logger, faults = noFaults, metrics } = this.options;
    const span = startEffectSpan(effect.kind, effect.context.traceparent, effect.context.correlationId);
    const handler = this.options.handlers[effect.kind];
    const log = logger.child({ effect: effect.kind, key: effect.key, attempt: effect.attempts });
    if (!handler) {
      log.error('no handler for this effect kind; left for a version that has one');
      span.end();
      return undefined;
    }
    let outcome: EffectOutcome<unknown>;
    faultAt(faults, 'before-external-call', span);
    try {
      outcome = {
        ok: true,
        value: await withSpan(span, () =>
          handler.perform(effect.payload as never, { key: effect.key, attempt: effect.attempts, log }),
        ),
      };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      metrics.effectFailures.inc({ kind: effect.kind });
      if (handler.retry?.(err, effect.attempts) ?? true) {
        const delay = Math.max(1, jitteredBackoffMs(effect.attempts, this.options.retryBaseMs * 2, MAX_RETRY_DELAY_MS));
        log.warn({ err, delayMs: delay }, 'external call failed; will call again with the same key');
        await rescheduleEffect(this.options.db, effect, delay, err.message).catch((e) =>
          log.warn({ err: e }, 'could not reschedule; the lease will expire and the call repeat'),
        );
        failSpan(span, err);
        span.end();
        return undefined;
      }
      log.error({ err }, 'external call failed for good; recording the failure');
      outcome = { ok: false, error: err, attempts: effect.attempts };
    }
    faultAt(faults, 'after-external-call', span);
    return { effect, handler, outcome, log, span };
  }

  /**
   * Writes one outcome in `tx`: deletes the effect's row (false when another runner, whose lease
   * followed ours, did so first) and lets the handler record it, under the effect's span.
   */
  private async write(tx: Queryable, p: Performed, pending: PendingEvents): Promise<boolean> {
    const { effect, handler, outcome, log, span } = p;
    if (!(await finishEffect(tx, effect))) return false;
    await withSpan(span, () =>
      handler.record(outcome, {
        tx,
        payload: effect.payload as never,
        key: effect.key,
        emit: (type, data) => pending.emit(type, data, effect.context),
        schedule: this.scheduler(tx, effect.context, pending.onCommit),
        log,
      }),
    );
    return true;
  }

  /** Counts a committed write, or logs the race it lost. */
  private recorded(p: Performed, written: boolean): void {
    if (!written) {
      p.log.info('another runner recorded this effect (our lease ran out); outcome dropped');
      return;
    }
    this.options.metrics.effectsDone.inc({ kind: p.effect.kind, outcome: p.outcome.ok ? 'ok' : 'failed' });
  }

  /**
   * Records outcomes in one transaction; a transient database error waits and tries again while
   * the lease lasts. When several outcomes fail together for another reason, each is recorded
   * alone, so one bad record cannot hold back the others.
   */
  private async record(group: Performed[]): Promise<void> {
    const { db, service, codec, relay, logger } = this.options;
    const [only] = group.length === 1 ? group : [];
    const log = only ? only.log : logger.child({ effects: group.length });
    const leaseEnds = Date.now() + this.leaseMs;
    for (let attempt = 1; ; attempt++) {
      const pending = new PendingEvents(service, codec);
      const transaction = () =>
        db.transaction(async (tx) => {
          const written: boolean[] = [];
          for (const p of group) written.push(await this.write(tx, p, pending));
          await insertOutbox(tx, pending.records);
          return written;
        });
      try {
        // One outcome's whole transaction runs under its effect's span; several each write under theirs.
        const written = await (only ? withSpan(only.span, transaction) : transaction());
        pending.committed();
        for (const [i, p] of group.entries()) this.recorded(p, written[i] === true);
        if (pending.records.length > 0) relay.kick();
        return;
      } catch (error) {
        const transient = isTransientError(error);
        if (transient && Date.now() <= leaseEnds) {
          await sleep(jitteredBackoffMs(attempt, this.options.retryBaseMs, 5_000));
          continue;
        }
        if (!transient && !only) {
          log.warn({ err: error }, 'recording the outcomes together failed; recording each alone');
          for (const p of group) await this.record([p]);
          return;
        }
        for (const p of group) failSpan(p.span, error);
        log.error({ err: error }, 'could not record the effect outcome; the call repeats when the lease ends');
        return;
      }
    }
  }
}

/** Fires a fault point; an injected fault ends the effect's span on its way up. */
function faultAt(faults: Faults, point: Parameters<Faults['at']>[0], span: Span): void {
  try {
    faults.at(point);
  } catch (error) {
    span.end();
    throw error;
  }
}

/** A performed effect whose outcome is still to be recorded. */
interface Performed {
  effect: ClaimedEffect;
  handler: EffectHandler<never, unknown>;
  outcome: EffectOutcome<unknown>;
  log: Logger;
  span: Span;
}
