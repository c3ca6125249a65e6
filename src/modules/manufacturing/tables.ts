/** Manufacturing tables (see src/db/schema.ts for the conventions). */
export type BomStatus = 'draft' | 'active' | 'obsolete';
export type SupplyType = 'buy' | 'make';
export type WorkOrderStatus = 'planned' | 'released' | 'in_progress' | 'on_hold' | 'completed' | 'cancelled';
export type WorkOrderPriority = 'low' | 'normal' | 'high' | 'urgent';
export type ManufactureOrderStatus = 'planned' | 'in_production' | 'completed' | 'cancelled';

export interface BillsOfMaterialsTable {
  id: string;
  bom_number: string;
  name: string;
  sku: string;
  description: string | null;
  output_quantity: number;
  uom: string;
  /** The engineering revision ("A", "B"); `version` is the record's concurrency version. */
  revision: string;
  status: BomStatus;
  lead_time_days: number;
  /** Standard labor hours per output_quantity. */
  labor_hours: number;
  metadata: string;
  activated_at: string | null;
  obsoleted_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface BomLineItemsTable {
  id: string;
  bill_of_materials_id: string;
  position: number;
  component_sku: string;
  quantity: number;
  uom: string;
  scrap_percent: number;
  supply_type: SupplyType;
  notes: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WorkOrdersTable {
  id: string;
  work_order_number: string;
  bill_of_materials_id: string;
  sku: string;
  quantity: number;
  quantity_completed: number;
  location_id: string;
  output_location_id: string;
  manufacture_order_id: string | null;
  priority: WorkOrderPriority;
  assignee: string | null;
  due_date: string | null;
  status: WorkOrderStatus;
  /** The status a held work order resumes to. */
  previous_status: WorkOrderStatus | null;
  standard_labor_hours: number;
  actual_labor_hours: number;
  memo: string | null;
  metadata: string;
  released_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WorkOrderLineItemsTable {
  id: string;
  work_order_id: string;
  position: number;
  bom_line_item_id: string | null;
  component_sku: string;
  uom: string;
  /** Per output_quantity of the BOM, as copied at creation. */
  quantity_per: number;
  bom_output_quantity: number;
  scrap_percent: number;
  quantity_required: number;
  quantity_issued: number;
  created_at: string;
  updated_at: string;
}

export interface ManufactureOrdersTable {
  id: string;
  manufacture_order_number: string;
  sku: string;
  bill_of_materials_id: string;
  quantity: number;
  priority: WorkOrderPriority;
  location_id: string;
  yield_location_id: string;
  due_date: string | null;
  status: ManufactureOrderStatus;
  memo: string | null;
  metadata: string;
  planned_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ManufactureOrderLineItemsTable {
  id: string;
  manufacture_order_id: string;
  position: number;
  sku: string;
  quantity: number;
  output_type: 'product' | 'component';
  level: number;
  bill_of_materials_id: string | null;
  work_order_id: string | null;
  due_date: string | null;
  created_at: string;
  updated_at: string;
}

export interface ManufacturingTables {
  bills_of_materials: BillsOfMaterialsTable;
  bom_line_items: BomLineItemsTable;
  work_orders: WorkOrdersTable;
  work_order_line_items: WorkOrderLineItemsTable;
  manufacture_orders: ManufactureOrdersTable;
  manufacture_order_line_items: ManufactureOrderLineItemsTable;
}
