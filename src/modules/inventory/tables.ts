/** Inventory tables (see src/db/schema.ts for the conventions). */
export interface LocationsTable {
  id: string;
  code: string;
  name: string;
  type: 'warehouse' | 'store' | 'supplier' | 'virtual';
  address: string | null; // JSON
  active: number; // 0/1
  is_default: number; // 0/1
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface InventoryItemsTable {
  id: string;
  sku: string;
  location_id: string;
  description: string | null;
  uom: string;
  /** Cached sum of this item's movements; written only by the ledger. */
  on_hand: number;
  /** Cached sum of this item's active reservations; written only by the ledger. */
  reserved: number;
  incoming: number;
  /** Sum of the transfers in transit to this item; written only by the ledger, with the transfer. */
  in_transit: number;
  reorder_point: number;
  safety_stock: number;
  unit_cost: number | null;
  lot_tracked: number;
  serial_tracked: number;
  metadata: string;
  search_text: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export type MovementReason =
  | 'receipt'
  | 'shipment'
  | 'adjustment'
  | 'transfer_out'
  | 'transfer_in'
  | 'return_restock'
  | 'cycle_count'
  | 'production_consume'
  | 'production_output'
  | 'build_to_stock';

export interface InventoryMovementsTable {
  id: string;
  inventory_item_id: string;
  quantity: number; // signed
  reason: MovementReason;
  reference_type: string | null;
  reference_id: string | null;
  reference_line_id: string | null;
  note: string | null;
  unit_cost: number | null;
  created_at: string;
}

export interface InventoryReservationsTable {
  id: string;
  inventory_item_id: string;
  quantity: number;
  reference_type: string;
  reference_id: string;
  reference_line_id: string | null;
  status: 'active' | 'consumed' | 'released';
  created_at: string;
  updated_at: string;
}

export interface TransfersTable {
  id: string;
  sku: string;
  from_item_id: string;
  to_item_id: string;
  from_location_id: string;
  to_location_id: string;
  quantity: number;
  reason: string | null;
  status: 'in_transit' | 'received';
  received_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface InventoryTables {
  locations: LocationsTable;
  inventory_items: InventoryItemsTable;
  inventory_movements: InventoryMovementsTable;
  inventory_reservations: InventoryReservationsTable;
  transfers: TransfersTable;
}
