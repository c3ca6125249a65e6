import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  CancelWholesaleOrderBody,
  CreateWholesaleLineBody,
  CreateWholesaleOrderBody,
  InvoiceWholesaleOrderBody,
  PayWholesaleOrderBody,
  PRICE_BREAK_RULE,
  ShipWholesaleOrderBody,
  UpdateWholesaleLineBody,
  UpdateWholesaleOrderBody,
  WholesaleOrderLineItemSchema,
  WholesaleOrderSchema,
  type WholesaleOrder,
} from './schemas.js';
import {
  addWholesaleLine,
  approveWholesaleOrder,
  cancelWholesaleOrder,
  createWholesaleOrder,
  deleteWholesaleLine,
  deleteWholesaleOrder,
  getWholesaleLine,
  getWholesaleOrder,
  invoiceWholesaleOrder,
  listWholesaleLines,
  listWholesaleOrders,
  payWholesaleOrder,
  shipWholesaleOrder,
  submitWholesaleOrder,
  updateWholesaleLine,
  updateWholesaleOrder,
  wholesaleLineListSpec,
  wholesaleOrderListSpec,
} from './service.js';

const tags = ['Wholesale orders'];
const read = { scope: 'wholesale_orders:read' };
const write = { scope: 'wholesale_orders:write' };
const TRANSITION =
  'Status machine: draft -> submitted -> approved -> (partially_shipped) -> shipped -> invoiced -> paid; cancelled before anything ships. A refused transition is 409 invalid_transition naming the status.';
const IF_MATCH = 'With If-Match: <version>, a stale version is a 412.';
const BY_NUMBER = 'The order is named by id or by number (WSO-000001).';

