import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  CreatePurchaseOrderBody,
  CreatePurchaseOrderLineBody,
  CreateSupplierBody,
  FinanceBody,
  PurchaseOrderLineItemSchema,
  PurchaseOrderSchema,
  ReceiveBody,
  SupplierSchema,
  SupplierSkuSchema,
  CreateSupplierSkuBody,
  UpdateSupplierSkuBody,
  UpdatePurchaseOrderBody,
  UpdatePurchaseOrderLineBody,
  UpdateSupplierBody,
} from './schemas.js';
import {
  createPurchaseOrder,
  createPurchaseOrderLine,
  deletePurchaseOrder,
  deletePurchaseOrderLine,
  getPurchaseOrder,
  getPurchaseOrderLine,
  listPurchaseOrderLines,
  listPurchaseOrders,
  purchaseOrderAction,
  purchaseOrderLineListSpec,
  purchaseOrderListSpec,
  receivePurchaseOrder,
  updatePurchaseOrder,
  updatePurchaseOrderLine,
} from './service.js';
import {
  createSupplier,
  deleteSupplier,
  getSupplier,
  listSuppliers,
  supplierListSpec,
  updateSupplier,
} from './suppliers.js';
import {
  createSupplierSku,
  deleteSupplierSku,
  getSupplierSku,
  listSupplierSkus,
  supplierSkuListSpec,
  updateSupplierSku,
} from './supplier-skus.js';

const supplierTags = ['Suppliers'];
const poTags = ['Purchase orders'];
const suppliersRead = { scope: 'suppliers:read' };
const suppliersWrite = { scope: 'suppliers:write' };
const poRead = { scope: 'purchase_orders:read' };
const poWrite = { scope: 'purchase_orders:write' };

