import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import { CreatePromotionBody, PromotionSchema, UpdatePromotionBody } from './schemas.js';
import {
  createPromotion,
  deletePromotion,
  getPromotion,
  listPromotions,
  promotionListSpec,
  updatePromotion,
} from './service.js';

const tags = ['Promotions'];
const read = { scope: 'promotions:read' };
const write = { scope: 'promotions:write' };

export async function promotionRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/promotions',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a promotion',
        body: CreatePromotionBody,
        response: { 201: PromotionSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createPromotion(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/promotions',
    {
      config: read,
      schema: {
        tags,
        summary: 'List promotions',
        querystring: listQuerySchema(promotionListSpec),
        response: { 200: listEnvelopeSchema(PromotionSchema), ...errorResponses() },
      },
    },
    async (req) => listPromotions(db, req.query),
  );

  r.get(
    '/v1/promotions/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a promotion',
        description: 'By id or by code.',
        params: IdParams,
        response: { 200: PromotionSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPromotion(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/promotions/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a promotion${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'times_used is read-only. Orders keep the terms they were given when the promotion was applied.',
        params: IdParams,
        body: UpdatePromotionBody,
        response: { 200: PromotionSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updatePromotion(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.delete(
    '/v1/promotions/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a promotion',
        description: 'Refused (409 promotion_in_use) once an order has used it; deactivate it instead.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deletePromotion(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  registerTimelineRoute(app, db, {
    resource: 'promotions',
    tag: 'Promotions',
    objectName: 'promotion',
    load: (id) => getPromotion(db, id),
  });
}
