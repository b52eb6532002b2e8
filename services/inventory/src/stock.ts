// Writing a product's new stock together with the events it causes: InventoryUpdated when the
// units on hand change, and the stock-level signals when available stock crosses the threshold.
// Shared by the PUT route and the reservation handlers so both report stock the same way.
import type { Emit, EventContext, Queryable } from '@ecom/kit';
import { available, type StockLevel } from './domain/reservation.js';
import { stockLevelEvents } from './domain/stock-levels.js';
import { type ProductRow, saveStocks } from './store.js';

export interface StockChange {
  productId: string;
  /** null when the product is being created. */
  before: StockLevel | null;
  after: StockLevel;
  /** Set when on_hand changes: what InventoryUpdated reports. */
  onHandChange?: { operation: 'ADD' | 'SUBTRACT'; reason: 'ORDER' | 'RESTOCK' | 'ADJUSTMENT'; quantity: number };
}

/** One product's change: see writeStocks. */
export async function writeStock(
  tx: Queryable,
  emit: Emit,
  context: EventContext,
  threshold: number,
  change: StockChange,
): Promise<ProductRow> {
  const [row] = await writeStocks(tx, emit, context, threshold, [change]);
  if (!row) throw new Error(`product ${change.productId} was not written`);
  return row;
}

/**
 * Stores the changes of products the caller has locked in one statement, then emits each
 * product's events in the order of `changes` (as one write per product did). Returns the stored
 * rows in that order.
 */
export async function writeStocks(
  tx: Queryable,
  emit: Emit,
  context: EventContext,
  threshold: number,
  changes: readonly StockChange[],
): Promise<ProductRow[]> {
  const saved = await saveStocks(
    tx,
    changes.map((c) => ({ productId: c.productId, level: c.after })),
  );
  return changes.map((change) => {
    const row = saved.get(change.productId) as ProductRow;
    emitStockEvents(emit, context, threshold, change);
    return row;
  });
}

function emitStockEvents(emit: Emit, context: EventContext, threshold: number, change: StockChange): void {
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
}
