import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  createLocation,
  deleteLocation,
  getLocation,
  listLocations,
  locationListSpec,
  updateLocation,
} from './locations.js';
import {
  AdjustBody,
  CreateInventoryItemBody,
  CreateLocationBody,
  InventoryItemSchema,
  InventorySummaryQuery,
  InventorySummarySchema,
  ItemWithReservationSchema,
  ItemWithTransferSchema,
  LocationSchema,
  MovementSchema,
  ReceiveTransferBody,
  ReleaseBody,
  ReservationSchema,
  ReserveBody,
  TransferBody,
  TransferSchema,
  UpdateInventoryItemBody,
  UpdateLocationBody,
} from './schemas.js';
import {
  adjustInventoryItem,
  createInventoryItem,
  deleteInventoryItem,
  getInventoryItem,
  inventoryItemListSpec,
  inventorySummary,
  listInventoryItems,
  listMovements,
  listReservations,
  movementListSpec,
  releaseInventory,
  reservationListSpec,
  reserveInventory,
  updateInventoryItem,
} from './service.js';
import { getTransfer, listTransfers, receiveTransfer, transferListSpec, transferStock } from './transfers.js';

const read = { scope: 'inventory:read' };
const write = { scope: 'inventory:write' };
const itemTags = ['Inventory'];
const locationTags = ['Locations'];
const ifMatch =
  'If-Match: <version> makes it a 412 when the item changed since (every stock change bumps the version).';

