import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, errorResponses } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import { ApplyPlanBody, PlanRunParams, PlanRunSchema, PlanRunSummarySchema, ReplenishmentQuery } from './schemas.js';
import {
  applyReplenishmentPlan,
  getPlanRun,
  getPlanRunSummary,
  listPlanRuns,
  planRunListSpec,
  runReplenishmentPlan,
} from './service.js';

const tags = ['Replenishment planning'];
const planningRead = { scope: 'planning:read' };
const planningWrite = { scope: 'planning:write' };

const PLAN_RULES =
  'For every SKU and location: demand = reserved (active reservations of orders, wholesale orders and others) + backordered + component_demand (open work orders’ components not yet issued nor reserved, plus this plan’s make proposals above) + max(safety_stock, reorder_point); supply = on_hand + incoming (open purchase orders, drafts included) + in_transit + planned_output (open work orders, planned ones included); net_requirement = max(0, demand - supply). ' +
  'Supply expected after today + horizon_days is too late and not counted (shown as incoming_after_horizon / planned_output_after_horizon). ' +
  'SKUs are netted level by level through active BOMs (a SKU after every assembly that uses it): a SKU with an active BOM becomes a make proposal (a work order for the net requirement, whose components become demand below); any other a buy proposal from its preferred supplier SKU (else the cheapest of an active supplier), rounded up to min_order_quantity and then order_multiple. ' +
  'Dates: a buy is ordered today (order_by) and needed by today + its lead time (the supplier SKU’s, else the supplier’s); a make starts when its last proposed component arrives and is needed by that + the BOM’s lead_time_days.';

export async function planningRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/planning/replenishment',
    {
      config: planningRead,
      schema: {
        tags,
        summary: 'Compute a replenishment plan',
        description: `Computes what to buy and what to make from what the database holds now, and stores the run (plan_run.created) so it can be applied. ${PLAN_RULES} Unknown location_id: 404.`,
        querystring: ReplenishmentQuery,
        response: { 200: PlanRunSchema, ...errorResponses(404) },
      },
    },
    async (req) => runReplenishmentPlan(db, contextOf(req), req.query),
  );
  r.get(
    '/v1/planning/replenishment/:plan_id',
    {
      config: planningRead,
      schema: {
        tags,
        summary: 'Retrieve a plan run',
        description: 'The stored run with its proposals, each linked to what applying it created.',
        params: PlanRunParams,
        response: { 200: PlanRunSchema, ...errorResponses(404) },
      },
    },
    async (req) => getPlanRun(db, req.params.plan_id),
  );
  r.post(
    '/v1/planning/replenishment/:plan_id/apply',
    {
      config: planningWrite,
      schema: {
        tags,
        summary: 'Apply a plan run',
        description:
          'Creates, in one transaction, one draft purchase order per supplier and location (a line per buy proposal; order_date the earliest order_by, expected_date the latest need_by) and one planned work order per make proposal (due_date its need_by), and links each proposal to what it created (status applied). proposal_ids picks proposals (all when omitted; buy proposals without a supplier are then left proposed, and naming one is a 409 no_supplier); an id not in the plan is a 400. Applying a proposal twice creates nothing: the answer is the plan as it stands. A later plan counts the drafts and planned work orders as supply.',
        params: PlanRunParams,
        body: ApplyPlanBody,
        response: { 200: PlanRunSchema, ...errorResponses(404, 409) },
      },
    },
    async (req) => applyReplenishmentPlan(db, contextOf(req), req.params.plan_id, req.body ?? {}),
  );
  r.get(
    '/v1/plan_runs',
    {
      config: planningRead,
      schema: {
        tags,
        summary: 'List plan runs',
        description: 'Summaries (without proposals); GET /v1/planning/replenishment/{plan_id} answers one in full.',
        querystring: listQuerySchema(planRunListSpec),
        response: { 200: listEnvelopeSchema(PlanRunSummarySchema), ...errorResponses() },
      },
    },
    async (req) => listPlanRuns(db, req.query),
  );
  registerTimelineRoute(app, db, {
    resource: 'plan_runs',
    tag: tags[0],
    objectName: 'plan run',
    scope: 'planning:read',
    load: (id) => getPlanRunSummary(db, id),
  });
}