export async function purchasingRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ------------------------------------------------------------------------------ suppliers
  r.post(
    '/v1/suppliers',
    {
      config: suppliersWrite,
      schema: {
        tags: supplierTags,
        summary: 'Create a supplier',
        body: CreateSupplierBody,
        response: { 201: SupplierSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createSupplier(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/suppliers',
    {
      config: suppliersRead,
      schema: {
        tags: supplierTags,
        summary: 'List suppliers',
        querystring: listQuerySchema(supplierListSpec),
        response: { 200: listEnvelopeSchema(SupplierSchema), ...errorResponses() },
      },
    },
    async (req) => listSuppliers(db, req.query),
  );
  r.get(
    '/v1/suppliers/:id',
    {
      config: suppliersRead,
      schema: {
        tags: supplierTags,
        summary: 'Retrieve a supplier',
        description: 'By id or by code.',
        params: IdParams,
        response: { 200: SupplierSchema, ...errorResponses(404) },
      },
    },
    async (req) => getSupplier(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/suppliers/:id',
      config: suppliersWrite,
      schema: {
        tags: supplierTags,
        summary: `Update a supplier${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'status=inactive retires a supplier that has purchase orders (it cannot be deleted).',
        params: IdParams,
        body: UpdateSupplierBody,
        response: { 200: SupplierSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateSupplier(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/suppliers/:id',
    {
      config: suppliersWrite,
      schema: {
        tags: supplierTags,
        summary: 'Delete a supplier',
        description:
          'Refused (409 supplier_has_purchase_orders) once any purchase order names it: deactivate it instead.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteSupplier(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  registerTimelineRoute(app, db, {
    resource: 'suppliers',
    tag: 'Suppliers',
    objectName: 'supplier',
    load: (id) => getSupplier(db, id),
  });

  // ------------------------------------------------------------------------------ supplier SKUs
  const sskTags = ['Supplier SKUs'];
  r.post(
    '/v1/supplier_skus',
    {
      config: suppliersWrite,
      schema: {
        tags: sskTags,
        summary: 'Create a supplier SKU',
        description:
          'What a supplier (supplier_id, id or code; 404 when unknown) sells of one SKU: unit_cost, min_order_quantity and order_multiple (planning rounds buy quantities up to them) and lead_time_days (overrides the supplier’s). preferred=true makes it the SKU’s only preferred row (the others are unset in the same transaction). One row per supplier and SKU: a second is a 409 already_exists.',
        body: CreateSupplierSkuBody,
        response: { 201: SupplierSkuSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createSupplierSku(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/supplier_skus',
    {
      config: suppliersRead,
      schema: {
        tags: sskTags,
        summary: 'List supplier SKUs',
        querystring: listQuerySchema(supplierSkuListSpec),
        response: { 200: listEnvelopeSchema(SupplierSkuSchema), ...errorResponses() },
      },
    },
    async (req) => listSupplierSkus(db, req.query),
  );
  r.get(
    '/v1/supplier_skus/:id',
    {
      config: suppliersRead,
      schema: {
        tags: sskTags,
        summary: 'Retrieve a supplier SKU',
        params: IdParams,
        response: { 200: SupplierSkuSchema, ...errorResponses(404) },
      },
    },
    async (req) => getSupplierSku(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/supplier_skus/:id',
      config: suppliersWrite,
      schema: {
        tags: sskTags,
        summary: `Update a supplier SKU${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'preferred=true unsets the SKU’s other preferred row in the same transaction.',
        params: IdParams,
        body: UpdateSupplierSkuBody,
        response: { 200: SupplierSkuSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateSupplierSku(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/supplier_skus/:id',
    {
      config: suppliersWrite,
      schema: {
        tags: sskTags,
        summary: 'Delete a supplier SKU',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 412) },
      },
    },
    async (req) => deleteSupplierSku(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  // ------------------------------------------------------------------------------ purchase orders
  r.post(
    '/v1/purchase_orders',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Create a purchase order',
        description:
          'A draft, numbered PO-000001, ...; the supplier and the ship-to location may be named by code. Line totals are quantity_ordered x unit_cost; total = subtotal + tax + shipping (integer cents).',
        body: CreatePurchaseOrderBody,
        response: { 201: PurchaseOrderSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createPurchaseOrder(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/purchase_orders',
    {
      config: poRead,
      schema: {
        tags: poTags,
        summary: 'List purchase orders',
        querystring: listQuerySchema(purchaseOrderListSpec),
        response: { 200: listEnvelopeSchema(PurchaseOrderSchema), ...errorResponses() },
      },
    },
    async (req) => listPurchaseOrders(db, req.query),
  );
  r.get(
    '/v1/purchase_orders/:id',
    {
      config: poRead,
      schema: {
        tags: poTags,
        summary: 'Retrieve a purchase order',
        description: 'By id or by PO number (PO-000001).',
        params: IdParams,
        response: { 200: PurchaseOrderSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPurchaseOrder(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/purchase_orders/:id',
      config: poWrite,
      schema: {
        tags: poTags,
        summary: `Update a purchase order${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description:
          'Dates, notes and metadata until it is received; tax and shipping only while draft (409 invalid_transition otherwise). Lines change through /v1/purchase_order_line_items.',
        params: IdParams,
        body: UpdatePurchaseOrderBody,
        response: { 200: PurchaseOrderSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updatePurchaseOrder(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/purchase_orders/:id',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Delete a draft purchase order',
        description: 'Only a draft; a submitted or approved order is cancelled instead (409 invalid_transition).',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deletePurchaseOrder(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  const actions = [
    ['submit', 'Submit a draft purchase order to the supplier', 'draft -> submitted; needs at least one line.'],
    [
      'approve',
      'Approve a purchase order',
      "submitted -> approved. Adds each line's open quantity to `incoming` of its SKU's inventory item at the ship-to location, creating the item when the SKU has none there.",
    ],
    [
      'complete',
      'Complete a purchase order',
      'received or partially_received -> completed. Closing a partly received order short takes what is still open off `incoming`.',
    ],
    [
      'cancel',
      'Cancel a purchase order',
      'From draft, submitted or approved (an approved order takes its open quantities off `incoming`); refused once anything was received.',
    ],
  ] as const;
  for (const [action, summary, description] of actions) {
    r.post(
      `/v1/purchase_orders/:id/${action}`,
      {
        config: poWrite,
        schema: {
          tags: poTags,
          summary,
          description,
          params: IdParams,
          response: { 200: PurchaseOrderSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => purchaseOrderAction(db, contextOf(req), req.params.id, action, {}, expectedVersion(req)),
    );
  }
  r.post(
    '/v1/purchase_orders/:id/finance',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Record who finances a purchase order',
        description:
          "StateSet's finance action: sets financed {financer, financed_at}; once only (409 already_financed).",
        params: IdParams,
        body: FinanceBody,
        response: { 200: PurchaseOrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => purchaseOrderAction(db, contextOf(req), req.params.id, 'finance', req.body, expectedVersion(req)),
  );
  r.post(
    '/v1/purchase_orders/:id/receive',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Receive units against a purchase order',
        description:
          "From approved or partially_received. Each line's units enter stock through `receipt` movements that reference the line (at location_id, default the ship-to location), its unit_cost is averaged into the item's, and `incoming` falls by what was still open. More than a line still expects is 409 over_receipt unless allow_over_receipt is true. Partial receipts leave the order partially_received; the last one makes it received.",
        params: IdParams,
        body: ReceiveBody,
        response: { 200: PurchaseOrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => receivePurchaseOrder(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );
  registerTimelineRoute(app, db, {
    resource: 'purchase_orders',
    tag: 'Purchase orders',
    objectName: 'purchase order',
    load: (id) => getPurchaseOrder(db, id),
  });

  // ------------------------------------------------------------------------------ lines
  r.post(
    '/v1/purchase_order_line_items',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Add a line to a draft purchase order',
        body: CreatePurchaseOrderLineBody,
        response: { 201: PurchaseOrderLineItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createPurchaseOrderLine(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/purchase_order_line_items',
    {
      config: poRead,
      schema: {
        tags: poTags,
        summary: 'List purchase order lines',
        querystring: listQuerySchema(purchaseOrderLineListSpec),
        response: { 200: listEnvelopeSchema(PurchaseOrderLineItemSchema), ...errorResponses() },
      },
    },
    async (req) => listPurchaseOrderLines(db, req.query),
  );
  r.get(
    '/v1/purchase_order_line_items/:id',
    {
      config: poRead,
      schema: {
        tags: poTags,
        summary: 'Retrieve a purchase order line',
        params: IdParams,
        response: { 200: PurchaseOrderLineItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPurchaseOrderLine(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/purchase_order_line_items/:id',
      config: poWrite,
      schema: {
        tags: poTags,
        summary: `Update a purchase order line${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: 'Only while the order is a draft (409 invalid_transition otherwise).',
        params: IdParams,
        body: UpdatePurchaseOrderLineBody,
        response: { 200: PurchaseOrderLineItemSchema, ...errorResponses(404, 409) },
      },
      handler: async (req) => updatePurchaseOrderLine(db, contextOf(req), req.params.id, req.body),
    });
  }
  r.delete(
    '/v1/purchase_order_line_items/:id',
    {
      config: poWrite,
      schema: {
        tags: poTags,
        summary: 'Remove a line from a draft purchase order',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409) },
      },
    },
    async (req) => deletePurchaseOrderLine(db, contextOf(req), req.params.id),
  );
}
