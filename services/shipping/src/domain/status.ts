/**
 * The shipment status state machine: CREATED → PICKED_UP → IN_TRANSIT → OUT_FOR_DELIVERY →
 * DELIVERED. Pure. Decisions where the brief left room:
 * - Skipping forward is allowed, all the way (CREATED → DELIVERED included): carrier scans are
 *   often missed, and refusing a real delivery because a pickup scan never came would leave the
 *   order stuck at SHIPPED. Moving backwards, or anywhere from DELIVERED, is illegal.
 * - Repeating the current status is not a transition: with the same location it is a retried
 *   PUT (answered with the shipment, no event); with a new location it is a new scan, which
 *   makes sense only while the parcel moves (IN_TRANSIT, OUT_FOR_DELIVERY) and emits an event.
 */
export const SHIPMENT_STATUSES = ['CREATED', 'PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

const MOVING: readonly ShipmentStatus[] = ['IN_TRANSIT', 'OUT_FOR_DELIVERY'];

export interface Position {
  status: ShipmentStatus;
  location: string | null;
}

export type StatusStep =
  /** A new status (or a new scan of a moving parcel): store it and emit ShipmentStatusUpdated. */
  | { kind: 'move'; from: ShipmentStatus; to: ShipmentStatus }
  /** Nothing changes: the same status at the same place was already recorded. */
  | { kind: 'unchanged' }
  | { kind: 'illegal'; from: ShipmentStatus; to: ShipmentStatus; why: string };

export function statusStep(current: Position, requested: { status: ShipmentStatus; location: string }): StatusStep {
  const from = current.status;
  const to = requested.status;
  const rankFrom = SHIPMENT_STATUSES.indexOf(from);
  const rankTo = SHIPMENT_STATUSES.indexOf(to);
  if (rankTo > rankFrom) return { kind: 'move', from, to };
  if (rankTo < rankFrom) {
    const why = from === 'DELIVERED' ? 'a delivered shipment is final' : 'a shipment cannot move backwards';
    return { kind: 'illegal', from, to, why };
  }
  if (current.location === requested.location) return { kind: 'unchanged' };
  if (MOVING.includes(from)) return { kind: 'move', from, to };
  return {
    kind: 'illegal',
    from,
    to,
    why: `a new location for the same status is only a scan while the parcel moves (${MOVING.join(', ')})`,
  };
}
