import { z } from 'zod';
import type { DB, Executor, Trx } from '../../db/connection.js';
import { insertRowsQuery, writeTogether } from '../../db/prepared.js';
import type { ExpectedVersion, RequestContext } from '../../platform/context.js';
import { formatNumber, nextNumber } from '../../db/counters.js';
import { ApiError, ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { eventRow } from '../../platform/events.js';
import { newId, nowIso } from '../../db/ids.js';
import { mergeTags, parseJson, tagsIndex, toJson, type JsonText } from '../../platform/json.js';
import { containsText, envelopeJsonText, runList, type ListSpec } from '../../platform/list.js';
import { mergeMetadata } from '../../platform/schemas.js';
import {
  adjustOrderStats,
  findCustomerForOrder,
  findOrCreateCustomer,
  normalizeEmail,
  orderStatsQuery,
  type CustomerForOrder,
} from '../customers/index.js';
import { releaseByReference } from '../inventory/index.js';
import { claimPromotion, normalizeCode, releasePromotionUse } from '../promotions/index.js';
import { insertRefund } from './refunds.js';
import {
  FULFILLMENT_STATUSES,
  ORDER_SOURCES,
  PAYMENT_STATUSES,
  type CreateOrderInput,
  type DiscountInput,
  type LineItemInput,
  type Order,
  type UpdateOrderInput,
} from './schemas.js';
import { applyTotals, balanceDue, confirmIfPaid, holdOf, refundable, type OrderDraft } from './draft.js';
import {
  documentsOf,
  insertOrderQueries,
  loadOrder,
  loadOrderDocument,
  searchTextOf,
  setTags,
  toOrder,
} from './store.js';
import { itemIdOf, lookUpStock } from '../inventory/index.js';
import { lineNeed, lineReference, reserveLines, reserveLinesWithBackorder } from './stock.js';
import type {
  OrderDiscountsTable,
  OrderLineItemsTable,
  OrderPromotionsTable,
  OrdersTable,
  PaymentsTable,
} from './tables.js';
import { ORDER_STATUSES, transitionOrder } from './transitions.js';
import { inTransaction } from '../../db/transaction.js';
import { orderCommand } from './command.js';

// ---------------------------------------------------------------- building blocks

export function newLine(
  orderId: string,
  position: number,
  input: LineItemInput,
  locationId: string,
  now: string,
): OrderLineItemsTable {
  return {
    id: newId('oli'),
    order_id: orderId,
    position,
    sku: input.sku,
    name: input.name ?? null,
    location_id: locationId,
    quantity: input.quantity,
    price: input.price,
    discount: 0,
    tax: 0,
    total: 0,
    quantity_shipped: 0,
    quantity_returned: 0,
    quantity_refunded: 0,
    quantity_backordered: 0,
    metadata: toJson(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };
}

export function newDiscount(orderId: string, position: number, input: DiscountInput, now: string): OrderDiscountsTable {
  return {
    id: newId('dsc'),
    order_id: orderId,
    position,
    code: input.code ?? null,
    type: input.type,
    percent_off: input.type === 'percentage' ? input.value : null,
    amount_off: input.type === 'fixed' ? input.value : null,
    amount: 0,
    reason: input.reason ?? null,
    created_at: now,
  };
}

function newPayment(
  orderId: string,
  currency: string,
  amount: number,
  method: string | null | undefined,
  intent: string | null | undefined,
  now: string,
): PaymentsTable {
  return {
    id: newId('pay'),
    order_id: orderId,
    amount,
    currency,
    method: method ?? null,
    payment_intent_id: intent ?? null,
    created_at: now,
  };
}

const nextPosition = (rows: Array<{ position: number }>) => rows.reduce((n, r) => Math.max(n, r.position + 1), 0);

/** A line of an order as an action body names it: by its `oli_` id, or by a SKU on exactly one of its lines. */
export interface LineRef {
  id?: string;
  sku?: string;
}

/**
 * The one line `ref` names: by id, or by SKU when exactly one line of the order has it. A SKU on
 * several lines is a 400 ambiguous_sku listing their ids; a missing line is a 400 at `path` (or a
 * 404 when the line was named in the URL).
 */
export function resolveLine(
  d: OrderDraft,
  ref: LineRef,
  path: string,
  missing: 'invalid' | 'not_found' = 'invalid',
): OrderLineItemsTable {
  const name = ref.id !== undefined ? `line item "${ref.id}"` : `line with SKU "${ref.sku}"`;
  const candidates =
    ref.id !== undefined ? d.lines.filter((l) => l.id === ref.id) : d.lines.filter((l) => l.sku === ref.sku);
  if (candidates.length === 0) {
    if (missing === 'not_found') throw new NotFoundError('order line item', ref.id ?? ref.sku ?? '', path);
    const field = ref.id !== undefined ? 'id' : 'sku';
    throw new ValidationError(`Order ${d.row.order_number} has no ${name}.`, [
      { path: path ? `${path}.${field}` : field, code: 'resource_missing', message: `No ${name} on this order` },
    ]);
  }
  if (candidates.length > 1) {
    const ids = candidates.map((l) => l.id);
    throw new ApiError(
      400,
      'invalid_request_error',
      'ambiguous_sku',
      `SKU "${ref.sku}" is on ${ids.length} lines of order ${d.row.order_number} (${ids.join(', ')}); name the line by its id.`,
      {
        param: path ? `${path}.sku` : 'sku',
        details: { sku: ref.sku, line_item_ids: ids },
      },
    );
  }
  return candidates[0];
}

/** The order's lines for `items` (each by id or SKU, see resolveLine), quantities summed per line. */
export function resolveLineQuantities(
  d: OrderDraft,
  items: Array<LineRef & { quantity: number }>,
  field: string,
): Array<{ line: OrderLineItemsTable; quantity: number; index: number }> {
  const byLine = new Map<string, { line: OrderLineItemsTable; quantity: number; index: number }>();
  items.forEach((item, index) => {
    const line = resolveLine(d, item, `${field}[${index}]`);
    const entry = byLine.get(line.id);
    if (entry) entry.quantity += item.quantity;
    else byLine.set(line.id, { line, quantity: item.quantity, index });
  });
  return [...byLine.values()];
}

// ---------------------------------------------------------------- create

export interface PlaceOrderExtras {
  exchangeForReturnId?: string;
  /** Money already paid for this order, up to its total (the credit of an exchange). */
  credit?: { upTo: number; method: string };
  now?: string;
  /** The body field the lines came in (an exchange's new_items), for error paths. */
  linesField?: string;
}

async function resolveCustomer(
  trx: Trx,
  ctx: RequestContext,
  input: CreateOrderInput,
): Promise<{
  customer: CustomerForOrder;
  snapshot: { email: string; first_name: string | null; last_name: string | null; phone: string | null };
}> {
  if (input.customer_id) {
    const customer = await findCustomerForOrder(trx, input.customer_id);
    if (!customer)
      throw new ValidationError(`No customer with id "${input.customer_id}".`, [
        { path: 'customer_id', code: 'resource_missing', message: `No customer with id "${input.customer_id}"` },
      ]);
    return {
      customer,
      snapshot: {
        email: customer.email,
        first_name: customer.first_name,
        last_name: customer.last_name,
        phone: customer.phone,
      },
    };
  }
  const inline = input.customer!;
  const customer: CustomerForOrder = await findOrCreateCustomer(trx, ctx, {
    email: inline.email,
    first_name: inline.first_name,
    last_name: inline.last_name,
    phone: inline.phone,
  });
  return {
    customer,
    snapshot: {
      email: inline.email.trim(),
      first_name: inline.first_name ?? customer.first_name,
      last_name: inline.last_name ?? customer.last_name,
      phone: inline.phone ?? customer.phone,
    },
  };
}

/**
 * Creates an order inside the caller's transaction (also used by exchanges). Kept to a handful of
 * statements: the customer, one stock lookup, one counter, multi-row inserts, the event, then the
 * reservations and the customer's counters last, so the rows they lock stay locked briefly.
 */
export async function placeOrder(
  trx: Trx,
  ctx: RequestContext,
  input: CreateOrderInput,
  extras: PlaceOrderExtras = {},
): Promise<{ order: Order; draft: OrderDraft }> {
  const now = extras.now ?? nowIso();
  const lineInputs = (input.line_items ?? input.items)!;
  const field = extras.linesField ?? (input.line_items ? 'line_items' : 'items');
  const { customer, snapshot } = await resolveCustomer(trx, ctx, input);
  const stock = await lookUpStock(
    trx,
    lineInputs,
    { location: (i) => `${field}[${i}].location_id`, sku: (i) => `${field}[${i}].sku` },
    input.location_id ? { idOrCode: input.location_id, path: 'location_id' } : null,
  );

  const id = newId('ord');
  const orderNumber = formatNumber('ORD', await nextNumber(trx, 'order'));
  const tags = input.tags ? mergeTags([], input.tags) : [];
  const row: OrdersTable = {
    id,
    order_number: orderNumber,
    status: 'pending',
    payment_status: 'unpaid',
    fulfillment_status: 'unfulfilled',
    customer_id: customer.id,
    customer_email: snapshot.email,
    customer_email_normalized: normalizeEmail(snapshot.email),
    customer_first_name: snapshot.first_name,
    customer_last_name: snapshot.last_name,
    customer_phone: snapshot.phone,
    shipping_address: input.shipping_address
      ? toJson(input.shipping_address)
      : (customer.default_shipping_address ?? null),
    billing_address: input.billing_address ? toJson(input.billing_address) : null,
    payment_method: input.payment?.method ?? null,
    payment_intent_id: input.payment?.payment_intent_id ?? null,
    shipping_method: input.shipping?.method ?? null,
    shipping_carrier: input.shipping?.carrier ?? null,
    shipping_tracking_number: null,
    shipping_estimated_delivery: input.shipping?.estimated_delivery ?? null,
    shipping_amount: input.shipping?.amount ?? 0,
    currency: (input.currency ?? 'USD').toUpperCase(),
    tax_rate: input.tax_rate ?? null,
    tax_amount: input.tax_rate == null ? (input.tax ?? null) : null,
    subtotal: 0,
    discount_total: 0,
    tax_total: 0,
    shipping_total: 0,
    total: 0,
    paid_total: 0,
    refunded_total: 0,
    edit_refunded_total: 0,
    tags: toJson(tags),
    tags_index: tagsIndex(tags),
    notes: input.notes ?? null,
    source: input.source ?? 'api',
    hold: null,
    cancel: null,
    split_from_order_id: null,
    merged_into_order_id: null,
    exchange_for_return_id: extras.exchangeForReturnId ?? null,
    allow_backorder: input.allow_backorder ? 1 : 0,
    metadata: toJson(input.metadata ?? {}),
    search_text: '',
    paid_at: null,
    shipped_at: null,
    delivered_at: null,
    cancelled_at: null,
    version: 1,
    created_at: now,
    updated_at: now,
    document: null,
  };
  row.search_text = searchTextOf(row);
  const draft: OrderDraft = {
    row,
    lines: lineInputs.map((l, i) => newLine(id, i, l, stock.locations[i], now)),
    discounts: (input.discounts ?? []).map((d, i) => newDiscount(id, i, d, now)),
    promotions: [],
  };
  applyTotals(draft);

  const codes = [...(input.promotion_codes ?? []), ...(input.discount_codes ?? [])];
  const seen = new Set<string>();
  for (const code of codes) {
    const promotion = await claimPromotion(trx, code, { subtotal: Number(row.subtotal), currency: row.currency }, now);
    if (seen.has(promotion.id))
      throw new ConflictError(
        'promotion_not_applicable',
        `Promotion "${code}" is applied once per order.`,
        { code, reason: 'already_applied' },
        'promotion_codes',
      );
    seen.add(promotion.id);
    draft.promotions.push(appliedPromotion(id, promotion, now));
  }
  if (draft.promotions.length) applyTotals(draft);

  let payment: PaymentsTable | null = null;
  const paid = extras.credit
    ? { amount: Math.min(extras.credit.upTo, Number(row.total)), method: extras.credit.method }
    : input.payment?.status === 'paid'
      ? { amount: input.payment.amount ?? Number(row.total), method: input.payment.method ?? null }
      : null;
  if (paid && paid.amount > Number(row.total)) {
    throw new ValidationError(`The payment of ${paid.amount} is more than the order total ${row.total}.`, [
      { path: 'payment.amount', code: 'too_big', message: `At most the order total, ${row.total}` },
    ]);
  }
  if (paid && paid.amount > 0) {
    payment = newPayment(id, row.currency, paid.amount, paid.method, input.payment?.payment_intent_id, now);
    row.paid_total = paid.amount;
    applyTotals(draft);
  }
  confirmIfPaid(draft, now);

  const lines = draft.lines.map((line) => ({
    line,
    need: lineNeed(line, Number(line.quantity), itemIdOf(stock, line.sku, line.location_id)),
  }));
  if (input.allow_backorder) await reserveLinesWithBackorder(trx, ctx, id, lines);
  else
    await reserveLines(
      trx,
      ctx,
      id,
      lines.map((l) => l.need),
      stock,
    );

  const { order, queries } = insertOrderQueries(trx, draft);
  await writeTogether(trx, [
    ...queries,
    payment ? insertRowsQuery(trx, 'payments', [payment]) : undefined,
    insertRowsQuery(trx, 'events', [eventRow(ctx, 'order.created', order)]),
    orderStatsQuery(trx, customer.id, { orders: 1, value: Number(row.paid_total) }),
  ]);
  return { order, draft };
}

export function appliedPromotion(
  orderId: string,
  p: {
    id: string;
    code: string;
    type: OrderPromotionsTable['type'];
    percent_off: number | null;
    amount_off: number | null;
  },
  now: string,
): OrderPromotionsTable {
  return {
    id: newId('opr'),
    order_id: orderId,
    promotion_id: p.id,
    code: p.code,
    type: p.type,
    percent_off: p.percent_off,
    amount_off: p.amount_off,
    amount: 0,
    counts_usage: 1,
    created_at: now,
  };
}

export async function createOrder(db: DB, ctx: RequestContext, input: CreateOrderInput): Promise<Order> {
  return inTransaction(db, async (trx) => (await placeOrder(trx, ctx, input)).order);
}

// ---------------------------------------------------------------- read

export const orderListSpec: ListSpec = {
  table: 'orders',
  sortable: ['updated_at', 'total', 'order_number'],
  updatedRange: true,
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: ORDER_STATUSES },
    payment_status: { kind: 'exact', column: 'payment_status', multi: true, values: PAYMENT_STATUSES },
    fulfillment_status: { kind: 'exact', column: 'fulfillment_status', multi: true, values: FULFILLMENT_STATUSES },
    customer_id: { kind: 'exact', column: 'customer_id' },
    customer_email: {
      kind: 'custom',
      schema: z
        .string()
        .min(1)
        .describe(
          'Orders of the customer with this email (case-insensitive); `search` also finds an order by the email on it',
        ),
      apply: (qb, email: string) =>
        qb.where((eb: any) =>
          eb(
            'orders.customer_id',
            'in',
            eb
              .selectFrom('customers')
              .select('customers.id')
              .where('customers.email_normalized', '=', normalizeEmail(email)),
          ),
        ),
    },
    source: { kind: 'exact', column: 'source', multi: true, values: ORDER_SOURCES },
    currency: { kind: 'exact', column: 'currency', normalize: (v) => v.toUpperCase() },
    total: { kind: 'range', column: 'total' },
    sku: {
      kind: 'custom',
      schema: z.string().trim().min(1).describe('Orders with a line of this SKU'),
      apply: (qb, sku: string) =>
        qb.where((eb: any) =>
          eb(
            'orders.id',
            'in',
            eb
              .selectFrom('order_line_items')
              .select('order_line_items.order_id')
              .where('order_line_items.sku', '=', sku),
          ),
        ),
    },
    tag: {
      kind: 'custom',
      schema: z.string().min(1),
      apply: (qb, tag: string) => qb.where(containsText('tags_index', `|${tag}|`)),
    },
    search: {
      kind: 'custom',
      schema: z.string().min(1).describe('Order number, customer email or name'),
      apply: (qb, term: string) => qb.where(containsText('search_text', term)),
    },
  },
};

