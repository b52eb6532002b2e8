/**
 * The saga's decision for one input, tabulated over the states an order can be in, so that the
 * database can apply it in one conditional UPDATE: the row's current state picks its table row,
 * and the row says what to store. Pure: `decide` stays the one place the rules live; this only
 * runs it over every state. A state the table lacks (one the code never writes) simply matches no
 * row, and the caller falls back to locking the order and deciding in code.
 */
import {
  CANCELLATION_REASONS,
  type CancellationReason,
  decide,
  ORDER_STATUSES,
  type OrderStatus,
  type PaymentStatus,
  type ReservationStatus,
  type SagaInput,
  type SagaState,
  type SagaStep,
} from './saga.js';

const PAYMENT_STATUSES: readonly PaymentStatus[] = ['PENDING', 'COMPLETED', 'FAILED'];
const RESERVATION_STATUSES: readonly ReservationStatus[] = ['PENDING', 'RESERVED', 'FAILED'];

/** The statuses whose entry is stamped (confirmed_at, …): stored once, on the first entry. */
const STAMPED_STATUSES = ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type StampedStatus = (typeof STAMPED_STATUSES)[number];

/**
 * Every state the code writes: a cancellation reason exactly when CANCELLED (every path to
 * CANCELLED sets one), any recorded outcomes with any status. A superset (a CREATED order with a
 * failed outcome is never written, the join cancels it): its extra rows never match a stored order.
 */
export function reachableStates(): SagaState[] {
  const states: SagaState[] = [];
  for (const status of ORDER_STATUSES) {
    const reasons: readonly (CancellationReason | null)[] = status === 'CANCELLED' ? CANCELLATION_REASONS : [null];
    for (const paymentStatus of PAYMENT_STATUSES) {
      for (const reservationStatus of RESERVATION_STATUSES) {
        for (const cancellationReason of reasons) {
          states.push({ status, paymentStatus, reservationStatus, cancellationReason });
        }
      }
    }
  }
  return states;
}

/** One row: in state `from`, the input stores `to` and stamps the statuses it entered. */
export interface TableRow {
  from: SagaState;
  to: SagaState;
  step: SagaStep;
  stamps: ReadonlySet<StampedStatus>;
}

export function sameState(a: SagaState, b: SagaState): boolean {
  return (
    a.status === b.status &&
    a.paymentStatus === b.paymentStatus &&
    a.reservationStatus === b.reservationStatus &&
    a.cancellationReason === b.cancellationReason
  );
}

function stampsOf(step: SagaStep): Set<StampedStatus> {
  const stamps = new Set<StampedStatus>();
  for (const t of step.transitions) {
    if ((STAMPED_STATUSES as readonly OrderStatus[]).includes(t.to)) stamps.add(t.to as StampedStatus);
  }
  return stamps;
}

/**
 * The rows where `input` changes something: the states in which it is neither rejected nor a
 * no-op. A state missing here means the input writes nothing there (or is refused), which the
 * caller learns by locking the order and deciding in code.
 */
export function transitionTable(input: SagaInput, states: readonly SagaState[] = reachableStates()): TableRow[] {
  const rows: TableRow[] = [];
  for (const from of states) {
    const step = decide(from, input);
    if (step.rejected || sameState(step.state, from)) continue;
    rows.push({ from, to: step.state, step, stamps: stampsOf(step) });
  }
  return rows;
}

/** The table as the column arrays one UPDATE … FROM unnest(…) takes, in the table's row order. */
export interface TableColumns {
  fromStatus: string[];
  fromPayment: string[];
  fromReservation: string[];
  fromReason: (string | null)[];
  toStatus: string[];
  toPayment: string[];
  toReservation: string[];
  toReason: (string | null)[];
  stamp: Record<StampedStatus, boolean[]>;
}

export function tableColumns(rows: readonly TableRow[]): TableColumns {
  return {
    fromStatus: rows.map((r) => r.from.status),
    fromPayment: rows.map((r) => r.from.paymentStatus),
    fromReservation: rows.map((r) => r.from.reservationStatus),
    fromReason: rows.map((r) => r.from.cancellationReason),
    toStatus: rows.map((r) => r.to.status),
    toPayment: rows.map((r) => r.to.paymentStatus),
    toReservation: rows.map((r) => r.to.reservationStatus),
    toReason: rows.map((r) => r.to.cancellationReason),
    stamp: Object.fromEntries(STAMPED_STATUSES.map((s) => [s, rows.map((r) => r.stamps.has(s))])) as Record<
      StampedStatus,
      boolean[]
    >,
  };
}