export async function inventoryRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ------------------------------------------------------------------------------ locations
  r.post(
    '/v1/locations',
    {
      config: { scope: 'locations:write' },
      schema: {
        tags: locationTags,
        summary: 'Create a location',
        body: CreateLocationBody,
        response: { 201: LocationSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createLocation(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/locations',
    {
      config: { scope: 'locations:read' },
      schema: {
        tags: locationTags,
        summary: 'List locations',
        querystring: listQuerySchema(locationListSpec),
        response: { 200: listEnvelopeSchema(LocationSchema), ...errorResponses() },
      },
    },
    async (req) => listLocations(db, req.query),
  );

  r.get(
    '/v1/locations/:id',
    {
      config: { scope: 'locations:read' },
      schema: {
        tags: locationTags,
        summary: 'Retrieve a location',
        description:
          'By id or by code: /v1/locations/WH-EAST. Every location_id in a request body or list filter also accepts a code.',
        params: IdParams,
        response: { 200: LocationSchema, ...errorResponses(404) },
      },
    },
    async (req) => getLocation(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/locations/:id',
      config: { scope: 'locations:write' },
      schema: {
        tags: locationTags,
        summary: `Update a location${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        params: IdParams,
        body: UpdateLocationBody,
        response: { 200: LocationSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateLocation(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.delete(
    '/v1/locations/:id',
    {
      config: { scope: 'locations:write' },
      schema: {
        tags: locationTags,
        summary: 'Delete a location',
        description:
          'Refused with 409: default_location for the default location, location_has_stock while any item there has on_hand or reserved > 0, location_in_use while inventory items (and their history) still point at it; set active=false to retire it instead.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteLocation(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  registerTimelineRoute(app, db, {
    resource: 'locations',
    tag: 'Locations',
    objectName: 'location',
    load: (id) => getLocation(db, id),
  });

  // ------------------------------------------------------------------------------ items
  r.post(
    '/v1/inventory_items',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Create an inventory item (one SKU at one location)',
        description:
          'location_id (an id or a code) defaults to the default location. An initial on_hand is posted as a receipt movement. (sku, location_id) is unique: 409 already_exists.',
        body: CreateInventoryItemBody,
        response: { 201: InventoryItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createInventoryItem(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/inventory_items',
    {
      config: read,
      schema: {
        tags: itemTags,
        summary: 'List inventory items',
        querystring: listQuerySchema(inventoryItemListSpec),
        response: { 200: listEnvelopeSchema(InventoryItemSchema), ...errorResponses() },
      },
    },
    async (req) => listInventoryItems(db, req.query),
  );

  r.get(
    '/v1/inventory_items/:id',
    {
      config: read,
      schema: {
        tags: itemTags,
        summary: 'Retrieve an inventory item',
        params: IdParams,
        response: { 200: InventoryItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getInventoryItem(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/inventory_items/:id',
      config: write,
      schema: {
        tags: itemTags,
        summary: `Update an inventory item${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description:
          'Quantities are not writable here (400 validation_error): use adjust, transfer, reserve and release.',
        params: IdParams,
        body: UpdateInventoryItemBody,
        response: { 200: InventoryItemSchema, ...errorResponses(404, 412) },
      },
      handler: async (req) => updateInventoryItem(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.delete(
    '/v1/inventory_items/:id',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Delete an inventory item',
        description:
          'For items created by mistake. Refused with 409 inventory_item_has_stock while on_hand or reserved > 0, and 409 inventory_item_has_history once it has movements, reservations or transfers (the ledger is append-only).',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteInventoryItem(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  r.post(
    '/v1/inventory_items/:id/adjust',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Adjust on_hand',
        description: `Posts an adjustment movement of quantity_change. on_hand may not go below reserved (409 insufficient_inventory). ${ifMatch}`,
        params: IdParams,
        body: AdjustBody,
        response: { 200: InventoryItemSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => adjustInventoryItem(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );

  r.post(
    '/v1/inventory_items/:id/transfer',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Transfer stock to another location',
        description: `Creates a transfer (trf_...) to to_location_id (an id or a code): transfer_out here now, status in_transit, counted in the destination item\'s in_transit until received; the destination item is created if missing. POST /v1/transfers/{id}/receive posts the transfer_in, or receive_now=true does both at once. Answers this item with the transfer embedded. ${ifMatch}`,
        params: IdParams,
        body: TransferBody,
        response: { 200: ItemWithTransferSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => transferStock(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );

  r.post(
    '/v1/inventory_items/:id/reserve',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Reserve stock (for callers outside orders)',
        description: `Never takes available below zero, under any concurrency (409 insufficient_inventory with details.shortages naming the SKU and shortfall). Answers the item with the new reservation embedded; release it with its id. ${ifMatch}`,
        params: IdParams,
        body: ReserveBody,
        response: { 200: ItemWithReservationSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => reserveInventory(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );

  r.post(
    '/v1/inventory_items/:id/release',
    {
      config: write,
      schema: {
        tags: itemTags,
        summary: 'Release a reservation',
        description: `Releases all of an active reservation of this item, or quantity of it (the rest stays reserved). 409 reservation_not_active when it is no longer active or holds less. Answers the item with the reservation as it now stands. ${ifMatch}`,
        params: IdParams,
        body: ReleaseBody,
        response: { 200: ItemWithReservationSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => releaseInventory(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );

  r.get(
    '/v1/inventory_items/:id/movements',
    {
      config: read,
      schema: {
        tags: itemTags,
        summary: "List an item's movements (its ledger)",
        params: IdParams,
        querystring: listQuerySchema(movementListSpec),
        response: { 200: listEnvelopeSchema(MovementSchema), ...errorResponses(404) },
      },
    },
    async (req) => listMovements(db, req.params.id, req.query),
  );

  r.get(
    '/v1/inventory_items/:id/reservations',
    {
      config: read,
      schema: {
        tags: itemTags,
        summary: "List an item's reservations",
        params: IdParams,
        querystring: listQuerySchema(reservationListSpec),
        response: { 200: listEnvelopeSchema(ReservationSchema), ...errorResponses(404) },
      },
    },
    async (req) => listReservations(db, req.params.id, req.query),
  );

  registerTimelineRoute(app, db, {
    resource: 'inventory_items',
    tag: 'Inventory',
    objectName: 'inventory item',
    scope: read.scope,
    load: (id) => getInventoryItem(db, id),
  });

  r.get(
    '/v1/inventory',
    {
      config: read,
      schema: {
        tags: itemTags,
        summary: 'Summarise one SKU across all locations',
        description:
          'Totals and one row per location. A SKU with no items answers zeros. in_transit is stock in transfers not yet received, counted in no location.',
        querystring: InventorySummaryQuery,
        response: { 200: InventorySummarySchema, ...errorResponses() },
      },
    },
    async (req) => inventorySummary(db, req.query.sku),
  );

  // ------------------------------------------------------------------------------ transfers
  r.get(
    '/v1/transfers',
    {
      config: read,
      schema: {
        tags: ['Transfers'],
        summary: 'List transfers',
        querystring: listQuerySchema(transferListSpec),
        response: { 200: listEnvelopeSchema(TransferSchema), ...errorResponses() },
      },
    },
    async (req) => listTransfers(db, req.query),
  );

  r.get(
    '/v1/transfers/:id',
    {
      config: read,
      schema: {
        tags: ['Transfers'],
        summary: 'Retrieve a transfer',
        params: IdParams,
        response: { 200: TransferSchema, ...errorResponses(404) },
      },
    },
    async (req) => getTransfer(db, req.params.id),
  );

  r.post(
    '/v1/transfers/:id/receive',
    {
      config: write,
      schema: {
        tags: ['Transfers'],
        summary: 'Receive a transfer at its destination',
        description: 'Posts the transfer_in movement; once only (409 invalid_transition when already received).',
        params: IdParams,
        body: ReceiveTransferBody,
        response: { 200: TransferSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => receiveTransfer(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  registerTimelineRoute(app, db, {
    resource: 'transfers',
    tag: 'Transfers',
    objectName: 'transfer',
    scope: read.scope,
    load: (id) => getTransfer(db, id),
  });
}
