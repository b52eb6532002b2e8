import { setTimeout as sleep } from 'node:timers/promises';
import { toCents } from '@ecom/kit';
import { declineReason, isTransientFailure, transactionId } from '../domain/simulation.js';
import type { ChargeRequest, GatewayResult, PaymentGateway, RefundRequest } from './gateway.js';
import { TransientGatewayError } from './gateway.js';

export interface SimulatorOptions {
  /** Charges above this amount (decimal string) are declined. */
  declineAbove: string;
  /** Added to every call, to model a remote provider. */
  latencyMs: number;
  /** Fraction (0..1) of calls that throw TransientGatewayError. */
  transientFailureRate: number;
}

/**
 * The built-in gateway: decides with the rules of domain/simulation.ts (card_declined and amounts
 * above declineAbove are declined; a configured fraction of calls fails transiently, drawn from the
 * idempotency key and the attempt number). The only state is the per-key call count that makes the
 * attempt number; it lives in this instance, one per service.
 */
export class SimulatedGateway implements PaymentGateway {
  private readonly limitCents: bigint;
  private readonly calls = new Map<string, number>();

  constructor(private readonly options: SimulatorOptions) {
    this.limitCents = toCents(options.declineAbove);
  }

  async charge(request: ChargeRequest): Promise<GatewayResult> {
    await this.enter('charge', request.idempotencyKey);
    const reason = declineReason(request.paymentMethod, toCents(request.amount), this.limitCents);
    if (reason) return { status: 'FAILED', transactionId: null, failureReason: reason };
    return { status: 'COMPLETED', transactionId: transactionId('ch', request.idempotencyKey), failureReason: null };
  }

  async refund(request: RefundRequest): Promise<GatewayResult> {
    await this.enter('refund', request.idempotencyKey);
    return { status: 'COMPLETED', transactionId: transactionId('re', request.idempotencyKey), failureReason: null };
  }

  /** Latency, then the transient-failure draw; a call that gets through forgets its count. */
  private async enter(operation: 'charge' | 'refund', key: string): Promise<void> {
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs);
    const attempt = (this.calls.get(key) ?? 0) + 1;
    if (isTransientFailure(key, attempt, this.options.transientFailureRate)) {
      this.calls.set(key, attempt);
      throw new TransientGatewayError(operation, key, attempt);
    }
    this.calls.delete(key);
  }
}