/** A page of orders as JSON text: their stored documents in the list envelope. */
export async function listOrders(db: DB, query: Record<string, unknown>): Promise<JsonText> {
  const result = await runList<Pick<OrdersTable, 'id' | 'document'>>(db, orderListSpec, query, undefined, ['document']);
  return envelopeJsonText(result, await documentsOf(db, result.rows));
}

/** An order as JSON text (its stored document), for retrieve. */
export function getOrderJson(db: DB, idOrNumber: string): Promise<JsonText> {
  return loadOrderDocument(db, idOrNumber);
}

export async function getOrder(db: Executor, idOrNumber: string): Promise<Order> {
  return toOrder(await loadOrder(db, idOrNumber));
}

// ---------------------------------------------------------------- commands

export async function updateOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: UpdateOrderInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, before) => {
    const { event } = transitionOrder('update', next.row);
    const r = next.row;
    if (input.shipping_address !== undefined)
      r.shipping_address = input.shipping_address ? toJson(input.shipping_address) : null;
    if (input.billing_address !== undefined)
      r.billing_address = input.billing_address ? toJson(input.billing_address) : null;
    if (input.shipping) {
      if (input.shipping.method !== undefined) r.shipping_method = input.shipping.method;
      if (input.shipping.carrier !== undefined) r.shipping_carrier = input.shipping.carrier;
      if (input.shipping.amount !== undefined) r.shipping_amount = input.shipping.amount;
      if (input.shipping.estimated_delivery !== undefined)
        r.shipping_estimated_delivery = input.shipping.estimated_delivery;
    }
    if (input.notes !== undefined) r.notes = input.notes;
    if (input.email !== undefined) {
      r.customer_email = input.email.trim();
      r.customer_email_normalized = normalizeEmail(input.email);
      r.search_text = searchTextOf(r);
    }
    if (input.metadata !== undefined) {
      const metadata = mergeMetadata(parseJson(r.metadata, {}), input.metadata);
      r.metadata = toJson(metadata);
    }
    if (input.tax_rate !== undefined) {
      r.tax_rate = input.tax_rate;
      r.tax_amount = null;
    }
    applyTotals(next);
    const unchanged =
      JSON.stringify({ ...toOrder(next), version: 0, updated_at: '' }) ===
      JSON.stringify({ ...toOrder(before), version: 0, updated_at: '' });
    return { event: unchanged ? null : event };
  });
  return order;
}

