import { describe, expect, it } from 'vitest';
import { stockLevelEvents } from './stock-levels.js';

describe('stockLevelEvents (threshold 10)', () => {
  const t = 10;

  it('warns when available drops below the threshold from at or above it', () => {
    expect(stockLevelEvents(10, 9, t)).toEqual(['WARNING']);
    expect(stockLevelEvents(50, 3, t)).toEqual(['WARNING']);
  });

  it('does not warn again while it stays below', () => {
    expect(stockLevelEvents(9, 5, t)).toEqual([]);
    expect(stockLevelEvents(5, 9, t)).toEqual([]);
  });

  it('reports depletion when available reaches zero, with the warning if it crossed too', () => {
    expect(stockLevelEvents(5, 0, t)).toEqual(['DEPLETED']);
    expect(stockLevelEvents(12, 0, t)).toEqual(['WARNING', 'DEPLETED']);
    expect(stockLevelEvents(0, 0, t)).toEqual([]);
  });

  it('reports normalization when it comes back to the threshold or above', () => {
    expect(stockLevelEvents(9, 10, t)).toEqual(['NORMALIZED']);
    expect(stockLevelEvents(0, 25, t)).toEqual(['NORMALIZED']);
    expect(stockLevelEvents(10, 11, t)).toEqual([]);
    expect(stockLevelEvents(0, 3, t)).toEqual([]);
  });

  it('treats a new product created below the threshold as a warning', () => {
    expect(stockLevelEvents(null, 3, t)).toEqual(['WARNING']);
    expect(stockLevelEvents(null, 10, t)).toEqual([]);
  });

  it('never warns with a zero threshold but still reports depletion', () => {
    expect(stockLevelEvents(1, 0, 0)).toEqual(['DEPLETED']);
    expect(stockLevelEvents(0, 1, 0)).toEqual([]);
  });
});
