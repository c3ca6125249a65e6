/** Cycle count tables (see src/db/schema.ts for the conventions). */
export type CycleCountStatus = 'draft' | 'in_progress' | 'completed' | 'reconciled' | 'cancelled';

export interface CycleCountsTable {
  id: string;
  cycle_count_number: string;
  location_id: string;
  status: CycleCountStatus;
  scheduled_date: string | null;
  counter: string | null;
  /** A SKU prefix: the count covers the location's items whose SKU starts with it. */
  sku_filter: string | null;
  /** JSON list of SKUs, or null. */
  skus: string | null;
  notes: string | null;
  started_at: string | null;
  completed_at: string | null;
  reconciled_at: string | null;
  cancelled_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CycleCountLinesTable {
  id: string;
  cycle_count_id: string;
  inventory_item_id: string;
  sku: string;
  /** on_hand when the count started (null before). */
  expected_quantity: number | null;
  counted_quantity: number | null;
  /** Net movements between the snapshot and the reconcile, from the ledger (set at reconcile). */
  movements_since_snapshot: number | null;
  /** The cycle_count movement posted at reconcile (0 when nothing was posted). */
  adjustment: number | null;
  counted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CycleCountTables {
  cycle_counts: CycleCountsTable;
  cycle_count_lines: CycleCountLinesTable;
}
