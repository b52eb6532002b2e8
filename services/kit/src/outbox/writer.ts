import { EVENT_CATALOG, type EventPayloads, type EventType } from '@ecom/schemas';
import type { Db, Queryable } from '../db/types.js';
import type { EventCodec } from '../events/codec.js';
import { createEvent, type Event, type EventContext } from '../events/event.js';
import { type Faults, noFaults } from '../faults/faults.js';
import type { OutgoingRecord } from '../kafka/records.js';
import { failSpan, orderIdOf, startCreateSpan, traceparentOf } from '../telemetry/spans.js';
import type { OutboxRelay } from './relay.js';
import { insertOutbox } from './store.js';

/** Adds an event to the current unit of work; it is published only if the transaction commits. */
export type Emit = <T extends EventType>(type: T, data: EventPayloads[T], context: EventContext) => Event<T>;

/**
 * Collects the events of one unit of work, validated and encoded as they are emitted, so that a
 * payload that breaks its schema fails the unit of work instead of reaching the topic.
 */
export class PendingEvents {
  readonly records: OutgoingRecord[] = [];
  private readonly afterCommit: Array<() => void> = [];

  constructor(
    private readonly service: string,
    private readonly codec: EventCodec,
  ) {}

  readonly emit: Emit = (type, data, context) => {
    // The `create` span is the event's writing (to the outbox, in this transaction); its context is
    // what the event carries, so the relay links to it and consumers' processing is its child.
    const orderId = orderIdOf(data, context.correlationId);
    const span = startCreateSpan(EVENT_CATALOG[type].topic, context.traceparent, {
      'cloudevents.event_type': type,
      ...(orderId ? { 'ecom.order_id': orderId } : {}),
    });
    try {
      const event = createEvent(this.service, type, data, context, traceparentOf(span));
      span.setAttributes({ 'messaging.message.id': event.id, 'cloudevents.event_id': event.id });
      this.records.push(this.codec.encode(event));
      return event;
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  };

  add(record: OutgoingRecord): void {
    this.records.push(record);
  }

  /** Runs `effect` only once the unit of work committed (metrics, in-memory caches): never for a rollback. */
  readonly onCommit = (effect: () => void): void => {
    this.afterCommit.push(effect);
  };

  /** Called by whoever committed the transaction. */
  committed(): void {
    for (const effect of this.afterCommit) effect();
  }
}

/** Runs `work` in one transaction with the events it emits written to the outbox, then kicks the relay. */
export class EventWriter {
  constructor(
    private readonly service: string,
    private readonly codec: EventCodec,
    private readonly db: Db,
    private readonly relay: OutboxRelay,
    private readonly faults: Faults = noFaults,
  ) {}

  async transact<T>(
    work: (tx: Queryable, emit: Emit, onCommit: (effect: () => void) => void) => Promise<T>,
  ): Promise<T> {
    const pending = new PendingEvents(this.service, this.codec);
    const result = await this.db.transaction(async (tx) => {
      const value = await work(tx, pending.emit, pending.onCommit);
      await insertOutbox(tx, pending.records);
      return value;
    });
    pending.committed();
    if (pending.records.length > 0) {
      this.faults.at('after-db-commit-before-publish');
      this.relay.kick();
    }
    return result;
  }
}
