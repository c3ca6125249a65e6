import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { errorResponses, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import { ReturnSchema } from './schemas.js';
import { getReturn, listReturns, returnListSpec } from './service.js';

const tags = ['Returns'];
const read = { scope: 'returns:read' };

/** Read access to returns; they are created by POST /v1/orders/:id/return and /exchange. */
export async function returnRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/returns',
    {
      config: read,
      schema: {
        tags,
        summary: 'List returns',
        querystring: listQuerySchema(returnListSpec),
        response: { 200: listEnvelopeSchema(ReturnSchema), ...errorResponses() },
      },
    },
    async (req) => listReturns(db, req.query),
  );
  r.get(
    '/v1/returns/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a return',
        description: 'By id or by RMA number (RMA-000045).',
        params: IdParams,
        response: { 200: ReturnSchema, ...errorResponses(404) },
      },
    },
    async (req) => getReturn(db, req.params.id),
  );
  registerTimelineRoute(app, db, {
    resource: 'returns',
    tag: 'Returns',
    objectName: 'return',
    load: (id) => getReturn(db, id),
  });
}
