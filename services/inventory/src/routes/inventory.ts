// PUT /api/inventory/:productId, GET /api/inventory/:productId, GET /api/inventory.
import { ConflictError, NotFoundError, problemResponses, type ServiceDeps } from '@ecom/kit';
import type { FastifyPluginAsync } from 'fastify';
import { adjustStock, type Operation } from '../domain/adjustment.js';
import { available } from '../domain/reservation.js';
import type { InventoryConfig } from '../service.js';
import { writeStock } from '../stock.js';
import { ensureProduct, getProduct, listProducts, lockProducts, type ProductRow } from '../store.js';
import { adjustmentBody, listQuery, productIdParams, productList, productView } from './schemas.js';

interface Adjustment {
  quantity: number;
  operation: Operation;
  reason: 'ORDER' | 'RESTOCK' | 'ADJUSTMENT';
}

function view(row: ProductRow) {
  return {
    productId: row.productId,
    onHand: row.onHand,
    reserved: row.reserved,
    available: available(row),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const inventoryRoutes: FastifyPluginAsync<{ deps: ServiceDeps<InventoryConfig> }> = async (app, { deps }) => {
  const threshold = deps.config.lowStockThreshold;

  app.put<{ Params: { productId: string }; Body: Adjustment }>(
    '/api/inventory/:productId',
    {
      schema: {
        summary: 'Adds or subtracts stock; the first ADD creates the product',
        params: productIdParams,
        body: adjustmentBody,
        response: { 200: productView, 201: productView, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const { productId } = request.params;
      const { quantity, operation, reason } = request.body;
      const traceparent = request.headers.traceparent;
      // A manual change starts its own flow: correlated by the product it is about.
      const context = { correlationId: productId, ...(typeof traceparent === 'string' ? { traceparent } : {}) };
      const { row, created } = await deps.events.transact(async (tx, emit) => {
        const created = operation === 'ADD' ? await ensureProduct(tx, productId) : false;
        const current = (await lockProducts(tx, [productId])).get(productId);
        const before = current && !created ? current : null;
        const result = adjustStock(productId, before, operation, quantity);
        if (!result.ok) {
          throw result.status === 404 ? new NotFoundError(result.detail) : new ConflictError(result.detail);
        }
        const row = await writeStock(tx, emit, context, threshold, {
          productId,
          before,
          after: result.level,
          onHandChange: { operation, reason, quantity },
        });
        return { row, created };
      });
      // RFC 9110: a PUT that creates the resource answers 201.
      return reply.code(created ? 201 : 200).send(view(row));
    },
  );

  app.get<{ Params: { productId: string } }>(
    '/api/inventory/:productId',
    {
      schema: {
        summary: "A product's stock",
        params: productIdParams,
        response: { 200: productView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const row = await getProduct(deps.db, request.params.productId);
      if (!row) throw new NotFoundError(`Product ${request.params.productId} has no stock record`);
      return view(row);
    },
  );

  app.get<{ Querystring: { lowStock: boolean; limit: number } }>(
    '/api/inventory',
    {
      schema: {
        summary: 'Products, most recently changed first',
        querystring: listQuery,
        response: { 200: productList, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { lowStock, limit } = request.query;
      const rows = await listProducts(deps.db, lowStock ? { lowStockBelow: threshold, limit } : { limit });
      return { items: rows.map(view) };
    },
  );
};
