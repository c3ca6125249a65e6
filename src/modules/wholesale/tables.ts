/** Wholesale tables (see src/db/schema.ts for the conventions). */
export type WholesaleOrderStatus =
  'draft' | 'submitted' | 'approved' | 'partially_shipped' | 'shipped' | 'invoiced' | 'paid' | 'cancelled';
export type PaymentTerms = 'prepaid' | 'net_15' | 'net_30' | 'net_60';
/** As stored; `overdue` is computed on read from due_at (see financialStatusOf). */
export type StoredFinancialStatus = 'unpaid' | 'invoiced' | 'paid';
export type WholesaleFulfillmentStatus = 'unfulfilled' | 'partially_shipped' | 'shipped';

export interface WholesaleOrdersTable {
  id: string;
  wholesale_order_number: string;
  status: WholesaleOrderStatus;
  financial_status: StoredFinancialStatus;
  fulfillment_status: WholesaleFulfillmentStatus;
  customer_id: string;
  po_number: string | null;
  payment_terms: PaymentTerms;
  /** The location id (resolved from an id or code) the lines fill from, or null for the allocation rule. */
  location_id: string | null;
  requested_delivery_date: string | null;
  currency: string;
  subtotal: number;
  total: number;
  paid_total: number;
  invoice_number: string | null;
  invoice_issued_at: string | null;
  due_at: string | null;
  payment_method: string | null;
  payment_reference: string | null;
  memo: string | null;
  cancel_reason: string | null;
  metadata: string; // JSON
  search_text: string;
  submitted_at: string | null;
  approved_at: string | null;
  shipped_at: string | null;
  paid_at: string | null;
  cancelled_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WholesaleOrderLineItemsTable {
  id: string;
  wholesale_order_id: string;
  sku: string;
  name: string | null;
  quantity: number;
  unit_price: number;
  price_breaks: string; // JSON [{min_quantity, unit_price}]
  effective_unit_price: number;
  total: number;
  quantity_shipped: number;
  /** Set when the order is approved (where its stock is reserved). */
  location_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface WholesaleShipmentsTable {
  id: string;
  wholesale_order_id: string;
  carrier: string | null;
  tracking_number: string | null;
  line_items: string; // JSON [{wholesale_order_line_item_id, sku, quantity}]
  shipped_at: string;
  created_at: string;
}

export interface WholesaleTables {
  wholesale_orders: WholesaleOrdersTable;
  wholesale_order_line_items: WholesaleOrderLineItemsTable;
  wholesale_shipments: WholesaleShipmentsTable;
}
