// The consumer's beforeBatch hook: takes every row lock a batch will need before its first handler
// runs, in one canonical order, so concurrent batches cannot deadlock (see domain/batch-locks.ts).
// The catalogue lock comes first, the order rows next, the products last: the reservations that
// say which products PaymentProcessed and OrderCancelled touch are read once their orders are
// locked, so no other batch can change them before this batch's handlers run.
import type { BeforeBatch } from '@ecom/kit';
import { productsOfBatch, rowsOfBatch } from './domain/batch-locks.js';
import { getReservations, lockCatalogue, lockOrders, lockProducts } from './store.js';

export const lockBatchRows: BeforeBatch = async (events, tx) => {
  const rows = rowsOfBatch(events);
  if (rows.orderIds.length === 0) return;
  await lockCatalogue(tx, 'shared');
  await lockOrders(tx, rows.orderIds);
  const reservations = rows.settledOrderIds.length > 0 ? await getReservations(tx, rows.settledOrderIds) : [];
  const productIds = productsOfBatch(rows, reservations);
  if (productIds.length > 0) await lockProducts(tx, productIds);
};
