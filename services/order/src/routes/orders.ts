import { randomUUID } from 'node:crypto';
import {
  BadRequestError,
  ConflictError,
  customerFor,
  NotFoundError,
  ownedOrNotFound,
  problemResponses,
  type ServiceDeps,
  sendResponse,
  storeResponse,
} from '@ecom/kit';
import type { OrderCreated } from '@ecom/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openDeadLetters } from '../dead-letters/store.js';
import { priceOrder } from '../domain/pricing.js';
import type { OrderStatus, SagaInput } from '../domain/saga.js';
import { orderMetrics } from '../metrics.js';
import type { OrderConfig } from '../service.js';
import { findOrder, insertOrder, listOrders } from '../store.js';
import { applyInput, orderFlowEmitter } from '../workflow.js';
import {
  createOrderBody,
  listQuery,
  order,
  orderList,
  orderParams,
  orderWithDeadLetters,
  updateBody,
} from './schemas.js';

interface CreateBody {
  customerId?: string;
  items: Array<{ productId: string; quantity: number; price: string }>;
  currency: string;
  paymentMethod: string;
  totalAmount?: string;
}

/** The order API, registered as a plugin with `{ deps }`. */
export async function orderRoutes(app: FastifyInstance, { deps }: { deps: ServiceDeps<OrderConfig> }): Promise<void> {
  const metrics = orderMetrics(deps.registry);

  /**
   * Cancel and manual transitions: one saga input under the row lock; 404 / 409 as the state says.
   * An order's customer never changes, so whose it is can be checked before the transaction.
   */
  const transition = async (request: FastifyRequest, orderId: string, input: SagaInput, reason: string) => {
    if (request.caller?.customerId !== undefined) {
      ownedOrNotFound(
        request,
        await findOrder(deps.db, orderId),
        (o) => o.customerId,
        `Order ${orderId} does not exist`,
      );
    }
    const result = await deps.events.transact((tx, emit, onCommit) =>
      applyInput(tx, orderId, input, { emit: orderFlowEmitter(emit, orderId), metrics, reason, onCommit }),
    );
    if (result.kind === 'unknown') throw new NotFoundError(`Order ${orderId} does not exist`);
    if (result.step.rejected) throw new ConflictError(result.step.rejected);
    return result.order;
  };

  app.post<{ Body: CreateBody }>(
    '/api/orders',
    {
      schema: {
        summary: 'Place an order',
        description:
          'Stores the order as CREATED with its computed total and emits OrderCreated; payment and inventory take it from there.',
        body: createOrderBody(deps.config.maxLines),
        response: { 201: order, ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const field = { field: '/customerId', in: 'body' } as const;
      const customerId = customerFor(request, body.customerId, field);
      if (customerId === undefined) {
        throw new BadRequestError('The order names no customer', [{ ...field, message: 'is required' }]);
      }
      const priced = priceOrder(body.items, deps.config.maxLines, body.totalAmount);
      if (!priced.ok) {
        throw new BadRequestError(
          `The order has ${priced.errors.length} invalid field${priced.errors.length === 1 ? '' : 's'}`,
          priced.errors.map((e) => ({ ...e, in: 'body' as const })),
        );
      }
      const orderId = randomUUID();
      // The 201 commits with the order, so a retry with the same Idempotency-Key replays it even
      // when this process dies before answering.
      const { created, response } = await deps.events.transact(async (tx, emit, onCommit) => {
        const stored = await insertOrder(tx, {
          orderId,
          customerId,
          items: priced.items,
          totalAmount: priced.totalAmount,
          currency: body.currency,
          paymentMethod: body.paymentMethod,
        });
        emit(
          'ecom.order.created.v1',
          {
            orderId,
            customerId: stored.customerId,
            // priceOrder guarantees at least one line; the generated type spells that as a tuple.
            items: stored.items as OrderCreated['items'],
            totalAmount: stored.totalAmount,
            currency: stored.currency,
            paymentMethod: stored.paymentMethod,
            status: 'CREATED',
            orderDate: stored.createdAt,
          },
          { correlationId: orderId },
        );
        const location = `/api/orders/${orderId}`;
        return { created: stored, response: await storeResponse({ tx, onCommit }, reply, 201, stored, { location }) };
      });
      metrics.transitions.inc({ status: 'CREATED' });
      request.log.debug({ orderId, totalAmount: created.totalAmount, currency: created.currency }, 'order created');
      return sendResponse(reply, response);
    },
  );

  app.get<{ Params: { orderId: string } }>(
    '/api/orders/:orderId',
    {
      schema: {
        summary: 'Get an order, with the open dead letters of its flow',
        params: orderParams,
        response: { 200: orderWithDeadLetters, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      const found = ownedOrNotFound(
        request,
        await findOrder(deps.db, orderId),
        (o) => o.customerId,
        `Order ${orderId} does not exist`,
      );
      const deadLetters = await openDeadLetters(deps.db, [found.orderId]);
      return { ...found, deadLetters: deadLetters.get(found.orderId) ?? [] };
    },
  );

  app.get<{ Querystring: { customerId?: string; status?: OrderStatus; stuck?: boolean; limit: number } }>(
    '/api/orders',
    {
      schema: {
        summary: 'List orders, newest first (?stuck=true: those with dead-lettered events)',
        querystring: listQuery,
        response: { 200: orderList, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { status, stuck, limit } = request.query;
      const customerId = customerFor(request, request.query.customerId, { field: '/customerId', in: 'querystring' });
      const items = await listOrders(deps.db, {
        limit,
        ...(customerId !== undefined ? { customerId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(stuck !== undefined ? { stuck } : {}),
      });
      const deadLetters = await openDeadLetters(
        deps.db,
        items.map((o) => o.orderId),
      );
      return { items: items.map((o) => ({ ...o, deadLetters: deadLetters.get(o.orderId) ?? [] })) };
    },
  );

  app.put<{ Params: { orderId: string }; Body: { status: OrderStatus; updateReason: string } }>(
    '/api/orders/:orderId',
    {
      schema: {
        summary: 'Cancel an order by hand, with a reason (the only manual transition)',
        description:
          'CREATED|CONFIRMED→CANCELLED, emitting OrderCancelled (CUSTOMER_REQUEST) so payment refunds and inventory ' +
          'releases. Every other target is 409 with the reason: CONFIRMED comes only from a completed payment of the ' +
          'order total plus a reservation, SHIPPED and DELIVERED only from the shipment (PUT /api/shipments/:shipmentId/status).',
        params: orderParams,
        body: updateBody,
        response: { 200: order, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const { status, updateReason } = request.body;
      const updated = await transition(request, request.params.orderId, { kind: 'manual', to: status }, updateReason);
      request.log.info({ orderId: updated.orderId, status, updateReason }, 'order updated manually');
      return updated;
    },
  );

  app.delete<{ Params: { orderId: string } }>(
    '/api/orders/:orderId',
    {
      schema: {
        summary: 'Cancel an order (before it ships)',
        description:
          'CREATED or CONFIRMED → CANCELLED (CUSTOMER_REQUEST), emitting OrderCancelled; later states are 409.',
        params: orderParams,
        response: { 200: order, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const cancelled = await transition(
        request,
        request.params.orderId,
        { kind: 'cancel' },
        'cancelled by the customer',
      );
      request.log.info({ orderId: cancelled.orderId }, 'order cancelled by request');
      return cancelled;
    },
  );
}
