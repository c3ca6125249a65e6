import type { DB, Executor } from '../../db/connection.js';
import { newId, nowIso } from '../../db/ids.js';
import { insertRows } from '../../db/write-batch.js';
import { inTransaction } from '../../db/transaction.js';
import type { RequestContext } from '../../platform/context.js';
import { lockRecord, saveVersionedRow } from '../../platform/db-helpers.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { parseJson, toJson } from '../../platform/json.js';
import { runList, toEnvelope, type ListSpec } from '../../platform/list.js';
import { resolveLocationId } from '../inventory/index.js';
import { activeBomFor, insertWorkOrder, requiredQuantity } from '../manufacturing/index.js';
import { insertPurchaseOrder } from '../purchasing/index.js';
import { addDays, computePlan, type Explanation } from './engine.js';
import { loadPlanInputs } from './inputs.js';
import {
  PLAN_RUN_STATUSES,
  type ApplyPlanInput,
  type PlanProposal,
  type PlanRun,
  type PlanRunSummary,
  type ReplenishmentQueryInput,
} from './schemas.js';
import type { PlanProposalsTable, PlanRunsTable } from './tables.js';

/**
 * Plan runs: compute (engine.ts over inputs.ts), store with their proposals, and apply: draft
 * purchase orders (one per supplier and ship-to location) and planned work orders, created through
 * purchasing and manufacturing in one transaction, each linked to its proposal.
 */