export async function addLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: LineItemInput & { allow_backorder?: boolean },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('add_line_item', next.row);
    const stock = await lookUpStock(trx, [input], { location: () => 'location_id', sku: () => 'sku' });
    const line = newLine(next.row.id, nextPosition(next.lines), input, stock.locations[0], now);
    const need = lineNeed(line, line.quantity, itemIdOf(stock, line.sku, line.location_id));
    if (input.allow_backorder ?? next.row.allow_backorder === 1)
      await reserveLinesWithBackorder(trx, ctx, next.row.id, [{ line, need }]);
    else await reserveLines(trx, ctx, next.row.id, [need], stock);
    next.lines.push(line);
    return { event };
  });
  return order;
}

/** `line` is the line's id or a SKU on exactly one line (from the URL: a missing line is a 404; from a body: a 400 at `param`). */
export async function removeLineItem(
  db: DB,
  ctx: RequestContext,
  id: string,
  line: string | LineRef,
  expected?: ExpectedVersion,
  param = 'item_id',
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next) => {
    const { event } = transitionOrder('remove_line_item', next.row);
    const found =
      typeof line === 'string'
        ? (next.lines.find((l) => l.id === line) ?? resolveLine(next, { sku: line }, param, 'not_found'))
        : resolveLine(next, line, '');
    if (next.lines.length === 1) {
      throw new ConflictError(
        'order_must_keep_a_line',
        `Line ${found.id} is the last line of order ${next.row.order_number}; cancel the order instead.`,
        undefined,
        param,
      );
    }
    await releaseByReference(trx, ctx, lineReference(next.row.id, found.id));
    next.lines = next.lines.filter((l) => l.id !== found.id);
    return { event };
  });
  return order;
}

