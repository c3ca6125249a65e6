/** Purchasing tables (see src/db/schema.ts for the conventions). */
export type SupplierStatus = 'active' | 'inactive';
export type PurchaseOrderStatus =
  'draft' | 'submitted' | 'approved' | 'partially_received' | 'received' | 'completed' | 'cancelled';

export interface SuppliersTable {
  id: string;
  name: string;
  code: string | null;
  email: string | null;
  phone: string | null;
  address: string | null; // JSON
  payment_terms: string | null;
  lead_time_days: number | null;
  status: SupplierStatus;
  notes: string | null;
  metadata: string;
  search_text: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PurchaseOrdersTable {
  id: string;
  po_number: string;
  supplier_id: string;
  location_id: string;
  status: PurchaseOrderStatus;
  order_date: string | null;
  expected_date: string | null;
  currency: string;
  subtotal: number;
  tax: number;
  shipping: number;
  total: number;
  financer: string | null;
  financed_at: string | null;
  notes: string | null;
  submitted_at: string | null;
  approved_at: string | null;
  received_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PurchaseOrderLineItemsTable {
  id: string;
  purchase_order_id: string;
  sku: string;
  description: string | null;
  quantity_ordered: number;
  quantity_received: number;
  unit_cost: number;
  total: number;
  inventory_item_id: string | null;
  created_at: string;
  updated_at: string;
}

/** What one supplier sells of a SKU, on what terms; at most one preferred row per SKU. */
export interface SupplierSkusTable {
  id: string;
  supplier_id: string;
  sku: string;
  /** The supplier's own part number. */
  supplier_sku: string | null;
  description: string | null;
  unit_cost: number;
  currency: string;
  min_order_quantity: number;
  order_multiple: number;
  /** Overrides the supplier's lead_time_days when set. */
  lead_time_days: number | null;
  preferred: number; // 0/1
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PurchasingTables {
  suppliers: SuppliersTable;
  supplier_skus: SupplierSkusTable;
  purchase_orders: PurchaseOrdersTable;
  purchase_order_line_items: PurchaseOrderLineItemsTable;
}
