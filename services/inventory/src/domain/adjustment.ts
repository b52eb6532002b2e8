/**
 * A manual stock change (PUT /api/inventory/:productId). Pure: the current stock (null when the
 * product does not exist yet) and the request give the new stock or why it is refused.
 */
import type { StockLevel } from './reservation.js';

export type Operation = 'ADD' | 'SUBTRACT';

export type AdjustmentResult = { ok: true; level: StockLevel } | { ok: false; status: 404 | 409; detail: string };

export function adjustStock(
  productId: string,
  current: StockLevel | null,
  operation: Operation,
  quantity: number,
): AdjustmentResult {
  if (operation === 'ADD') {
    const base = current ?? { onHand: 0, reserved: 0 };
    return { ok: true, level: { onHand: base.onHand + quantity, reserved: base.reserved } };
  }
  // Only ADD creates a product: subtracting from stock that was never recorded is a mistake
  // worth reporting as an unknown id, not a silent zero.
  if (!current) return { ok: false, status: 404, detail: `Product ${productId} has no stock record` };
  const onHand = current.onHand - quantity;
  if (onHand < current.reserved) {
    // Reserved units belong to orders in flight; taking them would break a promise already made.
    const what = onHand < 0 ? 'below zero' : `below the ${current.reserved} reserved units`;
    return {
      ok: false,
      status: 409,
      detail: `Subtracting ${quantity} from product ${productId} (onHand ${current.onHand}, reserved ${current.reserved}) would take stock ${what}`,
    };
  }
  return { ok: true, level: { onHand, reserved: current.reserved } };
}
