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
  /** Money refunded against this return, over all its refunds; never above refund_total (conditional update). */
  refunded_amount: number;
  refund_id: string | null;
  exchange_order_id: string | null;
  rejection_reason: string | null;
  approved_at: string | null;
  received_at: string | null;
  inspected_at: string | null;
  restocked_at: string | null;
  completed_at: string | null;
  /** Set while the return is rejected (also once closed after that): its units no longer count as returned. */
  rejected_at: string | null;
  cancelled_at: string | null;
  closed_at: string | null;
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
