import { describe, expect, it } from 'vitest';
import { SHIPMENT_STATUSES, statusStep } from './status.js';

describe('statusStep', () => {
  it('moves one step forward along the chain', () => {
    for (let i = 0; i + 1 < SHIPMENT_STATUSES.length; i++) {
      const from = SHIPMENT_STATUSES[i] as (typeof SHIPMENT_STATUSES)[number];
      const to = SHIPMENT_STATUSES[i + 1] as (typeof SHIPMENT_STATUSES)[number];
      expect(statusStep({ status: from, location: null }, { status: to, location: 'Hub' })).toEqual({
        kind: 'move',
        from,
        to,
      });
    }
  });

  it('allows skipping forward, CREATED → DELIVERED included', () => {
    expect(statusStep({ status: 'CREATED', location: null }, { status: 'IN_TRANSIT', location: 'Hub' }).kind).toBe(
      'move',
    );
    expect(statusStep({ status: 'CREATED', location: null }, { status: 'DELIVERED', location: 'Door' }).kind).toBe(
      'move',
    );
  });

  it('refuses moving backwards, naming from and to', () => {
    expect(statusStep({ status: 'IN_TRANSIT', location: 'Hub' }, { status: 'PICKED_UP', location: 'Hub' })).toEqual({
      kind: 'illegal',
      from: 'IN_TRANSIT',
      to: 'PICKED_UP',
      why: 'a shipment cannot move backwards',
    });
  });

  it('treats DELIVERED as final', () => {
    const step = statusStep({ status: 'DELIVERED', location: 'Door' }, { status: 'IN_TRANSIT', location: 'Hub' });
    expect(step).toMatchObject({ kind: 'illegal', why: 'a delivered shipment is final' });
  });

  it('answers a retried PUT (same status, same location) with no change', () => {
    expect(statusStep({ status: 'DELIVERED', location: 'Door' }, { status: 'DELIVERED', location: 'Door' })).toEqual({
      kind: 'unchanged',
    });
  });

  it('accepts a new scan while the parcel moves, not otherwise', () => {
    expect(statusStep({ status: 'IN_TRANSIT', location: 'A' }, { status: 'IN_TRANSIT', location: 'B' })).toEqual({
      kind: 'move',
      from: 'IN_TRANSIT',
      to: 'IN_TRANSIT',
    });
    expect(statusStep({ status: 'DELIVERED', location: 'A' }, { status: 'DELIVERED', location: 'B' }).kind).toBe(
      'illegal',
    );
    expect(statusStep({ status: 'CREATED', location: null }, { status: 'CREATED', location: 'B' }).kind).toBe(
      'illegal',
    );
  });
});
