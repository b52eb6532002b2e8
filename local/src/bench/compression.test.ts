import { describe, expect, it } from 'vitest';
import { type CodecFigures, medianFigures, rotations } from './compression.js';

const round = (rate: number, cpu: number | undefined): CodecFigures => ({
  compression: 'lz4',
  producer: { recordsPerSec: rate, cpuMsPer1k: cpu },
  passThrough: { eventsPerSec: rate / 2, cpuMsPer1k: cpu },
});

describe('codec rounds', () => {
  it('reports the median of each figure, ignoring rounds that could not measure it', () => {
    const m = medianFigures([round(100, 30), round(300, undefined), round(200, 10), round(50, 20)]);
    expect(m.rounds).toBe(4);
    expect(m.producer.recordsPerSec).toBe(150);
    expect(m.producer.cpuMsPer1k).toBe(20);
    expect(m.passThrough.eventsPerSec).toBe(75);
  });

  it('starts every round with another codec and measures each once per round', () => {
    expect(rotations(['a', 'b', 'c'], 4)).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });
});
