// The consumer's beforeBatch hook: takes every row lock a batch will need before its first handler
// runs, in one canonical order, so concurrent batches cannot deadlock (see domain/batch-locks.ts).
// What it read stays with the transaction (locked-rows.ts): the handlers work from it instead of
// locking and reading the same rows again.
import type { BeforeBatch } from '@ecom/kit';
import { lockRowsOf } from './locked-rows.js';

export const lockBatchRows: BeforeBatch = async (events, tx) => {
  await lockRowsOf(events, tx);
};
