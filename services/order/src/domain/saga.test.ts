import { describe, expect, it } from 'vitest';
import {
  canTransition,
  decide,
  initialState,
  isTerminal,
  ORDER_STATUSES,
  type OrderStatus,
  type SagaInput,
  type SagaState,
  type Transition,
} from './saga.js';
import { reachableStates } from './saga-table.js';

const paid: SagaInput = { kind: 'payment', status: 'COMPLETED', matchesTotal: true };
/** A payment that captured something other than the order's total (0.01 for 21.00, another currency). */
const underpaid: SagaInput = { kind: 'payment', status: 'COMPLETED', matchesTotal: false };
const declined: SagaInput = { kind: 'payment', status: 'FAILED' };
const reserved: SagaInput = { kind: 'reservation', status: 'RESERVED' };
const outOfStock: SagaInput = { kind: 'reservation', status: 'FAILED' };
const shipped: SagaInput = { kind: 'shipped' };
const delivered: SagaInput = { kind: 'delivered' };
const cancel: SagaInput = { kind: 'cancel' };
const timeout: SagaInput = { kind: 'timeout' };
const manual = (to: OrderStatus): SagaInput => ({ kind: 'manual', to });

/** Runs inputs from the initial state; returns the final state, every transition and every step. */
function run(inputs: SagaInput[], from: SagaState = initialState()) {
  let state = from;
  const transitions: Transition[] = [];
  const steps = [];
  for (const input of inputs) {
    const step = decide(state, input);
    steps.push(step);
    transitions.push(...step.transitions);
    state = step.state;
  }
  return { state, transitions, steps };
}

const state = (status: OrderStatus, over: Partial<SagaState> = {}): SagaState => ({
  ...initialState(),
  status,
  ...over,
});

describe('saga join: payment and reservation outcomes', () => {
  it('confirms when both succeed, in either order', () => {
    for (const inputs of [
      [paid, reserved],
      [reserved, paid],
    ]) {
      const r = run(inputs);
      expect(r.state).toEqual({
        status: 'CONFIRMED',
        paymentStatus: 'COMPLETED',
        reservationStatus: 'RESERVED',
        cancellationReason: null,
      });
      expect(r.transitions).toEqual([{ from: 'CREATED', to: 'CONFIRMED' }]);
      // The first outcome alone waits.
      expect(r.steps[0]?.transitions).toEqual([]);
      expect(r.steps[0]?.note).toMatch(/waiting/);
    }
  });

  it('cancels PAYMENT_FAILED without refund when the payment fails, before or after the reservation', () => {
    for (const inputs of [[declined], [declined, reserved], [reserved, declined]]) {
      const r = run(inputs);
      expect(r.state.status).toBe('CANCELLED');
      expect(r.state.cancellationReason).toBe('PAYMENT_FAILED');
      expect(r.transitions).toEqual([
        { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'PAYMENT_FAILED', refundRequired: false } },
      ]);
    }
  });

  it('cancels OUT_OF_STOCK, with a refund only if the payment had completed', () => {
    expect(run([outOfStock]).transitions).toEqual([
      { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'OUT_OF_STOCK', refundRequired: false } },
    ]);
    expect(run([paid, outOfStock]).transitions).toEqual([
      { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'OUT_OF_STOCK', refundRequired: true } },
    ]);
    // Payment completing after the cancel is recorded (the payment service refunds it), nothing else.
    const late = run([outOfStock, paid]);
    expect(late.transitions).toHaveLength(1);
    expect(late.state).toMatchObject({
      status: 'CANCELLED',
      paymentStatus: 'COMPLETED',
      cancellationReason: 'OUT_OF_STOCK',
    });
    expect(late.steps[1]?.note).toMatch(/recorded; order is CANCELLED/);
  });

  it('when both fail, the first failure gives the reason and the second is only recorded', () => {
    expect(run([declined, outOfStock]).state).toEqual({
      status: 'CANCELLED',
      paymentStatus: 'FAILED',
      reservationStatus: 'FAILED',
      cancellationReason: 'PAYMENT_FAILED',
    });
    expect(run([outOfStock, declined]).state.cancellationReason).toBe('OUT_OF_STOCK');
    expect(run([outOfStock, declined]).transitions).toHaveLength(1);
  });

  it('ignores duplicates', () => {
    for (const input of [paid, declined, reserved, outOfStock]) {
      const first = decide(initialState(), input);
      const again = decide(first.state, input);
      expect(again.transitions).toEqual([]);
      expect(again.state).toEqual(first.state);
      expect(again.note).toMatch(/duplicate/);
    }
    const r = run([paid, paid, reserved, reserved, paid]);
    expect(r.transitions).toEqual([{ from: 'CREATED', to: 'CONFIRMED' }]);
  });

  it('keeps the first outcome when a conflicting one arrives', () => {
    const r = run([paid, declined, reserved]);
    expect(r.state).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'COMPLETED' });
    expect(r.steps[1]?.note).toMatch(/conflicting payment outcome FAILED ignored/);
    const s = run([reserved, outOfStock]);
    expect(s.state).toMatchObject({ status: 'CREATED', reservationStatus: 'RESERVED' });
  });

  it('records outcomes after every non-CREATED status without changing the status', () => {
    for (const status of ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      for (const input of [paid, declined, reserved, outOfStock]) {
        const step = decide(state(status), input);
        expect(step.transitions).toEqual([]);
        expect(step.state.status).toBe(status);
        expect(step.rejected).toBeUndefined();
      }
    }
    expect(decide(state('CANCELLED'), declined).state.paymentStatus).toBe('FAILED');
  });
});

