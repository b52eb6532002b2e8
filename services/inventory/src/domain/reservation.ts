/**
 * The reservation decision for one order: every line or none. Pure: it sees the order's lines and
 * the stock of the products they name (locked by the caller) and says what to reserve or why not.
 */

export interface Line {
  productId: string;
  quantity: number;
}

/** A product's stock; available = onHand - reserved. */
export interface StockLevel {
  onHand: number;
  reserved: number;
}

export interface Shortage {
  productId: string;
  requested: number;
  /** What could have been reserved: 0 for an unknown product. */
  available: number;
}

export type ReservationFailure = 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT';

export type ReserveDecision =
  | { ok: true; reservation: { items: Line[] } }
  | { ok: false; reason: ReservationFailure; shortages: Shortage[] };

export function available(level: StockLevel): number {
  return level.onHand - level.reserved;
}

/**
 * One line per product, summed, sorted by productId. An order may name a product on two lines;
 * stock is checked against their sum, and the reservation stores and reports its items in a stable
 * order. (Row locks do not depend on it: the lock statements sort by product_id themselves.)
 */
export function aggregateLines(lines: readonly Line[]): Line[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Reserves every line or none. Every short line is reported, not just the first, so the
 * ReservationFailed event tells the whole story. A product the service has never stocked makes the
 * reason UNKNOWN_PRODUCT (it takes precedence: restocking cannot fix a product that does not exist
 * here, which is the more useful thing for an operator to learn first).
 */
export function reserve(lines: readonly Line[], stock: ReadonlyMap<string, StockLevel>): ReserveDecision {
  const items = aggregateLines(lines);
  const shortages: Shortage[] = [];
  let unknown = false;
  for (const item of items) {
    const level = stock.get(item.productId);
    if (!level) {
      unknown = true;
      shortages.push({ productId: item.productId, requested: item.quantity, available: 0 });
      continue;
    }
    const free = Math.max(0, available(level));
    if (free < item.quantity) shortages.push({ productId: item.productId, requested: item.quantity, available: free });
  }
  if (shortages.length > 0) return { ok: false, reason: unknown ? 'UNKNOWN_PRODUCT' : 'OUT_OF_STOCK', shortages };
  return { ok: true, reservation: { items } };
}
