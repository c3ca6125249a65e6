/** Warranty tables (see src/db/schema.ts for the conventions). */
export type WarrantyStatus =
  'submitted' | 'inspecting' | 'approved' | 'in_repair' | 'replacement_sent' | 'resolved' | 'rejected' | 'closed';
export type WarrantyResolution = 'repair' | 'replace' | 'refund' | 'none';

export interface WarrantiesTable {
  id: string;
  warranty_number: string;
  customer_id: string;
  order_id: string | null;
  order_line_item_id: string | null;
  sku: string | null;
  serial_number: string | null;
  coverage_starts_at: string | null;
  coverage_ends_at: string | null;
  coverage_terms: string | null;
  issue_description: string;
  reported_condition: string | null;
  status: WarrantyStatus;
  resolution: WarrantyResolution | null;
  repair: string | null; // JSON {type, location, estimated_cost, ticket}
  replacement_order_id: string | null;
  inspection: string | null; // JSON
  rejection_reason: string | null;
  resolution_notes: string | null;
  /** 1 when the claim was accepted past its coverage (override=true). */
  coverage_overridden: number;
  approved_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WarrantyLineItemsTable {
  id: string;
  warranty_id: string;
  sku: string;
  quantity: number;
  serial_number: string | null;
  condition: string | null;
  price: number;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface WarrantyTables {
  warranties: WarrantiesTable;
  warranty_line_items: WarrantyLineItemsTable;
}
