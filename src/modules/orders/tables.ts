import type { PromotionType } from '../promotions/index.js';
/**
 * Tables of the orders module and of the documents orders create (payments, shipments, refunds).
 * Conventions as in src/db/schema.ts: text ids, ISO text timestamps, integer cents, 0/1 booleans,
 * JSON as text.
 */
export type OrderStatus =
  'pending' | 'processing' | 'on_hold' | 'partially_shipped' | 'shipped' | 'delivered' | 'cancelled' | 'merged';
export type PaymentStatus = 'unpaid' | 'paid' | 'partially_refunded' | 'refunded';
export type FulfillmentStatus =
  'unfulfilled' | 'partially_shipped' | 'shipped' | 'delivered' | 'returned' | 'partially_returned';
export type OrderSource = 'web' | 'mobile_app' | 'marketplace' | 'phone' | 'retail' | 'wholesale' | 'api';
export type AdjustmentType = 'percentage' | 'fixed';

export interface OrdersTable {
  id: string;
  order_number: string;
  status: OrderStatus;
  payment_status: PaymentStatus;
  fulfillment_status: FulfillmentStatus;
  customer_id: string;
  customer_email: string;
  customer_email_normalized: string;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_phone: string | null;
  shipping_address: string | null; // JSON
  /** JSON; null means "same as the shipping address". */
  billing_address: string | null;
  payment_method: string | null;
  payment_intent_id: string | null;
  shipping_method: string | null;
  shipping_carrier: string | null;
  shipping_tracking_number: string | null;
  shipping_estimated_delivery: string | null;
  /** What the caller set as shipping; totals.shipping may be 0 under a free-shipping promotion. */
  shipping_amount: number;
  currency: string;
  /** Percent, e.g. 8.75. A rate, not money, so a float column is fine. */
  tax_rate: number | null;
  /** Explicit tax in cents, used when there is no tax_rate. */
  tax_amount: number | null;
  subtotal: number;
  discount_total: number;
  tax_total: number;
  shipping_total: number;
  total: number;
  paid_total: number;
  refunded_total: number;
  /** The part of refunded_total refunded because an edit lowered the total (no longer counts as paid). */
  edit_refunded_total: number;
  tags: string; // JSON array
  tags_index: string;
  notes: string | null;
  source: OrderSource;
  hold: string | null; // JSON {reason, held_at, previous_status}
  cancel: string | null; // JSON {reason, notes, cancelled_at}
  split_from_order_id: string | null;
  merged_into_order_id: string | null;
  exchange_for_return_id: string | null;
  allow_backorder: number;
  metadata: string;
  search_text: string;
  paid_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  cancelled_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  /** The order as the API renders it (JSON text), rewritten by every change; null: not rendered yet. */
  document: string | null;
}

export interface OrderLineItemsTable {
  id: string;
  order_id: string;
  position: number;
  sku: string;
  name: string | null;
  location_id: string;
  quantity: number;
  price: number;
  /** Computed by computeOrderTotals and stored so past documents never change with the code. */
  discount: number;
  tax: number;
  total: number;
  quantity_shipped: number;
  quantity_returned: number;
  quantity_refunded: number;
  /** Part of the unshipped quantity that holds no reservation (allow_backorder). */
  quantity_backordered: number;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface OrderDiscountsTable {
  id: string;
  order_id: string;
  position: number;
  code: string | null;
  type: AdjustmentType;
  /** Percent for percentage discounts, e.g. 12.5. */
  percent_off: number | null;
  /** Cents for fixed discounts. */
  amount_off: number | null;
  /** Cents it took off the order, computed. */
  amount: number;
  reason: string | null;
  created_at: string;
}

/** A promotion applied to an order, with its terms as they were when applied. */
export interface OrderPromotionsTable {
  id: string;
  order_id: string;
  promotion_id: string;
  code: string;
  type: PromotionType;
  percent_off: number | null;
  amount_off: number | null;
  amount: number;
  /** 1 when this application counts in the promotion's times_used (0 for the copy a split makes). */
  counts_usage: number;
  created_at: string;
}

export interface PaymentsTable {
  id: string;
  order_id: string;
  amount: number;
  currency: string;
  method: string | null;
  payment_intent_id: string | null;
  created_at: string;
}

export type ShipmentStatus = 'shipped' | 'delivered' | 'cancelled';

export interface ShipmentsTable {
  id: string;
  order_id: string;
  status: ShipmentStatus;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  method: string | null;
  location_id: string | null;
  line_items: string; // JSON [{order_line_item_id, sku, quantity}]
  estimated_delivery: string | null;
  shipped_at: string;
  delivered_at: string | null;
  cancelled_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export type RefundMethod = 'original_payment' | 'exchange_credit';

export interface RefundsTable {
  id: string;
  order_id: string;
  return_id: string | null;
  amount: number;
  currency: string;
  reason: string | null;
  method: RefundMethod;
  status: 'succeeded';
  line_items: string; // JSON [{order_line_item_id, quantity, amount}]
  exchange_order_id: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface OrderTables {
  orders: OrdersTable;
  order_line_items: OrderLineItemsTable;
  order_discounts: OrderDiscountsTable;
  order_promotions: OrderPromotionsTable;
  payments: PaymentsTable;
  shipments: ShipmentsTable;
  refunds: RefundsTable;
}