export async function addDiscount(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: DiscountInput,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, _before, now) => {
    const { event } = transitionOrder('add_discount', next.row);
    next.discounts.push(newDiscount(next.row.id, nextPosition(next.discounts), input, now));
    return { event };
  });
  return order;
}

export async function removeDiscount(
  db: DB,
  ctx: RequestContext,
  id: string,
  discountId: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('remove_discount', next.row);
    if (!next.discounts.some((x) => x.id === discountId)) throw new NotFoundError('order discount', discountId);
    next.discounts = next.discounts.filter((x) => x.id !== discountId);
    return { event };
  });
  return order;
}

export async function applyPromotion(
  db: DB,
  ctx: RequestContext,
  id: string,
  code: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('apply_promotion', next.row);
    const promotion = await claimPromotion(
      trx,
      code,
      { subtotal: Number(next.row.subtotal), currency: next.row.currency },
      now,
    );
    if (next.promotions.some((p) => p.promotion_id === promotion.id)) {
      throw new ConflictError(
        'promotion_not_applicable',
        `Promotion "${promotion.code}" is already applied to order ${next.row.order_number}; it applies once per order.`,
        { code, reason: 'already_applied' },
        'code',
      );
    }
    next.promotions.push(appliedPromotion(next.row.id, promotion, now));
    return { event };
  });
  return order;
}

