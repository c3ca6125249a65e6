import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  CloseWarrantyBody,
  CreateWarrantyBody,
  CreateWarrantyLineItemBody,
  InspectWarrantyBody,
  RejectWarrantyBody,
  RepairBody,
  ReplaceBody,
  ResolveBody,
  UpdateWarrantyBody,
  UpdateWarrantyLineItemBody,
  WarrantyLineItemSchema,
  WarrantySchema,
} from './schemas.js';
import {
  approveWarranty,
  closeWarranty,
  createWarranty,
  createWarrantyLineItem,
  deleteWarranty,
  deleteWarrantyLineItem,
  getWarranty,
  getWarrantyLineItem,
  inspectWarranty,
  listWarranties,
  listWarrantyLineItems,
  rejectWarranty,
  reopenWarranty,
  repairWarranty,
  replaceWarranty,
  resolveWarranty,
  updateWarranty,
  updateWarrantyLineItem,
  warrantyLineItemListSpec,
  warrantyListSpec,
} from './service.js';

const tags = ['Warranties'];
const read = { scope: 'warranties:read' };
const write = { scope: 'warranties:write' };
const IF_MATCH = 'Send If-Match: <version> to refuse (412) if the claim changed since you read it.';
const TRANSITION =
  'Refused with 409 invalid_transition (naming the current status and the action) from a status the transition table does not allow: submitted -> (inspecting) -> approved -> in_repair | replacement_sent -> resolved -> closed; rejected from submitted/inspecting; reopen closed/rejected -> submitted.';

export async function warrantyRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/warranties',
    {
      config: write,
      schema: {
        tags,
        summary: 'File a warranty claim',
        description:
          "A claim (status submitted) for a customer (customer_id, or the order's), optionally naming the order (id or number) and its line (order_line_item_id, or sku when one line has it), a serial number and line items. Coverage: as given, else from the order's delivery (else shipping) date for coverage_days (the claim's, else warranty_days in the metadata of the SKU's inventory item, else 365). A claim filed after coverage.ends_at is refused (409 warranty_expired) unless override=true (then coverage.overridden is true).",
        body: CreateWarrantyBody,
        response: { 201: WarrantySchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createWarranty(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/warranties',
    {
      config: read,
      schema: {
        tags,
        summary: 'List warranty claims',
        description:
          'Filters: status(_in), customer_id, order_id, sku, serial_number, warranty_number, resolution, created/updated ranges.',
        querystring: listQuerySchema(warrantyListSpec),
        response: { 200: listEnvelopeSchema(WarrantySchema), ...errorResponses() },
      },
    },
    async (req) => listWarranties(db, req.query),
  );
  r.get(
    '/v1/warranties/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a warranty claim',
        description: 'By id or by warranty number (WTY-000001); every /v1/warranties/:id route accepts either.',
        params: IdParams,
        response: { 200: WarrantySchema, ...errorResponses(404) },
      },
    },
    async (req) => getWarranty(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/warranties/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a warranty claim${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `serial_number, issue_description, reported_condition, coverage_terms, metadata; while submitted, inspecting or approved. ${TRANSITION} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateWarrantyBody,
        response: { 200: WarrantySchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateWarranty(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/warranties/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a warranty claim',
        description: `Only while submitted or inspecting. ${IF_MATCH}`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteWarranty(db, contextOf(req), req.params.id, expectedVersion(req)),
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
    ) => Promise<unknown>,
  ) => {
    r.post(
      `/v1/warranties/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${TRANSITION} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: WarrantySchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)) as any,
    );
  };
  action(
    'inspect',
    'Request an inspection',
    'submitted -> inspecting, recording {notes, findings, condition}.',
    InspectWarrantyBody.nullish(),
    (id, body, v, ctx) => inspectWarranty(db, ctx, id, body ?? {}, v),
  );
  action('approve', 'Approve a claim', 'From submitted or inspecting.', undefined, (id, _b, v, ctx) =>
    approveWarranty(db, ctx, id, v),
  );
  action(
    'reject',
    'Reject a claim',
    'From submitted or inspecting, with a reason.',
    RejectWarrantyBody,
    (id, body, v, ctx) => rejectWarranty(db, ctx, id, body.reason, v),
  );
  action(
    'repair',
    'Send a claim to repair',
    'approved -> in_repair with {type: hardware|software|cosmetic, location, estimated_cost (cents), ticket}; resolution becomes repair.',
    RepairBody.nullish(),
    (id, body, v, ctx) => repairWarranty(db, ctx, id, body ?? {}, v),
  );
  action(
    'replace',
    'Send a replacement',
    "approved -> replacement_sent: creates a zero-priced order for the claim's customer (items, default the claim's line items or one unit of its SKU; shipping_address, default the original order's) that reserves stock like any order (409 insufficient_inventory unless allow_backorder) and links it (replacement_order_id; the order's metadata names the claim).",
    ReplaceBody.nullish(),
    (id, body, v, ctx) => replaceWarranty(db, ctx, id, body ?? { allow_backorder: false }, v),
  );
  action(
    'resolve',
    'Resolve a claim',
    'From approved, in_repair or replacement_sent; resolution (repair|replace|refund|none) defaults to what was done.',
    ResolveBody.nullish(),
    (id, body, v, ctx) => resolveWarranty(db, ctx, id, body ?? {}, v),
  );
  action(
    'close',
    'Close a claim',
    'From resolved or rejected; {resolution_notes}.',
    CloseWarrantyBody.nullish(),
    (id, body, v, ctx) => closeWarranty(db, ctx, id, body?.resolution_notes, v),
  );
  action('reopen', 'Reopen a claim', 'closed or rejected -> submitted.', undefined, (id, _b, v, ctx) =>
    reopenWarranty(db, ctx, id, v),
  );
  registerTimelineRoute(app, db, {
    resource: 'warranties',
    tag: 'Warranties',
    objectName: 'warranty',
    load: (id) => getWarranty(db, id),
  });

  const lineTags = ['Warranty line items'];
  r.post(
    '/v1/warranty_line_items',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Add a warranty line item',
        description: 'To a claim that is submitted or inspecting (409 invalid_transition after).',
        body: CreateWarrantyLineItemBody,
        response: { 201: WarrantyLineItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createWarrantyLineItem(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/warranty_line_items',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'List warranty line items',
        description: 'Filters: warranty_id, sku, serial_number, created range.',
        querystring: listQuerySchema(warrantyLineItemListSpec),
        response: { 200: listEnvelopeSchema(WarrantyLineItemSchema), ...errorResponses() },
      },
    },
    async (req) => listWarrantyLineItems(db, req.query),
  );
  r.get(
    '/v1/warranty_line_items/:id',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'Retrieve a warranty line item',
        params: IdParams,
        response: { 200: WarrantyLineItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getWarrantyLineItem(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/warranty_line_items/:id',
      config: write,
      schema: {
        tags: lineTags,
        summary: `Update a warranty line item${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: "While the claim is submitted or inspecting. If-Match is the claim's version.",
        params: IdParams,
        body: UpdateWarrantyLineItemBody,
        response: { 200: WarrantyLineItemSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateWarrantyLineItem(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/warranty_line_items/:id',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Delete a warranty line item',
        description: "While the claim is submitted or inspecting. If-Match is the claim's version.",
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteWarrantyLineItem(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
}
