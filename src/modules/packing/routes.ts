import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  ArriveBody,
  CreatePackingListBody,
  CreatePackingListItemBody,
  PackingListItemSchema,
  PackingListSchema,
  UpdatePackingListBody,
  UpdatePackingListItemBody,
} from './schemas.js';
import {
  createPackingList,
  createPackingListItem,
  deletePackingList,
  deletePackingListItem,
  getPackingList,
  getPackingListItem,
  listPackingListItems,
  listPackingLists,
  packingListAction,
  packingListItemListSpec,
  packingListListSpec,
  updatePackingList,
  updatePackingListItem,
} from './service.js';

const tags = ['Packing lists'];
const read = { scope: 'packing_lists:read' };
const write = { scope: 'packing_lists:write' };

export async function packingListRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/packing_lists',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a packing list',
        description:
          "A draft numbered PKL-000001. Inbound: against an approved or partially received purchase_order_id, listing its lines with what they still expect (or the line_items given, each naming its purchase order line by id or SKU). Outbound: from a shipment_id, listing the shipment's lines.",
        body: CreatePackingListBody,
        response: { 201: PackingListSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createPackingList(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/packing_lists',
    {
      config: read,
      schema: {
        tags,
        summary: 'List packing lists',
        querystring: listQuerySchema(packingListListSpec),
        response: { 200: listEnvelopeSchema(PackingListSchema), ...errorResponses() },
      },
    },
    async (req) => listPackingLists(db, req.query),
  );
  r.get(
    '/v1/packing_lists/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a packing list',
        description: 'By id or by number (PKL-000001).',
        params: IdParams,
        response: { 200: PackingListSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPackingList(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/packing_lists/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a packing list${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'Carrier, tracking, dates, invoice number, notes, metadata; not once verified or cancelled.',
        params: IdParams,
        body: UpdatePackingListBody,
        response: { 200: PackingListSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updatePackingList(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/packing_lists/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a draft packing list',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deletePackingList(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  const actions = [
    ['submit', 'Submit a packing list', 'draft -> submitted; needs at least one item.'],
    ['ship', 'Mark a packing list shipped', 'submitted -> shipped; ship_date defaults to now.'],
    ['verify', 'Verify an arrived packing list', 'arrived -> verified.'],
    ['cancel', 'Cancel a packing list', 'From draft or submitted; nothing has moved.'],
  ] as const;
  for (const [action, summary, description] of actions) {
    r.post(
      `/v1/packing_lists/:id/${action}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          response: { 200: PackingListSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => packingListAction(db, contextOf(req), req.params.id, action, {}, expectedVersion(req)),
    );
  }
  r.post(
    '/v1/packing_lists/:id/arrive',
    {
      config: write,
      schema: {
        tags,
        summary: 'Record what arrived',
        description:
          "From shipped or partially_arrived: {line_items: [{id, quantity}]} (an item by id or SKU), or no body for everything still expected. An item cannot arrive beyond its quantity (409 over_arrival), so units never arrive twice. An inbound list receives the units into stock against its purchase order, exactly as the order's receive does (receipt movements, incoming lowered, 409 over_receipt). Partial arrival leaves it partially_arrived.",
        params: IdParams,
        body: ArriveBody.nullish(),
        response: { 200: PackingListSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => packingListAction(db, contextOf(req), req.params.id, 'arrive', req.body ?? {}, expectedVersion(req)),
  );
  registerTimelineRoute(app, db, {
    resource: 'packing_lists',
    tag: 'Packing lists',
    objectName: 'packing list',
    load: (id) => getPackingList(db, id),
  });

  r.post(
    '/v1/packing_list_items',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add an item to a draft packing list',
        description: "An inbound list's item names its purchase order line (purchase_order_line_item_id, or sku).",
        body: CreatePackingListItemBody,
        response: { 201: PackingListItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createPackingListItem(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/packing_list_items',
    {
      config: read,
      schema: {
        tags,
        summary: 'List packing list items',
        querystring: listQuerySchema(packingListItemListSpec),
        response: { 200: listEnvelopeSchema(PackingListItemSchema), ...errorResponses() },
      },
    },
    async (req) => listPackingListItems(db, req.query),
  );
  r.get(
    '/v1/packing_list_items/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a packing list item',
        params: IdParams,
        response: { 200: PackingListItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPackingListItem(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/packing_list_items/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a packing list item${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'Only while its list is a draft (409 invalid_transition otherwise).',
        params: IdParams,
        body: UpdatePackingListItemBody,
        response: { 200: PackingListItemSchema, ...errorResponses(404, 409) },
      },
      handler: async (req) => updatePackingListItem(db, contextOf(req), req.params.id, req.body),
    });
  }
  r.delete(
    '/v1/packing_list_items/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove an item from a draft packing list',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409) },
      },
    },
    async (req) => deletePackingListItem(db, contextOf(req), req.params.id),
  );
}
