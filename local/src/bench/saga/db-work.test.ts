import { describe, expect, it } from 'vitest';
import { dbWork } from './db-work.js';

const stmt = (id: string, calls: number, execMs: number, rows = calls, query = `SELECT ${id}`) => ({
  id,
  query,
  calls,
  execMs,
  rows,
});

describe('dbWork', () => {
  it("divides the counters' growth by the orders and ranks statements by execution time", () => {
    const work = dbWork(
      { transactions: 1_000, statements: [stmt('a', 10, 5), stmt('b', 100, 1), stmt('idle', 7, 7)] },
      {
        transactions: 1_600,
        statements: [stmt('a', 110, 45), stmt('b', 400, 31), stmt('idle', 7, 7), stmt('new', 50, 100, 500)],
      },
      100,
    );
    expect(work.transactionsPerOrder).toBe(6);
    expect(work.statementsPerOrder).toBe(4.5); // 100 + 300 + 50
    expect(work.execMsPerOrder).toBeCloseTo(1.7); // (40 + 30 + 100) / 100
    expect(work.top.map((s) => [s.query, s.callsPerOrder, s.rowsPerCall])).toEqual([
      ['SELECT new', 0.5, 10],
      ['SELECT a', 1, 1],
      ['SELECT b', 3, 1],
    ]);
  });

  it('without pg_stat_statements gives transactions only; without orders, nothing per order', () => {
    expect(dbWork({ transactions: 0, statements: null }, { transactions: 30, statements: null }, 10)).toEqual({
      transactionsPerOrder: 3,
      statementsPerOrder: null,
      execMsPerOrder: null,
      top: [],
    });
    const none = dbWork({ transactions: 0, statements: [] }, { transactions: 5, statements: [stmt('a', 1, 1)] }, 0);
    expect(none).toEqual({ transactionsPerOrder: null, statementsPerOrder: null, execMsPerOrder: null, top: [] });
  });

  it('shows a long statement on one line, cut', () => {
    const query = `SELECT\n  ${'x, '.repeat(100)}y`;
    const [top] = dbWork(
      { transactions: 0, statements: [] },
      { transactions: 0, statements: [stmt('a', 1, 1, 1, query)] },
      1,
    ).top;
    expect(top?.query).toMatch(/^SELECT x, x, /);
    expect(top?.query.length).toBe(160);
    expect(top?.query.endsWith('…')).toBe(true);
  });
});
