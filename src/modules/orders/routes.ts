import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { contextOf, errorResponses, expectedVersion, IdParams, sendJsonText } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import { getRefund, listRefunds, refundListSpec } from './refunds.js';
import {
  AddLineItemBody,
  ApplyPromotionBody,
  CancelBody,
  CreateOrderBody,
  DiscountInput,
  DiscountParams,
  HoldBody,
  LineItemParams,
  MergeBody,
  OrderSchema,
  OrderSplitSchema,
  PayBody,
  PromotionParams,
  RefundBody,
  type Order,
  type RefundInput,
  RefundSchema,
  RemoveItemBody,
  ShipBody,
  ShipmentSchema,
  SplitBody,
  TagParams,
  TagsBody,
  UpdateOrderBody,
  UpdateShipmentBody,
} from './schemas.js';
import {
  addDiscount,
  addLineItem,
  addOrderTags,
  applyPromotion,
  cancelOrder,
  cancelShipment,
  createOrder,
  deliverOrder,
  getOrder,
  getOrderJson,
  getShipment,
  holdOrder,
  listOrders,
  listShipments,
  mergeOrders,
  orderListSpec,
  payOrder,
  refundOrder,
  releaseOrder,
  removeDiscount,
  removeLineItem,
  removeOrderTag,
  removePromotion,
  shipmentListSpec,
  shipOrder,
  splitOrder,
  updateOrder,
  updateShipment,
} from './service.js';

const tags = ['Orders'];
const read = { scope: 'orders:read' };
const write = { scope: 'orders:write' };
const IF_MATCH = 'Send If-Match: <version> to refuse (412) if the order changed since you read it.';
const OVERPAID =
  'If the new total is below what was paid and not refunded, the difference is refunded (a Refund with reason order_edited).';
const LINE_BY_SKU =
  "A line is named by its id or by {sku} when exactly one line of the order has that SKU (400 ambiguous_sku listing the candidates' ids when several do).";
const TRANSITION =
  'Refused with 409 invalid_transition (naming the current status and the action) from a status the transition table does not allow.';

/**
 * Refunds a return through the order's refund action ({return_id, ...}): the returns module owns
 * returns, so the app passes its handler in (orders never imports returns).
 */
export type RefundReturnHandler = (
  ctx: RequestContext,
  orderId: string,
  input: RefundInput,
  expected: number | undefined,
) => Promise<Order>;

