import { z } from 'zod';
import { commaList } from '../../platform/list.js';
import { queryInt8 } from '../../platform/schemas.js';

export const PLAN_RUN_STATUSES = ['proposed', 'partially_applied', 'applied'] as const;

export const ReplenishmentQuery = z.strictObject({
  location_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Location id or code to plan (404 when unknown); every location when omitted'),
  sku_in: commaList
    .refine((v) => v.length <= 1000, 'At most 1000 SKUs')
    .optional()
    .describe('Plan only these SKUs and, through their active BOMs, their components (comma-separated)'),
  horizon_days: queryInt8(1, 365)
    .default(30)
    .describe('Supply expected later than today + horizon_days arrives too late and is not counted'),
});
export type ReplenishmentQueryInput = z.output<typeof ReplenishmentQuery>;

export const ApplyPlanBody = z.strictObject({
  proposal_ids: z
    .array(z.string().min(1).max(100))
    .min(1)
    .max(10_000)
    .optional()
    .describe('The proposals to apply (prp_...); all of the plan when omitted'),
});
export type ApplyPlanInput = z.output<typeof ApplyPlanBody>;

export const PlanRunParams = z.object({ plan_id: z.string().min(1).max(100) });

const count = z.number().int();

export const ExplanationSchema = z
  .object({
    on_hand: count,
    reserved: count.describe('Every active reservation (orders, wholesale orders, work orders, others)'),
    backordered: count.describe('Unshipped order units holding no reservation'),
    component_demand: count.describe(
      "Components still needed by open work orders (not issued nor reserved) plus this plan's make proposals above",
    ),
    component_demand_from_plan: count.describe("The part of component_demand from this plan's make proposals"),
    safety_stock: count,
    reorder_point: count,
    incoming: count.describe('Open purchase-order quantity (drafts included) expected within the horizon'),
    incoming_after_horizon: count.describe(
      'Open purchase-order quantity expected after the horizon: too late, not counted',
    ),
    in_transit: count.describe('Transfers on their way to this location'),
    planned_output: count.describe(
      'Remaining output of open work orders (planned ones included) due within the horizon',
    ),
    planned_output_after_horizon: count.describe('Work-order output due after the horizon: too late, not counted'),
    demand: count.describe('reserved + backordered + component_demand + max(safety_stock, reorder_point)'),
    supply: count.describe('on_hand + incoming + in_transit + planned_output'),
    net_requirement: count.describe('max(0, demand - supply)'),
    min_order_quantity: count.nullable().describe('Buy: the supplier SKU’s minimum the quantity was rounded up to'),
    order_multiple: count.nullable().describe('Buy: the supplier SKU’s multiple the quantity was rounded up to'),
  })
  .meta({ id: 'PlanProposalExplanation' });

export const PlanProposalSchema = z
  .object({
    id: z.string(),
    object: z.literal('plan_proposal'),
    plan_run_id: z.string(),
    sku: z.string(),
    location_id: z.string(),
    action: z.enum(['buy', 'make']),
    quantity: count.describe(
      'Buy: the net requirement rounded up to the supplier’s minimum and multiple; make: the net requirement',
    ),
    level: count.describe('0 = top; a component is planned after every assembly that uses it'),
    need_by: z.string().describe('YYYY-MM-DD: when the quantity is available (order_by + lead_time_days)'),
    order_by: z
      .string()
      .describe('YYYY-MM-DD: when to order (buy) or start (make; when its last proposed component arrives)'),
    lead_time_days: count,
    supplier_id: z
      .string()
      .nullable()
      .describe('Buy: the preferred supplier (else the cheapest); null when no supplier sells it'),
    supplier_sku_id: z.string().nullable(),
    unit_cost: count.nullable(),
    bom_id: z.string().nullable().describe('Make: the active bill of materials'),
    explanation: ExplanationSchema,
    status: z.enum(['proposed', 'applied']),
    purchase_order_id: z.string().nullable().describe('The draft purchase order applying created'),
    purchase_order_line_item_id: z.string().nullable(),
    work_order_id: z.string().nullable().describe('The planned work order applying created'),
    applied_at: z.string().nullable(),
  })
  .meta({ id: 'PlanProposal' });
export type PlanProposal = z.output<typeof PlanProposalSchema>;

const planRunFields = {
  id: z.string(),
  object: z.literal('plan_run'),
  computed_at: z.string(),
  location_id: z.string().nullable().describe('null: every location'),
  horizon_days: count,
  sku_in: z.array(z.string()).nullable(),
  status: z.enum(PLAN_RUN_STATUSES),
  proposal_count: count,
  duration_ms: count.describe('How long the computation took'),
  applied_at: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  version: count,
  created_at: z.string(),
  updated_at: z.string(),
};

export const PlanRunSummarySchema = z.object(planRunFields).meta({ id: 'PlanRunSummary' });
export type PlanRunSummary = z.output<typeof PlanRunSummarySchema>;

export const PlanRunSchema = z
  .object({ ...planRunFields, proposals: z.array(PlanProposalSchema) })
  .meta({ id: 'PlanRun' });
export type PlanRun = z.output<typeof PlanRunSchema>;
