// Writing a product's new stock together with the events it causes: InventoryUpdated when the
// units on hand change, and the stock-level signals when available stock crosses the threshold.
// Shared by the PUT route and the reservation handlers so both report stock the same way.
import type { Emit, EventContext, Queryable } from '@ecom/kit';
import { available, type StockLevel } from './domain/reservation.js';
import { stockLevelEvents } from './domain/stock-levels.js';
import { type ProductRow, saveStock } from './store.js';

export interface StockChange {
  productId: string;
  /** null when the product is being created. */
  before: StockLevel | null;
  after: StockLevel;
  /** Set when on_hand changes: what InventoryUpdated reports. */
  onHandChange?: { operation: 'ADD' | 'SUBTRACT'; reason: 'ORDER' | 'RESTOCK' | 'ADJUSTMENT'; quantity: number };
}

export async function writeStock(
  tx: Queryable,
  emit: Emit,
  context: EventContext,
  threshold: number,
  change: StockChange,
): Promise<ProductRow> {
  const row = await saveStock(tx, change.productId, change.after);
  const after = available(change.after);
  // Stock-level events are about the product, not the order: their correlation is the product's
  // when they come from a manual change; from an order flow they keep the order's correlation.
  if (change.onHandChange) {
    emit(
      'ecom.inventory.updated.v1',
      {
        productId: change.productId,
        quantityChange: change.onHandChange.quantity,
        operation: change.onHandChange.operation,
        reason: change.onHandChange.reason,
        quantityOnHand: change.after.onHand,
        available: after,
      },
      context,
    );
  }
  const before = change.before ? available(change.before) : null;
  for (const signal of stockLevelEvents(before, after, threshold)) {
    if (signal === 'WARNING') {
      emit(
        'ecom.inventory.stock-level-warning.v1',
        { productId: change.productId, available: after, threshold },
        context,
      );
    } else if (signal === 'DEPLETED') {
      emit('ecom.inventory.stock-depleted.v1', { productId: change.productId }, context);
    } else {
      emit(
        'ecom.inventory.stock-level-normalized.v1',
        { productId: change.productId, available: after, threshold },
        context,
      );
    }
  }
  return row;
}
