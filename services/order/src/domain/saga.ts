/**
 * The order's state machine: the saga join of the payment and reservation outcomes, the shipment
 * milestones, customer cancellation and the manual transitions of PUT /api/orders/:id. Pure: it
 * sees the stored state and one input and says what the new state is and which status changes
 * happened; the caller stores the state and emits one event per change.
 *
 * Outcomes (payment, reservation) are recorded whatever the status is: an order cancelled for
 * OUT_OF_STOCK still has to know its payment completed later (refund accounting, analytics). The
 * first recorded outcome wins: a different outcome for the same step afterwards (which one payment
 * per order and one reservation per order should make impossible) is ignored with a note, so a
 * replay can never flip a decision already published. Status changes from outcomes happen only
 * while the order is CREATED, so outcomes after a terminal (or already joined) state change nothing.
 *
 * A payment completes the order's side of the join only when it captured exactly the order's total
 * in its currency: the caller compares (it has the order and the event) and says so in the input.
 * A mismatch is recorded as COMPLETED (money did move, so refundRequired holds) and cancels the
 * order at once with PAYMENT_AMOUNT_MISMATCH, whatever the reservation; the payment service then
 * refunds what was captured, as on every OrderCancelled.
 *
 * Manual transitions never stand in for the saga's own inputs: CONFIRMED comes only from the join,
 * SHIPPED and DELIVERED only from the shipment's events (shipping's API moves a shipment along and
 * the order follows), so an operator can only cancel. An order that said SHIPPED or DELIVERED by
 * hand would disagree with its shipment and tell the customer something shipping never did.
 *
 * The saga deadline (`timeout`) cancels an order still CREATED when an outcome never came (a dead
 * letter, a service down for longer than the deadline); the compensations follow from OrderCancelled
 * as for any cancel. An outcome arriving after it is recorded like any late outcome: a payment that
 * completes afterwards is refunded by the payment service, which refunds on every OrderCancelled.
 */

import type { OrderCancelled } from '@ecom/schemas';