export async function wholesaleRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/wholesale_orders',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a wholesale order',
        description: `A draft for a business customer (customer_id; 404 naming customer_id when missing), on payment_terms (default net_30). Lines may come now or later (POST /v1/wholesale_order_line_items). ${PRICE_BREAK_RULE}`,
        body: CreateWholesaleOrderBody,
        response: { 201: WholesaleOrderSchema, ...errorResponses(404) },
      },
    },
    async (req, reply) => reply.code(201).send(await createWholesaleOrder(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/wholesale_orders',
    {
      config: read,
      schema: {
        tags,
        summary: 'List wholesale orders',
        description:
          'financial_status=overdue lists invoiced orders whose due_at has passed unpaid (compared with the current time); financial_status=invoiced those not yet due.',
        querystring: listQuerySchema(wholesaleOrderListSpec),
        response: { 200: listEnvelopeSchema(WholesaleOrderSchema), ...errorResponses() },
      },
    },
    async (req) => listWholesaleOrders(db, req.query),
  );

  r.get(
    '/v1/wholesale_orders/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a wholesale order',
        description: `${BY_NUMBER} financial_status is overdue when an invoice's due_at has passed unpaid (computed when read).`,
        params: IdParams,
        response: { 200: WholesaleOrderSchema, ...errorResponses(404) },
      },
    },
    async (req) => getWholesaleOrder(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/wholesale_orders/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a wholesale order${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `PO number, payment terms, location, requested delivery date, memo, metadata; while draft or submitted. ${BY_NUMBER} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateWholesaleOrderBody,
        response: { 200: WholesaleOrderSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateWholesaleOrder(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.delete(
    '/v1/wholesale_orders/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a wholesale order',
        description: `Only a draft (nothing reserved yet); otherwise 409 invalid_transition: cancel it instead. ${IF_MATCH}`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteWholesaleOrder(db, contextOf(req), req.params.id, expectedVersion(req)),
  );

  const action = <B extends z.ZodType>(
    name: string,
    summary: string,
    description: string,
    body: B | undefined,
    run: (
      id: string,
      body: z.output<B>,
      expected: number | undefined,
      ctx: ReturnType<typeof contextOf>,
    ) => Promise<WholesaleOrder>,
  ) => {
    r.post(
      `/v1/wholesale_orders/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${BY_NUMBER} ${TRANSITION} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: WholesaleOrderSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)),
    );
  };

  action(
    'submit',
    'Submit a wholesale order',
    'draft -> submitted; needs at least one line (409 no_line_items).',
    undefined,
    (id, _b, v, ctx) => submitWholesaleOrder(db, ctx, id, v),
  );
  action(
    'approve',
    'Approve a wholesale order',
    "submitted -> approved. Reserves every line's stock through the inventory ledger, all lines or none: 409 insufficient_inventory lists each shortage and where the SKU is available. Lines fill from the order's location_id, else by the allocation rule of orders.",
    undefined,
    (id, _b, v, ctx) => approveWholesaleOrder(db, ctx, id, v),
  );
  action(
    'ship',
    'Ship a wholesale order',
    "Ships line_items [{id or sku, quantity}], or everything not shipped yet: consumes the reservations (a shipment movement lowers on_hand) and records a shipment (in the order's shipments). partially_shipped while anything remains, then shipped. More than a line has left is 409 quantity_exceeds_remaining.",
    ShipWholesaleOrderBody,
    (id, body, v, ctx) => shipWholesaleOrder(db, ctx, id, body, v),
  );
  action(
    'invoice',
    'Invoice a wholesale order',
    'shipped -> invoiced: an invoice number (INV-000001), issued_at (now unless given; never in the future) and due_at = issued_at + the payment terms (prepaid 0, net_15, net_30, net_60 days). financial_status becomes invoiced, and overdue once due_at passes unpaid.',
    InvoiceWholesaleOrderBody,
    (id, body, v, ctx) => invoiceWholesaleOrder(db, ctx, id, body, v),
  );
  action(
    'pay',
    'Record the payment of a wholesale order',
    'invoiced -> paid: records the payment (amount, default the total, must be the total; method; reference); financial_status becomes paid.',
    PayWholesaleOrderBody,
    (id, body, v, ctx) => payWholesaleOrder(db, ctx, id, body, v),
  );
  action(
    'cancel',
    'Cancel a wholesale order',
    'From draft, submitted or approved: releases every reservation. Refused once anything shipped.',
    CancelWholesaleOrderBody,
    (id, body, v, ctx) => cancelWholesaleOrder(db, ctx, id, body, v),
  );

  registerTimelineRoute(app, db, {
    resource: 'wholesale_orders',
    tag: 'Wholesale orders',
    objectName: 'wholesale order',
    load: (id) => getWholesaleOrder(db, id),
  });

  // ------------------------------------------------------------ lines
  const lineTags = ['Wholesale order line items'];
  const EDITABLE =
    "Only while the order is draft or submitted (409 invalid_transition after); the order's totals are recomputed and a wholesale_order.updated event recorded.";

  r.post(
    '/v1/wholesale_order_line_items',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Add a line to a wholesale order',
        description: `${EDITABLE} ${PRICE_BREAK_RULE}`,
        body: CreateWholesaleLineBody,
        response: { 201: WholesaleOrderLineItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await addWholesaleLine(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/wholesale_order_line_items',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'List wholesale order line items',
        querystring: listQuerySchema(wholesaleLineListSpec),
        response: { 200: listEnvelopeSchema(WholesaleOrderLineItemSchema), ...errorResponses() },
      },
    },
    async (req) => listWholesaleLines(db, req.query),
  );

  r.get(
    '/v1/wholesale_order_line_items/:id',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'Retrieve a wholesale order line item',
        params: IdParams,
        response: { 200: WholesaleOrderLineItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getWholesaleLine(db, req.params.id),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/wholesale_order_line_items/:id',
      config: write,
      schema: {
        tags: lineTags,
        summary: `Update a wholesale order line item${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `Quantity, unit_price, price_breaks, name. ${EDITABLE}`,
        params: IdParams,
        body: UpdateWholesaleLineBody,
        response: { 200: WholesaleOrderLineItemSchema, ...errorResponses(404, 409) },
      },
      handler: async (req) => updateWholesaleLine(db, contextOf(req), req.params.id, req.body),
    });
  }

  r.delete(
    '/v1/wholesale_order_line_items/:id',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Remove a line from a wholesale order',
        description: `${EDITABLE} A submitted order keeps at least one line (409 last_line_item).`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409) },
      },
    },
    async (req) => deleteWholesaleLine(db, contextOf(req), req.params.id),
  );
}
