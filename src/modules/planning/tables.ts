/** Planning tables (see src/db/schema.ts for the conventions). */
export type PlanRunStatus = 'proposed' | 'partially_applied' | 'applied';
export type ProposalAction = 'buy' | 'make';
export type ProposalStatus = 'proposed' | 'applied';

export interface PlanRunsTable {
  id: string;
  /** The location planned, or null for every location. */
  location_id: string | null;
  horizon_days: number;
  /** JSON array of the SKUs asked for (with their components), or null for all. */
  sku_in: string | null;
  status: PlanRunStatus;
  proposal_count: number;
  computed_at: string;
  duration_ms: number;
  applied_at: string | null;
  metadata: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PlanProposalsTable {
  id: string;
  plan_run_id: string;
  position: number;
  sku: string;
  location_id: string;
  action: ProposalAction;
  quantity: number;
  level: number;
  need_by: string;
  order_by: string;
  lead_time_days: number;
  supplier_id: string | null;
  supplier_sku_id: string | null;
  unit_cost: number | null;
  bom_id: string | null;
  /** JSON: the demand and supply figures that produced the proposal. */
  explanation: string;
  status: ProposalStatus;
  purchase_order_id: string | null;
  purchase_order_line_item_id: string | null;
  work_order_id: string | null;
  applied_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PlanningTables {
  plan_runs: PlanRunsTable;
  plan_proposals: PlanProposalsTable;
}
