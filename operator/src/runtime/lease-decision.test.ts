import { describe, expect, it } from 'vitest';
import { decideLease } from './lease-decision.js';

const now = new Date('2026-01-01T00:00:30Z');

describe('decideLease', () => {
  it('creates a missing lease', () => {
    expect(decideLease(undefined, 'me', now)).toEqual({ action: 'create' });
  });

  it('renews a lease it holds', () => {
    expect(
      decideLease({ holderIdentity: 'me', renewTime: '2026-01-01T00:00:00Z', leaseDurationSeconds: 15 }, 'me', now),
    ).toEqual({ action: 'renew' });
  });

  it('waits while another holder renewed within the lease duration', () => {
    expect(
      decideLease(
        { holderIdentity: 'other', renewTime: '2026-01-01T00:00:20Z', leaseDurationSeconds: 15, leaseTransitions: 2 },
        'me',
        now,
      ),
    ).toEqual({ action: 'wait', holder: 'other', expiresAt: new Date('2026-01-01T00:00:35Z') });
  });

  it('takes an expired lease, counting a transition', () => {
    expect(
      decideLease(
        {
          holderIdentity: 'other',
          renewTime: new Date('2026-01-01T00:00:10Z'),
          leaseDurationSeconds: 15,
          leaseTransitions: 2,
        },
        'me',
        now,
      ),
    ).toEqual({ action: 'acquire', transitions: 3 });
  });

  it('a lease expiring exactly now is free', () => {
    expect(
      decideLease({ holderIdentity: 'other', renewTime: '2026-01-01T00:00:15Z', leaseDurationSeconds: 15 }, 'me', now),
    ).toEqual({ action: 'acquire', transitions: 1 });
  });

  it('takes a released lease (empty holder) at once', () => {
    expect(
      decideLease({ holderIdentity: '', renewTime: '2026-01-01T00:00:29Z', leaseDurationSeconds: 15 }, 'me', now),
    ).toEqual({ action: 'acquire', transitions: 1 });
  });

  it('treats a lease without a renew time as expired', () => {
    expect(decideLease({ holderIdentity: 'other', leaseDurationSeconds: 15 }, 'me', now)).toEqual({
      action: 'acquire',
      transitions: 1,
    });
  });
});