export async function removePromotion(
  db: DB,
  ctx: RequestContext,
  id: string,
  promotionIdOrCode: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next) => {
    const { event } = transitionOrder('remove_promotion', next.row);
    const applied = next.promotions.find(
      (p) => p.promotion_id === promotionIdOrCode || normalizeCode(p.code) === normalizeCode(promotionIdOrCode),
    );
    if (!applied) throw new NotFoundError('promotion on this order', promotionIdOrCode);
    if (applied.counts_usage === 1) await releasePromotionUse(trx, applied.promotion_id);
    next.promotions = next.promotions.filter((p) => p !== applied);
    return { event };
  });
  return order;
}

export async function payOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { amount?: number; method?: string | null; payment_intent_id?: string | null },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { event } = transitionOrder('pay', next.row);
    const due = balanceDue(next.row);
    if (due === 0)
      throw new ConflictError('order_already_paid', `Order ${next.row.order_number} has nothing left to pay.`, {
        balance_due: 0,
      });
    const amount = input.amount ?? due;
    if (amount > due)
      throw new ConflictError(
        'payment_exceeds_balance',
        `A payment of ${amount} is more than the balance due of ${due}.`,
        { balance_due: due },
        'amount',
      );
    await trx
      .insertInto('payments')
      .values(
        newPayment(
          next.row.id,
          next.row.currency,
          amount,
          input.method ?? next.row.payment_method,
          input.payment_intent_id,
          now,
        ),
      )
      .execute();
    next.row.paid_total = Number(next.row.paid_total) + amount;
    if (input.method !== undefined) next.row.payment_method = input.method;
    if (input.payment_intent_id !== undefined) next.row.payment_intent_id = input.payment_intent_id;
    await adjustOrderStats(trx, next.row.customer_id, { value: amount });
    return { event };
  });
  return order;
}