describe('payment amount check', () => {
  const mismatch = {
    from: 'CREATED',
    to: 'CANCELLED',
    cancellation: { reason: 'PAYMENT_AMOUNT_MISMATCH', refundRequired: true },
  };

  it('cancels at once with PAYMENT_AMOUNT_MISMATCH and a refund, before or after the reservation', () => {
    for (const inputs of [[underpaid], [reserved, underpaid]]) {
      const r = run(inputs);
      expect(r.transitions).toEqual([mismatch]);
      // Recorded as COMPLETED: the money moved, and it is what gets refunded.
      expect(r.state).toMatchObject({
        status: 'CANCELLED',
        paymentStatus: 'COMPLETED',
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
      });
    }
  });

  it('never confirms, whatever arrives after it', () => {
    for (const rest of [[reserved], [reserved, paid], [paid, reserved], [outOfStock, timeout]]) {
      const r = run([underpaid, ...rest]);
      expect(r.transitions).toEqual([mismatch]);
      expect(r.state.cancellationReason).toBe('PAYMENT_AMOUNT_MISMATCH');
    }
  });

  it('the first payment outcome wins: a later capture of another amount changes nothing', () => {
    const r = run([paid, underpaid, reserved]);
    expect(r.state.status).toBe('CONFIRMED');
    expect(r.steps[1]?.note).toMatch(/duplicate payment outcome COMPLETED/);
    expect(run([declined, underpaid]).state.cancellationReason).toBe('PAYMENT_FAILED');
  });

  it('after another cancel it is only recorded, and says it was not the total', () => {
    const r = run([outOfStock, underpaid]);
    expect(r.transitions).toHaveLength(1);
    expect(r.state).toMatchObject({ paymentStatus: 'COMPLETED', cancellationReason: 'OUT_OF_STOCK' });
    expect(r.steps[1]?.note).toBe('payment COMPLETED (not the order total) recorded; order is CANCELLED');
  });
});

