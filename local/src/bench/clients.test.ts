import { describe, expect, it } from 'vitest';
import { advantage, supportsPlatformatic } from './clients.js';

describe('client comparison', () => {
  it.each([
    ['v20.20.2', false],
    ['v22.21.0', false],
    ['v22.22.0', true],
    ['v23.11.0', false],
    ['v24.5.0', false],
    ['24.6.0', true],
    ['v24.22.3', true],
    ['v26.1.0', true],
  ])('Node %s runs @platformatic/kafka: %s', (version, runs) => {
    expect(supportsPlatformatic(version)).toBe(runs);
  });

  it('counts an advantage as more records/s and less CPU per record of the second client', () => {
    const kafkajs = { recordsPerSec: 10_000, cpuMsPer1k: 40 };
    expect(advantage(kafkajs, { recordsPerSec: 15_000, cpuMsPer1k: 30 })).toEqual({ throughputPct: 50, cpuPct: 25 });
    expect(advantage(kafkajs, { recordsPerSec: 8_000, cpuMsPer1k: 50 })).toEqual({ throughputPct: -20, cpuPct: -25 });
  });
});
