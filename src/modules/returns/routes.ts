import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import {
  approveReturn,
  cancelReturn,
  closeReturn,
  deleteReturn,
  exchangeOrder,
  exchangeReturn,
  inspectReturn,
  receiveReturn,
  refundReturn,
  rejectReturn,
  reopenReturn,
  restockReturn,
  updateReturn,
} from './commands.js';
import {
  createReturnLineItem,
  deleteReturnLineItem,
  getReturnLineItem,
  listReturnLineItems,
  returnLineItemListSpec,
  updateReturnLineItem,
} from './line-items.js';
import {
  CancelReturnBody,
  CreateReturnBody,
  CreateReturnLineItemBody,
  ExchangeBody,
  InspectBody,
  OrderExchangeSchema,
  OrderReturnSchema,
  ReceiveBody,
  RejectBody,
  RestockBody,
  ReturnBody,
  ReturnExchangeBody,
  ReturnLineItemSchema,
  ReturnRefundBody,
  ReturnSchema,
  UpdateReturnBody,
  UpdateReturnLineItemBody,
} from './schemas.js';
import { createReturn, createReturnDirect, getReturn, listReturns, returnListSpec } from './service.js';

const tags = ['Returns'];
const read = { scope: 'returns:read' };
const write = { scope: 'returns:write' };
const IF_MATCH = 'Send If-Match: <version> to refuse (412) if the return changed since you read it.';
const TRANSITION =
  'Refused with 409 invalid_transition (naming the current status and the action) from a status the transition table does not allow: requested -> approved -> received -> inspected -> completed; rejected and cancelled from requested/approved; closed from completed/rejected; reopen closed -> requested.';
const LINE_BY_SKU =
  "A line is named by its id or by {sku} when exactly one line of the order has that SKU (400 ambiguous_sku listing the candidates' ids when several do).";