export async function cancelOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  input: { reason: string; notes?: string | null },
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (trx, next, _before, now) => {
    const { to, event } = transitionOrder('cancel', next.row);
    const r = next.row;
    // A cancelled order never used its promotions: their uses go back (the entries stay, as a record).
    // Promotions before inventory items: the global lock order (src/db/transaction.ts).
    for (const p of next.promotions) {
      if (p.counts_usage !== 1) continue;
      await releasePromotionUse(trx, p.promotion_id);
      p.counts_usage = 0;
    }
    await releaseByReference(trx, ctx, { type: 'order', id: r.id });
    for (const l of next.lines) l.quantity_backordered = 0;
    const paidBack = refundable(r);
    if (paidBack > 0) {
      await insertRefund(trx, ctx, {
        order: r,
        amount: paidBack,
        reason: 'order_cancelled',
        method: 'original_payment',
        now,
      });
      r.refunded_total = Number(r.refunded_total) + paidBack;
      await adjustOrderStats(trx, r.customer_id, { value: -paidBack });
    }
    r.status = to;
    r.hold = null;
    r.cancel = toJson({ reason: input.reason, notes: input.notes ?? null, cancelled_at: now });
    r.cancelled_at = now;
    return { event };
  });
  return order;
}

export async function holdOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  reason: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next, _before, now) => {
    const { to, event } = transitionOrder('hold', next.row);
    next.row.hold = toJson({ reason, held_at: now, previous_status: next.row.status });
    next.row.status = to;
    return { event };
  });
  return order;
}

export async function releaseOrder(
  db: DB,
  ctx: RequestContext,
  id: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { to, event } = transitionOrder('release', {
      status: next.row.status,
      previousStatus: holdOf(next.row)?.previous_status,
    });
    next.row.status = to;
    next.row.hold = null;
    return { event };
  });
  return order;
}

export async function addOrderTags(
  db: DB,
  ctx: RequestContext,
  id: string,
  tags: string[],
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('tag', next.row);
    const current: string[] = parseJson(next.row.tags, []);
    const merged = mergeTags(current, tags);
    if (merged.length === current.length) return { event: null };
    setTags(next.row, merged);
    return { event };
  });
  return order;
}

export async function removeOrderTag(
  db: DB,
  ctx: RequestContext,
  id: string,
  tag: string,
  expected?: ExpectedVersion,
): Promise<Order> {
  const { order } = await orderCommand(db, ctx, id, expected, async (_trx, next) => {
    const { event } = transitionOrder('untag', next.row);
    const current: string[] = parseJson(next.row.tags, []);
    const kept = current.filter((t) => t.toLowerCase() !== tag.trim().toLowerCase());
    if (kept.length === current.length) return { event: null };
    setTags(next.row, kept);
    return { event };
  });
  return order;
}