export const ORDER_STATUSES = ['CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type PaymentStatus = 'PENDING' | 'COMPLETED' | 'FAILED';
export type ReservationStatus = 'PENDING' | 'RESERVED' | 'FAILED';
/** Why an order was cancelled; each is a value OrderCancelled's schema accepts (checked against its type). */
export const CANCELLATION_REASONS = [
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'CUSTOMER_REQUEST',
  'SAGA_TIMEOUT',
  'PAYMENT_AMOUNT_MISMATCH',
] as const satisfies readonly OrderCancelled['cancellationReason'][];
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export interface SagaState {
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  reservationStatus: ReservationStatus;
  cancellationReason: CancellationReason | null;
}

export type SagaInput =
  /** matchesTotal: the captured amount and currency are the order's totalAmount and currency. */
  | { kind: 'payment'; status: 'COMPLETED'; matchesTotal: boolean }
  | { kind: 'payment'; status: 'FAILED' }
  | { kind: 'reservation'; status: 'RESERVED' | 'FAILED' }
  | { kind: 'shipped' }
  | { kind: 'delivered' }
  /** The customer's cancel (DELETE /api/orders/:id). */
  | { kind: 'cancel' }
  /** PUT /api/orders/:id: an operator moves the order along the allowed edges (only to CANCELLED). */
  | { kind: 'manual'; to: OrderStatus }
  /** The saga deadline passed (the deadline worker): cancels an order still waiting for an outcome. */
  | { kind: 'timeout' };

export interface Transition {
  from: OrderStatus;
  to: OrderStatus;
  /** Set when `to` is CANCELLED: what OrderCancelled carries. */
  cancellation?: { reason: CancellationReason; refundRequired: boolean };
}

export interface SagaStep {
  state: SagaState;
  /** Status changes in order; each becomes one event (OrderUpdated, or OrderCancelled for CANCELLED). */
  transitions: Transition[];
  /** Set when a request (cancel, manual) is not allowed in this state: the route answers 409. */
  rejected?: string;
  /** Why nothing changed, for the log (duplicate, late outcome, conflicting outcome, ...). */
  note?: string;
}

/** The edges PUT /api/orders/:id may take: a cancel before shipping, nothing the saga decides. */
const MANUAL_EDGES: Record<OrderStatus, readonly OrderStatus[]> = {
  CREATED: ['CANCELLED'],
  CONFIRMED: ['CANCELLED'],
  SHIPPED: [],
  DELIVERED: [],
  CANCELLED: [],
};

/** Why a status is never a manual target: what reaches it instead (the 409's detail). */
const REACHED_BY: Partial<Record<OrderStatus, string>> = {
  CONFIRMED: 'an order is confirmed only by its completed payment of the order total and its reservation',
  SHIPPED: 'an order ships only when shipping creates its shipment (PUT /api/shipments/:shipmentId/status moves it on)',
  DELIVERED: 'an order is delivered only when its shipment is (PUT /api/shipments/:shipmentId/status)',
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return MANUAL_EDGES[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return status === 'DELIVERED' || status === 'CANCELLED';
}

export function initialState(): SagaState {
  return { status: 'CREATED', paymentStatus: 'PENDING', reservationStatus: 'PENDING', cancellationReason: null };
}

export function decide(state: SagaState, input: SagaInput): SagaStep {
  switch (input.kind) {
    case 'payment':
    case 'reservation':
      return onOutcome(state, input);
    case 'shipped':
      return onShipped(state);
    case 'delivered':
      return onDelivered(state);
    case 'cancel':
      return onCancel(state, 'cancel');
    case 'manual':
      return onManual(state, input.to);
    case 'timeout':
      return onTimeout(state);
  }
}

function onOutcome(state: SagaState, input: Extract<SagaInput, { kind: 'payment' | 'reservation' }>): SagaStep {
  const key = input.kind === 'payment' ? 'paymentStatus' : 'reservationStatus';
  const recorded = state[key];
  if (recorded !== 'PENDING') {
    const note =
      recorded === input.status
        ? `duplicate ${input.kind} outcome ${input.status}`
        : `conflicting ${input.kind} outcome ${input.status} ignored: ${recorded} was recorded first`;
    return { state, transitions: [], note };
  }
  const next: SagaState = { ...state, [key]: input.status };
  const mismatch = input.kind === 'payment' && input.status === 'COMPLETED' && !input.matchesTotal;
  if (state.status !== 'CREATED') {
    const what = mismatch ? 'payment COMPLETED (not the order total)' : `${input.kind} ${input.status}`;
    return { state: next, transitions: [], note: `${what} recorded; order is ${state.status}` };
  }
  // Captured money is refunded (refundRequired), and held stock released, by OrderCancelled.
  if (mismatch) return cancel(next, 'PAYMENT_AMOUNT_MISMATCH', true);
  return join(next);
}

/** The join itself, for an order still CREATED: the first failure cancels, two successes confirm. */
function join(state: SagaState): SagaStep {
  if (state.paymentStatus === 'FAILED') {
    return cancel(state, 'PAYMENT_FAILED', false);
  }
  if (state.reservationStatus === 'FAILED') {
    return cancel(state, 'OUT_OF_STOCK', state.paymentStatus === 'COMPLETED');
  }
  if (state.paymentStatus === 'COMPLETED' && state.reservationStatus === 'RESERVED') {
    return { state: { ...state, status: 'CONFIRMED' }, transitions: [{ from: 'CREATED', to: 'CONFIRMED' }] };
  }
  return { state, transitions: [], note: 'waiting for the other outcome' };
}

function cancel(state: SagaState, reason: CancellationReason, refundRequired: boolean): SagaStep {
  return {
    state: { ...state, status: 'CANCELLED', cancellationReason: reason },
    transitions: [{ from: state.status, to: 'CANCELLED', cancellation: { reason, refundRequired } }],
  };
}

function onCancel(state: SagaState, what: string): SagaStep {
  if (state.status !== 'CREATED' && state.status !== 'CONFIRMED') {
    return { state, transitions: [], rejected: `An order that is ${state.status} cannot be cancelled (${what})` };
  }
  // A completed payment is refunded by the payment service on OrderCancelled in any case; the
  // flag tells other readers (notification, analytics) that money goes back.
  return cancel(state, 'CUSTOMER_REQUEST', state.paymentStatus === 'COMPLETED');
}

function onTimeout(state: SagaState): SagaStep {
  // Only a CREATED order is still waiting; a joined or finished one raced the deadline and won.
  if (state.status !== 'CREATED') {
    return {
      state,
      transitions: [],
      note: `saga deadline passed for an order that is ${state.status}; nothing changes`,
    };
  }
  return cancel(state, 'SAGA_TIMEOUT', state.paymentStatus === 'COMPLETED');
}

function onShipped(state: SagaState): SagaStep {
  if (state.status === 'CONFIRMED') {
    return { state: { ...state, status: 'SHIPPED' }, transitions: [{ from: 'CONFIRMED', to: 'SHIPPED' }] };
  }
  return { state, transitions: [], note: `shipment created for an order that is ${state.status}; nothing changes` };
}

function onDelivered(state: SagaState): SagaStep {
  if (state.status === 'SHIPPED') {
    return { state: { ...state, status: 'DELIVERED' }, transitions: [{ from: 'SHIPPED', to: 'DELIVERED' }] };
  }
  if (state.status === 'CONFIRMED') {
    // Delivered without a recorded shipment (e.g. its ShipmentCreated was dead-lettered): the
    // order still passes through SHIPPED, so every reader sees the same sequence of statuses.
    return {
      state: { ...state, status: 'DELIVERED' },
      transitions: [
        { from: 'CONFIRMED', to: 'SHIPPED' },
        { from: 'SHIPPED', to: 'DELIVERED' },
      ],
    };
  }
  return { state, transitions: [], note: `delivery reported for an order that is ${state.status}; nothing changes` };
}

function onManual(state: SagaState, to: OrderStatus): SagaStep {
  if (!canTransition(state.status, to)) {
    const allowed = MANUAL_EDGES[state.status];
    const options = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'no manual change is allowed';
    const why = REACHED_BY[to];
    return {
      state,
      transitions: [],
      rejected: `An order cannot go from ${state.status} to ${to} by hand: ${why ? `${why}; ` : ''}${options}`,
    };
  }
  if (to === 'CANCELLED') return onCancel(state, 'manual');
  return { state: { ...state, status: to }, transitions: [{ from: state.status, to }] };
}
