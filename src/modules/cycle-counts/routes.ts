import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  CountBody,
  CreateCycleCountBody,
  CycleCountLineSchema,
  CycleCountSchema,
  UpdateCycleCountBody,
} from './schemas.js';
import {
  createCycleCount,
  cycleCountAction,
  cycleCountLineListSpec,
  cycleCountListSpec,
  deleteCycleCount,
  getCycleCount,
  listCycleCountLines,
  listCycleCounts,
  updateCycleCount,
} from './service.js';

const tags = ['Cycle counts'];
const read = { scope: 'cycle_counts:read' };
const write = { scope: 'cycle_counts:write' };

export async function cycleCountRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/cycle_counts',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a cycle count',
        description:
          "A draft numbered CC-000001 for one location, with a line per inventory item counted: the SKUs listed in skus (400 for one the location does not stock), or those starting with sku_filter, or all of the location's items.",
        body: CreateCycleCountBody,
        response: { 201: CycleCountSchema, ...errorResponses(404) },
      },
    },
    async (req, reply) => reply.code(201).send(await createCycleCount(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/cycle_counts',
    {
      config: read,
      schema: {
        tags,
        summary: 'List cycle counts',
        querystring: listQuerySchema(cycleCountListSpec),
        response: { 200: listEnvelopeSchema(CycleCountSchema), ...errorResponses() },
      },
    },
    async (req) => listCycleCounts(db, req.query),
  );
  r.get(
    '/v1/cycle_counts/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a cycle count',
        description: 'By id or by number (CC-000001).',
        params: IdParams,
        response: { 200: CycleCountSchema, ...errorResponses(404) },
      },
    },
    async (req) => getCycleCount(db, req.params.id),
  );
  r.get(
    '/v1/cycle_counts/:id/line_items',
    {
      config: read,
      schema: {
        tags,
        summary: "List a cycle count's lines",
        params: IdParams,
        querystring: listQuerySchema(cycleCountLineListSpec),
        response: { 200: listEnvelopeSchema(CycleCountLineSchema), ...errorResponses(404) },
      },
    },
    async (req) => listCycleCountLines(db, req.params.id, req.query),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/cycle_counts/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a cycle count${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'scheduled_date, counter, notes, metadata; not once reconciled or cancelled.',
        params: IdParams,
        body: UpdateCycleCountBody,
        response: { 200: CycleCountSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateCycleCount(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/cycle_counts/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a draft cycle count',
        description: 'Only a draft (409 invalid_transition otherwise): a started count is cancelled instead.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteCycleCount(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  const actions = [
    ['start', 'Start a cycle count', "draft -> in_progress: snapshots each line's expected_quantity (on_hand now)."],
    [
      'complete',
      'Complete a cycle count',
      'in_progress -> completed; every line must be counted (409 lines_not_counted).',
    ],
    [
      'reconcile',
      'Reconcile a cycle count',
      'completed -> reconciled: one `cycle_count` movement per line with a variance, so on_hand becomes the count plus whatever moved since the snapshot (an order shipped meanwhile is not counted twice). A decrease may not take on_hand below what is reserved (409 insufficient_inventory).',
    ],
    ['cancel', 'Cancel a cycle count', 'Any time before it is reconciled; nothing is posted.'],
  ] as const;
  for (const [action, summary, description] of actions) {
    r.post(
      `/v1/cycle_counts/:id/${action}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          response: { 200: CycleCountSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => cycleCountAction(db, contextOf(req), req.params.id, action, {}, expectedVersion(req)),
    );
  }
  r.post(
    '/v1/cycle_counts/:id/count',
    {
      config: write,
      schema: {
        tags,
        summary: 'Record counted quantities',
        description:
          'While in progress, repeatable (a recount replaces the number): {line_items: [{id, counted_quantity}]}, a line named by its id or SKU.',
        params: IdParams,
        body: CountBody,
        response: { 200: CycleCountSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => cycleCountAction(db, contextOf(req), req.params.id, 'count', req.body, expectedVersion(req)),
  );
  registerTimelineRoute(app, db, {
    resource: 'cycle_counts',
    tag: 'Cycle counts',
    objectName: 'cycle count',
    load: (id) => getCycleCount(db, id),
  });
}