describe('shipment milestones', () => {
  it('moves CONFIRMED to SHIPPED to DELIVERED', () => {
    const r = run([paid, reserved, shipped, delivered]);
    expect(r.state.status).toBe('DELIVERED');
    expect(r.transitions.map((t) => t.to)).toEqual(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
  });

  it('passes through SHIPPED when delivery is reported for a CONFIRMED order', () => {
    expect(decide(state('CONFIRMED'), delivered).transitions).toEqual([
      { from: 'CONFIRMED', to: 'SHIPPED' },
      { from: 'SHIPPED', to: 'DELIVERED' },
    ]);
  });

  it('ignores milestones that do not apply', () => {
    for (const status of ['CREATED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      expect(decide(state(status), shipped).transitions).toEqual([]);
    }
    for (const status of ['CREATED', 'DELIVERED', 'CANCELLED'] as const) {
      expect(decide(state(status), delivered).transitions).toEqual([]);
    }
  });
});

describe('customer cancellation', () => {
  it('cancels CREATED and CONFIRMED orders, refund required when paid', () => {
    expect(decide(state('CREATED'), cancel).transitions).toEqual([
      { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'CUSTOMER_REQUEST', refundRequired: false } },
    ]);
    expect(decide(state('CREATED', { paymentStatus: 'COMPLETED' }), cancel).transitions[0]?.cancellation).toEqual({
      reason: 'CUSTOMER_REQUEST',
      refundRequired: true,
    });
    const r = run([paid, reserved, cancel]);
    expect(r.state).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    expect(r.transitions.at(-1)).toEqual({
      from: 'CONFIRMED',
      to: 'CANCELLED',
      cancellation: { reason: 'CUSTOMER_REQUEST', refundRequired: true },
    });
  });

  it('rejects cancelling SHIPPED, DELIVERED or CANCELLED orders', () => {
    for (const status of ['SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      const step = decide(state(status), cancel);
      expect(step.rejected).toMatch(new RegExp(`is ${status} cannot be cancelled`));
      expect(step.transitions).toEqual([]);
      expect(step.state).toEqual(state(status));
    }
  });

  it('outcomes after a customer cancel change nothing', () => {
    const r = run([cancel, paid, reserved]);
    expect(r.transitions).toHaveLength(1);
    expect(r.state).toEqual({
      status: 'CANCELLED',
      paymentStatus: 'COMPLETED',
      reservationStatus: 'RESERVED',
      cancellationReason: 'CUSTOMER_REQUEST',
    });
  });
});

describe('saga deadline (timeout)', () => {
  it('cancels an order still waiting for both outcomes, SAGA_TIMEOUT without refund', () => {
    expect(decide(initialState(), timeout)).toEqual({
      state: { ...initialState(), status: 'CANCELLED', cancellationReason: 'SAGA_TIMEOUT' },
      transitions: [
        { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'SAGA_TIMEOUT', refundRequired: false } },
      ],
    });
  });

  it('requires a refund when the payment completed but the reservation never came', () => {
    expect(run([paid, timeout]).transitions).toEqual([
      { from: 'CREATED', to: 'CANCELLED', cancellation: { reason: 'SAGA_TIMEOUT', refundRequired: true } },
    ]);
    // Stock reserved, payment never came: cancelled, nothing to refund (inventory releases).
    expect(run([reserved, timeout]).state).toEqual({
      status: 'CANCELLED',
      paymentStatus: 'PENDING',
      reservationStatus: 'RESERVED',
      cancellationReason: 'SAGA_TIMEOUT',
    });
  });

  it('changes nothing for an order that is no longer CREATED: the join or a cancel beat the deadline', () => {
    for (const status of ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      const step = decide(state(status), timeout);
      expect(step.transitions).toEqual([]);
      expect(step.state).toEqual(state(status));
      expect(step.rejected).toBeUndefined();
      expect(step.note).toMatch(new RegExp(`deadline passed for an order that is ${status}`));
    }
    expect(run([paid, reserved, timeout]).state.status).toBe('CONFIRMED');
    expect(run([declined, timeout]).state.cancellationReason).toBe('PAYMENT_FAILED');
  });

  it('records a late outcome after the deadline cancel without reviving the order', () => {
    const late = run([reserved, timeout, paid]);
    expect(late.transitions).toHaveLength(1);
    expect(late.state).toEqual({
      status: 'CANCELLED',
      paymentStatus: 'COMPLETED',
      reservationStatus: 'RESERVED',
      cancellationReason: 'SAGA_TIMEOUT',
    });
    expect(late.steps[2]?.note).toMatch(/payment COMPLETED recorded; order is CANCELLED/);
  });
});

describe('manual transitions', () => {
  // Only a cancel: CONFIRMED is the join's, SHIPPED and DELIVERED the shipment's.
  const allowed: Array<[OrderStatus, OrderStatus]> = [
    ['CREATED', 'CANCELLED'],
    ['CONFIRMED', 'CANCELLED'],
  ];

  it('allows exactly the documented edges', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const expected = allowed.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from}->${to}`).toBe(expected);
        const step = decide(state(from), manual(to));
        if (expected) {
          expect(step.rejected).toBeUndefined();
          expect(step.state.status).toBe(to);
          expect(step.transitions).toHaveLength(1);
        } else {
          expect(step.rejected, `${from}->${to}`).toMatch(/cannot go from/);
          expect(step.state).toEqual(state(from));
        }
      }
    }
  });

  it('says why the saga statuses are not manual targets', () => {
    expect(decide(state('CREATED'), manual('CONFIRMED')).rejected).toBe(
      'An order cannot go from CREATED to CONFIRMED by hand: an order is confirmed only by its completed payment ' +
        'of the order total and its reservation; allowed: CANCELLED',
    );
    expect(decide(state('CONFIRMED'), manual('SHIPPED')).rejected).toMatch(
      /CONFIRMED to SHIPPED by hand: an order ships only when shipping creates its shipment/,
    );
    expect(decide(state('SHIPPED'), manual('DELIVERED')).rejected).toMatch(
      /SHIPPED to DELIVERED by hand: an order is delivered only when its shipment is .*; no manual change is allowed$/,
    );
    expect(decide(state('CANCELLED'), manual('CREATED')).rejected).toBe(
      'An order cannot go from CANCELLED to CREATED by hand: no manual change is allowed',
    );
  });

  it('no manual input, in any state the code writes, enters anything but CANCELLED', () => {
    for (const from of reachableStates()) {
      for (const to of ORDER_STATUSES) {
        const step = decide(from, manual(to));
        expect(
          step.transitions.map((t) => t.to).filter((status) => status !== 'CANCELLED'),
          JSON.stringify({ from, to }),
        ).toEqual([]);
      }
    }
  });

  it('a manual cancel is a customer request', () => {
    expect(decide(state('CONFIRMED', { paymentStatus: 'COMPLETED' }), manual('CANCELLED')).transitions).toEqual([
      { from: 'CONFIRMED', to: 'CANCELLED', cancellation: { reason: 'CUSTOMER_REQUEST', refundRequired: true } },
    ]);
  });

  it('terminal states are DELIVERED and CANCELLED', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['DELIVERED', 'CANCELLED']);
  });
});

describe('every sequence of up to 5 inputs', () => {
  const inputs: SagaInput[] = [paid, underpaid, declined, reserved, outOfStock, shipped, delivered, cancel, timeout];
  const edges = new Set([
    'CREATED>CONFIRMED',
    'CREATED>CANCELLED',
    'CONFIRMED>SHIPPED',
    'CONFIRMED>CANCELLED',
    'SHIPPED>DELIVERED',
  ]);

  function* sequences(length: number): Generator<SagaInput[]> {
    if (length === 0) {
      yield [];
      return;
    }
    for (const rest of sequences(length - 1)) for (const input of inputs) yield [...rest, input];
  }

  /** Plain checks: this loop runs ~37k sequences, and expect() per step is too slow for it. */
  function check(ok: boolean, what: string, seq: SagaInput[]): void {
    if (!ok) throw new Error(`${what} after ${JSON.stringify(seq)}`);
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  it('keeps the invariants', { timeout: 120_000 }, () => {
    let checked = 0;
    for (let length = 1; length <= 5; length++) {
      for (const seq of sequences(length)) {
        checked++;
        let current = initialState();
        let cancels = 0;
        let confirms = 0;
        // The payment outcome that was recorded: the first payment input while still PENDING.
        let payment: SagaInput | undefined;
        for (const input of seq) {
          const step = decide(current, input);
          if (input.kind === 'payment' && current.paymentStatus === 'PENDING') payment = input;
          // Transitions chain from the current status along legal edges, ending at the new status.
          let at = current.status;
          for (const t of step.transitions) {
            check(t.from === at, `transition from ${t.from} while at ${at}`, seq);
            check(edges.has(`${t.from}>${t.to}`), `illegal edge ${t.from}>${t.to}`, seq);
            if (t.to === 'CANCELLED') {
              cancels++;
              // refundRequired is exactly "the payment had completed" at cancel time.
              check(
                t.cancellation?.refundRequired === (step.state.paymentStatus === 'COMPLETED'),
                'refundRequired',
                seq,
              );
              check(t.cancellation?.reason === step.state.cancellationReason, 'cancellation reason', seq);
            } else {
              check(t.cancellation === undefined, 'cancellation on a non-cancel', seq);
            }
            if (t.to === 'CONFIRMED') {
              confirms++;
              check(
                step.state.paymentStatus === 'COMPLETED' && step.state.reservationStatus === 'RESERVED',
                'confirmed without both outcomes',
                seq,
              );
              check(payment === paid, 'confirmed by a payment that was not the order total', seq);
            }
            at = t.to;
          }
          check(step.state.status === at, 'status is not where the transitions end', seq);
          // The deadline cancels exactly the orders still CREATED, and nothing else.
          if (input.kind === 'timeout') {
            const expected = current.status === 'CREATED' ? 'SAGA_TIMEOUT' : current.cancellationReason;
            check(step.state.cancellationReason === expected, 'deadline cancellation reason', seq);
            check(step.transitions.length === (current.status === 'CREATED' ? 1 : 0), 'deadline transitions', seq);
          } else {
            check(
              step.state.cancellationReason !== 'SAGA_TIMEOUT' || current.cancellationReason === 'SAGA_TIMEOUT',
              'SAGA_TIMEOUT without the deadline',
              seq,
            );
          }
          // PAYMENT_AMOUNT_MISMATCH exactly when a capture of another amount is recorded while CREATED.
          check(
            (step.state.cancellationReason === 'PAYMENT_AMOUNT_MISMATCH' &&
              current.cancellationReason !== 'PAYMENT_AMOUNT_MISMATCH') ===
              (input === underpaid && current.status === 'CREATED' && current.paymentStatus === 'PENDING'),
            'amount mismatch cancellation',
            seq,
          );
          check(step.rejected === undefined || input.kind === 'cancel', 'a saga input was rejected', seq);
          // A terminal order never changes status; recorded outcomes never revert to PENDING.
          if (isTerminal(current.status)) check(step.state.status === current.status, 'terminal status changed', seq);
          if (current.paymentStatus !== 'PENDING') {
            check(step.state.paymentStatus === current.paymentStatus, 'payment outcome changed', seq);
          }
          if (current.reservationStatus !== 'PENDING') {
            check(step.state.reservationStatus === current.reservationStatus, 'reservation outcome changed', seq);
          }
          // Redelivery: the same event/request again right away changes nothing.
          const again = decide(step.state, input);
          check(again.transitions.length === 0 && same(again.state, step.state), 'redelivery changed something', seq);
          current = step.state;
        }
        check(cancels <= 1, 'cancelled twice', seq);
        check(confirms <= 1, 'confirmed twice', seq);
        // Without a confirmation an order can only be CREATED or CANCELLED.
        if (confirms === 0) check(current.status === 'CREATED' || current.status === 'CANCELLED', 'unconfirmed', seq);
      }
    }
    expect(checked).toBe(9 + 81 + 729 + 6561 + 59049);
  });

  it('the outcome of the join does not depend on the arrival order', () => {
    const outcomes: SagaInput[][] = [
      [paid, reserved],
      [paid, outOfStock],
      [declined, reserved],
      [declined, outOfStock],
      [underpaid, reserved],
      [underpaid, outOfStock],
    ];
    for (const [a, b] of outcomes as [SagaInput, SagaInput][]) {
      const one = run([a, b]).state;
      const other = run([b, a]).state;
      expect(one.status).toBe(other.status);
      expect(one.paymentStatus).toBe(other.paymentStatus);
      expect(one.reservationStatus).toBe(other.reservationStatus);
      // With duplicates interleaved, too.
      expect(run([a, b, a, b]).state).toEqual(one);
      expect(run([b, a, b, a]).state).toEqual(other);
    }
  });
});
