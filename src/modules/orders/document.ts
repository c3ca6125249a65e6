/** The API object of an order, rendered from its draft (and stored on the row as orders.document). */
import { parseJson } from '../../platform/json.js';
import type { Order } from './schemas.js';
import { balanceDue, holdOf, type OrderDraft } from './draft.js';

/**
 * The API object of an order. Orders also keep this rendering as JSON (orders.document): a change
 * to what it returns needs a migration that sets that column back to null.
 */
export function toOrder(d: OrderDraft): Order {
  const r = d.row;
  const shippingAddress = parseJson(r.shipping_address, null);
  return {
    id: r.id,
    object: 'order',
    order_number: r.order_number,
    status: r.status,
    payment_status: r.payment_status,
    fulfillment_status: r.fulfillment_status,
    customer_id: r.customer_id,
    customer: {
      email: r.customer_email,
      first_name: r.customer_first_name,
      last_name: r.customer_last_name,
      phone: r.customer_phone,
    },
    line_items: d.lines.map((l) => ({
      id: l.id,
      object: 'order_line_item' as const,
      sku: l.sku,
      name: l.name,
      quantity: Number(l.quantity),
      price: Number(l.price),
      discount: Number(l.discount),
      tax: Number(l.tax),
      total: Number(l.total),
      quantity_shipped: Number(l.quantity_shipped),
      quantity_returned: Number(l.quantity_returned),
      quantity_refunded: Number(l.quantity_refunded),
      quantity_backordered: Number(l.quantity_backordered),
      location_id: l.location_id,
      metadata: parseJson(l.metadata, {}),
    })),
    shipping_address: shippingAddress,
    billing_address: r.billing_address ? parseJson(r.billing_address, null) : shippingAddress,
    payment:
      r.payment_method || r.payment_intent_id
        ? { method: r.payment_method, payment_intent_id: r.payment_intent_id }
        : null,
    shipping: {
      method: r.shipping_method,
      carrier: r.shipping_carrier,
      amount: Number(r.shipping_amount),
      tracking_number: r.shipping_tracking_number,
      estimated_delivery: r.shipping_estimated_delivery,
    },
    currency: r.currency,
    discounts: d.discounts.map((x) => ({
      id: x.id,
      code: x.code,
      type: x.type,
      value: x.type === 'percentage' ? Number(x.percent_off) : Number(x.amount_off),
      amount: Number(x.amount),
      reason: x.reason,
    })),
    promotions: d.promotions.map((p) => ({ promotion_id: p.promotion_id, code: p.code, amount: Number(p.amount) })),
    tax_rate: r.tax_rate,
    totals: {
      subtotal: Number(r.subtotal),
      discount: Number(r.discount_total),
      tax: Number(r.tax_total),
      shipping: Number(r.shipping_total),
      total: Number(r.total),
      paid: Number(r.paid_total),
      refunded: Number(r.refunded_total),
      balance_due: balanceDue(r),
    },
    tags: parseJson(r.tags, []),
    notes: r.notes,
    source: r.source,
    hold: holdOf(r),
    cancel: parseJson(r.cancel, null),
    split_from_order_id: r.split_from_order_id,
    merged_into_order_id: r.merged_into_order_id,
    exchange_for_return_id: r.exchange_for_return_id,
    allow_backorder: r.allow_backorder === 1,
    metadata: parseJson(r.metadata, {}),
    paid_at: r.paid_at,
    shipped_at: r.shipped_at,
    delivered_at: r.delivered_at,
    cancelled_at: r.cancelled_at,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** The draft as the API renders it, also stored on its row as the document reads send. */
export function renderDocument(d: OrderDraft): Order {
  const order = toOrder(d);
  d.row.document = JSON.stringify(order);
  return order;
}
