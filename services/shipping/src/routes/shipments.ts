// POST /api/shipments, PUT /api/shipments/:shipmentId/status, GET /api/shipments/:shipmentId,
// GET /api/shipments?orderId=.
import {
  ConflictError,
  customerFor,
  NotFoundError,
  ownedOrNotFound,
  problemResponses,
  type ServiceDeps,
  sendResponse,
  storeResponse,
} from '@ecom/kit';
import type { FastifyPluginAsync } from 'fastify';
import type { ShipmentStatus } from '../domain/status.js';
import type { ShippingConfig } from '../service.js';
import { changeStatus, createShipment } from '../shipments.js';
import { getHistory, getShipment, listShipments, type Shipment } from '../store.js';
import {
  createBody,
  listQuery,
  shipmentDetail,
  shipmentIdParams,
  shipmentList,
  shipmentView,
  statusBody,
} from './schemas.js';

function view(s: Shipment) {
  return {
    shipmentId: s.shipmentId,
    orderId: s.orderId,
    customerId: s.customerId,
    carrier: s.carrier,
    trackingNumber: s.trackingNumber,
    status: s.status,
    location: s.location,
    estimatedDelivery: s.estimatedDelivery,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

function traceparentOf(headers: Record<string, unknown>): string | undefined {
  const value = headers.traceparent;
  return typeof value === 'string' ? value : undefined;
}

export const shipmentRoutes: FastifyPluginAsync<{ deps: ServiceDeps<ShippingConfig> }> = async (app, { deps }) => {
  const rules = { carriers: deps.config.carriers, estimatedDays: deps.config.estimatedDays };

  app.post<{ Body: { orderId: string; customerId: string; carrier?: string } }>(
    '/api/shipments',
    {
      schema: {
        summary: 'Creates the shipment of an order by hand (one per order)',
        body: createBody(deps.config.carriers),
        response: { 201: shipmentView, ...problemResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const { orderId } = request.body;
      const traceparent = traceparentOf(request.headers);
      // The 201 commits with the shipment, so a retry with the same Idempotency-Key replays it.
      const outcome = await deps.events.transact(async (tx, emit, onCommit) => {
        const created = await createShipment(
          tx,
          emit,
          { correlationId: orderId, ...(traceparent ? { traceparent } : {}) },
          rules,
          request.body,
        );
        if (created.kind !== 'created') return created;
        const location = `/api/shipments/${created.shipment.shipmentId}`;
        const response = await storeResponse({ tx, onCommit }, reply, 201, view(created.shipment), { location });
        return { kind: 'created' as const, response };
      });
      if (outcome.kind === 'exists') throw new ConflictError(`Order ${orderId} already has a shipment`);
      if (outcome.kind === 'cancelled') {
        throw new ConflictError(`Order ${orderId} was cancelled (${outcome.reason}); it cannot be shipped`);
      }
      return sendResponse(reply, outcome.response);
    },
  );

  app.put<{ Params: { shipmentId: string }; Body: { status: ShipmentStatus; location: string } }>(
    '/api/shipments/:shipmentId/status',
    {
      schema: {
        summary: 'Moves a shipment along CREATED → PICKED_UP → IN_TRANSIT → OUT_FOR_DELIVERY → DELIVERED',
        params: shipmentIdParams,
        body: statusBody,
        response: { 200: shipmentView, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const { shipmentId } = request.params;
      const traceparent = traceparentOf(request.headers);
      const outcome = await deps.events.transact((tx, emit) =>
        changeStatus(tx, emit, traceparent, shipmentId, request.body),
      );
      switch (outcome.kind) {
        case 'not-found':
          throw new NotFoundError(`Shipment ${shipmentId} does not exist`);
        case 'order-cancelled':
          throw new ConflictError(
            `Shipment ${shipmentId} cannot move from ${outcome.shipment.status} to ${request.body.status}: order ${outcome.shipment.orderId} was cancelled`,
          );
        case 'illegal':
          throw new ConflictError(
            `Shipment ${shipmentId} cannot move from ${outcome.step.from} to ${outcome.step.to}: ${outcome.step.why}`,
          );
        case 'done':
          return view(outcome.shipment);
      }
    },
  );

  app.get<{ Params: { shipmentId: string } }>(
    '/api/shipments/:shipmentId',
    {
      schema: {
        summary: 'A shipment with its status history',
        params: shipmentIdParams,
        response: { 200: shipmentDetail, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { shipmentId } = request.params;
      const found = await getShipment(deps.db, shipmentId);
      const shipment = ownedOrNotFound(request, found, (s) => s.customerId, `Shipment ${shipmentId} does not exist`);
      const history = await getHistory(deps.db, shipment.shipmentId);
      return {
        ...view(shipment),
        history: history.map((h) => ({ status: h.status, location: h.location, timestamp: h.at.toISOString() })),
      };
    },
  );

  app.get<{ Querystring: { orderId?: string; limit: number } }>(
    '/api/shipments',
    {
      schema: {
        summary: 'Shipments, newest first; filter by orderId (a customer: its own)',
        querystring: listQuery,
        response: { 200: shipmentList, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { orderId, limit } = request.query;
      const customerId = customerFor(request, undefined, { field: '/customerId', in: 'querystring' });
      const rows = await listShipments(deps.db, {
        limit,
        ...(orderId ? { orderId } : {}),
        ...(customerId !== undefined ? { customerId } : {}),
      });
      return { items: rows.map(view) };
    },
  );
};
