import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { errorResponses, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { EventSchema, eventListSpec, getEvent, listEvents, listObjectEvents, timelineListSpec } from './service.js';

export async function eventRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/events', {
    config: { scope: 'events:read' },
    schema: { tags: ['Events'], summary: 'List events', querystring: listQuerySchema(eventListSpec), response: { 200: listEnvelopeSchema(EventSchema), ...errorResponses() } },
  }, async (req) => listEvents(db, req.query));
  r.get('/v1/events/:id', {
    config: { scope: 'events:read' },
    schema: { tags: ['Events'], summary: 'Retrieve an event', params: IdParams, response: { 200: EventSchema, ...errorResponses(404) } },
  }, async (req) => getEvent(db, req.params.id));
}

/**
 * `GET /v1/<resource>/:id/events`: one record's timeline. `load` resolves the path id (an order
 * number, say) to the record's id, or throws 404.
 */
export function registerTimelineRoute(
  app: FastifyInstance,
  db: DB,
  opts: { resource: string; tag: string; objectName: string; load: (id: string) => Promise<{ id: string }>; scope?: string },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(`/v1/${opts.resource}/:id/events`, {
    // `scope` when the resource shares another's (inventory_items and transfers use inventory:read).
    config: { scope: opts.scope ?? `${opts.resource}:read` },
    schema: {
      tags: [opts.tag],
      summary: `List the events of one ${opts.objectName}`,
      params: IdParams,
      querystring: listQuerySchema(timelineListSpec),
      response: { 200: listEnvelopeSchema(EventSchema), ...errorResponses(404) },
    },
  }, async (req) => {
    const record = await opts.load(req.params.id);
    return listObjectEvents(db, record.id, req.query);
  });
}
