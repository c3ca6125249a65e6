/** Placing an order: customer, stock, number, promotions, payment and reservations, in one transaction. */
import type { DB, Trx } from '../../../db/connection.js';
import { insertRows, writeBatch } from '../../../db/write-batch.js';
import type { RequestContext } from '../../../platform/context.js';
import { formatNumber, nextNumber } from '../../../db/counters.js';
import { ConflictError, ValidationError } from '../../../platform/errors.js';
import { recordEvent } from '../../../platform/events.js';
import { newId, nowIso } from '../../../db/ids.js';
import { mergeTags, tagsIndex, toJson } from '../../../platform/json.js';
import {
  findCustomerForOrder,
  findOrCreateCustomer,
  normalizeEmail,
  adjustOrderStats,
  type CustomerForOrder,
} from '../../customers/index.js';
import { claimPromotion } from '../../promotions/index.js';
import { type CreateOrderInput, type Order } from '../schemas.js';
import { applyTotals, confirmIfPaid, type OrderDraft } from '../draft.js';
import { itemIdOf, lookUpStock } from '../../inventory/index.js';
import { lineNeed, reserveLines, reserveLinesWithBackorder } from '../stock.js';
import type { OrdersTable, PaymentsTable } from '../tables.js';
import { inTransaction } from '../../../db/transaction.js';

// ---------------------------------------------------------------- building blocks
import { searchTextOf } from '../draft.js';
import { appliedPromotion, newDiscount, newLine } from '../lines.js';
import { insertOrder } from '../repository.js';
import { newPayment } from '../lines.js';

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

  // The order's last writes need no answer: one batch (one statement on PostgreSQL).
  const batch = writeBatch(trx);
  const order = await insertOrder(batch, draft);
  if (payment) await insertRows(batch, 'payments', [payment]);
  await recordEvent(batch, ctx, 'order.created', order);
  await adjustOrderStats(batch, customer.id, { orders: 1, value: Number(row.paid_total) });
  await batch.flush();
  return { order, draft };
}

export async function createOrder(db: DB, ctx: RequestContext, input: CreateOrderInput): Promise<Order> {
  return inTransaction(db, async (trx) => (await placeOrder(trx, ctx, input)).order);
}