export async function orderRoutes(
  app: FastifyInstance,
  { db, refundReturn }: { db: DB; refundReturn?: RefundReturnHandler },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/orders',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create an order',
        description: [
          "Lines (line_items, alias items) reserve stock all or none. Where each line fills from (location ids and codes both work): its own location_id; else the order's location_id; else the default location when it can fill the line; else the active location with the most available that can fill it (ties by code); else, when no single location can, the one with the most available (a shortage there, or a backorder with allow_backorder).",
          'A line fills from one location and never splits across locations; send two lines with location_id to split.',
          'A shortage is a 409 insufficient_inventory naming each SKU, its shortfall and what is available at each location (details.shortages[].locations). A SKU with no inventory item at any location is a 400 unknown_sku naming the line (param line_items[i].sku), backorders or not.',
          'With allow_backorder=true, what cannot be reserved is recorded as quantity_backordered and reserved at ship time.',
          'The customer is customer_id, or an inline customer matched by email (created when new); its order_count and lifetime_value follow the order.',
          'discount_codes and promotion_codes both name promotions. A payment with status "paid" records a payment (default amount: the total); a fully paid order (or one whose total is 0) starts in processing, otherwise pending.',
          'Totals are always computed by the server.',
        ].join(' '),
        body: CreateOrderBody,
        response: { 201: OrderSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createOrder(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/orders',
    {
      config: read,
      schema: {
        tags,
        summary: 'List orders',
        description:
          'Filters: status(_in), payment_status(_in), fulfillment_status(_in), customer_id, customer_email, sku (any line), tag, source(_in), currency, total_gte/total_lte, created/updated ranges, search (order number, customer email or name).',
        querystring: listQuerySchema(orderListSpec),
        response: { 200: listEnvelopeSchema(OrderSchema), ...errorResponses() },
      },
    },
    async (req, reply) => sendJsonText(reply, await listOrders(db, req.query)),
  );

  r.get(
    '/v1/orders/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve an order',
        description: 'By id or by order number (ORD-000123); every /v1/orders/:id route accepts either.',
        params: IdParams,
        response: { 200: OrderSchema, ...errorResponses(404) },
      },
    },
    async (req, reply) => sendJsonText(reply, await getOrderJson(db, req.params.id)),
  );

  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/orders/:id',
      config: write,
      schema: {
        tags,
        summary: `Update an order${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `Addresses, shipping method/carrier/amount/estimated_delivery, notes, email, metadata and tax_rate; totals are recomputed. ${OVERPAID} Only before anything shipped (pending, processing, on_hold). ${TRANSITION} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateOrderBody,
        response: { 200: OrderSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateOrder(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  /** An action: POST /v1/orders/:id/<name> answering the order. */
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
    response: z.ZodType = OrderSchema,
  ) => {
    r.post(
      `/v1/orders/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${TRANSITION} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: response, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)),
    );
  };

  action(
    'line_items',
    'Add a line item',
    'Reserves its stock where it is, by the same rule as Create an order (location_id, id or code, else the default location when it can fill the line, else the active location with the most available); 409 insufficient_inventory unless backorders are allowed, 400 unknown_sku for a SKU stocked nowhere. Recomputes totals. Not after shipping or cancelling.',
    AddLineItemBody,
    (id, body, v, ctx) => addLineItem(db, ctx, id, body, v),
  );
  action(
    'remove_item',
    'Remove a line item (POST alias of DELETE .../line_items/:item_id)',
    `{line_item_id} or {sku} (a SKU on exactly one line; 400 ambiguous_sku otherwise). Releases its reservation; an order keeps at least one line (409 order_must_keep_a_line). ${OVERPAID}`,
    RemoveItemBody,
    (id, body, v, ctx) =>
      body.sku !== undefined
        ? removeLineItem(db, ctx, id, { sku: body.sku }, v, 'sku')
        : removeLineItem(db, ctx, id, body.line_item_id!, v, 'line_item_id'),
  );
  action(
    'discounts',
    'Add a discount',
    `{type: percentage|fixed, value, code?, reason?}: a percentage value is a percent (12.5), a fixed value is cents. Discounts are capped so no total goes negative. ${OVERPAID}`,
    DiscountInput,
    (id, body, v, ctx) => addDiscount(db, ctx, id, body, v),
  );
  action(
    'promotions',
    'Apply a promotion',
    'By code: 409 promotion_not_applicable (details.reason: unknown_code, inactive, not_started, expired, usage_limit_reached, minimum_not_met, currency_mismatch, already_applied) unless it is active, in its window, under its usage limit (claimed race-safely), its minimum subtotal met, and not already on this order.',
    ApplyPromotionBody,
    (id, body, v, ctx) => applyPromotion(db, ctx, id, body.code, v),
  );
  action(
    'pay',
    'Record a payment',
    'amount defaults to the balance due; more than the balance is a 409 payment_exceeds_balance, nothing due a 409 order_already_paid. A pending order fully paid moves to processing. A held order cannot be paid.',
    PayBody.nullish(),
    (id, body, v, ctx) => payOrder(db, ctx, id, body ?? {}, v),
  );
  action(
    'cancel',
    'Cancel an order',
    "Releases all its reservations and gives back its promotions' uses; money paid and not refunded is refunded (a Refund is created), and nothing is due any more. Refused once anything shipped.",
    CancelBody.nullish(),
    (id, body, v, ctx) => cancelOrder(db, ctx, id, body ?? { reason: 'other' }, v),
  );
  action(
    'hold',
    'Put an order on hold',
    'From pending or processing. A held order cannot be paid, shipped, split or merged; it can still be edited or cancelled.',
    HoldBody,
    (id, body, v, ctx) => holdOrder(db, ctx, id, body.reason, v),
  );
  action('release', 'Release a hold', 'Back to the status the order had when held.', undefined, (id, _body, v, ctx) =>
    releaseOrder(db, ctx, id, v),
  );
  action(
    'ship',
    'Ship an order',
    'Ships line_items [{id or sku, quantity}], or everything not shipped yet (at location_id, when given). Consumes reservations through the ledger (backordered units are reserved first: 409 insufficient_inventory when there is still no stock) and creates a Shipment. The order becomes shipped, or partially_shipped while anything remains. An order with a balance due (a line added after payment) is refused with 409 balance_due until paid. ' +
      LINE_BY_SKU,
    ShipBody.nullish(),
    (id, body, v, ctx) => shipOrder(db, ctx, id, body ?? {}, v),
  );
  action(
    'deliver',
    'Mark an order delivered',
    'shipped -> delivered; its shipments become delivered.',
    undefined,
    (id, _body, v, ctx) => deliverOrder(db, ctx, id, v),
  );
  action(
    'refund',
    'Refund money',
    "Creates a Refund for amount, or the value of line_items (units never refunded twice), or by default everything refundable; never more than paid minus refunded (409 refund_exceeds_paid), nor, with both amount and line_items, more than those units are worth (409 refund_exceeds_lines). With return_id, the refund is the return's (see Refund a return): by default what the return has not had refunded (its units then count as refunded), never more than its refund_total over all its refunds (409 refund_exceeds_return, return_already_refunded); a return of another order is a 400. payment_status becomes partially_refunded or refunded. " +
      LINE_BY_SKU,
    RefundBody.nullish(),
    (id, body, v, ctx) =>
      body?.return_id && refundReturn ? refundReturn(ctx, id, body, v) : refundOrder(db, ctx, id, body ?? {}, v),
  );
  action(
    'split',
    'Split an order',
    'Moves quantities (and their reservations) to a new order with the same customer and addresses. Discounts and promotions are divided in proportion to the subtotals and become fixed amounts on both orders, adding up exactly to the original; shipping stays on this order; paid money is divided in proportion to the new totals. Taxed at a rate, once money is paid, the tax charged is divided as explicit amounts (tax_rate null on both) when each order rounding on its own would change the sum, so neither owes a rounding cent. Refunded money moves with refunded units (and as far as an order can no longer hold it), and the refund records move with it (see List refunds). From pending, processing or partially_shipped: only unshipped units move (409 quantity_exceeds_remaining), shipped ones stay, and an order left with only shipped units becomes shipped. ' +
      LINE_BY_SKU,
    SplitBody,
    (id, body, v, ctx) => splitOrder(db, ctx, id, body, v),
    OrderSplitSchema,
  );
  action(
    'merge',
    'Merge orders into this one',
    "Same customer and currency (409 merge_mismatch), nothing shipped, none on hold. Lines, reservations, discounts, promotions (as fixed amounts), shipping, payments and refunds move here; the others become merged with merged_into_order_id. Orders taxed at another rate keep the tax they charged: the merged order's tax becomes their sum, as an explicit amount. So does tax at one rate once any of them is paid, when the rate on the merged subtotal would round to another sum: merging never changes what is owed, and never leaves more paid than the total. Refund records move here with their money.",
    MergeBody,
    (id, body, v, ctx) => mergeOrders(db, ctx, id, body, v),
  );
  action(
    'tags',
    'Add tags',
    'Tags are unique case-insensitively; the first spelling is kept. Allowed in every status.',
    TagsBody,
    (id, body, v, ctx) => addOrderTags(db, ctx, id, body.tags, v),
  );

  r.delete(
    '/v1/orders/:id/line_items/:item_id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove a line item',
        description: `item_id is the line's id, or a SKU on exactly one line of the order (400 ambiguous_sku when several have it). Releases its reservation; an order keeps at least one line (409 order_must_keep_a_line). ${OVERPAID} ${TRANSITION} ${IF_MATCH}`,
        params: LineItemParams,
        response: { 200: OrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => removeLineItem(db, contextOf(req), req.params.id, req.params.item_id, expectedVersion(req)),
  );

  r.delete(
    '/v1/orders/:id/discounts/:discount_id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove a discount',
        description: `${TRANSITION} ${IF_MATCH}`,
        params: DiscountParams,
        response: { 200: OrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => removeDiscount(db, contextOf(req), req.params.id, req.params.discount_id, expectedVersion(req)),
  );

  r.delete(
    '/v1/orders/:id/promotions/:promotion_id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove a promotion',
        description: `By promotion id or code; frees its use. ${TRANSITION} ${IF_MATCH}`,
        params: PromotionParams,
        response: { 200: OrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => removePromotion(db, contextOf(req), req.params.id, req.params.promotion_id, expectedVersion(req)),
  );

  r.delete(
    '/v1/orders/:id/tags/:tag',
    {
      config: write,
      schema: {
        tags,
        summary: 'Remove a tag',
        description: `Case-insensitive; removing a tag the order does not have changes nothing. ${IF_MATCH}`,
        params: TagParams,
        response: { 200: OrderSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => removeOrderTag(db, contextOf(req), req.params.id, req.params.tag, expectedVersion(req)),
  );

  registerTimelineRoute(app, db, {
    resource: 'orders',
    tag: 'Orders',
    objectName: 'order',
    load: (id) => getOrder(db, id),
  });
}

export async function shipmentRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Shipments'];
  r.get(
    '/v1/shipments',
    {
      config: { scope: 'shipments:read' },
      schema: {
        tags,
        summary: 'List shipments',
        description: 'Created by POST /v1/orders/:id/ship.',
        querystring: listQuerySchema(shipmentListSpec),
        response: { 200: listEnvelopeSchema(ShipmentSchema), ...errorResponses() },
      },
    },
    async (req) => listShipments(db, req.query),
  );
  r.get(
    '/v1/shipments/:id',
    {
      config: { scope: 'shipments:read' },
      schema: {
        tags,
        summary: 'Retrieve a shipment',
        params: IdParams,
        response: { 200: ShipmentSchema, ...errorResponses(404) },
      },
    },
    async (req) => getShipment(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/shipments/:id',
      config: { scope: 'shipments:write' },
      schema: {
        tags,
        summary: `Update a shipment's tracking${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description:
          'carrier, tracking_number, tracking_url, method, estimated_delivery, metadata. Not once cancelled (409 invalid_transition).',
        params: IdParams,
        body: UpdateShipmentBody,
        response: { 200: ShipmentSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateShipment(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.post(
    '/v1/shipments/:id/cancel',
    {
      config: { scope: 'shipments:write' },
      schema: {
        tags,
        summary: 'Cancel a shipment',
        description:
          'Before delivery only (409 invalid_transition once delivered or cancelled, or when the order is delivered). The parcel is treated as never having left: its units go back on hand (an adjustment movement referencing the shipment) and are reserved again for their order lines; the order goes back to processing, or stays partially_shipped if other shipments remain. Refused (409 shipment_has_returns) for units already returned.',
        params: IdParams,
        response: { 200: ShipmentSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => cancelShipment(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  registerTimelineRoute(app, db, {
    resource: 'shipments',
    tag: 'Shipments',
    objectName: 'shipment',
    load: (id) => getShipment(db, id),
  });
}

export async function refundRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Refunds'];
  r.get(
    '/v1/refunds',
    {
      config: { scope: 'refunds:read' },
      schema: {
        tags,
        summary: 'List refunds',
        description:
          "Created by the order actions refund, cancel, exchange and by edits that lower a paid total (reason order_edited). Filter by order_id or return_id. Refund records follow their money, so the refunds listed for an order always add up to its totals.refunded: a merge moves the merged orders' refunds to the order they merged into; a split moves refunded money to the new order with the refund records that hold it (those naming moved lines first, then the newest, refunds of returns last; order_edited refunds stay). A record only part of whose money moves is divided in two: the original keeps its id with a smaller amount, the part that moved is a new refund (same reason, method, return and created_at) on the new order, and their amounts add up to the original amount; line entries move with their money, naming the line's id on the new order. Each such change records a refund.updated event (and refund.created for the new part).",
        querystring: listQuerySchema(refundListSpec),
        response: { 200: listEnvelopeSchema(RefundSchema), ...errorResponses() },
      },
    },
    async (req) => listRefunds(db, req.query),
  );
  r.get(
    '/v1/refunds/:id',
    {
      config: { scope: 'refunds:read' },
      schema: {
        tags,
        summary: 'Retrieve a refund',
        params: IdParams,
        response: { 200: RefundSchema, ...errorResponses(404) },
      },
    },
    async (req) => getRefund(db, req.params.id),
  );
}
