import { describe, expect, it } from 'vitest';
import { decide, initialState, ORDER_STATUSES, type SagaInput } from './saga.js';
import { reachableStates, sameState, tableColumns, transitionTable } from './saga-table.js';

const INPUTS: SagaInput[] = [
  { kind: 'payment', status: 'COMPLETED', matchesTotal: true },
  { kind: 'payment', status: 'COMPLETED', matchesTotal: false },
  { kind: 'payment', status: 'FAILED' },
  { kind: 'reservation', status: 'RESERVED' },
  { kind: 'reservation', status: 'FAILED' },
  { kind: 'shipped' },
  { kind: 'delivered' },
  { kind: 'cancel' },
  { kind: 'timeout' },
  ...ORDER_STATUSES.map((to): SagaInput => ({ kind: 'manual', to })),
];

const states = reachableStates();
const contains = (state: ReturnType<typeof initialState>) => states.some((s) => sameState(s, state));

describe('reachableStates', () => {
  it('holds the initial state and every state decide moves any of them to', () => {
    expect(contains(initialState())).toBe(true);
    for (const from of states) {
      for (const input of INPUTS)
        expect(contains(decide(from, input).state), JSON.stringify({ from, input })).toBe(true);
    }
  });
});

describe('transitionTable', () => {
  for (const input of INPUTS) {
    it(`agrees with decide in every state: ${JSON.stringify(input)}`, () => {
      const table = transitionTable(input);
      for (const from of states) {
        const step = decide(from, input);
        const rows = table.filter((r) => sameState(r.from, from));
        if (step.rejected || sameState(step.state, from)) {
          // Refused or a no-op: no row, so the UPDATE matches nothing and writes nothing.
          expect(rows).toEqual([]);
        } else {
          expect(rows).toHaveLength(1);
          expect(rows[0]?.to).toEqual(step.state);
          expect(rows[0]?.step).toEqual(step);
        }
      }
    });
  }

  it('stamps every status a step enters, and only those', () => {
    const delivered = transitionTable({ kind: 'delivered' });
    const fromConfirmed = delivered.find((r) => r.from.status === 'CONFIRMED');
    expect([...(fromConfirmed?.stamps ?? [])].sort()).toEqual(['DELIVERED', 'SHIPPED']);
    const paid = transitionTable({ kind: 'payment', status: 'COMPLETED', matchesTotal: true });
    const waiting = paid.find((r) => r.from.status === 'CREATED' && r.from.reservationStatus === 'PENDING');
    expect(waiting?.to).toMatchObject({ status: 'CREATED', paymentStatus: 'COMPLETED' });
    expect(waiting?.stamps.size).toBe(0);
    const joined = paid.find((r) => r.from.status === 'CREATED' && r.from.reservationStatus === 'RESERVED');
    expect([...(joined?.stamps ?? [])]).toEqual(['CONFIRMED']);
  });

  it('has no row entering CONFIRMED but the join of a payment of the total, and none entering it by hand', () => {
    for (const input of INPUTS) {
      const confirming = transitionTable(input).filter((r) => r.stamps.has('CONFIRMED'));
      const joins = input.kind === 'payment' && input.status === 'COMPLETED' && input.matchesTotal;
      if (!joins && input.kind !== 'reservation') expect(confirming, JSON.stringify(input)).toEqual([]);
    }
    for (const to of ['CONFIRMED', 'SHIPPED', 'DELIVERED'] as const) {
      expect(transitionTable({ kind: 'manual', to }), to).toEqual([]);
    }
  });

  it('cancels every CREATED order a capture of another amount reaches, refund required', () => {
    const rows = transitionTable({ kind: 'payment', status: 'COMPLETED', matchesTotal: false });
    const created = rows.filter((r) => r.from.status === 'CREATED');
    expect(created.map((r) => r.from.reservationStatus)).toEqual(expect.arrayContaining(['PENDING', 'RESERVED']));
    for (const row of created) {
      expect(row.to).toMatchObject({
        status: 'CANCELLED',
        paymentStatus: 'COMPLETED',
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
      });
      expect(row.step.transitions[0]?.cancellation).toEqual({
        reason: 'PAYMENT_AMOUNT_MISMATCH',
        refundRequired: true,
      });
    }
  });

  it('lays the rows out as aligned column arrays', () => {
    const rows = transitionTable({ kind: 'cancel' });
    const columns = tableColumns(rows);
    expect(rows.length).toBeGreaterThan(0);
    for (const [i, row] of rows.entries()) {
      expect([
        columns.fromStatus[i],
        columns.fromPayment[i],
        columns.fromReservation[i],
        columns.fromReason[i],
      ]).toEqual([row.from.status, row.from.paymentStatus, row.from.reservationStatus, row.from.cancellationReason]);
      expect([columns.toStatus[i], columns.toReason[i], columns.stamp.CANCELLED[i]]).toEqual([
        row.to.status,
        row.to.cancellationReason,
        true,
      ]);
    }
  });
});
