/**
 * The payment gateway as the payment service sees it. An adapter for a real provider implements
 * this; the built-in SimulatedGateway is the default. Amounts are decimal strings with their
 * currency. The idempotency key names the operation (`charge:<orderId>`, `refund:<refundId>`):
 * a provider given the same key twice must answer the first result instead of moving money again,
 * which is what makes a retried transaction (rolled back after the call) safe.
 */
export interface ChargeRequest {
  orderId: string;
  amount: string;
  currency: string;
  paymentMethod: string;
  idempotencyKey: string;
}

export interface RefundRequest {
  orderId: string;
  /** The provider's id of the charge being refunded. */
  chargeTransactionId: string;
  amount: string;
  currency: string;
  reason: string;
  idempotencyKey: string;
}

export interface GatewayResult {
  status: 'COMPLETED' | 'FAILED';
  transactionId: string | null;
  failureReason: string | null;
}

export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<GatewayResult>;
  refund(request: RefundRequest): Promise<GatewayResult>;
}

/**
 * The gateway could not be reached or timed out: the outcome is unknown and the same call (same
 * idempotency key) may be retried. A decline is not an error: it is a FAILED result.
 */
export class TransientGatewayError extends Error {
  constructor(
    readonly operation: 'charge' | 'refund',
    readonly idempotencyKey: string,
    readonly attempt: number,
  ) {
    super(`payment gateway ${operation} ${idempotencyKey} failed transiently (attempt ${attempt}); retry it`);
    this.name = 'TransientGatewayError';
  }
}
