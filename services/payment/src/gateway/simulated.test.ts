import { describe, expect, it } from 'vitest';
import { TransientGatewayError } from './gateway.js';
import { SimulatedGateway } from './simulated.js';

const charge = (over: Partial<Parameters<SimulatedGateway['charge']>[0]> = {}) => ({
  orderId: 'o1',
  amount: '25.00',
  currency: 'USD',
  paymentMethod: 'card',
  idempotencyKey: 'charge:o1',
  ...over,
});

describe('SimulatedGateway', () => {
  const gateway = new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 0, transientFailureRate: 0 });

  it('completes ordinary charges with a stable transaction id', async () => {
    const a = await gateway.charge(charge());
    expect(a).toMatchObject({ status: 'COMPLETED', failureReason: null });
    expect(a.transactionId).toMatch(/^sim_ch_/);
    expect((await gateway.charge(charge())).transactionId).toBe(a.transactionId);
  });

  it('declines card_declined and amounts above the limit', async () => {
    expect(await gateway.charge(charge({ paymentMethod: 'card_declined' }))).toMatchObject({
      status: 'FAILED',
      transactionId: null,
      failureReason: expect.stringMatching(/declined/),
    });
    expect((await gateway.charge(charge({ amount: '10000.01' }))).status).toBe('FAILED');
    expect((await gateway.charge(charge({ amount: '10000.00' }))).status).toBe('COMPLETED');
  });

  it('refunds', async () => {
    const r = await gateway.refund({
      orderId: 'o1',
      chargeTransactionId: 'sim_ch_x',
      amount: '1.00',
      currency: 'USD',
      reason: 'test',
      idempotencyKey: 'refund:r1',
    });
    expect(r).toMatchObject({ status: 'COMPLETED', failureReason: null });
  });

  it('fails transiently on the configured fraction, and a retry draws again', async () => {
    const always = new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 0, transientFailureRate: 1 });
    await expect(always.charge(charge())).rejects.toBeInstanceOf(TransientGatewayError);
    await expect(always.charge(charge())).rejects.toThrow(/attempt 2/);

    const half = new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 0, transientFailureRate: 0.5 });
    let failures = 0;
    let eventuallyCompleted = 0;
    for (let i = 0; i < 200; i++) {
      const request = charge({ orderId: `o${i}`, idempotencyKey: `charge:o${i}` });
      for (let attempt = 1; attempt <= 20; attempt++) {
        try {
          await half.charge(request);
          eventuallyCompleted++;
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(TransientGatewayError);
          failures++;
        }
      }
    }
    expect(eventuallyCompleted).toBe(200);
    expect(failures).toBeGreaterThan(100);
    expect(failures).toBeLessThan(300);
  });

  it('adds the configured latency', async () => {
    const slow = new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 30, transientFailureRate: 0 });
    const started = Date.now();
    await slow.charge(charge());
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
