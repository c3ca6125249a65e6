/** Returns tables (see src/db/schema.ts for the conventions). */
export type ReturnStatus =
  'requested' | 'approved' | 'received' | 'inspected' | 'completed' | 'rejected' | 'cancelled' | 'closed';
export type ReturnType = 'refund' | 'replacement' | 'store_credit';

export interface ReturnsTable {
  id: string;
  rma: string;
  order_id: string;
  customer_id: string;
  status: ReturnStatus;
  type: ReturnType;
  reason_code: string;
  customer_notes: string | null;
  tracking_number: string | null;
  carrier: string | null;
  inspection: string | null; // JSON
  currency: string;
  refund_subtotal: number;
  restocking_fee: number;
  refund_total: number;
  refund_id: string | null;
  exchange_order_id: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ReturnLineItemsTable {
  id: string;
  return_id: string;
  order_line_item_id: string;
  sku: string;
  quantity: number;
  reason: string | null;
  condition: string | null;
  resellable: number;
  refund_amount: number;
  quantity_received: number;
  quantity_restocked: number;
  created_at: string;
  updated_at: string;
}

export interface ReturnTables {
  returns: ReturnsTable;
  return_line_items: ReturnLineItemsTable;
}
