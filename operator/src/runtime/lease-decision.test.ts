import { describe, expect, it } from 'vitest';
import {
  decideLease,
  type LeaseDecision,
  type LeaseObservation,
  type LeaseState,
  leaseRecord,
} from './lease-decision.js';

const held = (renewTime: string, extra: Partial<LeaseState> = {}): LeaseState => ({
  holderIdentity: 'other',
  renewTime,
  acquireTime: '2026-01-01T00:00:00Z',
  leaseDurationSeconds: 15,
  leaseTransitions: 2,
  ...extra,
});
/** The candidate first saw `lease`, as it is, at local monotonic time `at`. */
const seen = (lease: LeaseState, at: number): LeaseObservation => ({ record: leaseRecord(lease), at });

// Local monotonic times (ms): unrelated to any wall clock, as performance.now() is.
const NOW = 100_000;

interface Case {
  name: string;
  lease: LeaseState | undefined;
  previous?: LeaseObservation;
  decision: LeaseDecision;
  /** When the returned observation says the record was first seen; NOW unless it was seen before. */
  observedAt?: number;
}

const renewedAt20 = held('2026-01-01T00:00:20Z');
const cases: Case[] = [
  { name: 'creates a missing lease', lease: undefined, decision: { action: 'create' } },
  {
    name: 'renews a lease it holds, whatever its times say',
    lease: held('2000-01-01T00:00:00Z', { holderIdentity: 'me' }),
    decision: { action: 'renew' },
  },
  {
    name: 'waits the full duration for a lease seen for the first time (fresh start)',
    lease: held('2000-01-01T00:00:00Z'),
    decision: { action: 'wait', holder: 'other', expiresInMs: 15_000 },
  },
  {
    name: 'waits while the unchanged record was first seen less than the duration ago',
    lease: renewedAt20,
    previous: seen(renewedAt20, NOW - 10_000),
    decision: { action: 'wait', holder: 'other', expiresInMs: 5_000 },
    observedAt: NOW - 10_000,
  },
  {
    name: 'takes a lease unchanged for the whole duration, counting a transition',
    lease: renewedAt20,
    previous: seen(renewedAt20, NOW - 15_001),
    decision: { action: 'acquire', transitions: 3 },
    observedAt: NOW - 15_001,
  },
  {
    name: 'a lease unchanged for exactly the duration is free',
    lease: renewedAt20,
    previous: seen(renewedAt20, NOW - 15_000),
    decision: { action: 'acquire', transitions: 3 },
    observedAt: NOW - 15_000,
  },
  {
    name: 'starts the wait over when the holder renewed since the last look',
    lease: held('2026-01-01T00:00:22Z'),
    previous: seen(renewedAt20, NOW - 60_000),
    decision: { action: 'wait', holder: 'other', expiresInMs: 15_000 },
  },
  {
    name: 'a change of holder counts as a change of record',
    lease: held('2026-01-01T00:00:20Z', { holderIdentity: 'third' }),
    previous: seen(renewedAt20, NOW - 60_000),
    decision: { action: 'wait', holder: 'third', expiresInMs: 15_000 },
  },
  {
    // The holder's clock is a minute behind ours: by the old rule (renewTime + duration against
    // our wall clock) this lease, renewed a second ago, looked expired and we took it: two leaders.
    name: 'skewed clocks: waits on a lease the holder renews, though its renewTime is long past our wall clock',
    lease: held('2026-01-01T00:00:00Z'),
    previous: seen(held('2025-12-31T23:59:58Z'), NOW - 60_000),
    decision: { action: 'wait', holder: 'other', expiresInMs: 15_000 },
  },
  {
    // The holder's clock is an hour ahead: by the old rule we waited an hour after it died.
    name: 'skewed clocks: takes over a dead holder whose renewTime lies in our future after one duration',
    lease: held('2026-01-01T01:00:00Z'),
    previous: seen(held('2026-01-01T01:00:00Z'), NOW - 15_000),
    decision: { action: 'acquire', transitions: 3 },
    observedAt: NOW - 15_000,
  },
  {
    name: 'takes a released lease (empty holder) at once',
    lease: held('2026-01-01T00:00:29Z', { holderIdentity: '' }),
    decision: { action: 'acquire', transitions: 3 },
  },
  {
    name: 'a lease without a duration expires as soon as it is seen unchanged',
    lease: held('2026-01-01T00:00:20Z', { leaseDurationSeconds: null, leaseTransitions: null }),
    decision: { action: 'acquire', transitions: 1 },
  },
];

describe('decideLease (observed time, as client-go)', () => {
  it.each(cases)('$name', ({ lease, previous, decision, observedAt }) => {
    const result = decideLease(lease, 'me', previous, NOW);
    expect(result.decision).toEqual(decision);
    if (lease) expect(result.observed).toEqual({ record: leaseRecord(lease), at: observedAt ?? NOW });
  });

  it('never takes a lease from a holder that keeps renewing, however far its clock is off', () => {
    // The holder renews every 2 s, writing its own clock, which is 10 minutes behind ours; we look
    // every 2 s for 2 minutes. The old rule (renewTime + 15 s <= our wall clock) took it at once.
    const skewMs = -600_000;
    const wallStart = Date.parse('2026-01-01T00:00:00Z');
    let observed: LeaseObservation | undefined;
    for (let t = 0; t <= 120_000; t += 2_000) {
      const lease = held(new Date(wallStart + t + skewMs).toISOString());
      const result = decideLease(lease, 'me', observed, t);
      observed = result.observed;
      expect(result.decision.action, `at ${t} ms`).toBe('wait');
    }
    // The holder stops renewing at 120 s: we take over once the duration passed on our clock.
    const last = held(new Date(wallStart + 120_000 + skewMs).toISOString());
    expect(decideLease(last, 'me', observed, 134_000).decision.action).toBe('wait');
    expect(decideLease(last, 'me', observed, 135_000).decision).toEqual({ action: 'acquire', transitions: 3 });
  });
});
