import { type Emit, type Queryable, toCents } from '@ecom/kit';
import type { OrderCancelled, OrderUpdated } from '@ecom/schemas';
import { decide, type SagaInput, type SagaStep, type Transition } from './domain/saga.js';
import { sameState, type TableColumns, type TableRow, tableColumns, transitionTable } from './domain/saga-table.js';
import type { OrderMetrics } from './metrics.js';
import { applyTransition, lockOrder, type Order, sagaStateOf, saveState } from './store.js';

/** Emits an order event in the caller's unit of work, with whatever context the caller decided. */
export interface OrderEmitter {
  updated(data: OrderUpdated): void;
  cancelled(data: OrderCancelled): void;
}

/**
 * For work the order service starts itself (a request, the saga deadline): its events are
 * correlated by the orderId, the id of the flow, and caused by no event.
 */
export function orderFlowEmitter(emit: Emit, orderId: string): OrderEmitter {
  const context = { correlationId: orderId };
  return {
    updated: (data) => emit('ecom.order.updated.v1', data, context),
    cancelled: (data) => emit('ecom.order.cancelled.v1', data, context),
  };
}

export type Applied = { kind: 'unknown' } | { kind: 'applied'; order: Order; step: SagaStep };

/** What a completed payment captured (PaymentProcessed's amount and currency). */
export interface Capture {
  amount: string;
  currency: string;
}

/**
 * A saga input, or a completed payment's capture, which becomes one only against the stored order:
 * it completes the payment side of the join when it is exactly the order's total.
 */
export type OrderInput = SagaInput | { kind: 'capture'; capture: Capture };

/** The capture is the order's total in the order's currency, compared in cents (never as floats). */
export function capturesTotal(order: Pick<Order, 'totalAmount' | 'currency'>, capture: Capture): boolean {
  return capture.currency === order.currency && toCents(capture.amount) === toCents(order.totalAmount);
}

const PAID_IN_FULL: SagaInput = { kind: 'payment', status: 'COMPLETED', matchesTotal: true };

function sagaInput(input: OrderInput, order: Order): SagaInput {
  if (input.kind !== 'capture') return input;
  return { kind: 'payment', status: 'COMPLETED', matchesTotal: capturesTotal(order, input.capture) };
}

interface ApplyOptions {
  emit: OrderEmitter;
  metrics: OrderMetrics;
  reason: string;
  onCommit: (effect: () => void) => void;
}

/** Each input's transition table, built once: the inputs are few (kinds × outcomes × statuses). */
const tables = new Map<string, { rows: TableRow[]; columns: TableColumns }>();

function tableFor(input: SagaInput): { rows: TableRow[]; columns: TableColumns } {
  const key = JSON.stringify(input);
  let table = tables.get(key);
  if (!table) {
    const rows = transitionTable(input);
    table = { rows, columns: tableColumns(rows) };
    tables.set(key, table);
  }
  return table;
}

/**
 * Applies one saga input to a stored order: decides, stores, emits one event per status change and
 * counts it. Shared by the event handlers and the routes, so a cancel by event and a cancel by
 * request are the same code. A rejected step (a request not allowed in this state) writes nothing;
 * the caller turns it into a 409.
 *
 * The usual case, an input that changes the order, is one conditional UPDATE over the input's
 * transition table (store.applyTransition), which finds the current state, locks and writes in one
 * round trip. A capture takes the table of a payment of the full total, guarded by the order's
 * total and currency in the same UPDATE. When it matches nothing (an unknown order, a duplicate or
 * late outcome, a refused request, a capture of another amount, or a state changed by a concurrent
 * transaction in between), the order is locked and the input decided in code, exactly as if the
 * table did not exist.
 */
export async function applyInput(
  tx: Queryable,
  orderId: string,
  input: OrderInput,
  options: ApplyOptions,
): Promise<Applied> {
  const table = tableFor(input.kind === 'capture' ? PAID_IN_FULL : input);
  if (table.rows.length > 0) {
    const total = input.kind === 'capture' ? input.capture : undefined;
    const applied = await applyTransition(tx, orderId, table.columns, total);
    if (applied) {
      const row = table.rows[applied.index];
      if (!row || !sameState(sagaStateOf(applied.order), row.to)) {
        throw new Error(`order ${orderId}: the transition table stored a state other than the one decided`);
      }
      return stored(applied.order, row.step, options);
    }
  }
  const order = await lockOrder(tx, orderId);
  if (!order) return { kind: 'unknown' };
  const current = sagaStateOf(order);
  const step = decide(current, sagaInput(input, order));
  if (step.rejected || sameState(step.state, current)) return { kind: 'applied', order, step };
  return stored(await saveState(tx, orderId, step.state, step.transitions), step, options);
}

/** The events and metrics of a step that was stored. */
function stored(saved: Order, step: SagaStep, options: ApplyOptions): Applied {
  for (const transition of step.transitions) {
    emitTransition(saved, transition, options.emit, options.reason);
  }
  // Counted after commit: a rolled-back attempt must not count a transition that did not happen.
  options.onCommit(() => {
    for (const transition of step.transitions) options.metrics.transitions.inc({ status: transition.to });
    if (step.transitions.some((t) => t.to === 'CONFIRMED') && saved.confirmedAt) {
      const seconds = (Date.parse(saved.confirmedAt) - Date.parse(saved.createdAt)) / 1000;
      options.metrics.sagaCompletion.observe(Math.max(0, seconds));
    }
  });
  return { kind: 'applied', order: saved, step };
}

function emitTransition(order: Order, t: Transition, emit: OrderEmitter, reason: string): void {
  const common = {
    orderId: order.orderId,
    customerId: order.customerId,
    totalAmount: order.totalAmount,
    currency: order.currency,
  };
  if (t.to === 'CANCELLED' && t.cancellation) {
    emit.cancelled({
      ...common,
      cancellationReason: t.cancellation.reason,
      refundRequired: t.cancellation.refundRequired,
    });
    return;
  }
  emit.updated({ ...common, status: t.to, previousStatus: t.from, updateReason: reason.slice(0, 200) });
}
