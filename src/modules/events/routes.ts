import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { PermissionError } from '../../platform/errors.js';
import { errorResponses, IdParams } from '../../platform/http.js';
import { scopeGrants } from '../../platform/scopes.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { EventSchema, eventListSpec, getEvent, listEvents, listObjectEvents, timelineListSpec } from './service.js';

export async function eventRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/events',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['Events'],
        summary: 'List events',
        description: `${EVENT_READ_RULE} The list leaves out events the key may not read; a filter that names only such events (object_type=customer, type=customer.created or type_in with one) is refused with 403 missing_scope instead of answering an empty page.`,
        querystring: listQuerySchema(eventListSpec),
        response: { 200: listEnvelopeSchema(EventSchema), ...errorResponses() },
      },
    },
    async (req) => listEvents(db, req.query, req.apiKey!.scopes),
  );
  r.get(
    '/v1/events/:id',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['Events'],
        summary: 'Retrieve an event',
        description: `${EVENT_READ_RULE} An event the key may not read is refused with 403 missing_scope.`,
        params: IdParams,
        response: { 200: EventSchema, ...errorResponses(404) },
      },
    },
    async (req) => getEvent(db, req.params.id, req.apiKey!.scopes),
  );
}

const EVENT_READ_RULE =
  "An event carries its object in full, so reading it needs events:read and the read scope of its object: customers:read for customer.* events, orders:read for order.*, inventory:read for inventory_item.* and transfer.*, wholesale_orders:read for wholesale_order.*, cases:read, leads:read, locations:read, promotions:read, refunds:read, returns:read, shipments:read, warranties:read for the others. A customer's timeline also shows the events of its cases (with cases:read).";

/**
 * `GET /v1/<resource>/:id/events`: one record's timeline. `load` resolves the path id (an order
 * number, say) to the record's id, or throws 404.
 */
export function registerTimelineRoute(
  app: FastifyInstance,
  db: DB,
  opts: {
    resource: string;
    tag: string;
    objectName: string;
    load: (id: string) => Promise<{ id: string }>;
    scope?: string;
  },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    `/v1/${opts.resource}/:id/events`,
    {
      // `scope` when the resource shares another's (inventory_items and transfers use inventory:read).
      config: { scope: opts.scope ?? `${opts.resource}:read` },
      schema: {
        tags: [opts.tag],
        summary: `List the events of one ${opts.objectName}`,
        description: `Needs events:read besides ${opts.scope ?? `${opts.resource}:read`}. ${EVENT_READ_RULE}`,
        params: IdParams,
        querystring: listQuerySchema(timelineListSpec),
        response: { 200: listEnvelopeSchema(EventSchema), ...errorResponses(404) },
      },
    },
    async (req) => {
      if (!scopeGrants(req.apiKey!.scopes, 'events:read')) throw new PermissionError('events:read');
      const record = await opts.load(req.params.id);
      return listObjectEvents(db, record.id, req.query, req.apiKey!.scopes, opts.objectName);
    },
  );
}
