// Table-driven, in the manner of KEDA's kafka_scaler_test.go: each row is one situation a user
// meets, and what the replica count must be.
import { describe, expect, it } from 'vitest';
import { type RecommendInput, recommend } from './recommend.js';

const base: RecommendInput = {
  totalLag: 0,
  partitions: 12,
  currentReplicas: 1,
  lagThreshold: 100,
  activationLagThreshold: 0,
  minReplicas: 1,
  maxReplicas: 12,
};

interface Row {
  name: string;
  input: Partial<RecommendInput>;
  replicas: number;
  active: boolean;
  limit?: string;
}

const rows: Row[] = [
  {
    name: 'no lag: minReplicas',
    input: { totalLag: 0, currentReplicas: 3 },
    replicas: 1,
    active: false,
    limit: 'TooFewReplicas',
  },
  { name: 'lag exactly one threshold: 1', input: { totalLag: 100 }, replicas: 1, active: true },
  {
    name: 'one record over a threshold rounds up',
    input: { totalLag: 101, currentReplicas: 3 },
    replicas: 2,
    active: true,
  },
  {
    name: 'one record over at 1 replica is inside the tolerance: kept',
    input: { totalLag: 101, currentReplicas: 1 },
    replicas: 1,
    active: true,
  },
  { name: 'ceil(480/100) = 5', input: { totalLag: 480, currentReplicas: 2 }, replicas: 5, active: true },
  {
    name: 'capped at the partitions when maxReplicas is higher',
    input: { totalLag: 5000, partitions: 6, maxReplicas: 12 },
    replicas: 6,
    active: true,
    limit: 'CappedAtPartitions',
  },
  {
    name: 'capped at maxReplicas when the partitions are more',
    input: { totalLag: 5000, partitions: 24, maxReplicas: 12 },
    replicas: 12,
    active: true,
    limit: 'TooManyReplicas',
  },
  {
    name: 'partitions equal to maxReplicas: maxReplicas is the reason',
    input: { totalLag: 5000, partitions: 12, maxReplicas: 12 },
    replicas: 12,
    active: true,
    limit: 'TooManyReplicas',
  },
  {
    name: 'minReplicas wins over a smaller partition count',
    input: { totalLag: 5000, partitions: 2, minReplicas: 3, maxReplicas: 12 },
    replicas: 3,
    active: true,
    limit: 'TooManyReplicas',
  },
  {
    name: 'raised to minReplicas',
    input: { totalLag: 50, minReplicas: 3, currentReplicas: 3 },
    replicas: 3,
    active: true,
    limit: 'TooFewReplicas',
  },
  // The HPA's 10 % tolerance
  {
    name: 'ratio 1.05 keeps 10 replicas',
    input: { totalLag: 1050, currentReplicas: 10, partitions: 64, maxReplicas: 64 },
    replicas: 10,
    active: true,
  },
  {
    name: 'ratio 0.95 keeps 10 replicas',
    input: { totalLag: 950, currentReplicas: 10, partitions: 64, maxReplicas: 64 },
    replicas: 10,
    active: true,
  },
  {
    name: 'ratio 1.11 scales 10 -> 12',
    input: { totalLag: 1110, currentReplicas: 10, partitions: 64, maxReplicas: 64 },
    replicas: 12,
    active: true,
  },
  {
    name: 'ratio 0.85 scales 10 -> 9',
    input: { totalLag: 850, currentReplicas: 10, partitions: 64, maxReplicas: 64 },
    replicas: 9,
    active: true,
  },
  {
    name: 'kedacore/keda#2908: 63 of 64 with lag for 64 reaches the cap despite the tolerance',
    input: { totalLag: 64 * 3000, lagThreshold: 3000, currentReplicas: 63, partitions: 64, maxReplicas: 64 },
    replicas: 64,
    active: true,
  },
  {
    name: 'kedacore/keda#2908: far more lag than the cap, one short of it, still reaches it',
    input: { totalLag: 450_000, lagThreshold: 3000, currentReplicas: 63, partitions: 64, maxReplicas: 100 },
    replicas: 64,
    active: true,
    limit: 'CappedAtPartitions',
  },
  {
    name: 'the tolerance does not hold one above minReplicas either',
    input: { totalLag: 950, minReplicas: 10, currentReplicas: 11, partitions: 64, maxReplicas: 64 },
    replicas: 10,
    active: true,
  },
  {
    name: 'a count above the cap is brought back, tolerance or not',
    input: { totalLag: 1150, currentReplicas: 13, partitions: 12, maxReplicas: 12 },
    replicas: 12,
    active: true,
  },
  // Activation and scale to zero (minReplicas 0)
  {
    name: 'min 0, no lag: zero',
    input: { totalLag: 0, minReplicas: 0, currentReplicas: 2 },
    replicas: 0,
    active: false,
  },
  {
    name: 'min 0, lag at the activation threshold: still zero',
    input: { totalLag: 50, activationLagThreshold: 50, minReplicas: 0, currentReplicas: 0 },
    replicas: 0,
    active: false,
  },
  {
    name: 'min 0, lag above the activation threshold: activates from zero',
    input: { totalLag: 51, activationLagThreshold: 50, minReplicas: 0, currentReplicas: 0 },
    replicas: 1,
    active: true,
  },
  {
    name: 'min 0, under the activation threshold but lag for 4: inactive wins, zero',
    input: { totalLag: 40, lagThreshold: 10, activationLagThreshold: 50, minReplicas: 0, currentReplicas: 4 },
    replicas: 0,
    active: false,
  },
  {
    name: 'min 1: the activation threshold does not stop 1..N scaling (as in KEDA)',
    input: { totalLag: 40, lagThreshold: 10, activationLagThreshold: 50, minReplicas: 1, currentReplicas: 1 },
    replicas: 4,
    active: false,
  },
  {
    name: 'min 0, active, small lag: one replica',
    input: { totalLag: 5, minReplicas: 0, currentReplicas: 0 },
    replicas: 1,
    active: true,
  },
];

describe('recommend', () => {
  it.each(rows)('$name', (row) => {
    const r = recommend({ ...base, ...row.input });
    expect({ replicas: r.replicas, active: r.active, limit: r.limit }).toEqual({
      replicas: row.replicas,
      active: row.active,
      limit: row.limit,
    });
  });

  it('explains itself: the formula, and the cap with its cause', () => {
    expect(recommend({ ...base, totalLag: 480 }).why).toBe('ceil(total lag 480 / lagThreshold 100) = 5');
    expect(recommend({ ...base, totalLag: 5000, partitions: 6 }).why).toBe(
      'ceil(total lag 5000 / lagThreshold 100) = 50, capped at 6 (the 6 partitions of the topics)',
    );
    expect(recommend({ ...base, totalLag: 1050, currentReplicas: 10, partitions: 64, maxReplicas: 64 }).why).toContain(
      'within 10 % of the 10 current replicas (ratio 1.05): kept at 10',
    );
  });
});
