import { randomUUID } from 'node:crypto';
import {
  BadRequestError,
  ConflictError,
  customerFor,
  HttpProblem,
  NotFoundError,
  ownedOrNotFound,
  problemResponses,
  type ServiceDeps,
  sendResponse,
  storeResponse,
} from '@ecom/kit';
import type { FastifyInstance } from 'fastify';
import { decideRefund } from '../domain/refund.js';
import { type PaymentGateway, TransientGatewayError } from '../gateway/gateway.js';
import type { PaymentConfig } from '../service.js';
import { findPayment, listPayments, lockPayment, type Payment } from '../store.js';
import { chargeOrder, planRefund, RefundDeclinedError, recordRefund } from '../workflow.js';
import { chargeBody, listQuery, paymentList, paymentParams, payment as paymentSchema, refundBody } from './schemas.js';

/** A request waits for the gateway: a few quick tries on a transient failure, then 503 (nothing written). */
const REQUEST_GATEWAY_TRIES = 3;

async function withTries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TransientGatewayError)) throw error;
      if (attempt >= REQUEST_GATEWAY_TRIES) {
        throw new HttpProblem(503, 'The payment gateway is unavailable; retry the request (with its Idempotency-Key)');
      }
    }
  }
}

interface ChargeBody {
  orderId: string;
  amount: string;
  currency: string;
  paymentMethod: string;
  customerId: string;
}

export async function paymentRoutes(
  app: FastifyInstance,
  { deps, gateway }: { deps: ServiceDeps<PaymentConfig>; gateway: PaymentGateway },
): Promise<void> {
  app.post<{ Body: ChargeBody }>(
    '/api/payments',
    {
      schema: {
        summary: 'Charge an order manually',
        description:
          'Charges through the gateway and emits PaymentProcessed (201 even when declined: the payment is FAILED). ' +
          '409 when the order already has a payment.',
        body: chargeBody,
        response: { 201: paymentSchema, ...problemResponses(400, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      // The 201 commits with the payment, so a retry with the same Idempotency-Key replays it.
      const charged = await deps.events.transact(async (tx, emit, onCommit) => {
        const payment = await chargeOrder(
          tx,
          { paymentId: randomUUID(), ...body, source: 'API' },
          (charge) => withTries(() => gateway.charge(charge)),
          (data) => emit('ecom.payment.processed.v1', data, { correlationId: body.orderId }),
        );
        if (!payment) return undefined;
        const location = `/api/payments/${payment.paymentId}`;
        return { payment, response: await storeResponse({ tx, onCommit }, reply, 201, payment, { location }) };
      });
      if (!charged) throw new ConflictError(`Order ${body.orderId} already has a payment`);
      const { payment, response } = charged;
      request.log.info(
        { orderId: body.orderId, paymentId: payment.paymentId, status: payment.status },
        'manual charge',
      );
      return sendResponse(reply, response);
    },
  );

  app.post<{ Params: { paymentId: string }; Body: { reason: string; amount?: string } }>(
    '/api/payments/:paymentId/refund',
    {
      schema: {
        summary: 'Refund a payment, fully by default',
        description:
          'Refunds `amount` (default: all that is not refunded yet) and emits PaymentRefunded. ' +
          '409 when the payment is not COMPLETED or is already fully refunded.',
        params: paymentParams,
        body: refundBody,
        response: { 200: paymentSchema, ...problemResponses(400, 404, 409, 422, 502, 503) },
      },
    },
    async (request, reply) => {
      const { paymentId } = request.params;
      const { reason, amount } = request.body;
      // The 200 commits with the refund, so a retry with the same Idempotency-Key replays it.
      const { refunded, response } = await deps.events.transact(async (tx, emit, onCommit) => {
        const payment = await lockPayment(tx, { paymentId });
        if (!payment) throw new NotFoundError(`Payment ${paymentId} does not exist`);
        const decision = decideRefund(payment, amount);
        if (decision.kind === 'conflict') throw new ConflictError(decision.detail);
        if (decision.kind === 'invalid') {
          throw new BadRequestError(`The refund ${decision.field.slice(1)} is invalid`, [
            { field: decision.field, message: decision.message, in: 'body' },
          ]);
        }
        const plan = planRefund(payment, { refundId: randomUUID(), amount: decision.amount, reason });
        let refunded: Payment;
        try {
          const result = await withTries(() => gateway.refund(plan.request));
          refunded = await recordRefund(tx, payment, plan, result, (data) =>
            emit('ecom.payment.refunded.v1', data, { correlationId: payment.orderId }),
          );
        } catch (error) {
          if (error instanceof RefundDeclinedError) throw new HttpProblem(502, error.message);
          throw error;
        }
        return { refunded, response: await storeResponse({ tx, onCommit }, reply, 200, refunded) };
      });
      request.log.info({ paymentId, refundedAmount: refunded.refundedAmount }, 'manual refund');
      return sendResponse(reply, response);
    },
  );

  app.get<{ Params: { paymentId: string } }>(
    '/api/payments/:paymentId',
    {
      schema: {
        summary: 'Get a payment with its refunds',
        params: paymentParams,
        response: { 200: paymentSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { paymentId } = request.params;
      const found = await findPayment(deps.db, paymentId);
      return ownedOrNotFound(request, found, (p) => p.customerId, `Payment ${paymentId} does not exist`);
    },
  );

  app.get<{ Querystring: { orderId?: string; limit: number } }>(
    '/api/payments',
    {
      schema: {
        summary: 'List payments, newest first (a customer: its own)',
        querystring: listQuery,
        response: { 200: paymentList, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { orderId, limit } = request.query;
      const customerId = customerFor(request, undefined, { field: '/customerId', in: 'querystring' });
      return {
        items: await listPayments(deps.db, {
          limit,
          ...(orderId !== undefined ? { orderId } : {}),
          ...(customerId !== undefined ? { customerId } : {}),
        }),
      };
    },
  );
}