export function toPlanRunSummary(row: PlanRunsTable): PlanRunSummary {
  return {
    id: row.id,
    object: 'plan_run',
    computed_at: row.computed_at,
    location_id: row.location_id,
    horizon_days: Number(row.horizon_days),
    sku_in: parseJson<string[] | null>(row.sku_in, null),
    status: row.status,
    proposal_count: Number(row.proposal_count),
    duration_ms: Number(row.duration_ms),
    applied_at: row.applied_at,
    metadata: parseJson(row.metadata, {}),
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toPlanProposal(row: PlanProposalsTable): PlanProposal {
  return {
    id: row.id,
    object: 'plan_proposal',
    plan_run_id: row.plan_run_id,
    sku: row.sku,
    location_id: row.location_id,
    action: row.action,
    quantity: Number(row.quantity),
    level: Number(row.level),
    need_by: row.need_by,
    order_by: row.order_by,
    lead_time_days: Number(row.lead_time_days),
    supplier_id: row.supplier_id,
    supplier_sku_id: row.supplier_sku_id,
    unit_cost: row.unit_cost === null ? null : Number(row.unit_cost),
    bom_id: row.bom_id,
    explanation: parseJson<Explanation>(row.explanation, {} as Explanation),
    status: row.status,
    purchase_order_id: row.purchase_order_id,
    purchase_order_line_item_id: row.purchase_order_line_item_id,
    work_order_id: row.work_order_id,
    applied_at: row.applied_at,
  };
}

const toPlanRun = (row: PlanRunsTable, proposals: PlanProposalsTable[]): PlanRun => ({
  ...toPlanRunSummary(row),
  proposals: proposals.map(toPlanProposal),
});

async function proposalsOf(db: Executor, planId: string): Promise<PlanProposalsTable[]> {
  return db.selectFrom('plan_proposals').selectAll().where('plan_run_id', '=', planId).orderBy('position').execute();
}

/** A plan date (YYYY-MM-DD) as the timestamps documents store: midnight UTC. */
const startOfDay = (date: string) => `${date}T00:00:00.000Z`;

/** Rows per INSERT when storing proposals: well under both databases' parameter limits. */
const INSERT_CHUNK = 400;

/**
 * Computes a plan from what the database holds now and stores it (plan_run.created). The inputs
 * are read outside the write transaction, so a large plan never holds SQLite's writer while it
 * computes; the stored run is a snapshot either way.
 */
export async function runReplenishmentPlan(
  db: DB,
  ctx: RequestContext,
  query: ReplenishmentQueryInput,
): Promise<PlanRun> {
  const started = performance.now();
  const locationId = query.location_id ? await resolveLocationId(db, query.location_id, 'location_id') : null;
  const computedAt = nowIso();
  const today = computedAt.slice(0, 10);
  const inputs = await loadPlanInputs(db, locationId, addDays(today, query.horizon_days));
  const computed = computePlan({ ...inputs, today, skuIn: query.sku_in, requiredQuantity });
  const id = newId('pln');
  const rows: PlanProposalsTable[] = computed.map((p, i) => ({
    id: newId('prp'),
    plan_run_id: id,
    position: i + 1,
    sku: p.sku,
    location_id: p.location_id,
    action: p.action,
    quantity: p.quantity,
    level: p.level,
    need_by: p.need_by,
    order_by: p.order_by,
    lead_time_days: p.lead_time_days,
    supplier_id: p.supplier_id,
    supplier_sku_id: p.supplier_sku_id,
    unit_cost: p.unit_cost,
    bom_id: p.bom_id,
    explanation: toJson(p.explanation),
    status: 'proposed',
    purchase_order_id: null,
    purchase_order_line_item_id: null,
    work_order_id: null,
    applied_at: null,
    created_at: computedAt,
    updated_at: computedAt,
  }));
  const run: PlanRunsTable = {
    id,
    location_id: locationId,
    horizon_days: query.horizon_days,
    sku_in: query.sku_in ? toJson(query.sku_in) : null,
    status: 'proposed',
    proposal_count: rows.length,
    computed_at: computedAt,
    duration_ms: 0,
    applied_at: null,
    metadata: '{}',
    version: 1,
    created_at: computedAt,
    updated_at: computedAt,
  };
  return inTransaction(db, async (trx) => {
    run.duration_ms = Math.round(performance.now() - started);
    await trx.insertInto('plan_runs').values(run).execute();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      await insertRows(trx, 'plan_proposals', rows.slice(i, i + INSERT_CHUNK));
    await recordEvent(trx, ctx, 'plan_run.created', toPlanRunSummary(run));
    return toPlanRun(run, rows);
  });
}

async function findPlanRow(db: Executor, id: string): Promise<PlanRunsTable> {
  const row = await db.selectFrom('plan_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('plan run', id, 'plan_id');
  return row;
}

export async function getPlanRun(db: Executor, id: string): Promise<PlanRun> {
  const row = await findPlanRow(db, id);
  return toPlanRun(row, await proposalsOf(db, id));
}

export async function getPlanRunSummary(db: Executor, id: string): Promise<PlanRunSummary> {
  return toPlanRunSummary(await findPlanRow(db, id));
}

export const planRunListSpec: ListSpec = {
  table: 'plan_runs',
  filters: {
    status: { kind: 'exact', column: 'status', multi: true, values: PLAN_RUN_STATUSES },
    location_id: { kind: 'exact', column: 'location_id' },
  },
};

export async function listPlanRuns(db: DB, query: Record<string, unknown>) {
  return toEnvelope(await runList<PlanRunsTable>(db, planRunListSpec, query), toPlanRunSummary);
}

/** The proposals an apply names (all when none are named); an id not in the plan is a 400. */
function chosenProposals(all: PlanProposalsTable[], input: ApplyPlanInput): PlanProposalsTable[] {
  if (!input.proposal_ids) return all.filter((p) => p.action === 'make' || p.supplier_id !== null);
  const byId = new Map(all.map((p) => [p.id, p]));
  const unknown = input.proposal_ids
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => !byId.has(id))
    .map(({ id, i }) => ({
      path: `proposal_ids.${i}`,
      code: 'unknown_proposal',
      message: `No proposal ${id} in this plan run`,
    }));
  if (unknown.length) throw new ValidationError('Some proposal_ids are not proposals of this plan run.', unknown);
  const chosen = [...new Set(input.proposal_ids)].map((id) => byId.get(id)!);
  const unsupplied = chosen.filter((p) => p.action === 'buy' && p.supplier_id === null);
  if (unsupplied.length)
    throw new ConflictError(
      'no_supplier',
      `No active supplier sells ${unsupplied.map((p) => p.sku).join(', ')}: add a supplier SKU and plan again.`,
      { skus: unsupplied.map((p) => p.sku) },
      'proposal_ids',
    );
  return chosen;
}

/**
 * Applies proposals not applied yet: one draft purchase order per supplier and location (a line
 * per buy proposal) and one planned work order per make proposal, in one transaction, each
 * proposal linked to what it created. The plan row is locked first, so concurrent applies run one
 * after the other and the second finds nothing left to create.
 */
export async function applyReplenishmentPlan(
  db: DB,
  ctx: RequestContext,
  planId: string,
  input: ApplyPlanInput,
): Promise<PlanRun> {
  return inTransaction(db, async (trx) => {
    const run = await lockRecord(trx, 'plan_runs', 'plan run', planId, undefined);
    const all = await proposalsOf(trx, run.id);
    const pending = chosenProposals(all, input).filter((p) => p.status === 'proposed');
    if (pending.length === 0) return toPlanRun(run, all);
    const now = nowIso();
    const applied = new Map<string, Partial<PlanProposalsTable>>();

    const purchases = new Map<string, PlanProposalsTable[]>();
    for (const p of pending.filter((p) => p.action === 'buy')) {
      const key = `${p.supplier_id}\u0000${p.location_id}`;
      purchases.set(key, [...(purchases.get(key) ?? []), p]);
    }
    for (const group of purchases.values()) {
      const order = await insertPurchaseOrder(trx, ctx, {
        supplier_id: group[0].supplier_id!,
        location_id: group[0].location_id,
        order_date: startOfDay(group.map((p) => p.order_by).sort()[0]),
        expected_date: startOfDay(group.map((p) => p.need_by).sort()[group.length - 1]),
        notes: `Proposed by plan run ${run.id}.`,
        metadata: { plan_run_id: run.id },
        line_items: group.map((p) => ({
          sku: p.sku,
          quantity_ordered: Number(p.quantity),
          unit_cost: Number(p.unit_cost ?? 0),
        })),
      });
      group.forEach((p, i) =>
        applied.set(p.id, { purchase_order_id: order.id, purchase_order_line_item_id: order.line_items[i].id }),
      );
    }
    // Sub-assemblies first, as they will be built: WO numbers follow the order of work.
    const makes = pending
      .filter((p) => p.action === 'make')
      .sort((a, b) => Number(b.level) - Number(a.level) || Number(a.position) - Number(b.position));
    for (const p of makes) {
      const bom = await activeBomFor(trx, p.bom_id ?? undefined, p.sku);
      const workOrder = await insertWorkOrder(trx, ctx, {
        bom,
        quantity: Number(p.quantity),
        locationId: p.location_id,
        outputLocationId: p.location_id,
        due_date: startOfDay(p.need_by),
        memo: `Proposed by plan run ${run.id}; start by ${p.order_by}.`,
        metadata: { plan_run_id: run.id, plan_proposal_id: p.id },
      });
      applied.set(p.id, { work_order_id: workOrder.id });
    }
    for (const [id, links] of applied)
      await trx
        .updateTable('plan_proposals')
        .set({ ...links, status: 'applied', applied_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'proposed')
        .execute();

    const after = await proposalsOf(trx, run.id);
    const status = after.every((p) => p.status === 'applied') ? 'applied' : 'partially_applied';
    const saved = await saveVersionedRow(trx, 'plan_runs', run, { status, applied_at: now });
    await recordEvent(trx, ctx, 'plan_run.applied', toPlanRunSummary(saved), {
      status: run.status,
      applied_at: run.applied_at,
      version: run.version,
    });
    return toPlanRun(saved, after);
  });
}
