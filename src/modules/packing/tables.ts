/** Packing list tables (see src/db/schema.ts for the conventions). */
export type PackingListDirection = 'inbound' | 'outbound';
export type PackingListStatus =
  'draft' | 'submitted' | 'shipped' | 'partially_arrived' | 'arrived' | 'verified' | 'cancelled';

export interface PackingListsTable {
  id: string;
  packing_list_number: string;
  direction: PackingListDirection;
  purchase_order_id: string | null;
  order_id: string | null;
  shipment_id: string | null;
  location_id: string;
  status: PackingListStatus;
  carrier: string | null;
  tracking_number: string | null;
  ship_date: string | null;
  delivery_date: string | null;
  invoice_number: string | null;
  notes: string | null;
  submitted_at: string | null;
  shipped_at: string | null;
  arrived_at: string | null;
  verified_at: string | null;
  cancelled_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PackingListItemsTable {
  id: string;
  packing_list_id: string;
  sku: string;
  description: string | null;
  quantity: number;
  quantity_arrived: number;
  purchase_order_line_item_id: string | null;
  order_line_item_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface PackingTables {
  packing_lists: PackingListsTable;
  packing_list_items: PackingListItemsTable;
}