/** Returns, their lines, and the order's return and exchange actions (which create returns). */
export async function returnRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // ------------------------------------------------------------ the order's actions
  r.post(
    '/v1/orders/:id/return',
    {
      config: { scope: 'orders:write' },
      schema: {
        tags: ['Orders'],
        summary: 'Return shipped units',
        description: `Creates a Return (status requested) for shipped units, never more than shipped minus already returned (409 return_exceeds_shipped). Each return line is valued at its share of the order line total; several items may name one order line (one per unit condition). Answers the order and the return, which then follows the returns workflow (/v1/returns/:id/approve, receive, inspect, restock, refund). ${LINE_BY_SKU} Refused with 409 invalid_transition before anything shipped. Send If-Match: <version> to refuse (412) if the order changed since you read it.`,
        params: IdParams,
        body: ReturnBody,
        response: { 200: OrderReturnSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => {
      const { order, return: created } = await createReturn(
        db,
        contextOf(req),
        req.params.id,
        req.body,
        expectedVersion(req),
      );
      return { object: 'order_return' as const, order, return: created };
    },
  );
  r.post(
    '/v1/orders/:id/exchange',
    {
      config: { scope: 'orders:write' },
      schema: {
        tags: ['Orders'],
        summary: 'Exchange shipped units for new items',
        description: `Creates the return (type replacement) and a new order (exchange_for_return_id) for new_items, reserving their stock. What the returned units are worth, up to what was paid, pays the new order (an exchange_credit refund here and a payment there); any rest is refunded. price_difference > 0 is charged: the new order stays unpaid for it. The return then follows the returns workflow (receive, inspect, restock; refund completes it). return_items: ${LINE_BY_SKU} Refused with 409 invalid_transition before anything shipped. Send If-Match: <version> to refuse (412) if the order changed since you read it.`,
        params: IdParams,
        body: ExchangeBody,
        response: { 200: OrderExchangeSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => exchangeOrder(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
  );

  // ------------------------------------------------------------ returns
  r.post(
    '/v1/returns',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a return',
        description: `For an order (order_id: id or number) and its shipped units: line_items name order lines and quantities, never more than shipped minus already returned (409 return_exceeds_shipped). Same as the order's return action. ${LINE_BY_SKU}`,
        body: CreateReturnBody,
        response: { 201: ReturnSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createReturnDirect(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/returns',
    {
      config: read,
      schema: {
        tags,
        summary: 'List returns',
        description:
          'Filters: status(_in), order_id, customer_id, rma, reason_code(_in), type, created/updated ranges.',
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
        description: 'By id or by RMA number (RMA-000045); every /v1/returns/:id route accepts either.',
        params: IdParams,
        response: { 200: ReturnSchema, ...errorResponses(404) },
      },
    },
    async (req) => getReturn(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/returns/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a return${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `type, reason_code, customer_notes, tracking_number, carrier, restocking_fee (at most what the lines are worth: 409 restocking_fee_exceeds_refund), metadata. Only while requested. ${TRANSITION} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateReturnBody,
        response: { 200: ReturnSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateReturn(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/returns/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a return',
        description: `Only while requested and nothing refunded; its units no longer count as returned on the order. ${IF_MATCH}`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteReturn(db, contextOf(req), req.params.id, expectedVersion(req)),
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
      `/v1/returns/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${TRANSITION} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: ReturnSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)) as any,
    );
  };

  action('approve', 'Approve a return', 'requested -> approved.', undefined, (id, _b, v, ctx) =>
    approveReturn(db, ctx, id, v),
  );
  action(
    'reject',
    'Reject a return',
    'From requested or approved, with a reason. Its units no longer count as returned on the order. Refused once anything of it was refunded (409 return_already_refunded).',
    RejectBody,
    (id, body, v, ctx) => rejectReturn(db, ctx, id, body.reason, v),
  );
  action(
    'cancel',
    'Cancel a return',
    'From requested or approved. Its units no longer count as returned on the order. Refused once anything of it was refunded (409 return_already_refunded).',
    CancelReturnBody.nullish(),
    (id, body, v, ctx) => cancelReturn(db, ctx, id, body?.reason, v),
  );
  action(
    'receive',
    'Receive returned units',
    'line_items [{id (rli_...), quantity}], default every unit not received yet. Partial receipts add up; never past a line quantity (409 receive_exceeds_quantity). From approved (or received, for the next parcel).',
    ReceiveBody.nullish(),
    (id, body, v, ctx) => receiveReturn(db, ctx, id, body ?? {}, v),
  );
  action(
    'inspect',
    'Inspect a return',
    'Records the inspection {condition, notes, defects, recommended_action: restock|refurbish|liquidate|dispose} and, per line, its condition and whether it is resellable. From received (or inspected, to inspect again).',
    InspectBody.nullish(),
    (id, body, v, ctx) => inspectReturn(db, ctx, id, body ?? {}, v),
  );
  action(
    'restock',
    'Restock returned units',
    "Puts received resellable units back on hand through the inventory ledger (a return_restock movement per line) at location_id (id or code; default the order line's location). line_items [{id, quantity}] default to every received resellable unit not restocked yet. Each unit once, ever: 409 not_resellable, restock_exceeds_received, nothing_to_restock. From received, inspected or completed.",
    RestockBody.nullish(),
    (id, body, v, ctx) => restockReturn(db, ctx, id, body ?? {}, v),
  );
  action(
    'refund',
    'Refund a return',
    "One Refund on the order for refund_total (what the lines are worth less the restocking_fee, which may be set here before anything is refunded); the return's units count as refunded on the order, whose refunded total and payment_status follow. Never more than the order has paid and not refunded (409 refund_exceeds_paid). Once: a return with nothing left to refund is refused (409 return_already_refunded), except that once its goods are in the call completes a return whose money went back earlier. Completes a received or inspected return; from requested or approved it refunds in advance and the status stays.",
    ReturnRefundBody.nullish(),
    (id, body, v, ctx) => refundReturn(db, ctx, id, body ?? {}, v),
  );
  action(
    'exchange',
    'Exchange a return for new items',
    'Creates the exchange order for new_items (reserving their stock, 409 insufficient_inventory unless allow_backorder) paid with what the return has not had refunded, up to what the order has paid and not refunded (an exchange_credit refund on the order and a payment on the new one); any rest is refunded. The return becomes type replacement with exchange_order_id; one exchange per return (409 return_already_exchanged). Completes a received or inspected return.',
    ReturnExchangeBody,
    (id, body, v, ctx) => exchangeReturn(db, ctx, id, body, v),
  );
  action('close', 'Close a return', 'From completed or rejected.', undefined, (id, _b, v, ctx) =>
    closeReturn(db, ctx, id, v),
  );
  action(
    'reopen',
    'Reopen a return',
    'closed -> requested. A return closed after being rejected counts its units as returned again (409 return_exceeds_shipped if they were returned since).',
    undefined,
    (id, _b, v, ctx) => reopenReturn(db, ctx, id, v),
  );
  registerTimelineRoute(app, db, {
    resource: 'returns',
    tag: 'Returns',
    objectName: 'return',
    load: (id) => getReturn(db, id),
  });

  // ------------------------------------------------------------ return line items
  const lineTags = ['Return line items'];
  r.post(
    '/v1/return_line_items',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Add a return line item',
        description:
          'To a requested return (409 invalid_transition after): an order line (order_line_item_id, or sku when exactly one line of the order has it) and a quantity, never more than shipped minus already returned (409 return_exceeds_shipped). A return may carry several lines for one order line (one per unit condition).',
        body: CreateReturnLineItemBody,
        response: { 201: ReturnLineItemSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createReturnLineItem(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/return_line_items',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'List return line items',
        description: 'Filters: return_id, order_line_item_id, sku, created range.',
        querystring: listQuerySchema(returnLineItemListSpec),
        response: { 200: listEnvelopeSchema(ReturnLineItemSchema), ...errorResponses() },
      },
    },
    async (req) => listReturnLineItems(db, req.query),
  );
  r.get(
    '/v1/return_line_items/:id',
    {
      config: read,
      schema: {
        tags: lineTags,
        summary: 'Retrieve a return line item',
        params: IdParams,
        response: { 200: ReturnLineItemSchema, ...errorResponses(404) },
      },
    },
    async (req) => getReturnLineItem(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/return_line_items/:id',
      config: write,
      schema: {
        tags: lineTags,
        summary: `Update a return line item${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description:
          "quantity (recounted on the order line), reason, condition, resellable. Only while the return is requested (409 invalid_transition after). If-Match is the return's version.",
        params: IdParams,
        body: UpdateReturnLineItemBody,
        response: { 200: ReturnLineItemSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateReturnLineItem(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/return_line_items/:id',
    {
      config: write,
      schema: {
        tags: lineTags,
        summary: 'Delete a return line item',
        description:
          'Only while the return is requested; a return keeps at least one line (409 return_must_keep_a_line). Its units no longer count as returned on the order.',
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteReturnLineItem(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
}
